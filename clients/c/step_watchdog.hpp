// A per-step deadline on a bidirectional stream. gRPC's deadline belongs to the whole call, and
// a session is one call for the whole simulation; so a watchdog thread cancels the call
// (ClientContext::TryCancel) when an armed step is not answered in time, and the caller turns
// the cancelled stream into DEADLINE_EXCEEDED. Arming and disarming cost a lock and, for arming,
// a wake-up of the thread; sessions without a step timeout disarm it after the open and stop it.
#pragma once
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <grpcpp/grpcpp.h>

namespace hamd_c {

class StepWatchdog {
 public:
  explicit StepWatchdog(grpc::ClientContext *context) : context_(context), thread_([this] { run(); }) {}
  ~StepWatchdog() { stop(); }
  StepWatchdog(const StepWatchdog &) = delete;
  StepWatchdog &operator=(const StepWatchdog &) = delete;

  void arm(double seconds) {
    std::lock_guard<std::mutex> lock(mutex_);
    deadline_ = std::chrono::steady_clock::now() +
                std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(seconds));
    armed_ = true;
    fired_ = false;
    wake_.notify_one();
  }
  // Whether the deadline passed (and the call was cancelled) since arm().
  bool disarm() {
    std::lock_guard<std::mutex> lock(mutex_);
    armed_ = false;
    return fired_;
  }
  void stop() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stopping_) return;
      stopping_ = true;
      wake_.notify_one();
    }
    thread_.join();
  }

 private:
  void run() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stopping_) {
      if (!armed_) {
        wake_.wait(lock);
      } else if (wake_.wait_until(lock, deadline_) == std::cv_status::timeout && armed_ &&
                 std::chrono::steady_clock::now() >= deadline_) {
        fired_ = true;
        armed_ = false;
        context_->TryCancel();
      }
    }
  }
  grpc::ClientContext *context_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::chrono::steady_clock::time_point deadline_;
  bool armed_ = false, fired_ = false, stopping_ = false;
  std::thread thread_;  // last: started after the members it reads
};

}  // namespace hamd_c
