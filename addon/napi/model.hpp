// N-API bindings of the Hamiltonian models (thin: the work is in core/model/).
//   trainHamiltonianModel(config, onProgress?) -> Promise<report object>
//   loadHamiltonianModel(path[, threads]) -> HamiltonianModel handle (throws coded errors)
//     handle.metadata() -> {format, formatVersion, species, basis, hasIndirect, pairCutoff, metadata (JSON text)}
//     handle.predict({systems: [...]}, {outputs, units, order, variant, charge}) -> Promise<[per-system results]>
// Work runs on a hamd::ThreadPool (never the event loop or libuv's pool); results come back
// through a ThreadSafeFunction. Errors carry .code INVALID_ARGUMENT / RESOURCE_EXHAUSTED / INTERNAL.
#pragma once
#include <napi.h>

#include <memory>

#include "core/models/hamiltonian/hamiltonian_model.hpp"
#include "core/base/thread_pool.hpp"

namespace hamd_napi {

class HamiltonianModelHandle : public Napi::ObjectWrap<HamiltonianModelHandle> {
public:
    static Napi::FunctionReference constructor;
    static void define(Napi::Env env);
    explicit HamiltonianModelHandle(const Napi::CallbackInfo& info);

    std::shared_ptr<const hamd::HamiltonianModel> model;
    std::shared_ptr<hamd::ThreadPool> pool;

private:
    Napi::Value metadata(const Napi::CallbackInfo& info);
    Napi::Value predict(const Napi::CallbackInfo& info);
};

// Registers trainHamiltonianModel and loadHamiltonianModel on `exports`.
void register_model_bindings(Napi::Env env, Napi::Object exports);

}  // namespace hamd_napi
