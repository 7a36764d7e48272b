// The "message-passing" descriptor kind (docs/science.md#message-passing-kind): one round of
// message passing in the N-centre ACDC sense, rho_i^(1<-1) = sum_j CG(c_j, g_ij) over the
// neighbours j of every atom i, coupled to (lambda, sigma). Computes a whole request
// (registry.hpp StructureCompute): a centre depends on atoms up to two cutoffs away.
#pragma once
#include <atomic>
#include <vector>

#include "core/base/tensor_map.hpp"
#include "core/base/thread_pool.hpp"
#include "core/descriptors/density/spherical_expansion.hpp"
#include "core/descriptors/engine.hpp"

namespace hamd {

TensorMap compute_message_passing(const std::vector<System>& systems, const std::vector<NeighborList>& lists,
                                  const ExpansionSetup& setup, const DescriptorOptions& options, ThreadPool& pool,
                                  const std::atomic<bool>* cancel);

}  // namespace hamd
