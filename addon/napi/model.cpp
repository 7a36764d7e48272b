#include "napi/model.hpp"

#include <thread>

#include "core/base/errors.hpp"
#include "core/models/hamiltonian/model_file.hpp"
#include "core/models/hamiltonian/prediction.hpp"
#include "core/training/training_run.hpp"
#include "napi/convert.hpp"

namespace hamd_napi {

Napi::FunctionReference HamiltonianModelHandle::constructor;

namespace {

// Runs `work` on the job's error fields; classifies core exceptions into codes.
template <class Job, class Work>
void run_coded(Job& job, Work&& work) {
    try {
        work();
    } catch (const hamd::InvalidArgument& e) {
        job.error_code = "INVALID_ARGUMENT";
        job.error_message = e.what();
    } catch (const hamd::ResourceExhausted& e) {
        job.error_code = "RESOURCE_EXHAUSTED";
        job.error_message = e.what();
    } catch (const std::bad_alloc&) {
        job.error_code = "RESOURCE_EXHAUSTED";
        job.error_message = "out of memory";
    } catch (const std::exception& e) {
        job.error_code = "INTERNAL";
        job.error_message = e.what();
    }
}

double number_field(const Napi::Object& o, const char* name, double fallback) {
    Napi::Value v = o.Get(name);
    if (v.IsUndefined() || v.IsNull()) return fallback;
    if (!v.IsNumber()) throw coded_error(o.Env(), "INVALID_ARGUMENT", std::string(name) + " must be a number");
    return v.As<Napi::Number>().DoubleValue();
}
std::string string_field(const Napi::Object& o, const char* name, const std::string& fallback) {
    Napi::Value v = o.Get(name);
    if (v.IsUndefined() || v.IsNull()) return fallback;
    if (!v.IsString()) throw coded_error(o.Env(), "INVALID_ARGUMENT", std::string(name) + " must be a string");
    return v.As<Napi::String>().Utf8Value();
}

Napi::Float64Array float_array(Napi::Env env, const double* data, size_t n) {
    Napi::Float64Array a = Napi::Float64Array::New(env, n);
    std::copy(data, data + n, a.Data());
    return a;
}

Napi::Object matrix_js(Napi::Env env, const Eigen::MatrixXd& m) {
    Napi::Object o = Napi::Object::New(env);
    Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> row_major = m;
    o.Set("values", float_array(env, row_major.data(), static_cast<size_t>(row_major.size())));
    Napi::Array shape = Napi::Array::New(env, 2);
    shape.Set(0u, Napi::Number::New(env, static_cast<double>(m.rows())));
    shape.Set(1u, Napi::Number::New(env, static_cast<double>(m.cols())));
    o.Set("shape", shape);
    return o;
}

// ---- training ----

struct TrainJob {
    hamd::TrainingConfig config;
    size_t threads = 0;
    std::string report;
    const char* error_code = nullptr;
    std::string error_message;
    Napi::Promise::Deferred deferred;
    Napi::ThreadSafeFunction progress;   // may be empty
    Napi::ThreadSafeFunction done;
    explicit TrainJob(Napi::Env env) : deferred(Napi::Promise::Deferred::New(env)) {}
};

Napi::Value train_model(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsObject())
        throw coded_error(env, "INVALID_ARGUMENT", "trainHamiltonianModel(config[, onProgress]) needs a config object");
    Napi::Object c = info[0].As<Napi::Object>();
    auto job = std::make_unique<TrainJob>(env);
    hamd::TrainingConfig& config = job->config;
    config = hamd::default_training_config();
    config.data_path = string_field(c, "data", "");
    if (config.data_path.empty()) throw coded_error(env, "INVALID_ARGUMENT", "config.data (dataset .npz path) is required");
    config.output_path = string_field(c, "output", "");
    config.command = string_field(c, "command", "trainHamiltonianModel");
    config.run_indirect = c.Get("indirect").IsUndefined() ? true : c.Get("indirect").ToBoolean().Value();
    hamd::Hypers& h = config.features.hypers;
    h.cutoff = number_field(c, "cutoff", h.cutoff);
    h.cutoff_width = number_field(c, "cutoffWidth", h.cutoff_width);
    h.max_radial = static_cast<int>(number_field(c, "maxRadial", h.max_radial));
    h.max_angular = static_cast<int>(number_field(c, "maxAngular", h.max_angular));
    h.density_width = number_field(c, "densityWidth", h.density_width);
    config.ridge.folds = static_cast<int>(number_field(c, "cvFolds", config.ridge.folds));
    config.indirect.epochs = static_cast<int>(number_field(c, "epochs", config.indirect.epochs));
    config.indirect.learning_rate = number_field(c, "learningRate", config.indirect.learning_rate);
    config.indirect.penalty = number_field(c, "penalty", config.indirect.penalty);
    config.indirect.patience = static_cast<int>(number_field(c, "patience", config.indirect.patience));
    config.indirect.validation_fraction = number_field(c, "validationFraction", config.indirect.validation_fraction);
    config.indirect.levels.virtuals = number_field(c, "virtualWeight", config.indirect.levels.virtuals);
    config.indirect.levels.lumo = number_field(c, "lumoWeight", config.indirect.levels.lumo);
    const double seed = number_field(c, "seed", 0);
    config.indirect.seed = config.ridge.seed = static_cast<uint64_t>(seed);
    job->threads = static_cast<size_t>(number_field(c, "threads", 0));

    if (info.Length() > 1 && info[1].IsFunction())
        job->progress = Napi::ThreadSafeFunction::New(env, info[1].As<Napi::Function>(), "hamd.trainProgress", 64, 1);
    job->done = Napi::ThreadSafeFunction::New(env, Napi::Function::New(env, [](const Napi::CallbackInfo&) {}),
                                              "hamd.trainHamiltonianModel", 0, 1);
    Napi::Promise promise = job->deferred.Promise();
    TrainJob* raw = job.release();
    // Its own compute pool on a worker thread: training takes minutes and must not occupy the
    // daemon's request pool; the thread only waits on the pool.
    std::thread([raw]() {
        {
            hamd::ThreadPool pool(raw->threads);
            run_coded(*raw, [&] {
                raw->report = hamd::run_hamiltonian_training(raw->config, pool, [raw](const hamd::TrainingProgress& p) {
                    if (!raw->progress) return;
                    auto* copy = new hamd::TrainingProgress(p);
                    if (raw->progress.NonBlockingCall(copy, [](Napi::Env env, Napi::Function callback, hamd::TrainingProgress* q) {
                            std::unique_ptr<hamd::TrainingProgress> owned(q);
                            if (env == nullptr) return;
                            Napi::Object o = Napi::Object::New(env);
                            o.Set("stage", q->stage);
                            o.Set("step", static_cast<double>(q->step));
                            o.Set("total", static_cast<double>(q->total));
                            o.Set("trainLoss", q->train_loss);
                            o.Set("validationLoss", q->validation_loss);
                            callback.Call({o});
                        }) != napi_ok)
                        delete copy;  // queue full: drop this update
                });
            });
        }
        if (raw->progress) raw->progress.Release();
        Napi::ThreadSafeFunction done = raw->done;
        done.BlockingCall(raw, [](Napi::Env env, Napi::Function, TrainJob* job) {
            std::unique_ptr<TrainJob> owned(job);
            if (env == nullptr) return;
            Napi::HandleScope scope(env);
            if (job->error_code) {
                job->deferred.Reject(coded_error(env, job->error_code, job->error_message).Value());
                return;
            }
            Napi::Object json = env.Global().Get("JSON").As<Napi::Object>();
            job->deferred.Resolve(json.Get("parse").As<Napi::Function>().Call(json, {Napi::String::New(env, job->report)}));
        });
        done.Release();
    }).detach();
    return promise;
}

// ---- prediction ----

struct PredictJob {
    std::shared_ptr<const hamd::HamiltonianModel> model;
    std::vector<hamd::System> systems;
    hamd::PredictionOptions options;
    std::vector<hamd::Prediction> results;
    const char* error_code = nullptr;
    std::string error_message;
    Napi::Promise::Deferred deferred;
    Napi::ThreadSafeFunction done;
    explicit PredictJob(Napi::Env env) : deferred(Napi::Promise::Deferred::New(env)) {}
};

Napi::Object prediction_js(Napi::Env env, const hamd::Prediction& p) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("nOrbitals", static_cast<double>(p.n_orbitals));
    if (p.wants("orthogonal_fock")) o.Set("orthogonal_fock", matrix_js(env, p.orthogonal_fock));
    if (p.wants("fock")) o.Set("fock", matrix_js(env, p.fock));
    if (p.wants("overlap")) o.Set("overlap", matrix_js(env, p.overlap));
    if (p.wants("orbital_energies")) o.Set("orbital_energies", float_array(env, p.orbital_energies.data(), p.orbital_energies.size()));
    if (p.wants("homo")) o.Set("homo", p.homo);
    if (p.wants("lumo")) o.Set("lumo", p.lumo);
    if (p.wants("gap")) o.Set("gap", p.gap);
    if (p.wants("orbital_labels")) {
        Napi::Array labels = Napi::Array::New(env, p.orbital_labels.size());
        for (size_t k = 0; k < p.orbital_labels.size(); ++k) labels.Set(static_cast<uint32_t>(k), p.orbital_labels[k]);
        o.Set("orbital_labels", labels);
    }
    return o;
}

Napi::Value load_model(const Napi::CallbackInfo& info) {
    return HamiltonianModelHandle::constructor.New(
        {info.Length() > 0 ? info[0] : info.Env().Undefined(), info.Length() > 1 ? info[1] : info.Env().Undefined()});
}

}  // namespace

void HamiltonianModelHandle::define(Napi::Env env) {
    Napi::Function f = DefineClass(env, "HamiltonianModel",
                                   {InstanceMethod("metadata", &HamiltonianModelHandle::metadata),
                                    InstanceMethod("predict", &HamiltonianModelHandle::predict)});
    constructor = Napi::Persistent(f);
    constructor.SuppressDestruct();
}

HamiltonianModelHandle::HamiltonianModelHandle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<HamiltonianModelHandle>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsString())
        throw coded_error(env, "INVALID_ARGUMENT", "loadHamiltonianModel(path[, threads]) needs a file path");
    const std::string path = info[0].As<Napi::String>().Utf8Value();
    try {
        model = hamd::load_hamiltonian_model(path);
    } catch (const hamd::InvalidArgument& e) {
        throw coded_error(env, "INVALID_ARGUMENT", e.what());
    } catch (const std::exception& e) {
        throw coded_error(env, "INTERNAL", e.what());
    }
    size_t threads = 0;
    if (info.Length() > 1 && info[1].IsNumber()) threads = static_cast<size_t>(info[1].As<Napi::Number>().DoubleValue());
    pool = std::make_shared<hamd::ThreadPool>(threads);
}

Napi::Value HamiltonianModelHandle::metadata(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Object o = Napi::Object::New(env);
    o.Set("format", hamd::kModelFormat);
    o.Set("formatVersion", hamd::kModelFormatVersion);
    Napi::Array species = Napi::Array::New(env);
    for (int z : model->species()) species.Set(species.Length(), Napi::String::New(env, hamd::element_symbol(z)));
    o.Set("species", species);
    o.Set("basis", model->basis().name);
    o.Set("hasIndirect", model->has_indirect());
    o.Set("pairCutoff", model->pair_cutoff());
    o.Set("metadata", model->metadata_json);
    return o;
}

Napi::Value HamiltonianModelHandle::predict(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsObject())
        throw coded_error(env, "INVALID_ARGUMENT", "predict({systems}[, options]) needs a request object");
    auto job = std::make_unique<PredictJob>(env);
    job->model = model;
    job->systems = systems_from_js(info[0].As<Napi::Object>());
    if (info.Length() > 1 && info[1].IsObject()) {
        Napi::Object o = info[1].As<Napi::Object>();
        Napi::Value outputs = o.Get("outputs");
        if (outputs.IsArray()) {
            job->options.outputs.clear();
            Napi::Array list = outputs.As<Napi::Array>();
            for (uint32_t k = 0; k < list.Length(); ++k) job->options.outputs.push_back(list.Get(k).ToString().Utf8Value());
        }
        job->options.units = string_field(o, "units", "hartree");
        job->options.order = string_field(o, "order", "hamd");
        job->options.charge = static_cast<int>(number_field(o, "charge", 0));
        try {
            job->options.variant = hamd::parse_model_variant(string_field(o, "variant", "best"));
            hamd::validate_prediction_options(job->options);
        } catch (const hamd::InvalidArgument& e) {
            throw coded_error(env, "INVALID_ARGUMENT", e.what());
        }
    }
    Napi::Promise promise = job->deferred.Promise();
    job->done = Napi::ThreadSafeFunction::New(env, Napi::Function::New(env, [](const Napi::CallbackInfo&) {}),
                                              "hamd.predictHamiltonian", 0, 1);
    hamd::ThreadPool* raw_pool = pool.get();
    PredictJob* raw = job.release();
    raw_pool->submit([raw, raw_pool]() {
        run_coded(*raw, [&] {
            raw->results.resize(raw->systems.size());
            raw_pool->parallel_for(raw->systems.size(), [&](size_t s) {
                raw->results[s] = hamd::predict(*raw->model, raw->systems[s], raw->options, s);
            });
        });
        Napi::ThreadSafeFunction done = raw->done;
        done.BlockingCall(raw, [](Napi::Env env, Napi::Function, PredictJob* job) {
            std::unique_ptr<PredictJob> owned(job);
            if (env == nullptr) return;
            Napi::HandleScope scope(env);
            if (job->error_code) {
                job->deferred.Reject(coded_error(env, job->error_code, job->error_message).Value());
                return;
            }
            Napi::Array out = Napi::Array::New(env, job->results.size());
            for (size_t k = 0; k < job->results.size(); ++k) out.Set(static_cast<uint32_t>(k), prediction_js(env, job->results[k]));
            job->deferred.Resolve(out);
        });
        done.Release();
    });
    return promise;
}

void register_model_bindings(Napi::Env env, Napi::Object exports) {
    HamiltonianModelHandle::define(env);
    exports.Set("trainHamiltonianModel", Napi::Function::New(env, train_model));
    exports.Set("loadHamiltonianModel", Napi::Function::New(env, load_model));
}

}  // namespace hamd_napi
