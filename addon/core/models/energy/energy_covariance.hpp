// The covariance C = A^-1 of an energy model's weights, for the uncertainty f^T C f, in a compact
// form (docs/science.md#energy-and-force-model). A = (data part) + lambda_r D with the ridge
// lambda_r on the feature weights: outside the span of the training rows A is lambda_r times the
// identity, so only the eigenvectors of A whose eigenvalues leave the band
// |lambda - lambda_r| <= band * lambda_r are kept (K of the W, the data span and the baselines):
//
//   f^T C f = sum_k (q_k . f)^2 / lambda_k + (|f|^2 - sum_k (q_k . f)^2) / lambda_r.
//
// The file holds the K vectors in float32; every model (trained or loaded) uses the same
// orthonormal basis Q computed in double from those float32 vectors (Householder QR), so that a
// saved model predicts exactly what the trained one did. Errors (docs/model-format.md):
// eigenvalues in the band are taken as lambda_r (relative error <= band / (1 - band) on those
// terms); float32 rotates the span by at most delta = sqrt(K) u32 (u32 = 2^-24), which moves
// |f_perp|^2 by at most 2 delta |f_perp| |f| + delta^2 |f|^2.
#pragma once
#include <Eigen/Dense>

namespace hamd {

struct EnergyCovariance {
    Eigen::MatrixXf stored;          // K x W: the eigenvectors as the file holds them (row k = vector k)
    Eigen::MatrixXd basis;           // W x K: orthonormal columns from `stored`
    Eigen::VectorXd inverse_values;  // K: 1 / lambda_k
    double inverse_ridge = 0;        // 1 / lambda_r (0: no ridge, all W vectors kept)

    bool empty() const { return basis.size() == 0 && inverse_ridge == 0; }
    // f^T C f (0 when empty).
    double quadratic_form(const Eigen::VectorXd& f) const;
    // C as a dense W x W matrix (tests, small models).
    Eigen::MatrixXd dense(Eigen::Index W) const;
};

// From A (lower triangle read), the ridge value lambda_r on its feature diagonal and the band.
EnergyCovariance compact_covariance(const Eigen::MatrixXd& A, double ridge_value, double band);

// `stored`, inverse_values and inverse_ridge set: computes `basis` (InvalidArgument if the stored
// vectors are not close to orthonormal, e.g. a corrupt file).
void finish_covariance(EnergyCovariance& covariance);

}  // namespace hamd
