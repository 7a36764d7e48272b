#include "core/models/energy/energy_evaluators.hpp"

#include <utility>

#include "core/base/errors.hpp"
#include "core/models/energy/energy_features.hpp"

namespace hamd {

EnergyFamilyEvaluator::EnergyFamilyEvaluator(DescriptorKind kind, std::shared_ptr<const ExpansionSetup> setup,
                                             const std::vector<std::vector<double>>& weights)
    : kind_(kind), setup_(std::move(setup)) {
    if (kind == DescriptorKind::PowerSpectrum) power_spectrum_ = std::make_unique<const LinearPowerSpectrum>(*setup_, weights);
    else if (kind == DescriptorKind::Bispectrum) bispectrum_ = std::make_unique<const LinearBispectrum>(*setup_, weights);
    else if (kind == DescriptorKind::MultiScale) weights_ = weights;
    else throw InvalidArgument("energy model features are power-spectrum, bispectrum or multi-scale families");
}

void EnergyFamilyEvaluator::evaluate(const System& system, const NeighborList& list, bool forces, bool feature_sums,
                                     ThreadPool& pool, const std::atomic<bool>* cancel, LinearResult& result,
                                     const uint8_t* contributing) const {
    if (power_spectrum_) power_spectrum_->evaluate(system, list, forces, feature_sums, pool, cancel, result, contributing);
    else if (bispectrum_) bispectrum_->evaluate(system, list, forces, feature_sums, pool, cancel, result, contributing);
    else evaluate_from_features(system, list, forces, feature_sums, pool, cancel, result, contributing);
}

// E_i = w_a . X_i from the engine's invariant blocks (lambda = 0, sigma = +1), forces from their
// position gradients, dE/d(strain) from their cell gradients (periodic structures).
void EnergyFamilyEvaluator::evaluate_from_features(const System& system, const NeighborList& list, bool gradients,
                                                   bool feature_sums, ThreadPool& pool, const std::atomic<bool>* cancel,
                                                   LinearResult& result, const uint8_t* contributing) const {
    const size_t n = system.size();
    if (contributing)
        for (size_t i = 0; i < n; ++i)
            if (!contributing[i])
                throw InvalidArgument("this energy model has long-range (multi-scale) features, which need every atom of "
                                      "the structure as a centre: padding or ghost atoms (non-contributing) cannot be used");
    const bool cell = gradients && fully_periodic(system);
    const DescriptorOptions options =
        energy_descriptor_options(EnergyFeatureSet{kind_, setup_->hypers()}, setup_->species(), gradients, cell);
    const TensorMap map = compute_descriptors_with_neighbors({system}, {list}, options, pool, cancel);
    result.energies.assign(n, 0.0);
    result.forces.assign(gradients ? 3 * n : 0, 0.0);
    result.strain_derivative = {};
    const size_t S = setup_->species().size();
    if (feature_sums) result.feature_sums.assign(S, std::vector<double>(weights_.empty() ? 0 : weights_[0].size(), 0.0));
    std::array<double, 9> dE_dh{};
    const size_t key_width = map.keys.names.size();
    for (size_t b = 0; b < map.blocks.size(); ++b) {
        const int32_t* key = &map.keys.values[b * key_width];
        if (key[0] != 0 || key[1] != 1) continue;  // an energy is a proper scalar
        const int channel = setup_->channel(key[2]);
        if (channel < 0) continue;
        const std::vector<double>& w = weights_[static_cast<size_t>(channel)];
        const Block& block = map.blocks[b];
        const size_t P = w.size();
        if (block.values.size() != block.samples.count() * P)
            throw std::logic_error("multi-scale energy family: block width differs from the model's feature count");
        auto dot = [&](const double* x) {
            double e = 0;
            for (size_t k = 0; k < P; ++k) e += w[k] * x[k];
            return e;
        };
        for (size_t r = 0; r < block.samples.count(); ++r) {
            const double* x = block.values.data() + r * P;
            result.energies[static_cast<size_t>(block.samples.values[2 * r + 1])] = dot(x);
            if (feature_sums)
                for (size_t k = 0; k < P; ++k) result.feature_sums[static_cast<size_t>(channel)][k] += x[k];
        }
        if (!gradients) continue;
        const GradientBlock& positions = block.gradients.at(0);
        for (size_t g = 0; g < positions.samples.count(); ++g) {
            const size_t j = static_cast<size_t>(positions.samples.values[3 * g + 2]);
            for (int d = 0; d < 3; ++d) result.forces[3 * j + d] -= dot(positions.values.data() + (3 * g + d) * P);
        }
        if (cell) {
            const GradientBlock& h = block.gradients.at(1);
            for (size_t r = 0; r < block.samples.count(); ++r)
                for (int ab = 0; ab < 9; ++ab) dE_dh[ab] += dot(h.values.data() + (9 * r + ab) * P);
        }
    }
    if (cell) result.strain_derivative = strain_derivative(dE_dh, system.cell);
}

}  // namespace hamd
