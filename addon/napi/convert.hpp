// Conversions between JavaScript values and the core's plain C++ types.
#pragma once
#include <napi.h>

#include "core/descriptors/engine.hpp"
#include "core/base/tensor_map.hpp"
#include "napi/shared_memory.hpp"

namespace hamd_napi {

// Throws a JS error carrying .code (INVALID_ARGUMENT) when the shape of the request is wrong.
hamd::DescriptorOptions options_from_js(const Napi::Object& request);
std::vector<hamd::System> systems_from_js(const Napi::Object& request);

// request.sharedMemoryPath: "" when absent; else an absolute path (INVALID_ARGUMENT otherwise).
std::string shared_memory_path_from_js(const Napi::Object& request);

// Moves the result's arrays into external ArrayBuffers (no copy of bulk data). With a
// shared-memory layout the block and gradient values are already in the file: they
// become empty Float64Arrays with a `sharedMemoryOffset` (bytes into the file).
Napi::Object tensor_map_to_js(Napi::Env env, hamd::TensorMap&& map, const SharedMemoryLayout* layout = nullptr);

// A JS Error with a `code` property the server maps to a gRPC status.
Napi::Error coded_error(Napi::Env env, const char* code, const std::string& message);

}  // namespace hamd_napi
