// Loss on the Loewdin atomic charges of a predicted F' and its gradient (indirect learning with
// charges, docs/science.md#loewdin-charges-in-the-indirect-loss).
//
// The model's F' lives in the Loewdin-orthogonal minimal basis, so its closed-shell density is
// P' = 2 sum_{i occ} c_i c_i^T (c_i the unit eigenvectors) and the Loewdin population of atom A is
// the trace of P' over A's orbitals: q_A = Z_A - sum_{mu on A} P'_mu,mu. Against large-basis
// Loewdin charges q^ref (all-electron, same definition in the large basis):
//
//   L = weight * sum_A (q_A - q^ref_A)^2 / n_atoms
//
// First-order perturbation theory of the eigenvectors (dc_i = sum_{k != i} c_k (c_k^T dF c_i) /
// (eps_i - eps_k)) gives, with D = diag(dL/dP'_mu,mu) = diag(-2 weight (q_A - q^ref_A) / n_atoms),
//
//   dL/dF' = sum_{i occ, a vir} 2 (c_i^T D c_a) / (eps_i - eps_a) (c_i c_a^T + c_a c_i^T)
//
// (occupied-occupied rotations leave P' unchanged, so only i -> a pairs appear). It needs a
// non-zero HOMO-LUMO gap; a gap below `minimum_gap` is InvalidArgument (a closed shell with a
// vanishing gap has no differentiable density).
#pragma once
#include <vector>

#include <Eigen/Dense>

namespace hamd {

struct ChargeLoss {
    double value = 0;
    Eigen::VectorXd charges;   // q_A of the prediction, one per atom
    Eigen::MatrixXd gradient;  // dL/dF', symmetric (empty unless asked)
};

// The gradient above for any L(P'): dL/dF' from D = dL/dP' (symmetric; diagonal for charges).
Eigen::MatrixXd density_gradient(const Eigen::VectorXd& eigenvalues, const Eigen::MatrixXd& eigenvectors, int n_occupied,
                                 const Eigen::MatrixXd& d, double minimum_gap = 1e-6);

// Loss on the whole minimal-basis density: L = weight * ||P' - P'_ref||_F^2 / n_orbitals, with
// D = 2 weight (P' - P'_ref) / n_orbitals. P'_ref: the density of the reference (STO-3G) F', the
// same orthogonal basis. A model fitted for its occupied space, not only its eigenvalues, gives a
// better SCF starting guess (docs/performance.md, PySCF initial guess).
struct DensityLoss {
    double value = 0;
    Eigen::MatrixXd gradient;  // dL/dF' (empty unless asked)
};
DensityLoss density_matrix_loss(const Eigen::VectorXd& eigenvalues, const Eigen::MatrixXd& eigenvectors, int n_occupied,
                                const Eigen::MatrixXd& reference_density, double weight, bool gradient,
                                double minimum_gap = 1e-6);

// eigenvalues ascending with their unit eigenvectors (columns) of F'; orbital_atom[mu]: the atom
// of orbital mu; atomic_numbers[A]: Z_A; reference: q^ref per atom (same length).
ChargeLoss loewdin_charge_loss(const Eigen::VectorXd& eigenvalues, const Eigen::MatrixXd& eigenvectors, int n_occupied,
                               const std::vector<int>& orbital_atom, const std::vector<int32_t>& atomic_numbers,
                               const std::vector<double>& reference, double weight, bool gradient,
                               double minimum_gap = 1e-6);

}  // namespace hamd
