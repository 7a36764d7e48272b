// What EnergyModel::evaluate needs of one feature family, built once per set of weights (when a
// model is constructed, fitted or loaded: EnergyModel::set_weights) instead of at every call: the
// expansion setup (its radial-integral table is looked up in a cache under a global lock) and the
// adjoint evaluator with the weights laid out per centre species (LinearPowerSpectrum's
// Q_l + Q_l^T matrices, LinearBispectrum's couplings and scaled weights). Immutable once built:
// concurrent evaluations of one model (sessions, Predict requests) share it without locks.
#pragma once
#include <atomic>
#include <memory>
#include <vector>

#include "core/base/thread_pool.hpp"
#include "core/descriptors/density/spherical_expansion.hpp"
#include "core/descriptors/engine.hpp"
#include "core/descriptors/soap/linear_bispectrum.hpp"
#include "core/descriptors/soap/linear_power_spectrum.hpp"
#include "core/systems/neighbors.hpp"
#include "core/systems/system.hpp"

namespace hamd {

class EnergyFamilyEvaluator {
public:
    // `kind`: PowerSpectrum or Bispectrum (adjoint evaluators, no descriptor gradients stored) or
    // MultiScale (the features and their gradients from the engine, contracted with the weights:
    // long-range features have dense gradients, and every atom must be a centre). `weights[c]`:
    // the family's weights of centre channel c (the setup's species order, the family's property order).
    EnergyFamilyEvaluator(DescriptorKind kind, std::shared_ptr<const ExpansionSetup> setup,
                          const std::vector<std::vector<double>>& weights);

    // The family's LinearPowerSpectrum / LinearBispectrum evaluate (linear_adjoint.hpp);
    // `contributing` (optional, one flag per atom): the centres whose energy counts.
    void evaluate(const System& system, const NeighborList& list, bool forces, bool feature_sums, ThreadPool& pool,
                  const std::atomic<bool>* cancel, LinearResult& result, const uint8_t* contributing = nullptr) const;

private:
    void evaluate_from_features(const System& system, const NeighborList& list, bool gradients, bool feature_sums,
                                ThreadPool& pool, const std::atomic<bool>* cancel, LinearResult& result,
                                const uint8_t* contributing) const;

    DescriptorKind kind_;
    std::shared_ptr<const ExpansionSetup> setup_;  // kept alive here: the evaluators refer to it
    std::unique_ptr<const LinearPowerSpectrum> power_spectrum_;  // one of the three
    std::unique_ptr<const LinearBispectrum> bispectrum_;
    std::vector<std::vector<double>> weights_;  // MultiScale: per centre channel
};

}  // namespace hamd
