// The "lode-spherical-expansion" kind (docs/science.md#lode): for every centre i and neighbour
// channel a, the projection of the potential of all atoms of species a (unit Gaussian charges of
// width density_width, potential 1/r) on R_n Y_lm around the centre:
//   c^i_{anlm} = int d^3x R_n(|x|) Y_lm(x_hat) V_a(r_i + x).
// Finite structures (no pbc): direct sum over every atom with the tabulated J_nl of
// lode_integrals.hpp. Structures periodic in all three directions: Ewald-type reciprocal sum
// over 0 < |k| <= k_cutoff, the k = 0 term dropped (a neutralising background per channel),
// computed, when that converged sum is asked for, as a range-separated real-space + reciprocal
// sum, or for values alone through point multipoles.
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

// How structures periodic in three directions are summed. `automatic` (what requests get): the
// converged sum when k_cutoff is not given or is at least lode_converged_k_cutoff: through point
// multipoles (lode_multipole_split.hpp) for values alone, the range-separated sum
// (lode_range_split.hpp) with gradients, with the split width from a cost model; a k_cutoff
// short of convergence asks for the truncated plain reciprocal sum up to k_cutoff, which stays
// the reference. `split` and `multipole` force those methods (multipole only without gradients);
// `split_candidate` >= 0 forces that entry of lode_split_candidates / lode_multipole_candidates.
enum class LodePeriodicMethod { automatic, reference, split, multipole };
struct LodeMethodChoice {
    LodePeriodicMethod method = LodePeriodicMethod::automatic;
    int split_candidate = -1;
};
// Process-wide override, for tests and benchmarks only (not thread-safe against running requests).
void set_lode_method_for_tests(const LodeMethodChoice& choice);

}  // namespace hamd
