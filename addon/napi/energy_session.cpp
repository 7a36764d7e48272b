#include "napi/energy_session.hpp"

#include <array>
#include <optional>
#include <utility>
#include <vector>

#include "core/base/errors.hpp"
#include "napi/async_job.hpp"
#include "napi/convert.hpp"

namespace hamd_napi {

Napi::FunctionReference EnergySessionHandle::constructor;

namespace {

// What EnergySessionHandle's constructor receives from create() (never from JS).
struct Pending {
    std::shared_ptr<EnergySessionHandle::State> state;
    std::shared_ptr<ComputePool> pool;
};

std::vector<double> doubles(Napi::Env env, const Napi::Value& value, const char* name) {
    if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array)
        bad_request(env, std::string(name) + " must be a Float64Array");
    const Napi::Float64Array array = value.As<Napi::Float64Array>();
    return std::vector<double>(array.Data(), array.Data() + array.ElementLength());
}

}  // namespace

void EnergySessionHandle::define(Napi::Env env) {
    Napi::Function f = DefineClass(env, "EnergySession",
                                   {InstanceMethod("step", &EnergySessionHandle::step),
                                    InstanceMethod("close", &EnergySessionHandle::close)});
    constructor = Napi::Persistent(f);
    constructor.SuppressDestruct();
}

Napi::Value EnergySessionHandle::create(const Napi::CallbackInfo& info, std::shared_ptr<const hamd::LoadedEnergyModel> model,
                                        std::shared_ptr<ComputePool> pool) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsObject()) bad_request(env, "openSession(config) needs a config object");
    const Napi::Object config = info[0].As<Napi::Object>();
    auto state = std::make_shared<State>();
    state->model = model;
    state->choice = energy_output_choice_from_js(config);
    // The system as systems_from_js reads it, with no positions (each step brings them).
    const Napi::Value given = config.Get("system");
    if (!given.IsObject()) bad_request(env, "config.system must be an object");
    Napi::Object frame = Napi::Object::New(env);
    for (const char* field : {"types", "cell", "pbc"}) frame.Set(field, given.As<Napi::Object>().Get(field));
    frame.Set("positions", Napi::Float64Array::New(env, 0));
    Napi::Object wrapper = Napi::Object::New(env);
    Napi::Array systems = Napi::Array::New(env, 1);
    systems.Set(0u, frame);
    wrapper.Set("systems", systems);
    hamd::System system = systems_from_js(wrapper).at(0);
    hamd::EnergySessionSettings settings;
    settings.types = std::move(system.types);
    settings.cell = system.cell;
    settings.pbc = system.pbc;
    settings.skin = number_field(config, "skin", 0.5);
    settings.request = state->choice.request();
    // Which atoms' energies count (a host code's ghosts do not); absent: all. The core checks
    // the length against the atoms.
    const Napi::Value contributing = config.Get("contributing");
    if (!contributing.IsUndefined() && !contributing.IsNull()) {
        if (!contributing.IsTypedArray() || contributing.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array)
            bad_request(env, "config.contributing must be a Uint8Array");
        const Napi::Uint8Array flags = contributing.As<Napi::Uint8Array>();
        settings.request.contributing.assign(flags.Data(), flags.Data() + flags.ElementLength());
    }
    try {
        state->session = std::make_unique<hamd::EnergySession>(model->model, std::move(settings));
    } catch (const hamd::InvalidArgument& e) {
        throw coded_error(env, "INVALID_ARGUMENT", e.what());
    }
    auto* pending = new Pending{std::move(state), std::move(pool)};
    auto external = Napi::External<Pending>::New(env, pending, [](Napi::Env, Pending* p) { delete p; });
    return constructor.New({external});
}

EnergySessionHandle::EnergySessionHandle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<EnergySessionHandle>(info) {
    if (info.Length() < 1 || !info[0].IsExternal())
        throw coded_error(info.Env(), "INVALID_ARGUMENT", "sessions are opened with energyModel.openSession(config)");
    Pending* pending = info[0].As<Napi::External<Pending>>().Data();
    state_ = pending->state;
    pool_ = pending->pool;
}

Napi::Value EnergySessionHandle::step(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!state_ || !state_->session) throw coded_error(env, "FAILED_PRECONDITION", "the session is closed");
    if (info.Length() < 1) bad_request(env, "step(positions[, cell[, cancelToken[, inlineWhenIdle]]]) needs positions");
    auto positions = std::make_shared<std::vector<double>>(doubles(env, info[0], "positions"));
    std::optional<std::array<double, 9>> cell;
    if (info.Length() > 1 && !info[1].IsUndefined() && !info[1].IsNull()) {
        const std::vector<double> values = doubles(env, info[1], "cell");
        if (values.size() != 9) bad_request(env, "cell must hold 9 numbers");
        cell.emplace();
        std::copy(values.begin(), values.end(), cell->begin());
    }
    const JobPlacement placement = info.Length() > 3 && info[3].IsBoolean() && info[3].As<Napi::Boolean>().Value()
                                       ? JobPlacement::inline_when_idle
                                       : JobPlacement::pool;
    bool expected = false;
    if (!state_->busy.compare_exchange_strong(expected, true))
        throw coded_error(env, "FAILED_PRECONDITION", "a step of this session is already running");
    struct StepResult {
        hamd::EnergyPrediction prediction;
        bool rebuilt = false;
        size_t step = 0;
    };
    std::shared_ptr<State> state = state_;
    return submit_job<StepResult>(
        env, *pool_, cancel_flag_from_js(info, 2),
        [state, positions, cell](hamd::ThreadPool& pool, const std::atomic<bool>& cancel) {
            struct Release {
                std::atomic<bool>& busy;
                ~Release() { busy.store(false); }
            } release{state->busy};
            StepResult result;
            result.step = state->session->steps();
            result.prediction = state->session->step(*positions, cell ? &*cell : nullptr, pool, &cancel);
            result.rebuilt = state->session->last_step_rebuilt_neighbors();
            return result;
        },
        [state](Napi::Env env, StepResult& result) -> Napi::Value {
            Napi::Object out = energy_prediction_to_js(env, result.prediction, state->session->n_atoms(), state->choice);
            out.Set("neighborsRebuilt", result.rebuilt);
            out.Set("step", static_cast<double>(result.step));
            return out;
        },
        placement);
}

Napi::Value EnergySessionHandle::close(const Napi::CallbackInfo& info) {
    Napi::Object out = Napi::Object::New(info.Env());
    if (state_ && state_->session) {
        out.Set("steps", static_cast<double>(state_->session->steps()));
        out.Set("neighborRebuilds", static_cast<double>(state_->session->neighbor_rebuilds()));
    }
    state_.reset();  // a running step holds its own reference and frees the state when it ends
    return out;
}

}  // namespace hamd_napi
