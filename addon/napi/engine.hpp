// JS class wrapping the native compute pool. Work is queued on the pool (never on the
// libuv pool or the event loop); results come back to JS through a thread-safe function.
#pragma once
#include <napi.h>

#include <memory>

#include "core/base/thread_pool.hpp"

namespace hamd_napi {

class Engine : public Napi::ObjectWrap<Engine> {
public:
    static Napi::Function define(Napi::Env env);
    explicit Engine(const Napi::CallbackInfo& info);

private:
    Napi::Value threads(const Napi::CallbackInfo& info);
    Napi::Value compute_descriptors(const Napi::CallbackInfo& info);
    Napi::Value close(const Napi::CallbackInfo& info);

    std::shared_ptr<hamd::ThreadPool> pool_;
};

}  // namespace hamd_napi
