#include "core/models/energy/energy_evaluators.hpp"

#include <utility>

#include "core/base/errors.hpp"

namespace hamd {

EnergyFamilyEvaluator::EnergyFamilyEvaluator(DescriptorKind kind, std::shared_ptr<const ExpansionSetup> setup,
                                             const std::vector<std::vector<double>>& weights)
    : setup_(std::move(setup)) {
    if (kind == DescriptorKind::PowerSpectrum) power_spectrum_ = std::make_unique<const LinearPowerSpectrum>(*setup_, weights);
    else if (kind == DescriptorKind::Bispectrum) bispectrum_ = std::make_unique<const LinearBispectrum>(*setup_, weights);
    else throw InvalidArgument("energy model features are power-spectrum or bispectrum families");
}

void EnergyFamilyEvaluator::evaluate(const System& system, const NeighborList& list, bool forces, bool feature_sums,
                                     ThreadPool& pool, const std::atomic<bool>* cancel, LinearResult& result,
                                     const uint8_t* contributing) const {
    if (power_spectrum_) power_spectrum_->evaluate(system, list, forces, feature_sums, pool, cancel, result, contributing);
    else bispectrum_->evaluate(system, list, forces, feature_sums, pool, cancel, result, contributing);
}

}  // namespace hamd
