// The covariance C of an energy model's weights, for the uncertainty f^T C f, in a compact form
// (docs/science.md#energy-and-force-model). C = (X + p I)^-1 with X the weighted normal matrix of
// the training rows (A without its ridge) and p the prior precision of the uncertainty. With
// X = V diag(lambda) V^T, directions with lambda_k <= band * p are where X adds little to the prior:
// they are not stored and taken as lambda_k = 0 (relative error <= band on their terms). The K
// others are:
//
//   f^T C f = sum_k (q_k . f)^2 / (lambda_k + p) + (|f|^2 - sum_k (q_k . f)^2) / p.
//
// The file holds the K vectors in float32; every model (trained or loaded) uses the same
// orthonormal basis Q computed in double from those float32 vectors (Householder QR), so that a
// saved model predicts exactly what the trained one did. Rounding a unit vector to float32 moves
// it by <= u32 = 2^-24; the QR factor of K of them moves by <= sqrt(2 K) u32 =: delta, which
// changes (q_k . f)^2 by at most delta |f| (2 |v_k . f| + delta |f|)
// (test/native/test_model_energy_covariance.cpp checks both bounds).
#pragma once
#include <Eigen/Dense>

#include "core/math/eigen_solver.hpp"

namespace hamd {

struct EnergyCovariance {
    Eigen::MatrixXf stored;          // K x W: the eigenvectors as the file holds them (row k = vector k)
    Eigen::MatrixXd basis;           // W x K: orthonormal columns from `stored`
    Eigen::VectorXd inverse_values;  // K: 1 / lambda_k
    double inverse_ridge = 0;        // 1 / p (0: no prior, all W vectors kept)

    bool empty() const { return basis.size() == 0 && inverse_ridge == 0; }
    // f^T C f (0 when empty).
    double quadratic_form(const Eigen::VectorXd& f) const;
    // C as a dense W x W matrix (tests, small models).
    Eigen::MatrixXd dense(Eigen::Index W) const;
};

// From the eigenpairs of X (ascending), the prior precision p >= 0 and the band.
EnergyCovariance covariance_from_spectrum(const SymmetricEigen& x, double prior, double band);

// `stored`, inverse_values and inverse_ridge set: computes `basis` (InvalidArgument if the stored
// vectors are not close to orthonormal, e.g. a corrupt file).
void finish_covariance(EnergyCovariance& covariance);

}  // namespace hamd
