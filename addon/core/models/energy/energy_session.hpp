// The state one molecular-dynamics simulation keeps between its steps on an energy model
// (docs/sessions.md): the fixed part of the structure (species, periodicity, the cell until a
// step changes it) and a Verlet neighbour list with a skin; the model evaluates by the adjoint,
// so a step keeps no features. Steps of one session run one at a time (the caller serialises
// them); different sessions are independent.
#pragma once
#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/base/thread_pool.hpp"
#include "core/models/energy/energy_model.hpp"
#include "core/systems/system.hpp"
#include "core/systems/verlet_neighbors.hpp"

namespace hamd {

struct EnergySessionSettings {
    std::vector<int32_t> types;          // atomic numbers, in the order of every step's positions
    std::array<double, 9> cell{};        // rows a, b, c (Angstrom), for periodic sessions
    std::array<bool, 3> pbc{false, false, false};
    double skin = 0.5;                   // Angstrom, see VerletNeighbors
    EnergyRequest request;               // what every step computes; request.contributing: which
                                         // atoms' energies count (empty: all; else one flag per type)
};

class EnergySession {
public:
    // InvalidArgument for no atoms, an element the model does not know, a bad cell or skin, a
    // contributing mask of another length than the atoms.
    EnergySession(std::shared_ptr<const EnergyModel> model, EnergySessionSettings settings);

    // One step at `positions` (3 n doubles, Angstrom); `cell` (9 doubles) replaces the cell
    // when not null. InvalidArgument for a wrong count, NaN/Inf, atoms closer than the core's
    // minimum distance; the session stays usable after such an error.
    EnergyPrediction step(const std::vector<double>& positions, const std::array<double, 9>* cell, ThreadPool& pool,
                          const std::atomic<bool>* cancel);

    bool last_step_rebuilt_neighbors() const { return neighbors_.rebuilt_last_update(); }
    size_t neighbor_rebuilds() const { return neighbors_.rebuilds(); }
    size_t steps() const { return steps_; }
    size_t n_atoms() const { return system_.size(); }
    const EnergyModel& model() const { return *model_; }

private:
    std::shared_ptr<const EnergyModel> model_;
    EnergyRequest request_;
    System system_;
    // The structure a step is checked and evaluated on before it becomes system_ (swapped in):
    // same types and pbc, so a step copies only its positions, into memory already allocated.
    System next_;
    VerletNeighbors neighbors_;
    size_t steps_ = 0;
};

}  // namespace hamd
