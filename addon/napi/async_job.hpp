// The one job path of the addon. Every asynchronous call (computeDescriptors, predict,
// trainHamiltonianModel, and next the MD session steps) is submitted here:
//  - `work` runs on the compute pool, with the job's cancel flag (set by a CancelToken when
//    the gRPC call is cancelled or its deadline passes); a job cancelled while still queued
//    does not start;
//  - core exceptions become coded errors: InvalidArgument -> INVALID_ARGUMENT,
//    ResourceExhausted and bad_alloc -> RESOURCE_EXHAUSTED, Cancelled -> CANCELLED, anything
//    else INTERNAL (a bug);
//  - on the event loop, `deliver` turns the result into a JS object, which gets the job's
//    queueMicroseconds (waiting for a pool thread) and computeMicroseconds (running);
//  - the returned promise settles with it, or rejects with the coded error.
#pragma once
#include <napi.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <new>
#include <string>
#include <utility>

#include "core/base/errors.hpp"
#include "napi/compute_pool.hpp"
#include "napi/convert.hpp"

namespace hamd_napi {

using CancelFlag = std::shared_ptr<std::atomic<bool>>;

// The flag of a CancelToken passed as info[index], or a fresh flag nobody sets.
CancelFlag cancel_flag_from_js(const Napi::CallbackInfo& info, size_t index);

namespace job_detail {

using Clock = std::chrono::steady_clock;

inline double microseconds(Clock::time_point from, Clock::time_point to) {
    return std::chrono::duration<double, std::micro>(to - from).count();
}

// Runs `body`, turning a core exception into (code, message). Returns true on success.
template <class Body>
bool run_coded(Body&& body, const char*& code, std::string& message) {
    try {
        body();
        return true;
    } catch (const hamd::InvalidArgument& e) {
        code = "INVALID_ARGUMENT";
        message = e.what();
    } catch (const hamd::ResourceExhausted& e) {
        code = "RESOURCE_EXHAUSTED";
        message = e.what();
    } catch (const hamd::Cancelled& e) {
        code = "CANCELLED";
        message = e.what();
    } catch (const std::bad_alloc&) {
        code = "RESOURCE_EXHAUSTED";
        message = "out of memory";
    } catch (const std::exception& e) {
        code = "INTERNAL";
        message = e.what();
    }
    return false;
}

}  // namespace job_detail

template <class Result>
using JobWork = std::function<Result(hamd::ThreadPool& pool, const std::atomic<bool>& cancel)>;
template <class Result>
using JobDelivery = std::function<Napi::Value(Napi::Env env, Result& result)>;

template <class Result>
Napi::Promise submit_job(Napi::Env env, ComputePool& compute, const char* name, CancelFlag cancel, JobWork<Result> work,
                         JobDelivery<Result> deliver) {
    struct Job {
        JobWork<Result> work;
        JobDelivery<Result> deliver;
        CancelFlag cancel;
        Result result{};
        const char* error_code = nullptr;
        std::string error_message;
        job_detail::Clock::time_point queued, started, finished;
        Napi::Promise::Deferred deferred;
        Napi::ThreadSafeFunction done;
        explicit Job(Napi::Env e) : deferred(Napi::Promise::Deferred::New(e)) {}
    };
    hamd::ThreadPool& pool = compute.get(env);
    auto job = std::make_unique<Job>(env);
    job->work = std::move(work);
    job->deliver = std::move(deliver);
    job->cancel = cancel ? std::move(cancel) : std::make_shared<std::atomic<bool>>(false);
    Napi::Promise promise = job->deferred.Promise();
    job->done = Napi::ThreadSafeFunction::New(env, Napi::Function::New(env, [](const Napi::CallbackInfo&) {}), name, 0, 1);
    job->queued = job_detail::Clock::now();
    // A raw pool pointer: the pool outlives its jobs (closing it drains the queue), and a job
    // must never hold the last reference to the pool it runs on.
    hamd::ThreadPool* raw_pool = &pool;
    Job* raw = job.release();
    raw_pool->submit([raw, raw_pool]() {
        raw->started = job_detail::Clock::now();
        job_detail::run_coded(
            [&] {
                if (raw->cancel->load()) throw hamd::Cancelled();
                raw->result = raw->work(*raw_pool, *raw->cancel);
            },
            raw->error_code, raw->error_message);
        raw->finished = job_detail::Clock::now();
        Napi::ThreadSafeFunction done = raw->done;
        done.BlockingCall(raw, [](Napi::Env env, Napi::Function, Job* job) {
            std::unique_ptr<Job> owned(job);
            if (env == nullptr) return;  // the environment is shutting down: nobody waits
            Napi::HandleScope scope(env);
            if (job->error_code) {
                job->deferred.Reject(coded_error(env, job->error_code, job->error_message).Value());
                return;
            }
            try {
                Napi::Value value = job->deliver(env, job->result);
                if (value.IsObject() && !value.IsArray()) {
                    Napi::Object object = value.As<Napi::Object>();
                    object.Set("queueMicroseconds", job_detail::microseconds(job->queued, job->started));
                    object.Set("computeMicroseconds", job_detail::microseconds(job->started, job->finished));
                }
                job->deferred.Resolve(value);
            } catch (const Napi::Error& error) {
                job->deferred.Reject(error.Value());
            } catch (const std::exception& error) {
                job->deferred.Reject(coded_error(env, "INTERNAL", error.what()).Value());
            }
        });
        done.Release();
    });
    return promise;
}

}  // namespace hamd_napi
