// The daemon's own compute pool (not libuv's). Jobs from many requests share it.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace hamd {

class ThreadPool {
public:
    // n_threads = 0 means std::thread::hardware_concurrency().
    explicit ThreadPool(size_t n_threads = 0);
    ~ThreadPool();  // finishes queued jobs, then joins
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    size_t size() const { return workers_.size(); }

    // Queue a job; returns immediately.
    void submit(std::function<void()> job);

    // Run body(i) for i in [0, n), spread over the pool; the calling thread takes
    // part, so it is safe (no deadlock) to call from inside a pool job. Returns when
    // all n calls are done; rethrows the first exception thrown by body.
    // `max_parallel` caps the number of threads used (0 = whole pool).
    // Fair to other jobs: a helper that finishes a chunk while another job waits for a worker
    // goes to the back of the queue instead of taking the next chunk, so a large request
    // holds the pool for one chunk at a time, not to its end (an MD step submitted behind it
    // starts after the chunks in progress); the caller keeps working, so the call completes.
    void parallel_for(size_t n, const std::function<void(size_t)>& body, size_t max_parallel = 0);

    // Jobs waiting for a worker (a hint: it may change at once).
    size_t waiting() const { return waiting_.load(std::memory_order_relaxed); }

private:
    void worker_loop();
    std::atomic<size_t> waiting_{0};
    std::vector<std::thread> workers_;
    std::deque<std::function<void()>> queue_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
};

}  // namespace hamd
