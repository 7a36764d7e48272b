#include "napi/engine.hpp"

#include <memory>
#include <utility>

#include "core/descriptors/engine.hpp"
#include "core/io/mapped_region.hpp"
#include "napi/async_job.hpp"
#include "napi/convert.hpp"
#include "napi/energy_model.hpp"
#include "napi/model.hpp"
#include "core/io/model_archive.hpp"
#include "napi/contraction.hpp"
#include "core/models/energy/energy_model_file.hpp"
#include "core/models/hamiltonian/model_file.hpp"
#include "napi/shared_region.hpp"
#include "napi/training.hpp"

namespace hamd_napi {

namespace {

// Descriptor jobs: the core's TensorMap goes to JS without copying its arrays.
struct DescriptorRequest {
    std::vector<hamd::System> systems;
    hamd::DescriptorOptions options;
};

}  // namespace

Napi::Function Engine::define(Napi::Env env) {
    return DefineClass(env, "Engine",
                       {InstanceMethod("threads", &Engine::threads),
                        InstanceMethod("computeDescriptors", &Engine::compute_descriptors),
                        InstanceMethod("fitCorrelationContraction", &Engine::fit_correlation_contraction),
                        InstanceMethod("loadHamiltonianModel", &Engine::load_hamiltonian_model),
                        InstanceMethod("loadModel", &Engine::load_model),
                        InstanceMethod("trainHamiltonianModel", &Engine::train_hamiltonian_model),
                        InstanceMethod("trainEnergyModel", &Engine::train_energy_model),
                        InstanceMethod("close", &Engine::close)});
}

Engine::Engine(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Engine>(info) {
    size_t threads = 0;
    if (info.Length() > 0 && info[0].IsNumber()) {
        const double requested = info[0].As<Napi::Number>().DoubleValue();
        if (!(requested >= 0 && requested <= 1024) || requested != static_cast<double>(static_cast<size_t>(requested))) {
            throw coded_error(info.Env(), "INVALID_ARGUMENT", "threads must be an integer in 0..1024 (0 = one per core)");
        }
        threads = static_cast<size_t>(requested);
    }
    pool_ = std::make_shared<ComputePool>(info.Env(), threads);
}

Napi::Value Engine::threads(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), static_cast<double>(pool_->threads()));
}

namespace {

// Where a request's results go: `arena` over [offset, offset + size) of a mapped region, which
// this keeps mapped while the request runs.
struct OutputRange {
    std::shared_ptr<hamd::MappedRegion> region;
    size_t offset;
    hamd::result_memory::OutputArena arena;
    OutputRange(std::shared_ptr<hamd::MappedRegion> r, size_t o, size_t size)
        : region(std::move(r)), offset(o), arena(region->data() + o, size) {}
};

// info[2] of computeDescriptors: undefined, or { region: SharedRegion, offset, byteSize }
// (byteSize 0: to the region's end). The daemon checked the range; this checks it again.
std::shared_ptr<OutputRange> output_range_from_js(Napi::Env env, const Napi::Value& value) {
    if (value.IsUndefined() || value.IsNull()) return nullptr;
    if (!value.IsObject()) bad_request(env, "output must be { region, offset, byteSize }");
    const Napi::Object object = value.As<Napi::Object>();
    SharedRegionHandle* handle = SharedRegionHandle::unwrap(object.Get("region"));
    if (handle == nullptr || !handle->region()) bad_request(env, "output.region must be an open SharedRegion");
    std::shared_ptr<hamd::MappedRegion> region = handle->region();
    const double offset = number_field(object, "offset", 0);
    const double requested = number_field(object, "byteSize", 0);
    const double total = static_cast<double>(region->size());
    if (!(offset >= 0 && offset < total) || offset != static_cast<double>(static_cast<size_t>(offset)) ||
        static_cast<size_t>(offset) % 64 != 0) {
        bad_request(env, "output.offset must be a multiple of 64 inside the region");
    }
    const double size = requested == 0 ? total - offset : requested;
    if (!(size > 0 && offset + size <= total) || size != static_cast<double>(static_cast<size_t>(size))) {
        bad_request(env, "output.byteSize must fit in the region");
    }
    return std::make_shared<OutputRange>(std::move(region), static_cast<size_t>(offset), static_cast<size_t>(size));
}

}  // namespace

Napi::Value Engine::compute_descriptors(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsObject()) {
        throw coded_error(env, "INVALID_ARGUMENT", "computeDescriptors(request[, cancelToken]) needs a request object");
    }
    const Napi::Object object = info[0].As<Napi::Object>();
    auto request = std::make_shared<DescriptorRequest>();
    request->systems = systems_from_js(object);
    request->options = options_from_js(object);
    const Napi::Value contraction = object.Get("contraction");
    if (!contraction.IsUndefined() && !contraction.IsNull()) {
        const ContractionHandle* handle = ContractionHandle::unwrap(contraction);
        if (handle == nullptr) bad_request(env, "contraction must be a Contraction (engine.loadModel of a contraction file)");
        request->options.contraction = handle->contraction();
    }
    std::shared_ptr<OutputRange> output = output_range_from_js(env, info.Length() > 2 ? info[2] : env.Undefined());
    return submit_job<hamd::TensorMap>(
        env, *pool_, cancel_flag_from_js(info, 1),
        [request, output](hamd::ThreadPool& pool, const std::atomic<bool>& cancel) {
            return hamd::compute_descriptors(request->systems, request->options, pool, &cancel, output ? &output->arena : nullptr);
        },
        // `output` (and with it the region's mapping) outlives the result: the job's result is
        // destroyed before its callables.
        [output](Napi::Env env, hamd::TensorMap& result) -> Napi::Value {
            if (!output) return tensor_map_to_js(env, std::move(result));
            const RegionPlacement placement{&output->arena, output->offset};
            Napi::Object object = tensor_map_to_js(env, std::move(result), &placement);
            object.Set("outputBytes", static_cast<double>(output->arena.needed()));
            return object;
        });
}

Napi::Value Engine::load_hamiltonian_model(const Napi::CallbackInfo& info) {
    if (info.Length() < 1 || !info[0].IsString())
        throw coded_error(info.Env(), "INVALID_ARGUMENT", "loadHamiltonianModel(path) needs a file path");
    return HamiltonianModelHandle::create(info.Env(), info[0].As<Napi::String>().Utf8Value(), pool_);
}

Napi::Value Engine::load_model(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsString()) throw coded_error(env, "INVALID_ARGUMENT", "loadModel(path) needs a file path");
    const std::string path = info[0].As<Napi::String>().Utf8Value();
    std::string format;
    try {
        format = hamd::model_file_format(path);
    } catch (const hamd::InvalidArgument& e) {
        throw coded_error(env, "INVALID_ARGUMENT", e.what());
    }
    if (format == hamd::kEnergyModelFormat) return EnergyModelHandle::create(env, path, pool_);
    if (format == hamd::kCorrelationContractionFormat) return ContractionHandle::create(env, path);
    return HamiltonianModelHandle::create(env, path, pool_);  // its loader names any other format
}

Napi::Value Engine::train_hamiltonian_model(const Napi::CallbackInfo& info) {
    return train_hamiltonian_model_job(info, *pool_);
}

Napi::Value Engine::fit_correlation_contraction(const Napi::CallbackInfo& info) {
    return fit_correlation_contraction_job(info, *pool_);
}

Napi::Value Engine::train_energy_model(const Napi::CallbackInfo& info) {
    return train_energy_model_job(info, *pool_);
}

Napi::Value Engine::close(const Napi::CallbackInfo& info) {
    pool_->close();
    return info.Env().Undefined();
}

}  // namespace hamd_napi
