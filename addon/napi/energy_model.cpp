#include "napi/energy_model.hpp"

#include <algorithm>

#include "core/base/errors.hpp"
#include "napi/async_job.hpp"
#include "napi/convert.hpp"
#include "napi/energy_results.hpp"
#include "napi/energy_session.hpp"

namespace hamd_napi {

Napi::FunctionReference EnergyModelHandle::constructor;


void EnergyModelHandle::define(Napi::Env env) {
    Napi::Function f = DefineClass(env, "EnergyModel",
                                   {InstanceMethod("metadata", &EnergyModelHandle::metadata),
                                    InstanceMethod("predict", &EnergyModelHandle::predict),
                                    InstanceMethod("openSession", &EnergyModelHandle::open_session)});
    constructor = Napi::Persistent(f);
    constructor.SuppressDestruct();
}

Napi::Object EnergyModelHandle::create(Napi::Env env, const std::string& path, std::shared_ptr<ComputePool> pool) {
    auto* shared = new std::shared_ptr<ComputePool>(std::move(pool));
    auto external = Napi::External<std::shared_ptr<ComputePool>>::New(
        env, shared, [](Napi::Env, std::shared_ptr<ComputePool>* p) { delete p; });
    return constructor.New({Napi::String::New(env, path), external});
}

EnergyModelHandle::EnergyModelHandle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<EnergyModelHandle>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 2 || !info[0].IsString() || !info[1].IsExternal())
        throw coded_error(env, "INVALID_ARGUMENT", "models are loaded with engine.loadModel(path)");
    pool_ = *info[1].As<Napi::External<std::shared_ptr<ComputePool>>>().Data();
    try {
        model_ = std::make_shared<hamd::LoadedEnergyModel>(hamd::load_energy_model(info[0].As<Napi::String>().Utf8Value()));
    } catch (const hamd::InvalidArgument& e) {
        throw coded_error(env, "INVALID_ARGUMENT", e.what());
    } catch (const std::exception& e) {
        throw coded_error(env, "INTERNAL", e.what());
    }
}

Napi::Value EnergyModelHandle::metadata(const Napi::CallbackInfo& info) {
    return metadata_to_js(info.Env(), hamd::describe_energy_model(*model_));
}

Napi::Value EnergyModelHandle::predict(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsObject())
        throw coded_error(env, "INVALID_ARGUMENT", "predict(request[, cancelToken]) needs a request object");
    const Napi::Object object = info[0].As<Napi::Object>();
    struct Request {
        std::shared_ptr<const hamd::LoadedEnergyModel> model;
        std::vector<hamd::System> systems;
        EnergyOutputChoice choice;
    };
    auto request = std::make_shared<Request>();
    request->model = model_;
    request->systems = systems_from_js(object);
    request->choice = energy_output_choice_from_js(object);
    using Results = std::vector<hamd::EnergyPrediction>;
    return submit_job<Results>(
        env, *pool_, cancel_flag_from_js(info, 1),
        [request](hamd::ThreadPool& pool, const std::atomic<bool>& cancel) {
            Results results(request->systems.size());
            const hamd::EnergyModel& model = *request->model->model;
            const hamd::EnergyRequest what = request->choice.request();  // only the outputs asked for are computed
            for (size_t s = 0; s < request->systems.size(); ++s) {  // each prediction spreads over the pool
                if (cancel.load()) throw hamd::Cancelled();
                model.validate_input(request->systems[s], s);
                results[s] = model.evaluate(request->systems[s], hamd::build_neighbor_list(request->systems[s], model.cutoff()),
                                            what, pool, &cancel);
            }
            return results;
        },
        [request](Napi::Env env, Results& results) -> Napi::Value {
            Napi::Object out = Napi::Object::New(env);
            Napi::Array structures = Napi::Array::New(env, results.size());
            for (size_t k = 0; k < results.size(); ++k)
                structures.Set(static_cast<uint32_t>(k),
                               energy_prediction_to_js(env, results[k], request->systems[k].size(), request->choice));
            out.Set("structures", structures);
            return out;
        });
}

Napi::Value EnergyModelHandle::open_session(const Napi::CallbackInfo& info) {
    return EnergySessionHandle::create(info, model_, pool_);
}

}  // namespace hamd_napi
