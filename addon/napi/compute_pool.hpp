// The addon's one compute pool (a hamd::ThreadPool, never libuv's pool), shared by every
// kind of job: descriptors, predictions, training and MD session steps. The event loop's
// thread computes only what a caller lets run inline while the pool is idle (async_job.hpp).
// The engine and every model loaded through it hold the same ComputePool, so a daemon
// never runs more compute threads than it was given.
//
// Finished jobs come back to the event loop through one channel per pool (a thread-safe
// function created once), not one per job: creating and closing a thread-safe function costs
// tens of microseconds on the event loop, as much as a small MD step's serving budget.
#pragma once
#include <napi.h>

#include <memory>

#include "core/base/thread_pool.hpp"

namespace hamd_napi {

// A job whose work is done, settled on the event loop (resolving or rejecting its promise).
class CompletedJob {
public:
    virtual ~CompletedJob() = default;
    // `env` is null when the environment is going away and nobody waits for the result.
    virtual void settle(Napi::Env env) = 0;
};

class ComputePool {
public:
    ComputePool(Napi::Env env, size_t threads);
    ~ComputePool();
    ComputePool(const ComputePool&) = delete;
    ComputePool& operator=(const ComputePool&) = delete;

    // The pool, or a coded UNAVAILABLE error once closed.
    hamd::ThreadPool& get(Napi::Env env);
    size_t threads() const { return pool_ ? pool_->size() : 0; }

    // Event loop: a job that will be handed to complete() is about to be submitted. The event
    // loop stays alive until every expected job is settled (and idles freely otherwise).
    void expect_completion(Napi::Env env);
    // Event loop: no job is queued, running or waiting to be settled.
    bool idle() const;
    // Any thread: `job` goes to the event loop, which settles and deletes it.
    void complete(CompletedJob* job);

    // Stops accepting jobs, finishes the queued ones and joins the threads. Their results
    // still reach JS: expected completions keep the event loop alive until delivered.
    void close() { pool_.reset(); }

private:
    struct Channel;
    std::unique_ptr<hamd::ThreadPool> pool_;
    Channel* channel_;  // owned by its thread-safe function (freed when that is finalized)
};

}  // namespace hamd_napi
