// The addon's one compute pool (a hamd::ThreadPool, never libuv's pool or the event loop),
// shared by every kind of job: descriptors, predictions, training and (next) MD sessions.
// The engine and every model loaded through it hold the same ComputePool, so a daemon
// never runs more compute threads than it was given.
#pragma once
#include <napi.h>

#include <memory>

#include "core/base/thread_pool.hpp"

namespace hamd_napi {

class ComputePool {
public:
    explicit ComputePool(size_t threads) : pool_(std::make_unique<hamd::ThreadPool>(threads)) {}

    // The pool, or a coded UNAVAILABLE error once closed.
    hamd::ThreadPool& get(Napi::Env env);
    size_t threads() const { return pool_ ? pool_->size() : 0; }

    // Stops accepting jobs, finishes the queued ones and joins the threads. Their results
    // still reach JS: thread-safe functions keep the event loop alive until delivered.
    void close() { pool_.reset(); }

private:
    std::unique_ptr<hamd::ThreadPool> pool_;
};

}  // namespace hamd_napi
