// The JS handle of a loaded surrogate-Hamiltonian model (engine.loadHamiltonianModel(path)):
//   handle.metadata() -> ModelMetadata (server/native/model-addon.ts): typed fields
//   handle.predict(request[, cancelToken]) -> Promise<NativePredictResult>
// Predictions run on the engine's compute pool (one job, structures spread over the pool).
// The shapes are exactly those declared in server/native/model-addon.ts.
#pragma once
#include <napi.h>

#include <memory>
#include <string>

#include "core/models/hamiltonian/hamiltonian_model.hpp"
#include "napi/compute_pool.hpp"

namespace hamd_napi {

class HamiltonianModelHandle : public Napi::ObjectWrap<HamiltonianModelHandle> {
public:
    static void define(Napi::Env env);
    // Loads the file (INVALID_ARGUMENT naming the problem for a bad one).
    static Napi::Object create(Napi::Env env, const std::string& path, std::shared_ptr<ComputePool> pool);
    explicit HamiltonianModelHandle(const Napi::CallbackInfo& info);

private:
    static Napi::FunctionReference constructor;
    Napi::Value metadata(const Napi::CallbackInfo& info);
    Napi::Value predict(const Napi::CallbackInfo& info);
    // Bytes a predict(request) would need (results and working storage): the daemon's memory check.
    Napi::Value prediction_bytes(const Napi::CallbackInfo& info);

    std::shared_ptr<const hamd::HamiltonianModel> model_;
    std::shared_ptr<ComputePool> pool_;
};

}  // namespace hamd_napi
