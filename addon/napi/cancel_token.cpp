#include "napi/cancel_token.hpp"

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
