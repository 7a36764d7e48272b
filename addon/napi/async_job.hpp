// The one job path of the addon. Every asynchronous call (computeDescriptors, predict,
// trainHamiltonianModel, trainEnergyModel, MD session steps) is submitted here:
//  - `work` runs on the compute pool, with the job's cancel flag (set by a CancelToken when
//    the gRPC call is cancelled or its deadline passes); a job cancelled while still queued
//    does not start;
//  - core exceptions become coded errors: InvalidArgument -> INVALID_ARGUMENT,
//    ResourceExhausted and bad_alloc -> RESOURCE_EXHAUSTED, Cancelled -> CANCELLED, anything
//    else INTERNAL (a bug);
//  - back on the event loop (through the pool's one completion channel, compute_pool.hpp),
//    `deliver` turns the result into a JS object, which gets the job's
//    queueMicroseconds (waiting for a pool thread) and computeMicroseconds (running);
//  - the returned promise settles with it, or rejects with the coded error.
// A caller may let a job run inline, on the event loop's thread, when the pool is idle
// (JobPlacement::inline_when_idle): the daemon asks for it for small MD steps of its only
// session (server/daemon/session.ts), where the pool's hand-offs cost as much as the step.
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
    } catch (const hamd::FailedPrecondition& e) {
        code = "FAILED_PRECONDITION";
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

namespace job_detail {

// A job's work and its outcome: run once (on a pool thread, or inline), then settled on the
// event loop into a JS value or a coded error.
template <class Result>
struct JobRun {
    JobWork<Result> work;
    JobDelivery<Result> deliver;
    CancelFlag cancel;
    Result result{};
    const char* error_code = nullptr;
    std::string error_message;
    Clock::time_point queued, started, finished;

    void run(hamd::ThreadPool& pool) {
        started = Clock::now();
        run_coded(
            [&] {
                if (cancel->load()) throw hamd::Cancelled();
                result = work(pool, *cancel);
            },
            error_code, error_message);
        finished = Clock::now();
    }

    // The result as JS (with the job's queue and compute times), or throws the coded error.
    Napi::Value settle(Napi::Env env) {
        if (error_code) throw coded_error(env, error_code, error_message);
        Napi::Value value;
        try {
            value = deliver(env, result);
        } catch (const Napi::Error&) {
            throw;
        } catch (const std::exception& error) {
            throw coded_error(env, "INTERNAL", error.what());
        }
        if (value.IsObject() && !value.IsArray()) {
            Napi::Object object = value.As<Napi::Object>();
            object.Set("queueMicroseconds", microseconds(queued, started));
            object.Set("computeMicroseconds", microseconds(started, finished));
        }
        return value;
    }
};

}  // namespace job_detail

// How a job may run: on the pool (always), or on the calling thread when the pool has nothing
// else to do (the caller's choice, for work smaller than the pool's two thread hand-offs).
enum class JobPlacement { pool, inline_when_idle };

template <class Result>
Napi::Promise submit_job(Napi::Env env, ComputePool& compute, CancelFlag cancel, JobWork<Result> work,
                         JobDelivery<Result> deliver, JobPlacement placement = JobPlacement::pool) {
    struct Job final : CompletedJob {
        job_detail::JobRun<Result> run;
        Napi::Promise::Deferred deferred;
        explicit Job(Napi::Env e) : deferred(Napi::Promise::Deferred::New(e)) {}

        void settle(Napi::Env env) override {
            try {
                deferred.Resolve(run.settle(env));
            } catch (const Napi::Error& error) {
                deferred.Reject(error.Value());
            }
        }
    };
    hamd::ThreadPool& pool = compute.get(env);
    auto job = std::make_unique<Job>(env);
    job->run.work = std::move(work);
    job->run.deliver = std::move(deliver);
    job->run.cancel = cancel ? std::move(cancel) : std::make_shared<std::atomic<bool>>(false);
    Napi::Promise promise = job->deferred.Promise();
    job->run.queued = job_detail::Clock::now();
    if (placement == JobPlacement::inline_when_idle && compute.idle()) {
        // Nothing queued or running: the hand-off to a pool thread and back (two wake-ups and
        // the completion channel) would cost more than a small job. The promise is settled now.
        job->run.run(pool);
        job->settle(env);
        return promise;
    }
    compute.expect_completion(env);
    // Raw pointers: the pool outlives its jobs (closing or destroying it drains the queue), and
    // a job must never hold the last reference to the pool it runs on.
    hamd::ThreadPool* raw_pool = &pool;
    ComputePool* raw_compute = &compute;
    Job* raw = job.release();
    raw_pool->submit([raw, raw_pool, raw_compute]() {
        raw->run.run(*raw_pool);
        raw_compute->complete(raw);  // settled and deleted on the event loop
    });
    return promise;
}

}  // namespace hamd_napi
