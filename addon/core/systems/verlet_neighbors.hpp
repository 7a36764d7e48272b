// Neighbour lists reused between the steps of a simulation (a Verlet list with a skin).
//
// The list is built with cutoff + skin. While no atom has moved more than skin / 2 since that
// build (and the cell is unchanged), every pair now closer than `cutoff` was closer than
// cutoff + skin then: the list still holds it, and only its vectors and distances need
// refreshing from the current positions (O(pairs), no cell-list search). Pairs that are now
// beyond the cutoff stay in the list; the descriptor engine gives them zero weight (its
// neighbour-list contract: any list built with a cutoff >= the hypers' cutoff).
#pragma once
#include <array>
#include <cstddef>

#include "core/systems/neighbors.hpp"
#include "core/systems/system.hpp"

namespace hamd {

class VerletNeighbors {
public:
    // skin >= 0 (Angstrom); 0 rebuilds at every step. InvalidArgument for cutoff <= 0 or skin < 0.
    VerletNeighbors(double cutoff, double skin);

    // The list for `system` at its current positions (and cell): rebuilt when the atom count,
    // the cell or the periodicity changed, or an atom moved more than skin / 2 since the last
    // build; else the last list with refreshed vectors. The reference stays valid until the
    // next update.
    const NeighborList& update(const System& system);

    bool rebuilt_last_update() const { return rebuilt_; }
    size_t rebuilds() const { return rebuilds_; }
    double cutoff() const { return cutoff_; }
    double skin() const { return skin_; }

private:
    bool needs_rebuild(const System& system) const;
    void refresh(const System& system);

    double cutoff_, skin_;
    NeighborList list_;
    std::vector<double> reference_positions_;   // positions at the last build
    std::array<double, 9> reference_cell_{};
    std::array<bool, 3> reference_pbc_{};
    bool built_ = false, rebuilt_ = false;
    size_t rebuilds_ = 0;
};

}  // namespace hamd
