// The JS handle of a client's shared-memory region (core/io/mapped_region.hpp):
//   addon.mapSharedRegion(path, byteSize) -> SharedRegion (INVALID_ARGUMENT, PERMISSION_DENIED,
//       RESOURCE_EXHAUSTED as the core says)
//   region.byteSize()
//   region.close()  the daemon's reference goes; the mapping goes once no request writes into it
// engine.computeDescriptors takes { region, offset, byteSize } to place its results there.
#pragma once
#include <napi.h>

#include <memory>

#include "core/io/mapped_region.hpp"

namespace hamd_napi {

class SharedRegionHandle : public Napi::ObjectWrap<SharedRegionHandle> {
public:
    static void define(Napi::Env env);
    static Napi::Value map(const Napi::CallbackInfo& info);
    explicit SharedRegionHandle(const Napi::CallbackInfo& info);

    // The mapping, for a job that writes into it (it keeps the mapping alive); null once closed.
    std::shared_ptr<hamd::MappedRegion> region() const { return region_; }
    static SharedRegionHandle* unwrap(const Napi::Value& value);

private:
    static Napi::FunctionReference constructor;
    Napi::Value byte_size(const Napi::CallbackInfo& info);
    Napi::Value close(const Napi::CallbackInfo& info);

    std::shared_ptr<hamd::MappedRegion> region_;
};

}  // namespace hamd_napi
