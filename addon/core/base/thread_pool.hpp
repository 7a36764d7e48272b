// The daemon's own compute pool (not libuv's). Jobs from many requests share it.
#pragma once
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
    void parallel_for(size_t n, const std::function<void(size_t)>& body, size_t max_parallel = 0);

private:
    void worker_loop();
    std::vector<std::thread> workers_;
    std::deque<std::function<void()>> queue_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
};

}  // namespace hamd
