// ThreadPool: correctness of parallel_for sums, nesting without deadlock (also with a
// single worker), exception propagation, concurrent callers, max_parallel, shutdown.
#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "check.hpp"
#include "core/base/thread_pool.hpp"

using namespace hamd;

namespace {

// Every index visited exactly once, and the sum is right.
bool visits_each_once(ThreadPool& pool, size_t n, size_t max_parallel = 0) {
    std::vector<std::atomic<int>> visits(n);
    for (auto& v : visits) v = 0;
    std::atomic<unsigned long long> sum{0};
    pool.parallel_for(n, [&](size_t i) {
        visits[i].fetch_add(1);
        sum.fetch_add(i * i);
    }, max_parallel);
    unsigned long long expected = 0;
    for (size_t i = 0; i < n; ++i) expected += static_cast<unsigned long long>(i) * i;
    for (auto& v : visits)
        if (v != 1) return false;
    return sum == expected;
}

// Runs f on another thread; false if it does not finish in time (a deadlock).
template <typename F>
bool finishes_within(F f, std::chrono::seconds limit) {
    auto future = std::async(std::launch::async, f);
    if (future.wait_for(limit) != std::future_status::ready) return false;
    future.get();
    return true;
}

}  // namespace

int main() {
    {
        ThreadPool pool(4);
        check::ok(pool.size() == 4, "pool has the requested number of workers");
        check::ok(visits_each_once(pool, 0), "n = 0 is a no-op");
        check::ok(visits_each_once(pool, 1), "n = 1");
        check::ok(visits_each_once(pool, 7), "n smaller than the pool");
        check::ok(visits_each_once(pool, 100000), "n = 100000: each index once, correct sum");
        check::ok(visits_each_once(pool, 1000, 2), "max_parallel = 2");
        check::ok(visits_each_once(pool, 1000, 1), "max_parallel = 1 runs serially");
    }
    {
        ThreadPool pool(0);
        check::ok(pool.size() >= 1, "n_threads = 0 uses the hardware concurrency");
    }
    {
        // Work really is spread over several threads (body slow enough to share).
        ThreadPool pool(3);
        std::mutex mutex;
        std::set<std::thread::id> ids;
        pool.parallel_for(64, [&](size_t) {
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
            std::lock_guard<std::mutex> lock(mutex);
            ids.insert(std::this_thread::get_id());
        });
        check::ok(ids.size() >= 2, "parallel_for uses more than one thread", std::to_string(ids.size()) + " threads");
        check::ok(ids.count(std::this_thread::get_id()) == 1, "the caller takes part in the work");

        // max_parallel caps the number of distinct threads.
        ids.clear();
        pool.parallel_for(64, [&](size_t) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
            std::lock_guard<std::mutex> lock(mutex);
            ids.insert(std::this_thread::get_id());
        }, 2);
        check::ok(ids.size() <= 2, "max_parallel = 2 uses at most 2 threads", std::to_string(ids.size()) + " threads");
    }
    for (size_t workers : {size_t(1), size_t(2)}) {
        // Nested parallel_for from inside pool jobs and from inside parallel_for bodies.
        const std::string tag = " (pool of " + std::to_string(workers) + ")";
        ThreadPool pool(workers);
        std::atomic<long> total{0};
        bool finished = finishes_within([&] {
            pool.parallel_for(8, [&](size_t i) {
                pool.parallel_for(50, [&](size_t j) {
                    pool.parallel_for(3, [&](size_t k) { total += static_cast<long>(i * 10000 + j * 10 + k); });
                });
            });
        }, std::chrono::seconds(20));
        long expected = 0;
        for (long i = 0; i < 8; ++i)
            for (long j = 0; j < 50; ++j)
                for (long k = 0; k < 3; ++k) expected += i * 10000 + j * 10 + k;
        check::ok(finished && total == expected, "three-level nested parallel_for completes with the right sum" + tag);

        std::promise<bool> job_done;
        auto job_result = job_done.get_future();
        pool.submit([&] {
            bool ok = visits_each_once(pool, 5000);
            job_done.set_value(ok);
        });
        bool in_time = job_result.wait_for(std::chrono::seconds(20)) == std::future_status::ready;
        check::ok(in_time && job_result.get(), "parallel_for inside a submitted job, no deadlock" + tag);
    }
    {
        // Exceptions: the first one reaches the caller, after all started work is done.
        ThreadPool pool(3);
        std::atomic<int> running{0};
        std::atomic<int> running_at_return{-1};
        std::string message;
        try {
            pool.parallel_for(1000, [&](size_t i) {
                running++;
                std::this_thread::sleep_for(std::chrono::microseconds(200));
                running--;
                if (i == 137) throw std::runtime_error("boom at 137");
            });
        } catch (const std::runtime_error& e) {
            message = e.what();
            running_at_return = running.load();
        }
        check::ok(message == "boom at 137", "exception from body is rethrown in the caller", message);
        check::ok(running_at_return == 0, "no body still running when the exception reaches the caller");

        std::atomic<int> thrown{0};
        try {
            pool.parallel_for(200, [&](size_t i) {
                if (i % 2 == 0) { thrown++; throw std::logic_error("even " + std::to_string(i)); }
            });
            message = "no exception";
        } catch (const std::logic_error& e) {
            message = e.what();
        }
        check::ok(message.rfind("even ", 0) == 0, "one of many exceptions is rethrown (type kept)", message);
        check::ok(visits_each_once(pool, 1000), "pool still works after exceptions");

        // An exception escaping a submitted job does not kill the worker.
        pool.submit([] { throw std::runtime_error("lost"); });
        check::ok(visits_each_once(pool, 1000), "pool survives a throwing submitted job");
    }
    {
        // Several external threads share one pool.
        ThreadPool pool(2);
        std::atomic<int> good{0};
        bool finished = finishes_within([&] {
            std::vector<std::thread> callers;
            for (int t = 0; t < 6; ++t)
                callers.emplace_back([&, t] {
                    for (int r = 0; r < 20; ++r)
                        if (visits_each_once(pool, 500 + 37 * t + r)) good++;
                });
            for (auto& c : callers) c.join();
        }, std::chrono::seconds(60));
        check::ok(finished && good == 120, "6 external threads x 20 calls, all correct", std::to_string(good.load()));
    }
    {
        // Shutdown finishes queued jobs before joining.
        std::atomic<int> done{0};
        {
            ThreadPool pool(2);
            for (int j = 0; j < 50; ++j)
                pool.submit([&] {
                    std::this_thread::sleep_for(std::chrono::microseconds(100));
                    done++;
                });
        }
        check::ok(done == 50, "destructor runs every queued job", std::to_string(done.load()));
    }
    {
        // Dynamic chunking balances uneven work: one very slow index does not serialise the rest.
        ThreadPool pool(3);
        std::atomic<int> finished_while_slow{0};
        std::atomic<bool> slow_running{false};
        pool.parallel_for(400, [&](size_t i) {
            if (i == 0) {
                slow_running = true;
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
                slow_running = false;
            } else {
                std::this_thread::sleep_for(std::chrono::microseconds(50));
                if (slow_running) finished_while_slow++;
            }
        });
        check::ok(finished_while_slow > 300, "other threads take over the remaining indices",
                  std::to_string(finished_while_slow.load()));
    }
    // Fairness: a job submitted while a large parallel_for holds every worker starts after the
    // chunks in progress, not after the whole range (the helpers step aside for it).
    {
        ThreadPool pool(2);
        const size_t n = 600;
        std::atomic<size_t> done{0};
        std::promise<size_t> started_at;
        std::promise<void> big_started;
        std::atomic<bool> signalled{false};
        auto big = std::async(std::launch::async, [&] {
            std::promise<void> finished;
            pool.submit([&] {
                pool.parallel_for(n, [&](size_t) {
                    if (!signalled.exchange(true)) big_started.set_value();
                    std::this_thread::sleep_for(std::chrono::microseconds(500));
                    done.fetch_add(1);
                });
                finished.set_value();
            });
            finished.get_future().wait();
        });
        big_started.get_future().wait();
        std::this_thread::sleep_for(std::chrono::milliseconds(5));  // every worker busy in the range
        pool.submit([&] { started_at.set_value(done.load()); });
        const size_t at = started_at.get_future().get();
        big.wait();
        // Chunks are n / (3 threads x 8) = 25 indices: the job waits for the chunks in progress
        // (and one more per helper at most), far from the whole range.
        check::ok(at < n / 2, "a job queued behind a large parallel_for starts after a few chunks",
                  "it started after " + std::to_string(at) + " of " + std::to_string(n) + " indices");
        check::ok(done.load() == n, "and the large parallel_for still completes every index");
    }
    return check::finish();
}
