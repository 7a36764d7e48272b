// Fitting the projections of the order-2 pair features (pair_order2.hpp) on training structures.
#pragma once
#include <vector>

#include "core/base/thread_pool.hpp"
#include "core/models/hamiltonian/hamiltonian_features.hpp"
#include "core/systems/system.hpp"

namespace hamd {

// Equivariant PCA per block: the uncentred covariance sum_{pairs} sum_mu x_mu x_mu^T of
// rho_ij^{x1}(lambda1, sigma1) over every ordered pair (i, j) within the cutoff of the given
// structures, one per (species_i, species_j, lambda1, sigma1), and (when the density is
// contracted) of the density rows of l over every atom, one per (species, l); the projections
// are the leading eigenvectors (equivariant_pca.hpp). `featurizer` must have
// pair_order2_components > 0 (its own projections, if any, are ignored). Blocks without any
// sample get no projection (their features are zero). Throws InvalidArgument otherwise.
PairOrder2Projection fit_pair_order2(const HamiltonianFeaturizer& featurizer, const std::vector<System>& systems,
                                     ThreadPool& pool);

}  // namespace hamd
