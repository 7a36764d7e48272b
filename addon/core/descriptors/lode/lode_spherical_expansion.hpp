// The "lode-spherical-expansion" kind (docs/science.md#lode): for every centre i and neighbour
// channel a, the projection of the potential of all atoms of species a (unit Gaussian charges of
// width density_width, potential 1/r) on R_n Y_lm around the centre:
//   c^i_{anlm} = int d^3x R_n(|x|) Y_lm(x_hat) V_a(r_i + x).
// Finite structures (no pbc): direct sum over every atom with the tabulated J_nl of
// lode_integrals.hpp. Structures periodic in all three directions: Ewald-type reciprocal sum
// over 0 < |k| <= k_cutoff, the k = 0 term dropped (a neutralising background per channel).
// The centre's own charge enters with weight center_atom_weight (like featomic's LODE).
// Not per-centre (every atom contributes): a registry StructureCompute.
#pragma once
#include <atomic>
#include <vector>

#include "core/base/tensor_map.hpp"
#include "core/base/thread_pool.hpp"
#include "core/descriptors/density/spherical_expansion.hpp"
#include "core/descriptors/engine.hpp"
#include "core/systems/neighbors.hpp"

namespace hamd {

TensorMap compute_lode_spherical_expansion(const std::vector<System>& systems, const std::vector<NeighborList>& lists,
                                           const ExpansionSetup& setup, const DescriptorOptions& options,
                                           ThreadPool& pool, const std::atomic<bool>* cancel);

// Default k_cutoff (1/Angstrom): 1.2 pi / density_width, as featomic.
double lode_default_k_cutoff(double density_width);

}  // namespace hamd
