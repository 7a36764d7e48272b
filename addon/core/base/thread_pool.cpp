// Fixed pool of workers with a FIFO queue. parallel_for hands out chunks of the index
// range through an atomic counter; helpers are ordinary queued jobs (which step aside after a
// chunk when another job waits: fairness between requests), and the caller
// works too, so the call completes even if no helper ever starts (nested calls, a
// busy or size-1 pool). The caller waits only for chunks somebody has claimed, and a
// claimed chunk is always being run, hence no deadlock.
#include "core/base/thread_pool.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <memory>

namespace hamd {
namespace {

struct ParallelForState {
    size_t n = 0;
    size_t chunk = 1;
    const std::function<void(size_t)>* body = nullptr;  // valid while the caller waits
    std::atomic<size_t> next{0};
    std::atomic<bool> failed{false};
    std::mutex mutex;
    std::condition_variable all_done;
    size_t done = 0;  // indices finished or skipped, guarded by mutex
    std::exception_ptr first_error;

    // Claim and run chunks until none is left. After a failure the remaining chunks
    // are still claimed, but skipped, so `done` always reaches n. A helper (`pool` set)
    // returns after a chunk when another job waits, and asks to be queued again.
    // Returns true when it stopped early with chunks left.
    bool work(const ThreadPool* pool = nullptr) {
        for (;;) {
            size_t begin = next.fetch_add(chunk, std::memory_order_relaxed);
            if (begin >= n) return false;
            size_t end = std::min(n, begin + chunk);
            if (!failed.load(std::memory_order_relaxed)) {
                try {
                    for (size_t i = begin; i < end; ++i) (*body)(i);
                } catch (...) {
                    std::lock_guard<std::mutex> lock(mutex);
                    if (!first_error) first_error = std::current_exception();
                    failed.store(true, std::memory_order_relaxed);
                }
            }
            {
                std::lock_guard<std::mutex> lock(mutex);
                done += end - begin;
                if (done == n) all_done.notify_all();
            }
            // At least one chunk per turn: helpers that yield to each other still progress.
            if (pool != nullptr && pool->waiting() > 0 && next.load(std::memory_order_relaxed) < n) return true;
        }
    }
};

// A parallel_for helper: works until done, or yields to a waiting job and requeues itself.
void help(ThreadPool* pool, const std::shared_ptr<ParallelForState>& state) {
    if (state->work(pool)) pool->submit([pool, state] { help(pool, state); });
}

}  // namespace

ThreadPool::ThreadPool(size_t n_threads) {
    if (n_threads == 0) n_threads = std::max(1u, std::thread::hardware_concurrency());
    workers_.reserve(n_threads);
    for (size_t t = 0; t < n_threads; ++t) workers_.emplace_back([this] { worker_loop(); });
}

ThreadPool::~ThreadPool() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    for (auto& worker : workers_) worker.join();
}

void ThreadPool::submit(std::function<void()> job) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        queue_.push_back(std::move(job));
        waiting_.store(queue_.size(), std::memory_order_relaxed);
    }
    wake_.notify_one();
}

void ThreadPool::worker_loop() {
    for (;;) {
        std::function<void()> job;
        {
            std::unique_lock<std::mutex> lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) return;  // stopping and drained
            job = std::move(queue_.front());
            queue_.pop_front();
            waiting_.store(queue_.size(), std::memory_order_relaxed);
        }
        try {
            job();
        } catch (...) {
            // A submitted job owns its errors; one that escapes must not kill the daemon.
        }
    }
}

void ThreadPool::parallel_for(size_t n, const std::function<void(size_t)>& body, size_t max_parallel) {
    if (n == 0) return;
    size_t threads = workers_.size() + 1;  // the caller works as well
    if (max_parallel != 0) threads = std::min(threads, max_parallel);
    if (threads <= 1 || n == 1) {
        for (size_t i = 0; i < n; ++i) body(i);
        return;
    }
    auto state = std::make_shared<ParallelForState>();
    state->n = n;
    state->body = &body;
    // Several chunks per thread balance uneven work; one index per chunk for small n.
    state->chunk = std::max<size_t>(1, n / (threads * 8));
    size_t n_chunks = (n + state->chunk - 1) / state->chunk;
    size_t helpers = std::min(threads - 1, n_chunks - 1);
    for (size_t h = 0; h < helpers; ++h) {
        submit([this, state] { help(this, state); });  // late helpers find nothing left and return
    }
    state->work();
    std::unique_lock<std::mutex> lock(state->mutex);
    state->all_done.wait(lock, [&] { return state->done == n; });
    // Take the error out: a late helper may drop the last reference to the state.
    std::exception_ptr error = std::move(state->first_error);
    lock.unlock();
    if (error) std::rethrow_exception(error);
}

}  // namespace hamd
