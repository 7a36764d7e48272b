// Analytic overlap (and dipole) matrices of a contracted Gaussian basis and Loewdin orthogonalisation.
#pragma once
#include <array>

#include <Eigen/Dense>

#include "core/qc/basis.hpp"
#include "core/systems/system.hpp"

namespace hamd {

// Bohr radius in Angstrom, the value PySCF uses (pyscf.lib.param.BOHR), so S matches it to 1e-12.
constexpr double kBohrAngstrom = 0.52917721092;

// S in hamd's orbital order for the atoms of `system` (positions in Angstrom; the cell is
// ignored: molecules only). Each contracted AO is normalised to 1, as in PySCF.
Eigen::MatrixXd overlap_matrix(const Basis& basis, const System& system);

// S and the dipole integrals <mu|r_d|nu> (d = x, y, z; origin at 0, Bohr), both for AOs
// normalised to 1, in hamd's orbital order: what sTDA needs for transition dipoles.
struct OverlapAndDipole {
    Eigen::MatrixXd overlap;
    std::array<Eigen::MatrixXd, 3> dipole;
};
OverlapAndDipole overlap_and_dipole(const Basis& basis, const System& system);

// X = S^(-1/2) and S^(1/2) by the eigen-decomposition of S.
struct LoewdinTransform {
    Eigen::MatrixXd inverse_sqrt;
    Eigen::MatrixXd sqrt;
    double smallest_eigenvalue;
};
// Throws InvalidArgument when S is (nearly) singular: smallest eigenvalue below `threshold`,
// which happens when atoms sit almost on top of each other.
LoewdinTransform loewdin(const Eigen::MatrixXd& overlap, double threshold = 1e-8);

// F' = S^(-1/2) F S^(-1/2), and back F = S^(1/2) F' S^(1/2).
Eigen::MatrixXd orthogonalise(const Eigen::MatrixXd& matrix, const LoewdinTransform& transform);
Eigen::MatrixXd deorthogonalise(const Eigen::MatrixXd& orthogonal, const LoewdinTransform& transform);

}  // namespace hamd
