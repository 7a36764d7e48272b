// The JS handle of a loaded energy model (engine.loadModel(path) for a "hamd-energy-model" file):
//   handle.metadata() -> ModelMetadata (server/native/model-addon.ts), kind "energy"
//   handle.predict(request[, cancelToken]) -> Promise<NativeEnergyResult>
//   handle.openSession(config) -> an MD session on this model (napi/energy_session.hpp)
// Predictions run on the engine's compute pool, structures spread over it.
#pragma once
#include <napi.h>

#include <memory>
#include <string>

#include "core/models/energy/energy_model_file.hpp"
#include "napi/compute_pool.hpp"

namespace hamd_napi {

class EnergyModelHandle : public Napi::ObjectWrap<EnergyModelHandle> {
public:
    static void define(Napi::Env env);
    static Napi::Object create(Napi::Env env, const std::string& path, std::shared_ptr<ComputePool> pool);
    explicit EnergyModelHandle(const Napi::CallbackInfo& info);

private:
    static Napi::FunctionReference constructor;
    Napi::Value metadata(const Napi::CallbackInfo& info);
    Napi::Value predict(const Napi::CallbackInfo& info);
    Napi::Value open_session(const Napi::CallbackInfo& info);

    std::shared_ptr<const hamd::LoadedEnergyModel> model_;
    std::shared_ptr<ComputePool> pool_;
};

// Metadata as JS (shared by every model kind's handle).
Napi::Object metadata_to_js(Napi::Env env, const hamd::ModelMetadata& m);

}  // namespace hamd_napi
