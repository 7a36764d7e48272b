#include "core/descriptors/correlation/equivariant_pca.hpp"

namespace hamd {

std::vector<double> leading_eigenvectors(const SymmetricEigen& eigen, size_t count) {
    const size_t n_in = static_cast<size_t>(eigen.values.size());
    std::vector<double> u(n_in * count, 0.0);
    for (size_t k = 0; k < count && k < n_in; ++k) {
        const Eigen::VectorXd v = eigen.vectors.col(static_cast<Eigen::Index>(n_in - 1 - k));
        Eigen::Index top = 0;
        v.cwiseAbs().maxCoeff(&top);
        const double sign = v[top] < 0 ? -1.0 : 1.0;
        for (size_t p = 0; p < n_in; ++p) u[p * count + k] = sign * v[static_cast<Eigen::Index>(p)];
    }
    return u;
}

}  // namespace hamd
