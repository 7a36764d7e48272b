#include "core/models/energy/energy_model.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/base/errors.hpp"
#include "core/descriptors/density/spherical_expansion.hpp"
#include "core/descriptors/soap/power_spectrum.hpp"
#include "core/models/energy/energy_features.hpp"
#include "core/systems/elements.hpp"

namespace hamd {

EnergyModel::EnergyModel(EnergyFeatureSettings settings) : settings_(std::move(settings)) {
    auto& species = settings_.species;
    std::sort(species.begin(), species.end());
    species.erase(std::unique(species.begin(), species.end()), species.end());
    if (species.empty()) throw InvalidArgument("an energy model needs at least one species");
    validate_hypers(settings_.hypers);
    n_features_ = PowerSpectrum(ExpansionSetup(settings_.hypers, species)).n_properties();
    weights = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(n_weights()));
}

void EnergyModel::validate_input(const System& system, size_t index) const {
    validate_system(system, index);
    for (size_t a = 0; a < system.size(); ++a) {
        if (!std::binary_search(species().begin(), species().end(), system.types[a])) {
            std::string list;
            for (int32_t z : species()) list += (list.empty() ? "" : ", ") + element_symbol(z);
            throw InvalidArgument("structure " + std::to_string(index) + ": atom " + std::to_string(a) + " is " +
                                  element_symbol(system.types[a]) + ", an element the model does not know (it knows " +
                                  list + ")");
        }
    }
}

EnergyDesign EnergyModel::design(const std::vector<System>& systems, bool forces, bool strain, ThreadPool& pool,
                                 const std::atomic<bool>* cancel) const {
    for (size_t s = 0; s < systems.size(); ++s) validate_input(systems[s], s);
    // Cell gradients exist for periodic structures only: compute them for those, in their own call.
    std::vector<size_t> periodic;
    if (strain)
        for (size_t s = 0; s < systems.size(); ++s)
            if (fully_periodic(systems[s])) periodic.push_back(s);

    EnergyDesign d;
    d.atom_offsets.assign(1, 0);
    for (const auto& system : systems) d.atom_offsets.push_back(d.atom_offsets.back() + system.size());
    const auto S = static_cast<Eigen::Index>(systems.size());
    const auto W = static_cast<Eigen::Index>(n_weights());
    const size_t P = n_features_;
    d.energy = Eigen::MatrixXd::Zero(S, W);
    if (forces) d.forces = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(3 * d.atom_offsets.back()), W);
    if (strain) d.strain = Eigen::MatrixXd::Zero(9 * S, W);

    auto species_index = [&](int32_t z) {
        return static_cast<size_t>(std::lower_bound(species().begin(), species().end(), z) - species().begin());
    };

    const TensorMap map = compute_descriptors(systems, energy_descriptor_options(settings_, forces, false), pool, cancel);
    for (size_t b = 0; b < map.blocks.size(); ++b) {
        const Block& block = map.blocks[b];
        const size_t a = species_index(map.keys.values[b * map.keys.names.size() + 2]);  // (o3_lambda, o3_sigma, center_type)
        const size_t column = block_offset(a);
        for (size_t r = 0; r < block.samples.count(); ++r) {
            const int32_t s = block.samples.values[2 * r];
            d.energy(s, static_cast<Eigen::Index>(column)) += 1.0;
            const double* p = block.values.data() + r * P;
            for (size_t k = 0; k < P; ++k) d.energy(s, static_cast<Eigen::Index>(column + 1 + k)) += p[k];
        }
        if (!forces) continue;
        const GradientBlock& gradient = block.gradients.at(0);
        for (size_t g = 0; g < gradient.samples.count(); ++g) {
            const int32_t s = gradient.samples.values[3 * g + 1], j = gradient.samples.values[3 * g + 2];
            for (int x = 0; x < 3; ++x) {
                const double* dp = gradient.values.data() + (3 * g + x) * P;
                const auto row = static_cast<Eigen::Index>(3 * (d.atom_offsets[s] + j) + x);
                for (size_t k = 0; k < P; ++k) d.forces(row, static_cast<Eigen::Index>(column + 1 + k)) -= dp[k];
            }
        }
    }

    if (!periodic.empty()) {
        std::vector<System> cells;
        for (size_t s : periodic) cells.push_back(systems[s]);
        const TensorMap cell_map = compute_descriptors(cells, energy_descriptor_options(settings_, false, true), pool, cancel);
        for (size_t b = 0; b < cell_map.blocks.size(); ++b) {
            const Block& block = cell_map.blocks[b];
            const size_t a = species_index(cell_map.keys.values[b * cell_map.keys.names.size() + 2]);
            const size_t column = block_offset(a);
            const GradientBlock& gradient = block.gradients.at(0);  // dp / dh[k][b], fractional coordinates fixed
            for (size_t g = 0; g < gradient.samples.count(); ++g) {
                const int32_t r = gradient.samples.values[g];
                const size_t s = periodic[static_cast<size_t>(block.samples.values[2 * r])];
                const auto& h = systems[s].cell;
                // dE/d(strain)[c][b] = sum_k dE/dh[k][b] h[k][c] (h -> h (1 + strain), rows = lattice vectors)
                for (int c = 0; c < 3; ++c)
                    for (int bb = 0; bb < 3; ++bb) {
                        const auto row = static_cast<Eigen::Index>(9 * s + 3 * c + bb);
                        for (int k = 0; k < 3; ++k) {
                            const double hkc = h[3 * k + c];
                            if (hkc == 0.0) continue;
                            const double* dp = gradient.values.data() + (g * 9 + 3 * k + bb) * P;
                            for (size_t q = 0; q < P; ++q) d.strain(row, static_cast<Eigen::Index>(column + 1 + q)) += hkc * dp[q];
                        }
                    }
            }
        }
    }
    return d;
}

EnergyFitReport fit_energy_model(EnergyModel& model, const EnergyTrainingSet& data, const EnergyFitSettings& settings,
                                 ThreadPool& pool) {
    if (data.systems.empty()) throw InvalidArgument("energy training: no structures");
    if (data.energies.size() != data.systems.size() || (!data.forces.empty() && data.forces.size() != data.systems.size()))
        throw InvalidArgument("energy training: one energy (and one force list, if any) per structure");
    const bool with_forces = !data.forces.empty();
    const EnergyDesign d = model.design(data.systems, with_forces, false, pool);
    const auto W = static_cast<Eigen::Index>(model.n_weights());
    Eigen::MatrixXd A = Eigen::MatrixXd::Zero(W, W);
    Eigen::VectorXd b = Eigen::VectorXd::Zero(W);
    size_t rows = 0;
    for (size_t s = 0; s < data.systems.size(); ++s) {
        const double weight = 1.0 / (settings.energy_sigma * static_cast<double>(data.systems[s].size()));
        const Eigen::VectorXd f = d.energy.row(static_cast<Eigen::Index>(s)).transpose() * weight;
        A.selfadjointView<Eigen::Lower>().rankUpdate(f);
        b += f * (data.energies[s] * weight);
        ++rows;
    }
    if (with_forces) {
        const double weight = 1.0 / settings.force_sigma;
        for (size_t s = 0; s < data.systems.size(); ++s) {
            const auto& f = data.forces[s];
            if (f.empty()) continue;
            if (f.size() != 3 * data.systems[s].size()) throw InvalidArgument("energy training: structure " + std::to_string(s) + " has " + std::to_string(f.size()) + " force components for " + std::to_string(data.systems[s].size()) + " atoms");
            const auto first = static_cast<Eigen::Index>(3 * d.atom_offsets[s]);
            const Eigen::MatrixXd G = d.forces.middleRows(first, static_cast<Eigen::Index>(f.size())) * weight;
            A.selfadjointView<Eigen::Lower>().rankUpdate(G.transpose());
            b += G.transpose() * (Eigen::Map<const Eigen::VectorXd>(f.data(), static_cast<Eigen::Index>(f.size())) * weight);
            rows += f.size();
        }
    }
    A.triangularView<Eigen::StrictlyUpper>() = A.transpose().triangularView<Eigen::StrictlyUpper>();
    // Ridge on the feature weights only (not on the per-species baselines), relative to their scale.
    double mean_diagonal = 0;
    Eigen::Index counted = 0;
    for (size_t a = 0; a < model.species().size(); ++a)
        for (size_t k = 0; k < model.n_features(); ++k, ++counted) {
            const auto i = static_cast<Eigen::Index>(model.block_offset(a) + 1 + k);
            mean_diagonal += A(i, i);
        }
    mean_diagonal = std::max(mean_diagonal / std::max<Eigen::Index>(counted, 1), 1e-300);
    for (size_t a = 0; a < model.species().size(); ++a) {
        const auto base = static_cast<Eigen::Index>(model.block_offset(a));
        A(base, base) += 1e-12 * std::max(A(base, base), 1.0);  // a species absent from training stays at 0
        for (size_t k = 0; k < model.n_features(); ++k) A(base + 1 + static_cast<Eigen::Index>(k), base + 1 + static_cast<Eigen::Index>(k)) += settings.ridge * mean_diagonal;
    }
    const Eigen::LDLT<Eigen::MatrixXd> solver(A);
    if (solver.info() != Eigen::Success) throw std::runtime_error("energy training: the normal equations could not be factorised");
    model.weights = solver.solve(b);
    model.covariance = solver.solve(Eigen::MatrixXd::Identity(W, W));
    model.covariance = (model.covariance + model.covariance.transpose()) / 2;
    model.uncertainty_scale = 1.0;

    EnergyFitReport report;
    report.rows = rows;
    const Eigen::VectorXd e = d.energy * model.weights;
    for (size_t s = 0; s < data.systems.size(); ++s) report.train_energy_mae += std::fabs(e[static_cast<Eigen::Index>(s)] - data.energies[s]);
    report.train_energy_mae /= static_cast<double>(data.systems.size());
    if (with_forces) {
        const Eigen::VectorXd F = d.forces * model.weights;
        size_t n = 0;
        for (size_t s = 0; s < data.systems.size(); ++s)
            for (size_t k = 0; k < data.forces[s].size(); ++k, ++n)
                report.train_force_mae += std::fabs(F[static_cast<Eigen::Index>(3 * d.atom_offsets[s] + k)] - data.forces[s][k]);
        report.train_force_mae /= static_cast<double>(std::max<size_t>(n, 1));
    }
    return report;
}

double calibrate_uncertainty(EnergyModel& model, const EnergyTrainingSet& data, ThreadPool& pool) {
    if (model.covariance.size() == 0) throw InvalidArgument("calibrate_uncertainty: the model has no covariance (not trained)");
    const EnergyDesign d = model.design(data.systems, false, false, pool);
    double squared_error = 0, variance = 0;
    for (size_t s = 0; s < data.systems.size(); ++s) {
        const Eigen::VectorXd f = d.energy.row(static_cast<Eigen::Index>(s)).transpose();
        const double error = f.dot(model.weights) - data.energies[s];
        squared_error += error * error;
        variance += model.energy_variance(f);
    }
    model.uncertainty_scale = variance > 0 ? std::sqrt(squared_error / variance) : 1.0;
    return model.uncertainty_scale;
}

}  // namespace hamd
