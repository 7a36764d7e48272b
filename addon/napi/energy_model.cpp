#include "napi/energy_model.hpp"

#include <algorithm>

#include "core/base/errors.hpp"
#include "napi/async_job.hpp"
#include "napi/convert.hpp"

namespace hamd_napi {

Napi::FunctionReference EnergyModelHandle::constructor;

namespace {

constexpr double kHartreeEv = 27.211386245988;     // CODATA 2018
constexpr double kBohrAngstrom = 0.529177210903;   // CODATA 2018

struct EnergyRequest {
    std::shared_ptr<const hamd::LoadedEnergyModel> model;
    std::vector<hamd::System> systems;
    std::vector<std::string> outputs;
    bool hartree = false;  // Hartree, Hartree/Bohr, Hartree/Bohr^3 instead of eV, eV/A, eV/A^3
    bool wants(const char* name) const { return std::find(outputs.begin(), outputs.end(), name) != outputs.end(); }
};

}  // namespace

void EnergyModelHandle::define(Napi::Env env) {
    Napi::Function f = DefineClass(env, "EnergyModel",
                                   {InstanceMethod("metadata", &EnergyModelHandle::metadata),
                                    InstanceMethod("predict", &EnergyModelHandle::predict)});
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
    auto request = std::make_shared<EnergyRequest>();
    request->model = model_;
    request->systems = systems_from_js(object);
    const Napi::Value outputs = object.Get("outputs");
    if (!outputs.IsArray()) bad_request(env, "outputs must be an array of names");
    const Napi::Array list = outputs.As<Napi::Array>();
    const auto& known = hamd::energy_outputs();
    for (uint32_t k = 0; k < list.Length(); ++k) {
        const std::string name = list.Get(k).ToString().Utf8Value();
        if (std::find(known.begin(), known.end(), name) == known.end())
            bad_request(env, "output '" + name + "' is not one an energy model answers");
        request->outputs.push_back(name);
    }
    const std::string units = string_field(object, "units", "ev");
    if (units != "ev" && units != "hartree") bad_request(env, "units must be 'ev' or 'hartree', not '" + units + "'");
    request->hartree = units == "hartree";
    using Results = std::vector<hamd::EnergyPrediction>;
    return submit_job<Results>(
        env, *pool_, "hamd.predictEnergy", cancel_flag_from_js(info, 1),
        [request](hamd::ThreadPool& pool, const std::atomic<bool>& cancel) {
            Results results(request->systems.size());
            const hamd::EnergyModel& model = *request->model->model;
            hamd::EnergyRequest what;  // only the outputs asked for are computed
            what.forces = request->wants("forces");
            what.stress = request->wants("stress");
            what.energies = request->wants("energies");
            what.uncertainty = request->wants("energy_uncertainty");
            hamd::TensorMap storage;  // descriptor memory shared by the structures of the request
            for (size_t s = 0; s < request->systems.size(); ++s) {  // each prediction spreads over the pool
                if (cancel.load()) throw hamd::Cancelled();
                model.validate_input(request->systems[s], s);
                results[s] = model.evaluate(request->systems[s], hamd::build_neighbor_list(request->systems[s], model.cutoff()),
                                            what, pool, &cancel, storage);
            }
            return results;
        },
        [request](Napi::Env env, Results& results) -> Napi::Value {
            const double energy_unit = request->hartree ? 1.0 / kHartreeEv : 1.0;
            const double length_unit = request->hartree ? 1.0 / kBohrAngstrom : 1.0;  // per Angstrom -> per Bohr
            Napi::Object out = Napi::Object::New(env);
            Napi::Array structures = Napi::Array::New(env, results.size());
            for (size_t k = 0; k < results.size(); ++k) {
                hamd::EnergyPrediction& p = results[k];
                Napi::Object o = Napi::Object::New(env);
                o.Set("nAtoms", static_cast<double>(request->systems[k].size()));
                if (request->wants("energy")) o.Set("energy", p.energy * energy_unit);
                if (request->wants("energy_uncertainty")) o.Set("energyUncertainty", p.energy_uncertainty * energy_unit);
                if (request->wants("energies")) {
                    for (double& e : p.energies) e *= energy_unit;
                    o.Set("energies", copy_to_js(env, p.energies.data(), p.energies.size()));
                }
                if (request->wants("forces")) {
                    for (double& f : p.forces) f *= energy_unit / length_unit;
                    o.Set("forces", copy_to_js(env, p.forces.data(), p.forces.size()));
                }
                if (request->wants("stress") && p.has_stress) {
                    for (double& x : p.stress) x *= energy_unit / (length_unit * length_unit * length_unit);
                    o.Set("stress", copy_to_js(env, p.stress.data(), 9));
                }
                structures.Set(static_cast<uint32_t>(k), o);
            }
            out.Set("structures", structures);
            return out;
        });
}

}  // namespace hamd_napi
