#include "core/models/energy/energy_covariance.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/base/errors.hpp"

namespace hamd {

double EnergyCovariance::quadratic_form(const Eigen::VectorXd& f) const {
    if (empty()) return 0.0;
    if (basis.cols() == 0) return inverse_ridge * f.squaredNorm();  // the prior alone (no stored vectors)
    const Eigen::VectorXd p = basis.transpose() * f;
    double v = 0;
    for (Eigen::Index k = 0; k < p.size(); ++k) v += inverse_values[k] * p[k] * p[k];
    // The rest of f (outside the stored directions) has the prior's variance. Its squared length
    // is taken from the residual itself: |f|^2 - |p|^2 would cancel catastrophically when f lies
    // almost in the stored span (the usual case near the training data), turning relative
    // changes of 1e-9 in f into 1e-5 in the uncertainty.
    if (inverse_ridge == 0.0) return v;
    return v + inverse_ridge * (f - basis * p).squaredNorm();
}

Eigen::MatrixXd EnergyCovariance::dense(Eigen::Index W) const {
    Eigen::MatrixXd C = inverse_ridge * (Eigen::MatrixXd::Identity(W, W) - basis * basis.transpose());
    C += basis * inverse_values.asDiagonal() * basis.transpose();
    return C;
}

EnergyCovariance covariance_from_spectrum(const SymmetricEigen& x, double prior, double band) {
    std::vector<Eigen::Index> keep;
    for (Eigen::Index k = 0; k < x.values.size(); ++k)
        if (!(prior > 0) || x.values[k] > band * prior) keep.push_back(k);
    EnergyCovariance c;
    const auto K = static_cast<Eigen::Index>(keep.size());
    c.stored.resize(K, x.vectors.rows());
    c.inverse_values.resize(K);
    for (Eigen::Index j = 0; j < K; ++j) {
        const Eigen::Index k = keep[static_cast<size_t>(j)];
        c.stored.row(j) = x.vectors.col(k).transpose().cast<float>();
        c.inverse_values[j] = 1.0 / (x.values[k] + prior);
    }
    c.inverse_ridge = prior > 0 ? 1.0 / prior : 0.0;
    finish_covariance(c);
    return c;
}

void finish_covariance(EnergyCovariance& c) {
    const Eigen::Index K = c.stored.rows(), W = c.stored.cols();
    if (K == 0) {
        c.basis.resize(W, 0);
        return;
    }
    const Eigen::MatrixXd rounded = c.stored.transpose().cast<double>();  // W x K
    // Float32 eigenvectors are orthonormal to ~sqrt(W) u32; anything far off is not a covariance.
    const double off = (rounded.transpose() * rounded - Eigen::MatrixXd::Identity(K, K)).cwiseAbs().maxCoeff();
    if (!(off < 1e-3)) throw InvalidArgument("covariance vectors are not orthonormal (largest deviation " + std::to_string(off) + ")");
    const Eigen::HouseholderQR<Eigen::MatrixXd> qr(rounded);
    c.basis = qr.householderQ() * Eigen::MatrixXd::Identity(W, K);
}

}  // namespace hamd
