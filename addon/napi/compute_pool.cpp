#include "napi/compute_pool.hpp"

#include <atomic>

#include "napi/convert.hpp"

namespace hamd_napi {

// The completion channel. Two owners, both on the event loop: the ComputePool and the
// thread-safe function. Whichever lets go last frees it: the function outlives the pool when
// completions are still queued as the pool's last owner goes (they are drained first), and the
// pool outlives the function when the environment's teardown finalizes the function first.
struct ComputePool::Channel {
    static void settle(Napi::Env env, Napi::Function, Channel* channel, CompletedJob* job) {
        std::unique_ptr<CompletedJob> owned(job);
        if (env == nullptr) return;  // environment teardown: nobody waits
        Napi::HandleScope scope(env);
        job->settle(env);
        if (--channel->outstanding == 0) channel->function.Unref(env);
    }
    using Function = Napi::TypedThreadSafeFunction<Channel, CompletedJob, &Channel::settle>;

    Function function;
    size_t outstanding = 0;  // event loop only
    bool pool_gone = false;
    std::atomic<bool> function_gone{false};  // read by pool threads in complete()
};

ComputePool::ComputePool(Napi::Env env, size_t threads)
    : pool_(std::make_unique<hamd::ThreadPool>(threads)), channel_(new Channel) {
    channel_->function = Channel::Function::New(env, "hamd.jobCompletions", 0, 1, channel_,
                                                [](Napi::Env, void*, Channel* channel) {
                                                    channel->function_gone = true;
                                                    if (channel->pool_gone) delete channel;
                                                });
    channel_->function.Unref(env);  // idle until a job is expected
}

ComputePool::~ComputePool() {
    pool_.reset();  // the queued jobs finish and post their completions first
    channel_->pool_gone = true;
    if (channel_->function_gone) delete channel_;
    else channel_->function.Release();
}

hamd::ThreadPool& ComputePool::get(Napi::Env env) {
    if (!pool_) throw coded_error(env, "UNAVAILABLE", "the engine is closed");
    return *pool_;
}

void ComputePool::expect_completion(Napi::Env env) {
    if (channel_->outstanding++ == 0) channel_->function.Ref(env);
}

bool ComputePool::idle() const { return channel_->outstanding == 0; }

void ComputePool::complete(CompletedJob* job) {
    // Reached only from jobs of this pool, which finish before the pool is gone (see above).
    // An unbounded queue: never blocks. It fails only once the environment is torn down.
    if (channel_->function_gone.load() || channel_->function.BlockingCall(job) != napi_ok) delete job;
}

}  // namespace hamd_napi
