#include "core/models/energy/energy_session.hpp"

#include <string>
#include <utility>

#include "core/base/errors.hpp"

namespace hamd {

EnergySession::EnergySession(std::shared_ptr<const EnergyModel> model, EnergySessionSettings settings)
    : model_(std::move(model)), request_(settings.request), neighbors_(model_->cutoff(), settings.skin) {
    if (settings.types.empty()) throw InvalidArgument("a session needs at least one atom");
    if (!request_.contributing.empty() && request_.contributing.size() != settings.types.size())
        throw InvalidArgument("contributing: " + std::to_string(request_.contributing.size()) + " flags for a session of " +
                              std::to_string(settings.types.size()) + " atoms");
    system_.types = std::move(settings.types);
    system_.cell = settings.cell;
    system_.pbc = settings.pbc;
    // Validate species and cell now, with placeholder positions on a wide grid (no two atoms
    // close), so that a bad open fails at open and not at the first step.
    system_.positions.resize(3 * system_.size());
    for (size_t a = 0; a < system_.size(); ++a) {
        system_.positions[3 * a] = 10.0 * static_cast<double>(a);
        system_.positions[3 * a + 1] = system_.positions[3 * a + 2] = 0.0;
    }
    if (system_.periodic()) {
        // Placeholders outside a small cell could sit on each other's images: check the cell alone.
        System cell_only;
        cell_only.types = {system_.types.front()};
        cell_only.positions = {0.0, 0.0, 0.0};
        cell_only.cell = system_.cell;
        cell_only.pbc = system_.pbc;
        validate_system(cell_only, 0);
        for (int32_t z : system_.types) {
            cell_only.types = {z};
            model_->validate_input(cell_only, 0);
        }
    } else {
        model_->validate_input(system_, 0);
    }
    next_ = system_;
}

EnergyPrediction EnergySession::step(const std::vector<double>& positions, const std::array<double, 9>* cell,
                                     ThreadPool& pool, const std::atomic<bool>* cancel) {
    if (positions.size() != 3 * system_.size())
        throw InvalidArgument("positions: " + std::to_string(positions.size()) + " values for a session of " +
                              std::to_string(system_.size()) + " atoms (expected " + std::to_string(3 * system_.size()) + ")");
    // The session keeps its last good structure when this step is refused. (The neighbour list
    // may have been updated for the refused positions; it stays valid for any later positions,
    // since its rebuild rule compares with the positions it was built at.)
    next_.positions.assign(positions.begin(), positions.end());
    next_.cell = cell ? *cell : system_.cell;
    model_->validate_input(next_, 0);
    const NeighborList& list = neighbors_.update(next_);
    EnergyPrediction prediction = model_->evaluate(next_, list, request_, pool, cancel);
    std::swap(system_, next_);
    ++steps_;
    return prediction;
}

}  // namespace hamd
