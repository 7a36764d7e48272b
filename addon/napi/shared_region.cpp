#include "napi/shared_region.hpp"

#include <string>
#include <utility>

#include "core/base/errors.hpp"
#include "napi/convert.hpp"

namespace hamd_napi {

Napi::FunctionReference SharedRegionHandle::constructor;

void SharedRegionHandle::define(Napi::Env env) {
    Napi::Function f = DefineClass(env, "SharedRegion",
                                   {InstanceMethod("byteSize", &SharedRegionHandle::byte_size),
                                    InstanceMethod("close", &SharedRegionHandle::close)});
    constructor = Napi::Persistent(f);
    constructor.SuppressDestruct();
}

Napi::Value SharedRegionHandle::map(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 2 || !info[0].IsString() || !info[1].IsNumber()) bad_request(env, "mapSharedRegion(path, byteSize)");
    const double size = info[1].As<Napi::Number>().DoubleValue();
    if (!(size >= 1 && size <= 9007199254740991.0) || size != static_cast<double>(static_cast<size_t>(size))) {
        bad_request(env, "byteSize must be a positive integer");
    }
    std::shared_ptr<hamd::MappedRegion> region;
    try {
        region = std::make_shared<hamd::MappedRegion>(info[0].As<Napi::String>().Utf8Value(), static_cast<size_t>(size));
    } catch (const hamd::PermissionDenied& e) {
        throw coded_error(env, "PERMISSION_DENIED", e.what());
    } catch (const hamd::InvalidArgument& e) {
        throw coded_error(env, "INVALID_ARGUMENT", e.what());
    } catch (const hamd::ResourceExhausted& e) {
        throw coded_error(env, "RESOURCE_EXHAUSTED", e.what());
    }
    auto* owned = new std::shared_ptr<hamd::MappedRegion>(std::move(region));
    auto external = Napi::External<std::shared_ptr<hamd::MappedRegion>>::New(
        env, owned, [](Napi::Env, std::shared_ptr<hamd::MappedRegion>* p) { delete p; });
    return constructor.New({external});
}

SharedRegionHandle::SharedRegionHandle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<SharedRegionHandle>(info) {
    if (info.Length() < 1 || !info[0].IsExternal()) {
        throw coded_error(info.Env(), "INVALID_ARGUMENT", "regions are made with mapSharedRegion(path, byteSize)");
    }
    region_ = *info[0].As<Napi::External<std::shared_ptr<hamd::MappedRegion>>>().Data();
}

SharedRegionHandle* SharedRegionHandle::unwrap(const Napi::Value& value) {
    if (!value.IsObject() || !value.As<Napi::Object>().InstanceOf(constructor.Value())) return nullptr;
    return SharedRegionHandle::Unwrap(value.As<Napi::Object>());
}

Napi::Value SharedRegionHandle::byte_size(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), region_ ? static_cast<double>(region_->size()) : 0.0);
}

Napi::Value SharedRegionHandle::close(const Napi::CallbackInfo& info) {
    region_.reset();
    return info.Env().Undefined();
}

}  // namespace hamd_napi
