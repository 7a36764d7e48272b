#include "core/models/energy/energy_model.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/base/errors.hpp"
#include "core/descriptors/density/spherical_expansion.hpp"
#include "core/descriptors/registry.hpp"
#include "core/descriptors/soap/bispectrum.hpp"
#include "core/descriptors/soap/power_spectrum.hpp"
#include "core/models/energy/energy_evaluators.hpp"
#include "core/models/energy/energy_features.hpp"
#include "core/systems/elements.hpp"

namespace hamd {

EnergyModel::EnergyModel(EnergyFeatureSettings settings) : settings_(std::move(settings)) {
    auto& species = settings_.species;
    std::sort(species.begin(), species.end());
    species.erase(std::unique(species.begin(), species.end()), species.end());
    if (species.empty()) throw InvalidArgument("an energy model needs at least one species");
    sets_.push_back(EnergyFeatureSet{DescriptorKind::PowerSpectrum, settings_.hypers});
    sets_.insert(sets_.end(), settings_.extra.begin(), settings_.extra.end());
    offsets_.assign(1, 0);
    for (const EnergyFeatureSet& set : sets_) {
        validate_hypers(set.hypers);
        auto setup = std::make_shared<const ExpansionSetup>(set.hypers, species);
        size_t count = 0;
        if (set.kind == DescriptorKind::PowerSpectrum) count = PowerSpectrum(*setup).n_properties();
        else if (set.kind == DescriptorKind::Bispectrum) count = Bispectrum(*setup).n_properties();
        // multi-scale invariants: lambda = 0 pairs (l, l) of every ordered channel pair, N^2 each
        else if (set.kind == DescriptorKind::MultiScale)
            count = species.size() * species.size() * static_cast<size_t>(set.hypers.max_angular + 1) * set.hypers.n_radial() *
                    set.hypers.n_radial();
        else throw InvalidArgument("energy model features are power-spectrum, bispectrum or multi-scale families");
        offsets_.push_back(offsets_.back() + count);
        cutoff_ = std::max(cutoff_, set.hypers.cutoff);
        setups_.push_back(std::move(setup));
    }
    n_features_ = offsets_.back();
    set_weights(Eigen::VectorXd::Zero(static_cast<Eigen::Index>(n_weights())));
}

void EnergyModel::set_weights(Eigen::VectorXd weights) {
    if (weights.size() != static_cast<Eigen::Index>(n_weights()))
        throw InvalidArgument("energy model: " + std::to_string(weights.size()) + " weights for " + std::to_string(n_weights()));
    auto evaluators = std::make_shared<std::vector<EnergyFamilyEvaluator>>();
    evaluators->reserve(sets_.size());
    for (size_t set = 0; set < sets_.size(); ++set) {
        // The family's block of each centre species (the baselines are added by evaluate).
        std::vector<std::vector<double>> w(species().size());
        for (size_t a = 0; a < species().size(); ++a) {
            const double* first = weights.data() + block_offset(a) + 1 + feature_offset(set);
            w[a].assign(first, first + feature_count(set));
        }
        evaluators->emplace_back(sets_[set].kind, setups_[set], w);
    }
    weights_ = std::move(weights);
    evaluators_ = std::move(evaluators);
}

bool EnergyModel::has_strain_rows() const {
    for (const EnergyFeatureSet& set : sets_)
        if (!descriptor_kind_info(set.kind).cell_gradients) return false;
    return true;
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
    if (!periodic.empty() && !has_strain_rows())
        throw InvalidArgument("strain rows: this energy model has bispectrum features, which have no cell gradients "
                              "(training on stresses needs them; evaluate gives the stress by the adjoint)");

    EnergyDesign d;
    d.atom_offsets.assign(1, 0);
    for (const auto& system : systems) d.atom_offsets.push_back(d.atom_offsets.back() + system.size());
    const auto S = static_cast<Eigen::Index>(systems.size());
    const auto W = static_cast<Eigen::Index>(n_weights());
    d.energy = Eigen::MatrixXd::Zero(S, W);
    if (forces) d.forces = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(3 * d.atom_offsets.back()), W);
    if (strain) d.strain = Eigen::MatrixXd::Zero(9 * S, W);

    auto species_index = [&](int32_t z) {
        return static_cast<size_t>(std::lower_bound(species().begin(), species().end(), z) - species().begin());
    };
    for (size_t set = 0; set < sets_.size(); ++set) {
        const size_t P = feature_count(set);
        const TensorMap map = compute_descriptors(systems, energy_descriptor_options(sets_[set], species(), forces, false), pool, cancel);
        for (size_t b = 0; b < map.blocks.size(); ++b) {
            const Block& block = map.blocks[b];
            const size_t a = species_index(map.keys.values[b * map.keys.names.size() + 2]);  // (o3_lambda, o3_sigma, center_type)
            const size_t column = block_offset(a) + 1 + feature_offset(set);
            for (size_t r = 0; r < block.samples.count(); ++r) {
                const int32_t s = block.samples.values[2 * r];
                if (set == 0) d.energy(s, static_cast<Eigen::Index>(block_offset(a))) += 1.0;
                const double* p = block.values.data() + r * P;
                for (size_t k = 0; k < P; ++k) d.energy(s, static_cast<Eigen::Index>(column + k)) += p[k];
            }
            if (!forces) continue;
            const GradientBlock& gradient = block.gradients.at(0);
            for (size_t g = 0; g < gradient.samples.count(); ++g) {
                const int32_t s = gradient.samples.values[3 * g + 1], j = gradient.samples.values[3 * g + 2];
                for (int x = 0; x < 3; ++x) {
                    const double* dp = gradient.values.data() + (3 * g + x) * P;
                    const auto row = static_cast<Eigen::Index>(3 * (d.atom_offsets[s] + j) + x);
                    for (size_t k = 0; k < P; ++k) d.forces(row, static_cast<Eigen::Index>(column + k)) -= dp[k];
                }
            }
        }

        if (periodic.empty()) continue;
        std::vector<System> cells;
        for (size_t s : periodic) cells.push_back(systems[s]);
        const TensorMap cell_map = compute_descriptors(cells, energy_descriptor_options(sets_[set], species(), false, true), pool, cancel);
        for (size_t b = 0; b < cell_map.blocks.size(); ++b) {
            const Block& block = cell_map.blocks[b];
            const size_t a = species_index(cell_map.keys.values[b * cell_map.keys.names.size() + 2]);
            const size_t column = block_offset(a) + 1 + feature_offset(set);
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
                            for (size_t q = 0; q < P; ++q) d.strain(row, static_cast<Eigen::Index>(column + q)) += hkc * dp[q];
                        }
                    }
            }
        }
    }
    return d;
}

}  // namespace hamd
