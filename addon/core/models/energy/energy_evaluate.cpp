// EnergyModel::evaluate: per feature family, the adjoint route (descriptors/soap/linear_adjoint.hpp):
// per centre-species block e_i = b_a + w_a . p_i, with forces, the strain derivative (the stress,
// for every family) and the design row (for the uncertainty) without the descriptors' gradients.
// The families' evaluators were built when the weights were set (energy_evaluators.hpp).
#include <algorithm>
#include <cmath>
#include <string>

#include "core/base/errors.hpp"
#include "core/models/energy/energy_evaluators.hpp"
#include "core/models/energy/energy_features.hpp"
#include "core/models/energy/energy_model.hpp"

namespace hamd {

EnergyPrediction EnergyModel::evaluate(const System& system, const NeighborList& list, const EnergyRequest& request,
                                       ThreadPool& pool, const std::atomic<bool>* cancel) const {
    validate_input(system, 0);
    require_separated(list, 0);  // overlapping atoms would silently drop out of the features
    const bool stress = request.stress && fully_periodic(system);

    const size_t n = system.size();
    if (!request.contributing.empty() && request.contributing.size() != n)
        throw InvalidArgument("contributing: " + std::to_string(request.contributing.size()) + " flags for " +
                              std::to_string(n) + " atoms");
    const uint8_t* contributing = request.contributing.empty() ? nullptr : request.contributing.data();
    EnergyPrediction p;
    std::vector<double> energies(n, 0.0);
    if (request.forces) p.forces.assign(3 * n, 0.0);
    Eigen::VectorXd row;
    if (request.uncertainty && !covariance.empty()) row = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(n_weights()));

    std::array<double, 9> dE_dstrain{};  // from the adjoint route, directly as a strain derivative
    auto species_index = [&](int32_t z) {
        return static_cast<size_t>(std::lower_bound(species().begin(), species().end(), z) - species().begin());
    };

    // One family after the other: energies, forces, the strain derivative and the design row
    // without the descriptors' gradients (linear_power_spectrum.hpp, linear_bispectrum.hpp).
    for (size_t set = 0; set < sets_.size(); ++set) {
        const size_t P = feature_count(set);
        LinearResult r;
        const bool gradients = request.forces || stress, sums = row.size() > 0;
        (*evaluators_)[set].evaluate(system, list, gradients, sums, pool, cancel, r, contributing);
        for (size_t i = 0; i < n; ++i) {
            if (contributing && !contributing[i]) continue;
            const size_t base = block_offset(species_index(system.types[i]));
            energies[i] += (set == 0 ? weights_[static_cast<Eigen::Index>(base)] : 0.0) + r.energies[i];
            if (row.size() > 0 && set == 0) row[static_cast<Eigen::Index>(base)] += 1.0;
        }
        if (request.forces)
            for (size_t k = 0; k < 3 * n; ++k) p.forces[k] += r.forces[k];
        if (stress)
            for (int k = 0; k < 9; ++k) dE_dstrain[k] += r.strain_derivative[k];
        if (row.size() > 0)
            for (size_t a = 0; a < species().size(); ++a)
                row.segment(static_cast<Eigen::Index>(block_offset(a) + 1 + feature_offset(set)), static_cast<Eigen::Index>(P)) +=
                    Eigen::Map<const Eigen::VectorXd>(r.feature_sums[a].data(), static_cast<Eigen::Index>(P));
    }
    if (cancel && cancel->load()) throw Cancelled();

    for (double e : energies) p.energy += e;
    if (request.energies) p.energies = std::move(energies);
    if (stress) {
        const double volume = cell_volume(system.cell);
        for (int k = 0; k < 9; ++k) p.stress[k] = dE_dstrain[k] / volume;
        p.has_stress = true;
    }
    if (row.size() > 0) p.energy_uncertainty = uncertainty_scale * std::sqrt(std::max(0.0, energy_variance(row)));
    return p;
}

EnergyPrediction EnergyModel::predict(const System& system, bool forces, bool stress, ThreadPool& pool,
                                      const std::atomic<bool>* cancel) const {
    validate_input(system, 0);
    EnergyRequest request;
    request.forces = forces;
    request.stress = stress;
    request.energies = true;
    request.uncertainty = true;
    return evaluate(system, build_neighbor_list(system, cutoff()), request, pool, cancel);
}

double EnergyModel::energy_variance(const Eigen::VectorXd& f) const {
    return covariance.quadratic_form(f);
}

}  // namespace hamd
