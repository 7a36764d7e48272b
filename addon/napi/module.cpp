// The addon's entry point: build information, the engine (the one compute pool and
// everything that runs on it) and cancel tokens. Models are loaded through an engine.
#include <napi.h>

#include "core/descriptors/registry.hpp"
#include "napi/cancel_token.hpp"
#include "napi/engine.hpp"
#include "napi/model.hpp"

namespace {

Napi::Value build_info(const Napi::CallbackInfo& info) {
    std::string text = "g++ " __VERSION__ ", C++17";
#ifdef NDEBUG
    text += ", release";
#else
    text += ", debug";
#endif
#ifdef __AVX2__
    text += ", avx2";
#endif
    text += ", cuda: off";
    return Napi::String::New(info.Env(), text);
}

// [{name, positionGradients, cellGradients}]: the descriptor kinds the core registers.
Napi::Value descriptor_kinds(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const auto& kinds = hamd::descriptor_kinds();
    Napi::Array list = Napi::Array::New(env, kinds.size());
    for (size_t k = 0; k < kinds.size(); ++k) {
        Napi::Object kind = Napi::Object::New(env);
        kind.Set("name", kinds[k].name);
        kind.Set("positionGradients", kinds[k].position_gradients);
        kind.Set("cellGradients", kinds[k].cell_gradients);
        list.Set(static_cast<uint32_t>(k), kind);
    }
    return list;
}

Napi::Value create_engine(const Napi::CallbackInfo& info) {
    Napi::FunctionReference* constructor = info.Env().GetInstanceData<Napi::FunctionReference>();
    return constructor->New({info.Length() > 0 ? info[0] : info.Env().Undefined()});
}

Napi::Value create_cancel_token(const Napi::CallbackInfo& info) {
    return hamd_napi::CancelToken::constructor.New({});
}

Napi::Object init(Napi::Env env, Napi::Object exports) {
    Napi::Function engine = hamd_napi::Engine::define(env);
    env.SetInstanceData(new Napi::FunctionReference(Napi::Persistent(engine)));
    hamd_napi::CancelToken::define(env);
    hamd_napi::HamiltonianModelHandle::define(env);
    exports.Set("buildInfo", Napi::Function::New(env, build_info));
    exports.Set("descriptorKinds", Napi::Function::New(env, descriptor_kinds));
    exports.Set("createEngine", Napi::Function::New(env, create_engine));
    exports.Set("createCancelToken", Napi::Function::New(env, create_cancel_token));
    return exports;
}

}  // namespace

NODE_API_MODULE(hamd, init)
