#include "core/training/spectrum_loss.hpp"

#include <string>

#include "core/base/errors.hpp"
#include "core/math/eigen_solver.hpp"

namespace hamd {

SpectrumLoss spectrum_loss(const Eigen::MatrixXd& orthogonal_fock, const std::vector<double>& reference,
                           const SpectrumLossOptions& options) {
    const int n = static_cast<int>(orthogonal_fock.rows());
    const int levels = static_cast<int>(reference.size());
    if (levels > n)
        throw InvalidArgument("spectrum loss: " + std::to_string(levels) + " reference levels for a " +
                              std::to_string(n) + "-orbital matrix");
    std::vector<double> weights = options.weights.empty() ? std::vector<double>(levels, 1.0) : options.weights;
    if (static_cast<int>(weights.size()) != levels)
        throw InvalidArgument("spectrum loss: weights must have one entry per reference level");
    double total_weight = 0;
    for (double w : weights) {
        if (!(w >= 0)) throw InvalidArgument("spectrum loss: weights must be non-negative");
        total_weight += w;
    }
    if (!(total_weight > 0)) throw InvalidArgument("spectrum loss: weights sum to zero");

    SymmetricEigen eigen = symmetric_eigen(orthogonal_fock, options.gradient || options.vectors);
    SpectrumLoss result;
    Eigen::VectorXd g = Eigen::VectorXd::Zero(n);
    for (int k = 0; k < levels; ++k) {
        const double error = eigen.values[k] - reference[k];
        result.value += weights[k] * error * error / total_weight;
        g[k] = 2 * weights[k] * error / total_weight;
    }
    if (options.gradient) {
        // Mean of g over each group of (chained) degenerate levels.
        for (int start = 0; start < n;) {
            int end = start + 1;
            while (end < n && eigen.values[end] - eigen.values[end - 1] < options.degeneracy_tolerance) ++end;
            if (end - start > 1) g.segment(start, end - start).setConstant(g.segment(start, end - start).mean());
            start = end;
        }
        result.gradient = eigen.vectors * g.asDiagonal() * eigen.vectors.transpose();
    }
    if (options.gradient || options.vectors) result.eigenvectors = std::move(eigen.vectors);
    result.eigenvalues = std::move(eigen.values);
    return result;
}

}  // namespace hamd
