// Synthetic reference data for the Hamiltonian model tests: no PySCF needed.
// The "Fock" matrix is an extended-Hueckel-like F = Wolfsberg-Helmholz(S) built from the
// analytic overlap, so it is an exact equivariant function of the geometry, as a real F is.
// The "large-basis" levels are a smooth distortion of its spectrum.
#pragma once
#include <random>
#include <vector>

#include <Eigen/Dense>

#include "core/math/eigen_solver.hpp"
#include "core/qc/overlap.hpp"
#include "core/training/hamiltonian_dataset.hpp"
#include "core/training/hamiltonian_training.hpp"
#include "test_hamiltonian_util.hpp"

namespace modeltest {

inline double onsite_energy(int z, int n, int l) {
    if (z == 1) return -0.5;
    const double core = z == 6 ? -11.0 : z == 7 ? -15.5 : -20.5;
    if (n == 1) return core;
    const double s2 = z == 6 ? -0.71 : z == 7 ? -0.95 : -1.2;
    return l == 0 ? s2 : s2 + 0.35;
}

inline Eigen::MatrixXd huckel_orthogonal_fock(const hamd::Basis& basis, const hamd::System& system) {
    const hamd::OrbitalLayout layout(basis, system.types);
    const Eigen::MatrixXd S = hamd::overlap_matrix(basis, system);
    Eigen::VectorXd h(layout.size());
    for (int a = 0; a < layout.atom_count(); ++a)
        for (const auto& shell : layout.shells(a))
            for (int m = 0; m < 2 * shell.l + 1; ++m) h[shell.offset + m] = onsite_energy(layout.atomic_number(a), shell.n, shell.l);
    Eigen::MatrixXd F(layout.size(), layout.size());
    for (int i = 0; i < layout.size(); ++i)
        for (int j = 0; j < layout.size(); ++j) F(i, j) = i == j ? h[i] : 0.875 * (h[i] + h[j]) * S(i, j);
    const Eigen::MatrixXd Fp = hamd::orthogonalise(F, hamd::loewdin(S));
    return (Fp + Fp.transpose()) / 2;
}

// Random displacements of a molecule (sigma Angstrom per component).
inline hamd::System displaced(const hamd::System& system, double sigma, std::mt19937& rng) {
    std::normal_distribution<double> normal(0.0, sigma);
    hamd::System out = system;
    for (double& x : out.positions) x += normal(rng);
    return out;
}

inline hamd::ReferenceStructure synthetic_reference(const hamd::Basis& basis, const hamd::System& system, int molecule) {
    hamd::ReferenceStructure ref;
    ref.system = system;
    ref.molecule = molecule;
    for (int32_t z : system.types) ref.n_electrons += z;
    ref.orthogonal_fock = huckel_orthogonal_fock(basis, system);
    const Eigen::VectorXd eps = hamd::symmetric_eigen(ref.orthogonal_fock, false).values;
    for (int k = 0; k < eps.size(); ++k) {
        ref.minimal_energies.push_back(eps[k]);
        ref.large_energies.push_back(0.9 * eps[k] - 0.02 + 0.01 * std::sin(3.0 * eps[k]));
    }
    return ref;
}

}  // namespace modeltest
