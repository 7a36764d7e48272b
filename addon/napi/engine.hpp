// The JS Engine object: the handle of the addon's one compute pool. Everything that computes
// goes through it, so a daemon runs one pool of the size it was given:
//   engine.threads()
//   engine.computeDescriptors(request[, cancelToken]) -> Promise<NativeTensorMap>
//   engine.loadHamiltonianModel(path) -> HamiltonianModel handle (predictions on this pool)
//   engine.loadModel(path) -> the handle of any model kind (or a correlation contraction), by the file's format
//   engine.trainHamiltonianModel(config[, onProgress]) -> Promise<report> (on this pool)
//   engine.trainEnergyModel(config[, onProgress]) -> Promise<report> (on this pool)
//   engine.fitCorrelationContraction(request, settings, path) -> Promise<metadata> (napi/contraction.hpp)
//   engine.close()  stops accepting work, finishes queued jobs, joins the threads
// The shapes are those declared in server/native/addon.ts and server/native/model-addon.ts.
#pragma once
#include <napi.h>

#include <memory>

#include "napi/compute_pool.hpp"

namespace hamd_napi {

class Engine : public Napi::ObjectWrap<Engine> {
public:
    static Napi::Function define(Napi::Env env);
    explicit Engine(const Napi::CallbackInfo& info);

private:
    Napi::Value threads(const Napi::CallbackInfo& info);
    Napi::Value compute_descriptors(const Napi::CallbackInfo& info);
    Napi::Value load_hamiltonian_model(const Napi::CallbackInfo& info);
    Napi::Value load_model(const Napi::CallbackInfo& info);
    Napi::Value train_hamiltonian_model(const Napi::CallbackInfo& info);
    Napi::Value train_energy_model(const Napi::CallbackInfo& info);
    Napi::Value fit_correlation_contraction(const Napi::CallbackInfo& info);
    Napi::Value close(const Napi::CallbackInfo& info);

    std::shared_ptr<ComputePool> pool_;
};

}  // namespace hamd_napi
