// The "multi-scale" kind (docs/science.md#multi-scale-features): the Clebsch-Gordan product of a
// centre's local density expansion c_i (the spherical expansion, within the cutoff) with its
// long-distance expansion V_i (lode-spherical-expansion, every atom), coupled to lambda:
//   X^i_{lambda mu}[a1 a2 l1 l2 n1 n2] = sum_{m1 m2} C^{lambda mu}_{l1 m1, l2 m2} c^i_{a1 n1 l1 m1} V^i_{a2 n2 l2 m2}
// (Grisafi and Ceriotti, JCP 2019: |rho_i (x) V_i>). It sees, through V, the electrostatics
// of atoms beyond the cutoff, and through c, the environment that decides how the centre
// responds to it. Computed from the two expansions of the engine (so it inherits their
// conventions, gradients and the LODE options potential_exponent and k_cutoff).
#pragma once
#include <atomic>
#include <vector>

#include "core/base/tensor_map.hpp"
#include "core/base/thread_pool.hpp"
#include "core/descriptors/density/spherical_expansion.hpp"
#include "core/descriptors/engine.hpp"
#include "core/systems/neighbors.hpp"

namespace hamd {

TensorMap compute_multi_scale(const std::vector<System>& systems, const std::vector<NeighborList>& lists,
                              const ExpansionSetup& setup, const DescriptorOptions& options, ThreadPool& pool,
                              const std::atomic<bool>* cancel);

}  // namespace hamd
