#include "napi/contraction.hpp"

#include <utility>
#include <vector>

#include "core/base/errors.hpp"
#include "core/models/contraction_metadata.hpp"
#include "napi/async_job.hpp"
#include "napi/convert.hpp"
#include "napi/energy_model.hpp"

namespace hamd_napi {

Napi::FunctionReference ContractionHandle::constructor;

void ContractionHandle::define(Napi::Env env) {
    Napi::Function f = DefineClass(env, "Contraction", {InstanceMethod("metadata", &ContractionHandle::metadata)});
    constructor = Napi::Persistent(f);
    constructor.SuppressDestruct();
}

Napi::Object ContractionHandle::create(Napi::Env env, const std::string& path) {
    return constructor.New({Napi::String::New(env, path)});
}

ContractionHandle::ContractionHandle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ContractionHandle>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsString())
        throw coded_error(env, "INVALID_ARGUMENT", "contractions are loaded with engine.loadModel(path)");
    try {
        contraction_ = std::make_shared<const hamd::CorrelationContraction>(
            hamd::load_correlation_contraction(info[0].As<Napi::String>().Utf8Value()));
    } catch (const hamd::InvalidArgument& e) {
        throw coded_error(env, "INVALID_ARGUMENT", e.what());
    } catch (const std::exception& e) {
        throw coded_error(env, "INTERNAL", e.what());
    }
}

ContractionHandle* ContractionHandle::unwrap(const Napi::Value& value) {
    if (!value.IsObject() || !value.As<Napi::Object>().InstanceOf(constructor.Value())) return nullptr;
    return ContractionHandle::Unwrap(value.As<Napi::Object>());
}

Napi::Value ContractionHandle::metadata(const Napi::CallbackInfo& info) {
    return metadata_to_js(info.Env(), hamd::describe_correlation_contraction(*contraction_));
}

Napi::Value fit_correlation_contraction_job(const Napi::CallbackInfo& info, ComputePool& pool) {
    Napi::Env env = info.Env();
    if (info.Length() < 3 || !info[0].IsObject() || !info[1].IsObject() || !info[2].IsString())
        bad_request(env, "fitCorrelationContraction(request, settings, path[, cancelToken])");
    struct Fit {
        std::vector<hamd::System> systems;
        hamd::DescriptorOptions options;
        hamd::ContractionSettings settings;
        std::string path;
    };
    auto fit = std::make_shared<Fit>();
    const Napi::Object request = info[0].As<Napi::Object>();
    fit->systems = systems_from_js(request);
    fit->options = options_from_js(request);
    const Napi::Object settings = info[1].As<Napi::Object>();
    fit->settings.variance_fraction = number_field(settings, "varianceFraction", 1.0);
    fit->settings.max_components = integer_field(settings, "maxComponents", 0);
    fit->path = info[2].As<Napi::String>().Utf8Value();
    return submit_job<hamd::ModelMetadata>(
        env, pool, cancel_flag_from_js(info, 3),
        [fit](hamd::ThreadPool& threads, const std::atomic<bool>& cancel) {
            if (cancel.load()) throw hamd::Cancelled();
            hamd::CorrelationContraction fitted = hamd::fit_correlation_contraction(fit->systems, fit->options, fit->settings, threads);
            try {
                fitted.checksum = hamd::save_correlation_contraction(fit->path, fitted);
            } catch (const hamd::InvalidArgument&) {
                throw;
            } catch (const std::exception& e) {  // an unwritable path is the caller's to fix
                throw hamd::InvalidArgument("cannot write " + fit->path + ": " + e.what());
            }
            // What the daemon will list for the file (its checksum included; a load gives back the same bits).
            return hamd::describe_correlation_contraction(fitted);
        },
        [](Napi::Env env, hamd::ModelMetadata& metadata) -> Napi::Value { return metadata_to_js(env, metadata); });
}

}  // namespace hamd_napi
