#include "napi/training.hpp"

#include <memory>
#include <string>

#include "core/base/errors.hpp"
#include "core/training/energy_training.hpp"
#include "core/training/training_run.hpp"
#include "napi/async_job.hpp"
#include "napi/convert.hpp"

namespace hamd_napi {

namespace {

// TrainingConfig (server/native/model-addon.ts) -> the core's; absent fields keep the
// defaults of the shipped model.
hamd::TrainingConfig training_config_from_js(const Napi::Object& c) {
    Napi::Env env = c.Env();
    hamd::TrainingConfig config = hamd::default_training_config();
    config.data_path = string_field(c, "data", "");
    if (config.data_path.empty()) bad_request(env, "config.data (dataset .npz path) is required");
    config.output_path = string_field(c, "output", "");
    config.command = string_field(c, "command", "trainHamiltonianModel");
    config.run_indirect = boolean_field(c, "indirect", true);
    const Napi::Value hypers = c.Get("hypers");
    // Training's own defaults (the shipped model's) for the fields the config leaves out.
    if (hypers.IsObject())
        config.features.hypers = hamd::resolve_hypers(hyper_settings_from_js(hypers.As<Napi::Object>()), config.features.hypers);
    config.ridge.folds = integer_field(c, "folds", config.ridge.folds);
    hamd::IndirectSettings& indirect = config.indirect;
    const std::string optimizer = string_field(c, "optimizer", "lbfgs");
    if (optimizer == "lbfgs") indirect.optimizer = hamd::IndirectOptimizer::Lbfgs;
    else if (optimizer == "adam") indirect.optimizer = hamd::IndirectOptimizer::Adam;
    else bad_request(env, "optimizer must be 'lbfgs' or 'adam', not '" + optimizer + "'");
    indirect.epochs = integer_field(c, "epochs", indirect.epochs);
    indirect.learning_rate = number_field(c, "learningRate", indirect.learning_rate);
    indirect.penalty = number_field(c, "penalty", indirect.penalty);
    indirect.patience = integer_field(c, "patience", indirect.patience);
    indirect.validation_fraction = number_field(c, "validationFraction", indirect.validation_fraction);
    indirect.levels.virtuals = number_field(c, "virtualWeight", indirect.levels.virtuals);
    indirect.levels.lumo = number_field(c, "lumoWeight", indirect.levels.lumo);
    indirect.levels.charges = number_field(c, "chargeWeight", indirect.levels.charges);
    indirect.levels.density_matrix = number_field(c, "densityMatrixWeight", indirect.levels.density_matrix);
    indirect.levels.valence_virtuals = integer_field(c, "valenceVirtuals", indirect.levels.valence_virtuals);
    indirect.levels.valence_character = number_field(c, "valenceCharacter", indirect.levels.valence_character);
    indirect.levels.valence_virtual_weight = number_field(c, "valenceVirtualWeight", indirect.levels.valence_virtual_weight);
    config.features.message_radial = integer_field(c, "messageRadial", config.features.message_radial);
    config.features.message_scale = number_field(c, "messageScale", config.features.message_scale);
    config.features.pair_order2_components = integer_field(c, "pairOrder2", config.features.pair_order2_components);
    config.features.pair_order2_density_components =
        integer_field(c, "pairOrder2Density", config.features.pair_order2_density_components);
    if (indirect.levels.charges < 0 || indirect.levels.density_matrix < 0 || indirect.levels.valence_virtual_weight < 0)
        bad_request(env, "chargeWeight, densityMatrixWeight and valenceVirtualWeight must be >= 0");
    if (indirect.levels.valence_virtuals < 0 || config.features.message_radial < 0)
        bad_request(env, "valenceVirtuals and messageRadial must be >= 0");
    if (!(indirect.levels.valence_character >= 0 && indirect.levels.valence_character <= 1))
        bad_request(env, "valenceCharacter must be in [0, 1]");
    if (!(config.features.message_scale > 0)) bad_request(env, "messageScale must be positive");
    if (config.features.pair_order2_components < 0 || config.features.pair_order2_density_components < 0)
        bad_request(env, "pairOrder2 and pairOrder2Density must be >= 0");
    if (config.features.pair_order2_density_components > 0 && config.features.pair_order2_components == 0)
        bad_request(env, "pairOrder2Density needs pairOrder2 > 0");
    const double seed = number_field(c, "seed", 0);
    if (!(seed >= 0) || seed != static_cast<double>(static_cast<uint64_t>(seed))) bad_request(env, "seed must be a non-negative integer");
    indirect.seed = config.ridge.seed = static_cast<uint64_t>(seed);
    return config;
}

// Owns the progress function; releasing it (from whichever thread drops the last reference)
// lets the event loop exit once the job is done.
struct ProgressSink {
    Napi::ThreadSafeFunction function;
    ~ProgressSink() {
        if (function) function.Release();
    }
    void send(const hamd::TrainingProgress& progress) {
        if (!function) return;
        auto* copy = new hamd::TrainingProgress(progress);
        // Intermediate updates may be dropped when the queue is full (the bar skips a frame);
        // the last update of a stage waits for room, so every stage is shown complete.
        const auto deliver = [](Napi::Env env, Napi::Function callback, hamd::TrainingProgress* p) {
            std::unique_ptr<hamd::TrainingProgress> owned(p);
            if (env == nullptr) return;
            Napi::Object o = Napi::Object::New(env);
            o.Set("stage", p->stage);
            o.Set("step", static_cast<double>(p->step));
            o.Set("total", static_cast<double>(p->total));
            o.Set("trainLoss", p->train_loss);
            o.Set("validationLoss", p->validation_loss);
            callback.Call({o});
        };
        const bool last = progress.step >= progress.total;
        const napi_status status = last ? function.BlockingCall(copy, deliver) : function.NonBlockingCall(copy, deliver);
        if (status != napi_ok) delete copy;  // queue full (intermediate update) or closing: not shown
    }
};

// EnergyTrainingConfig (server/native/model-addon.ts) -> the core's.
hamd::EnergyTrainingConfig energy_training_config_from_js(const Napi::Object& c) {
    Napi::Env env = c.Env();
    hamd::EnergyTrainingConfig config = hamd::default_energy_training_config();
    config.data_path = string_field(c, "data", "");
    if (config.data_path.empty()) bad_request(env, "config.data (energy dataset .npz path) is required");
    config.output_path = string_field(c, "output", "");
    config.command = string_field(c, "command", "trainEnergyModel");
    const Napi::Value hypers = c.Get("hypers");
    if (hypers.IsObject()) config.hypers = hamd::resolve_hypers(hyper_settings_from_js(hypers.As<Napi::Object>()), config.hypers);
    config.validation_fraction = number_field(c, "validationFraction", config.validation_fraction);
    config.energy_sigma = number_field(c, "energySigma", config.energy_sigma);
    auto numbers = [&](const char* name, std::vector<double>& out) {  // a number or an array of them
        const Napi::Value v = c.Get(name);
        if (v.IsUndefined() || v.IsNull()) return;
        out.clear();
        if (v.IsNumber()) out.push_back(v.As<Napi::Number>().DoubleValue());
        else if (v.IsArray()) {
            const Napi::Array list = v.As<Napi::Array>();
            for (uint32_t k = 0; k < list.Length(); ++k) {
                if (!list.Get(k).IsNumber()) bad_request(env, std::string("config.") + name + " must hold numbers");
                out.push_back(list.Get(k).As<Napi::Number>().DoubleValue());
            }
        } else bad_request(env, std::string("config.") + name + " must be a number or an array of numbers");
        if (out.empty()) bad_request(env, std::string("config.") + name + " is empty");
    };
    numbers("ridge", config.ridges);
    numbers("forceSigma", config.force_sigmas);
    config.block_ridge = boolean_field(c, "blockRidge", config.block_ridge);
    const double covariance_bytes = number_field(c, "covarianceMaxBytes", static_cast<double>(config.covariance_max_bytes));
    if (!(covariance_bytes >= 0)) bad_request(env, "covarianceMaxBytes must be a non-negative number");
    config.covariance_max_bytes = static_cast<size_t>(covariance_bytes);
    const Napi::Value extra = c.Get("extraFeatures");  // [{kind, hypers}], hypers default to the model's
    if (extra.IsArray()) {
        const Napi::Array list = extra.As<Napi::Array>();
        for (uint32_t k = 0; k < list.Length(); ++k) {
            if (!list.Get(k).IsObject()) bad_request(env, "config.extraFeatures holds {kind, hypers} objects");
            const Napi::Object item = list.Get(k).As<Napi::Object>();
            hamd::EnergyFeatureSet set;
            try {
                set.kind = hamd::parse_descriptor_kind(string_field(item, "kind", "power-spectrum"));
            } catch (const hamd::InvalidArgument& e) {
                bad_request(env, std::string("config.extraFeatures: ") + e.what());
            }
            set.hypers = config.hypers;
            const Napi::Value h = item.Get("hypers");
            if (h.IsObject()) set.hypers = hamd::resolve_hypers(hyper_settings_from_js(h.As<Napi::Object>()), config.hypers);
            config.extra_features.push_back(set);
        }
    } else if (!extra.IsUndefined() && !extra.IsNull()) bad_request(env, "config.extraFeatures must be an array");
    config.test_fraction = number_field(c, "testFraction", config.test_fraction);
    const double seed = number_field(c, "seed", 0);
    if (!(seed >= 0) || seed != static_cast<double>(static_cast<uint64_t>(seed))) bad_request(env, "seed must be a non-negative integer");
    config.seed = static_cast<uint64_t>(seed);
    return config;
}

}  // namespace

Napi::Value train_energy_model_job(const Napi::CallbackInfo& info, ComputePool& pool) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsObject())
        throw coded_error(env, "INVALID_ARGUMENT", "trainEnergyModel(config[, onProgress]) needs a config object");
    auto config = std::make_shared<hamd::EnergyTrainingConfig>(energy_training_config_from_js(info[0].As<Napi::Object>()));
    auto progress = std::make_shared<ProgressSink>();
    if (info.Length() > 1 && info[1].IsFunction())
        progress->function = Napi::ThreadSafeFunction::New(env, info[1].As<Napi::Function>(), "hamd.trainEnergyProgress", 64, 1);
    return submit_job<std::string>(
        env, pool, nullptr,
        [config, progress](hamd::ThreadPool& threads, const std::atomic<bool>&) {
            return hamd::run_energy_training(*config, threads, [progress](const hamd::EnergyTrainingProgress& p) {
                hamd::TrainingProgress q;
                q.stage = p.stage;
                q.step = p.step;
                q.total = p.total;
                progress->send(q);
            });
        },
        [](Napi::Env env, std::string& report) -> Napi::Value {
            Napi::Object json = env.Global().Get("JSON").As<Napi::Object>();
            return json.Get("parse").As<Napi::Function>().Call(json, {Napi::String::New(env, report)});
        });
}

Napi::Value train_hamiltonian_model_job(const Napi::CallbackInfo& info, ComputePool& pool) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsObject())
        throw coded_error(env, "INVALID_ARGUMENT", "trainHamiltonianModel(config[, onProgress]) needs a config object");
    auto config = std::make_shared<hamd::TrainingConfig>(training_config_from_js(info[0].As<Napi::Object>()));
    auto progress = std::make_shared<ProgressSink>();
    if (info.Length() > 1 && info[1].IsFunction())
        progress->function = Napi::ThreadSafeFunction::New(env, info[1].As<Napi::Function>(), "hamd.trainProgress", 64, 1);
    return submit_job<std::string>(
        env, pool, nullptr,
        [config, progress](hamd::ThreadPool& threads, const std::atomic<bool>&) {
            return hamd::run_hamiltonian_training(*config, threads,
                                                  [progress](const hamd::TrainingProgress& p) { progress->send(p); });
        },
        [](Napi::Env env, std::string& report) -> Napi::Value {
            Napi::Object json = env.Global().Get("JSON").As<Napi::Object>();
            return json.Get("parse").As<Napi::Function>().Call(json, {Napi::String::New(env, report)});
        });
}

}  // namespace hamd_napi
