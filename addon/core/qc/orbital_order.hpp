// Maps between hamd's orbital order and PySCF's (cartesian-free, "sph" integrals).
//
// PySCF conventions, checked against PySCF 2.14 by evaluating mol.eval_gto('GTOval_sph') on
// unit-sphere points and fitting each AO to hamd's real harmonics (one-off script; the overlap
// test re-checks it against int1e_ovlp, test/native/data/make_overlap_reference.py):
//  - within an atom PySCF sorts the shells by angular momentum, stably (all s, then p, then d,
//    each group in the order the basis lists it); hamd keeps the basis' own shell order;
//  - p shells are (px, py, pz); hamd's real-harmonic order is (y, z, x);
//  - d (and higher) shells are m = -l..l exactly as hamd's (dxy, dyz, dz^2, dxz, dx2-y2);
//  - every sign agrees with hamd's harmonics (no Condon-Shortley phase anywhere), so the map
//    is a pure permutation. The sign vector is kept in the interface for bases where it is not.
#pragma once
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "core/qc/basis.hpp"

namespace hamd {

struct OrbitalPermutation {
    // PySCF orbital k is hamd orbital hamd_index[k], multiplied by sign[k].
    std::vector<int> hamd_index;
    std::vector<double> sign;
};

OrbitalPermutation pyscf_order(const OrbitalLayout& layout);

// M_pyscf[k, l] = s_k s_l M_hamd[p_k, p_l] and its inverse; the matrix must be size x size.
Eigen::MatrixXd matrix_hamd_to_pyscf(const Eigen::MatrixXd& hamd, const OrbitalPermutation& order);
Eigen::MatrixXd matrix_pyscf_to_hamd(const Eigen::MatrixXd& pyscf, const OrbitalPermutation& order);
// Rows only (orbital coefficients: rows are AOs, columns are MOs).
Eigen::MatrixXd rows_hamd_to_pyscf(const Eigen::MatrixXd& hamd, const OrbitalPermutation& order);
Eigen::MatrixXd rows_pyscf_to_hamd(const Eigen::MatrixXd& pyscf, const OrbitalPermutation& order);

// PySCF-style AO label of a hamd orbital, e.g. "2 C 2px", "0 O 3dz^2".
std::string orbital_label_string(const OrbitalLayout& layout, const OrbitalLabel& label);
// Labels in hamd order, or in PySCF order when pyscf is true.
std::vector<std::string> orbital_label_strings(const OrbitalLayout& layout, bool pyscf);

}  // namespace hamd
