// The projection step of an equivariant PCA (NICE-style contraction), shared by the density
// correlations (contraction.hpp) and the Hamiltonian's order-2 pair features
// (models/hamiltonian/pair_order2.hpp). The covariance of an equivariant block's properties,
// summed over its 2 lambda + 1 components, is rotation invariant, so projecting every
// component on the same leading eigenvectors keeps the block equivariant.
#pragma once
#include <cstddef>
#include <vector>

#include "core/math/eigen_solver.hpp"

namespace hamd {

// The `count` eigenvectors of the largest eigenvalues of `eigen` (a decomposition with vectors;
// values ascending, as symmetric_eigen gives them) as an [n_in][count] row-major matrix,
// largest first. Each column's largest-magnitude component is made positive, so that a refit
// on the same data gives the same projection (the sign of an eigenvector is arbitrary).
std::vector<double> leading_eigenvectors(const SymmetricEigen& eigen, size_t count);

}  // namespace hamd
