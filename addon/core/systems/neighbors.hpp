// Neighbour lists by cell lists, O(N), for finite and (triclinic, partly) periodic systems.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/systems/system.hpp"

namespace hamd {

struct Pair {
    int32_t first;       // centre atom i
    int32_t second;      // neighbour atom j (may equal i for a periodic image of itself)
    int32_t shift[3];    // integer cell shift S: image of j is r_j + S . cell (rows)
    double vector[3];    // r_j + S . cell - r_i, Angstrom
    double distance;     // |vector|, strictly positive and < cutoff
};

// Full list: every pair appears as (i, j, S) and (j, i, -S). Pairs are grouped by
// centre: the pairs of centre i are pairs[centre_offsets[i] .. centre_offsets[i+1]).
// Within a centre, order is deterministic (sorted by j, then shift).
struct NeighborList {
    std::vector<Pair> pairs;
    std::vector<size_t> centre_offsets;  // n_atoms + 1
};

// Every image within `cutoff` is found, including cutoffs longer than half (or
// several) cell lengths and strongly skewed cells. Only directions with pbc get images.
// Throws InvalidArgument for a non-positive cutoff or a singular periodic cell.
NeighborList build_neighbor_list(const System& system, double cutoff);

// Atoms (or periodic images) closer than this are refused by the models: their features are
// meaningless and the descriptor engine skips a pair at distance 0.
constexpr double kMinimumSeparation = 0.3;  // Angstrom

// InvalidArgument naming structure `index` and the two atoms when a pair of `list` is closer
// than kMinimumSeparation (a list built with any cutoff above it holds every such pair).
void require_separated(const NeighborList& list, size_t index);

}  // namespace hamd
