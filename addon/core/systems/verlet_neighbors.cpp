#include "core/systems/verlet_neighbors.hpp"

#include <cmath>
#include <string>

#include "core/base/errors.hpp"

namespace hamd {

VerletNeighbors::VerletNeighbors(double cutoff, double skin) : cutoff_(cutoff), skin_(skin) {
    if (!(cutoff > 0) || !std::isfinite(cutoff)) throw InvalidArgument("neighbour cutoff must be positive, not " + std::to_string(cutoff));
    if (!(skin >= 0) || !std::isfinite(skin)) throw InvalidArgument("Verlet skin must be >= 0 Angstrom, not " + std::to_string(skin));
}

bool VerletNeighbors::needs_rebuild(const System& system) const {
    if (!built_ || skin_ == 0.0) return true;
    if (system.positions.size() != reference_positions_.size()) return true;
    if (system.pbc != reference_pbc_) return true;
    if (system.periodic() && system.cell != reference_cell_) return true;
    // Half the skin for each of the two atoms of a pair: together they closed at most `skin`.
    const double limit = 0.25 * skin_ * skin_;
    for (size_t k = 0; k < system.positions.size(); k += 3) {
        const double dx = system.positions[k] - reference_positions_[k];
        const double dy = system.positions[k + 1] - reference_positions_[k + 1];
        const double dz = system.positions[k + 2] - reference_positions_[k + 2];
        if (dx * dx + dy * dy + dz * dz > limit) return true;
    }
    return false;
}

void VerletNeighbors::refresh(const System& system) {
    const auto& r = system.positions;
    const auto& h = system.cell;
    for (Pair& pair : list_.pairs) {
        const size_t i = 3 * static_cast<size_t>(pair.first), j = 3 * static_cast<size_t>(pair.second);
        for (int x = 0; x < 3; ++x) {
            pair.vector[x] = r[j + x] - r[i + x] + pair.shift[0] * h[0 + x] + pair.shift[1] * h[3 + x] + pair.shift[2] * h[6 + x];
        }
        pair.distance = std::sqrt(pair.vector[0] * pair.vector[0] + pair.vector[1] * pair.vector[1] + pair.vector[2] * pair.vector[2]);
    }
}

const NeighborList& VerletNeighbors::update(const System& system) {
    rebuilt_ = needs_rebuild(system);
    if (rebuilt_) {
        list_ = build_neighbor_list(system, cutoff_ + skin_);
        reference_positions_ = system.positions;
        reference_cell_ = system.cell;
        reference_pbc_ = system.pbc;
        built_ = true;
        ++rebuilds_;
    } else {
        refresh(system);
    }
    return list_;
}

}  // namespace hamd
