// The JS handle of an MD session on an energy model (energyModel.openSession(config)):
//   config: { system: NativeSystem (types, cell, pbc; positions ignored), skin, outputs, units }
//   session.step(positions: Float64Array, cell?: Float64Array, cancelToken?, inlineWhenIdle?)
//       -> Promise<NativeSessionStep>: the outputs (as predict's), neighborsRebuilt, step;
//       with inlineWhenIdle the step runs on the calling thread when the pool is idle
//   session.close(): frees the core state (after a step still running, when it ends)
// Thin: the state is hamd::EnergySession; steps go through the one job path (async_job.hpp)
// onto the engine's pool. One step at a time per session: a second concurrent step is
// FAILED_PRECONDITION (the daemon serialises a stream's steps, so this is a bug guard).
#pragma once
#include <napi.h>

#include <atomic>
#include <memory>

#include "core/models/energy/energy_model_file.hpp"
#include "core/models/energy/energy_session.hpp"
#include "napi/compute_pool.hpp"
#include "napi/energy_results.hpp"

namespace hamd_napi {

class EnergySessionHandle : public Napi::ObjectWrap<EnergySessionHandle> {
public:
    static void define(Napi::Env env);
    // info[0] is the config; INVALID_ARGUMENT for a bad one (unknown element, skin, cell).
    static Napi::Value create(const Napi::CallbackInfo& info, std::shared_ptr<const hamd::LoadedEnergyModel> model,
                              std::shared_ptr<ComputePool> pool);
    explicit EnergySessionHandle(const Napi::CallbackInfo& info);

    struct State {
        std::shared_ptr<const hamd::LoadedEnergyModel> model;  // keeps the model alive while the session is
        std::unique_ptr<hamd::EnergySession> session;
        EnergyOutputChoice choice;
        std::atomic<bool> busy{false};
    };

private:
    static Napi::FunctionReference constructor;
    Napi::Value step(const Napi::CallbackInfo& info);
    Napi::Value close(const Napi::CallbackInfo& info);

    std::shared_ptr<State> state_;
    std::shared_ptr<ComputePool> pool_;
};

}  // namespace hamd_napi
