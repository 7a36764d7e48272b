// The "pair-features" descriptor kind (docs/science.md#pair-features-kind): two-centre
// equivariants rho_ij = CG(c_i, g_ij) for every pair (i, j, cell shift) within the cutoff, the
// first half of the Hamiltonian model's pair features (hamiltonian_features.hpp) as a
// descriptor. Computes a whole request (registry.hpp StructureCompute).
#pragma once
#include <atomic>
#include <vector>

#include "core/base/tensor_map.hpp"
#include "core/base/thread_pool.hpp"
#include "core/descriptors/density/spherical_expansion.hpp"
#include "core/descriptors/engine.hpp"

namespace hamd {

TensorMap compute_pair_features(const std::vector<System>& systems, const std::vector<NeighborList>& lists,
                                const ExpansionSetup& setup, const DescriptorOptions& options, ThreadPool& pool,
                                const std::atomic<bool>* cancel);

}  // namespace hamd
