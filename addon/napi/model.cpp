#include "napi/model.hpp"

#include "core/base/errors.hpp"
#include "core/models/hamiltonian/model_file.hpp"
#include "core/models/hamiltonian/prediction.hpp"
#include "napi/async_job.hpp"
#include "napi/convert.hpp"
#include "napi/energy_model.hpp"

namespace hamd_napi {

Napi::FunctionReference HamiltonianModelHandle::constructor;

namespace {

// Row-major copy of a matrix (the wire's layout).
Napi::Float64Array matrix_to_js(Napi::Env env, const Eigen::MatrixXd& m) {
    const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> row_major = m;
    return copy_to_js(env, row_major.data(), static_cast<size_t>(row_major.size()));
}

// NativeStructurePrediction: only the requested outputs are present.
Napi::Object prediction_to_js(Napi::Env env, const hamd::Prediction& p) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("nOrbitals", p.n_orbitals);
    o.Set("nElectrons", p.n_electrons);
    if (p.wants("fock_orthogonal")) o.Set("fockOrthogonal", matrix_to_js(env, p.fock_orthogonal));
    if (p.wants("fock")) o.Set("fock", matrix_to_js(env, p.fock));
    if (p.wants("overlap")) o.Set("overlap", matrix_to_js(env, p.overlap));
    if (p.wants("orbital_energies")) o.Set("orbitalEnergies", copy_to_js(env, p.orbital_energies.data(), p.orbital_energies.size()));
    if (p.wants("valid_orbitals")) {
        Napi::Array flags = Napi::Array::New(env, p.valid_orbitals.size());
        for (size_t k = 0; k < p.valid_orbitals.size(); ++k) flags.Set(static_cast<uint32_t>(k), Napi::Boolean::New(env, p.valid_orbitals[k]));
        o.Set("validOrbitals", flags);
    }
    if (p.wants("homo")) o.Set("homo", p.homo);
    // A LUMO the model does not vouch for is withheld, with the gap; p.warnings says why.
    if (p.wants("lumo") && p.lumo_valid) o.Set("lumo", p.lumo);
    if (p.wants("gap") && p.lumo_valid) o.Set("gap", p.gap);
    if (p.wants("excitation_energies") || p.wants("oscillator_strengths"))
        o.Set("excitationValidWeight", copy_to_js(env, p.excitation_valid_weight.data(), p.excitation_valid_weight.size()));
    if (p.wants("excitation_energies"))
        o.Set("excitationEnergies", copy_to_js(env, p.excitation_energies.data(), p.excitation_energies.size()));
    if (p.wants("oscillator_strengths"))
        o.Set("oscillatorStrengths", copy_to_js(env, p.oscillator_strengths.data(), p.oscillator_strengths.size()));
    if (!p.warnings.empty()) {
        Napi::Array warnings = Napi::Array::New(env, p.warnings.size());
        for (size_t k = 0; k < p.warnings.size(); ++k) warnings.Set(static_cast<uint32_t>(k), p.warnings[k]);
        o.Set("warnings", warnings);
    }
    if (p.wants("orbital_labels")) {
        Napi::Array names = Napi::Array::New(env, p.orbital_names.size());
        for (size_t k = 0; k < p.orbital_names.size(); ++k) names.Set(static_cast<uint32_t>(k), p.orbital_names[k]);
        o.Set("orbitalNames", names);
        o.Set("orbitals", copy_to_js(env, p.orbitals.data(), p.orbitals.size()));
    }
    return o;
}

}  // namespace

Napi::Object metadata_to_js(Napi::Env env, const hamd::ModelMetadata& m) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("kind", m.kind);
    o.Set("format", m.format);
    o.Set("version", std::to_string(m.format_version));
    Napi::Array species = Napi::Array::New(env, m.species.size());
    for (size_t k = 0; k < m.species.size(); ++k) species.Set(static_cast<uint32_t>(k), m.species[k]);
    o.Set("species", species);
    o.Set("basis", m.basis);
    o.Set("units", m.energy_unit);
    o.Set("cutoff", m.cutoff);
    Napi::Object counts = Napi::Object::New(env);
    for (const auto& [z, count] : m.orbital_counts) counts.Set(std::to_string(z), count);
    o.Set("orbitalCounts", counts);
    Napi::Array outputs = Napi::Array::New(env, m.outputs.size());
    for (size_t k = 0; k < m.outputs.size(); ++k) outputs.Set(static_cast<uint32_t>(k), m.outputs[k]);
    o.Set("outputs", outputs);
    o.Set("hasIndirect", m.has_indirect);
    Napi::Object validation = Napi::Object::New(env);
    for (const auto& [name, value] : m.validation) validation.Set(name, value);
    o.Set("validation", validation);
    o.Set("checksum", m.checksum);
    o.Set("extraJson", m.extra_json);
    return o;
}

namespace {

struct PredictRequest {
    std::shared_ptr<const hamd::HamiltonianModel> model;
    std::vector<hamd::System> systems;
    hamd::PredictionOptions options;
};

// NativePredictRequest -> core options; INVALID_ARGUMENT for unknown names.
hamd::PredictionOptions prediction_options_from_js(const Napi::Object& request) {
    Napi::Env env = request.Env();
    hamd::PredictionOptions options;
    const Napi::Value outputs = request.Get("outputs");
    if (!outputs.IsUndefined() && !outputs.IsNull()) {
        if (!outputs.IsArray()) bad_request(env, "outputs must be an array of names");
        options.outputs.clear();
        const Napi::Array list = outputs.As<Napi::Array>();
        for (uint32_t k = 0; k < list.Length(); ++k) {
            const Napi::Value name = list.Get(k);
            if (!name.IsString()) bad_request(env, "outputs[" + std::to_string(k) + "] must be a string");
            options.outputs.push_back(name.As<Napi::String>().Utf8Value());
        }
    }
    options.units = string_field(request, "units", options.units);
    options.order = string_field(request, "order", options.order);
    options.charge = integer_field(request, "charge", 0);
    options.n_states = integer_field(request, "nStates", 0);
    try {
        options.variant = hamd::parse_model_variant(string_field(request, "variant", "best"));
        hamd::validate_prediction_options(options);
    } catch (const hamd::InvalidArgument& e) {
        bad_request(env, e.what());
    }
    return options;
}

}  // namespace

void HamiltonianModelHandle::define(Napi::Env env) {
    Napi::Function f = DefineClass(env, "HamiltonianModel",
                                   {InstanceMethod("metadata", &HamiltonianModelHandle::metadata),
                                    InstanceMethod("predict", &HamiltonianModelHandle::predict),
                                    InstanceMethod("predictionBytes", &HamiltonianModelHandle::prediction_bytes)});
    constructor = Napi::Persistent(f);
    constructor.SuppressDestruct();
}

Napi::Object HamiltonianModelHandle::create(Napi::Env env, const std::string& path, std::shared_ptr<ComputePool> pool) {
    auto* shared = new std::shared_ptr<ComputePool>(std::move(pool));
    auto external = Napi::External<std::shared_ptr<ComputePool>>::New(
        env, shared, [](Napi::Env, std::shared_ptr<ComputePool>* p) { delete p; });
    return constructor.New({Napi::String::New(env, path), external});
}

HamiltonianModelHandle::HamiltonianModelHandle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<HamiltonianModelHandle>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 2 || !info[0].IsString() || !info[1].IsExternal())
        throw coded_error(env, "INVALID_ARGUMENT", "models are loaded with engine.loadHamiltonianModel(path)");
    pool_ = *info[1].As<Napi::External<std::shared_ptr<ComputePool>>>().Data();
    const std::string path = info[0].As<Napi::String>().Utf8Value();
    try {
        model_ = hamd::load_hamiltonian_model(path);
        hamd::describe_model(*model_);  // a model whose metadata cannot be read is not loaded
    } catch (const hamd::InvalidArgument& e) {
        throw coded_error(env, "INVALID_ARGUMENT", e.what());
    } catch (const std::exception& e) {
        throw coded_error(env, "INTERNAL", e.what());
    }
}

Napi::Value HamiltonianModelHandle::metadata(const Napi::CallbackInfo& info) {
    return metadata_to_js(info.Env(), hamd::describe_model(*model_));
}

Napi::Value HamiltonianModelHandle::prediction_bytes(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsObject())
        throw coded_error(env, "INVALID_ARGUMENT", "predictionBytes(request) needs a request object");
    const Napi::Object object = info[0].As<Napi::Object>();
    const std::vector<hamd::System> systems = systems_from_js(object);
    const hamd::PredictionOptions options = prediction_options_from_js(object);
    hamd::PredictionBytes bytes;
    try {
        bytes = hamd::prediction_bytes(*model_, systems, options);
    } catch (const hamd::InvalidArgument& e) {
        throw coded_error(env, "INVALID_ARGUMENT", e.what());
    }
    Napi::Object out = Napi::Object::New(env);
    out.Set("results", static_cast<double>(bytes.results));
    out.Set("working", static_cast<double>(bytes.working));
    out.Set("largestOrbitals", bytes.largest_orbitals);
    return out;
}

Napi::Value HamiltonianModelHandle::predict(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsObject())
        throw coded_error(env, "INVALID_ARGUMENT", "predict(request[, cancelToken]) needs a request object");
    const Napi::Object object = info[0].As<Napi::Object>();
    auto request = std::make_shared<PredictRequest>();
    request->model = model_;
    request->systems = systems_from_js(object);
    request->options = prediction_options_from_js(object);
    using Results = std::vector<hamd::Prediction>;
    return submit_job<Results>(
        env, *pool_, cancel_flag_from_js(info, 1),
        [request](hamd::ThreadPool& pool, const std::atomic<bool>& cancel) {
            Results results(request->systems.size());
            pool.parallel_for(request->systems.size(), [&](size_t s) {
                if (cancel.load()) throw hamd::Cancelled();
                results[s] = hamd::predict(*request->model, request->systems[s], request->options, s, &cancel);
            });
            return results;
        },
        [](Napi::Env env, Results& results) -> Napi::Value {
            Napi::Object out = Napi::Object::New(env);
            Napi::Array structures = Napi::Array::New(env, results.size());
            for (size_t k = 0; k < results.size(); ++k) structures.Set(static_cast<uint32_t>(k), prediction_to_js(env, results[k]));
            out.Set("structures", structures);
            return out;
        });
}

}  // namespace hamd_napi
