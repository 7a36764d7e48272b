// engine.trainHamiltonianModel(config[, onProgress]) -> Promise<report object>: one training
// run (core/training/training_run.hpp) as a job on the engine's compute pool. `config` is the
// TrainingConfig of server/native/model-addon.ts; onProgress receives TrainingProgress objects
// (dropped, never queued without bound, when the event loop falls behind).
#pragma once
#include <napi.h>

#include "napi/compute_pool.hpp"

namespace hamd_napi {

Napi::Value train_hamiltonian_model_job(const Napi::CallbackInfo& info, ComputePool& pool);

// engine.trainEnergyModel(config[, onProgress]) -> Promise<report object>: an energy model
// (core/training/energy_training.hpp) trained on an energy/force dataset, on the engine's pool.
Napi::Value train_energy_model_job(const Napi::CallbackInfo& info, ComputePool& pool);

}  // namespace hamd_napi
