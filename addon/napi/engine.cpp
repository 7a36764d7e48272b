#include "napi/engine.hpp"

#include <chrono>

#include "core/descriptors/engine.hpp"
#include "core/base/errors.hpp"
#include "napi/cancel_token.hpp"
#include "napi/convert.hpp"

namespace hamd_napi {

namespace {

using Clock = std::chrono::steady_clock;

double microseconds(Clock::time_point from, Clock::time_point to) {
    return std::chrono::duration<double, std::micro>(to - from).count();
}

// Everything one request carries across threads.
struct DescriptorJob {
    std::vector<hamd::System> systems;
    hamd::DescriptorOptions options;
    std::shared_ptr<std::atomic<bool>> cancel;
    hamd::TensorMap result;
    const char* error_code = nullptr;
    std::string error_message;
    Clock::time_point queued, started, finished;
    Napi::Promise::Deferred deferred;
    Napi::ThreadSafeFunction done;
    explicit DescriptorJob(Napi::Env env) : deferred(Napi::Promise::Deferred::New(env)) {}
};

void run_job(DescriptorJob& job, hamd::ThreadPool& pool) {
    job.started = Clock::now();
    try {
        job.result = hamd::compute_descriptors(job.systems, job.options, pool, job.cancel.get());
    } catch (const hamd::InvalidArgument& error) {
        job.error_code = "INVALID_ARGUMENT";
        job.error_message = error.what();
    } catch (const hamd::ResourceExhausted& error) {
        job.error_code = "RESOURCE_EXHAUSTED";
        job.error_message = error.what();
    } catch (const hamd::Cancelled& error) {
        job.error_code = "CANCELLED";
        job.error_message = error.what();
    } catch (const std::bad_alloc&) {
        job.error_code = "RESOURCE_EXHAUSTED";
        job.error_message = "out of memory while computing descriptors";
    } catch (const std::exception& error) {
        job.error_code = "INTERNAL";
        job.error_message = error.what();
    }
    job.finished = Clock::now();
}

// On the event loop: settle the promise.
void settle(Napi::Env env, Napi::Function, DescriptorJob* job) {
    std::unique_ptr<DescriptorJob> owned(job);
    if (env == nullptr) return;  // environment shutting down
    Napi::HandleScope scope(env);
    if (job->error_code) {
        job->deferred.Reject(coded_error(env, job->error_code, job->error_message).Value());
        return;
    }
    try {
        Napi::Object result = tensor_map_to_js(env, std::move(job->result));
        result.Set("queueMicroseconds", microseconds(job->queued, job->started));
        result.Set("computeMicroseconds", microseconds(job->started, job->finished));
        job->deferred.Resolve(result);
    } catch (const Napi::Error& error) {
        job->deferred.Reject(error.Value());
    }
}

}  // namespace

Napi::Function Engine::define(Napi::Env env) {
    return DefineClass(env, "Engine",
                       {InstanceMethod("threads", &Engine::threads),
                        InstanceMethod("computeDescriptors", &Engine::compute_descriptors),
                        InstanceMethod("close", &Engine::close)});
}

Engine::Engine(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Engine>(info) {
    size_t threads = 0;
    if (info.Length() > 0 && info[0].IsNumber()) {
        double requested = info[0].As<Napi::Number>().DoubleValue();
        if (requested < 0 || requested > 1024) {
            throw coded_error(info.Env(), "INVALID_ARGUMENT", "threads must be in 0..1024 (0 = one per core)");
        }
        threads = static_cast<size_t>(requested);
    }
    pool_ = std::make_shared<hamd::ThreadPool>(threads);
}

Napi::Value Engine::threads(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), pool_ ? static_cast<double>(pool_->size()) : 0.0);
}

Napi::Value Engine::compute_descriptors(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!pool_) throw coded_error(env, "UNAVAILABLE", "the engine is closed");
    if (info.Length() < 1 || !info[0].IsObject()) {
        throw coded_error(env, "INVALID_ARGUMENT", "computeDescriptors(request[, cancelToken]) needs a request object");
    }
    Napi::Object request = info[0].As<Napi::Object>();
    auto job = std::make_unique<DescriptorJob>(env);
    job->systems = systems_from_js(request);
    job->options = options_from_js(request);
    if (info.Length() > 1 && info[1].IsObject() &&
        info[1].As<Napi::Object>().InstanceOf(CancelToken::constructor.Value())) {
        job->cancel = CancelToken::Unwrap(info[1].As<Napi::Object>())->flag();
    } else {
        job->cancel = std::make_shared<std::atomic<bool>>(false);
    }
    Napi::Promise promise = job->deferred.Promise();
    job->done = Napi::ThreadSafeFunction::New(env, Napi::Function::New(env, [](const Napi::CallbackInfo&) {}),
                                              "hamd.computeDescriptors", 0, 1);
    job->queued = Clock::now();
    // A raw pointer: the pool outlives its jobs (its destructor drains the queue), and
    // a job must never hold the last reference to the pool it runs on.
    hamd::ThreadPool* pool = pool_.get();
    DescriptorJob* raw = job.release();
    pool->submit([raw, pool]() {
        run_job(*raw, *pool);
        Napi::ThreadSafeFunction done = raw->done;
        done.BlockingCall(raw, settle);
        done.Release();
    });
    return promise;
}

Napi::Value Engine::close(const Napi::CallbackInfo& info) {
    // Joining waits for queued jobs; their results still reach JS through the
    // thread-safe functions, which keep the loop alive until delivered.
    pool_.reset();
    return info.Env().Undefined();
}

}  // namespace hamd_napi
