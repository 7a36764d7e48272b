#include "napi/cancel_token.hpp"

#include "napi/async_job.hpp"

namespace hamd_napi {

Napi::FunctionReference CancelToken::constructor;

Napi::Function CancelToken::define(Napi::Env env) {
    Napi::Function function = DefineClass(env, "CancelToken", {InstanceMethod("cancel", &CancelToken::cancel)});
    constructor = Napi::Persistent(function);
    constructor.SuppressDestruct();
    return function;
}

CancelToken::CancelToken(const Napi::CallbackInfo& info) : Napi::ObjectWrap<CancelToken>(info) {}

Napi::Value CancelToken::cancel(const Napi::CallbackInfo& info) {
    flag_->store(true);
    return info.Env().Undefined();
}

}  // namespace hamd_napi

namespace hamd_napi {

CancelFlag cancel_flag_from_js(const Napi::CallbackInfo& info, size_t index) {
    if (info.Length() > index && info[index].IsObject() &&
        info[index].As<Napi::Object>().InstanceOf(CancelToken::constructor.Value())) {
        return CancelToken::Unwrap(info[index].As<Napi::Object>())->flag();
    }
    return std::make_shared<std::atomic<bool>>(false);
}

}  // namespace hamd_napi
