// A flag shared between JS (which sets it when a call is cancelled) and native jobs
// (which poll it between atoms).
#pragma once
#include <napi.h>

#include <atomic>
#include <memory>

namespace hamd_napi {

class CancelToken : public Napi::ObjectWrap<CancelToken> {
public:
    static Napi::Function define(Napi::Env env);
    explicit CancelToken(const Napi::CallbackInfo& info);
    std::shared_ptr<std::atomic<bool>> flag() const { return flag_; }
    static Napi::FunctionReference constructor;

private:
    Napi::Value cancel(const Napi::CallbackInfo& info);
    std::shared_ptr<std::atomic<bool>> flag_ = std::make_shared<std::atomic<bool>>(false);
};

}  // namespace hamd_napi
