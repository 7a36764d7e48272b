// The addon's entry point: build information, the engine (the one compute pool and
// everything that runs on it), cancel tokens, and the core's tables and readers that the
// daemon and the CLI use (descriptor kinds, element symbols, XYZ). Models load through an engine.
#include <napi.h>

#include "core/base/cuda_status.hpp"
#include "core/base/errors.hpp"
#include "core/descriptors/registry.hpp"
#include "core/io/xyz.hpp"
#include "core/systems/elements.hpp"
#include "napi/convert.hpp"
#include "napi/cancel_token.hpp"
#include "napi/engine.hpp"
#include "napi/contraction.hpp"
#include "napi/energy_model.hpp"
#include "napi/energy_session.hpp"
#include "napi/model.hpp"
#include "napi/shared_region.hpp"

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
    text += ", " + hamd::describe_cuda_status(hamd::cuda_status());
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

// readXyz(text, source) -> XyzFrame[] (server/native/xyz.ts): the core's reader, the only one
// in the project. Malformed text: a coded INVALID_ARGUMENT naming source and line.
Napi::Value read_xyz(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsString()) throw hamd_napi::coded_error(env, "INVALID_ARGUMENT", "readXyz(text[, source]) needs the text");
    const std::string source = info.Length() > 1 && info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : "xyz";
    std::vector<hamd::System> frames;
    try {
        frames = hamd::parse_extended_xyz(info[0].As<Napi::String>().Utf8Value(), source);
    } catch (const hamd::InvalidArgument& e) {
        throw hamd_napi::coded_error(env, "INVALID_ARGUMENT", e.what());
    }
    Napi::Array list = Napi::Array::New(env, frames.size());
    for (size_t f = 0; f < frames.size(); ++f) {
        const hamd::System& system = frames[f];
        Napi::Object frame = Napi::Object::New(env);
        Napi::Array numbers = Napi::Array::New(env, system.types.size());
        for (size_t a = 0; a < system.types.size(); ++a) numbers.Set(static_cast<uint32_t>(a), system.types[a]);
        frame.Set("atomicNumbers", numbers);
        frame.Set("positions", hamd_napi::copy_to_js(env, system.positions.data(), system.positions.size()));
        bool has_cell = false;
        for (double x : system.cell) has_cell = has_cell || x != 0.0;
        if (has_cell) frame.Set("cell", hamd_napi::copy_to_js(env, system.cell.data(), 9));
        Napi::Array pbc = Napi::Array::New(env, 3);
        for (uint32_t d = 0; d < 3; ++d) pbc.Set(d, system.pbc[d]);
        frame.Set("pbc", pbc);
        list.Set(static_cast<uint32_t>(f), frame);
    }
    return list;
}

// elementSymbol(z) -> "H" ... "Og" (the core's element table), "Z<z>" outside 1..118.
Napi::Value element_symbol(const Napi::CallbackInfo& info) {
    const double z = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().DoubleValue() : 0;
    return Napi::String::New(info.Env(), hamd::element_symbol(static_cast<int>(z)));
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
    hamd_napi::EnergyModelHandle::define(env);
    hamd_napi::EnergySessionHandle::define(env);
    hamd_napi::SharedRegionHandle::define(env);
    hamd_napi::ContractionHandle::define(env);
    exports.Set("buildInfo", Napi::Function::New(env, build_info));
    exports.Set("descriptorKinds", Napi::Function::New(env, descriptor_kinds));
    exports.Set("readXyz", Napi::Function::New(env, read_xyz));
    exports.Set("elementSymbol", Napi::Function::New(env, element_symbol));
    exports.Set("createEngine", Napi::Function::New(env, create_engine));
    exports.Set("createCancelToken", Napi::Function::New(env, create_cancel_token));
    exports.Set("mapSharedRegion", Napi::Function::New(env, hamd_napi::SharedRegionHandle::map));
    return exports;
}

}  // namespace

NODE_API_MODULE(hamd, init)
