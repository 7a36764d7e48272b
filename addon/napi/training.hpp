// engine.trainHamiltonianModel(config[, onProgress]) -> Promise<report object>: one training
// run (core/training/training_run.hpp) as a job on the engine's compute pool. `config` is the
// TrainingConfig of server/native/model-addon.ts; onProgress receives TrainingProgress objects
// (dropped, never queued without bound, when the event loop falls behind).
#pragma once
#include <napi.h>

#include "napi/compute_pool.hpp"

namespace hamd_napi {

Napi::Value train_hamiltonian_model_job(const Napi::CallbackInfo& info, ComputePool& pool);

}  // namespace hamd_napi
