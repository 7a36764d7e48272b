// Conversions between JavaScript values and the core's plain C++ types, and the coded
// errors the server maps to gRPC statuses. Field readers throw INVALID_ARGUMENT naming the
// field when a value has the wrong type; absent (undefined/null) fields take the fallback.
#pragma once
#include <napi.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/base/result_memory.hpp"
#include "core/base/tensor_map.hpp"
#include "core/descriptors/engine.hpp"

namespace hamd_napi {

// A JS Error with a `code` property the server maps to a gRPC status.
Napi::Error coded_error(Napi::Env env, const char* code, const std::string& message);
[[noreturn]] void bad_request(Napi::Env env, const std::string& message);

double number_field(const Napi::Object& object, const char* name, double fallback);
int integer_field(const Napi::Object& object, const char* name, int fallback);
std::string string_field(const Napi::Object& object, const char* name, const std::string& fallback);
bool boolean_field(const Napi::Object& object, const char* name, bool fallback);
// The hyper-parameters an object sets, by their proto names (cutoff, cutoff_width, ...); the
// core fills the others with its defaults (hamd::resolve_hypers).
hamd::HyperSettings hyper_settings_from_js(const Napi::Object& hypers);

// request.systems (NativeSystem[] of server/native/addon.ts) and the descriptor options.
std::vector<hamd::System> systems_from_js(const Napi::Object& request);
hamd::DescriptorOptions options_from_js(const Napi::Object& request);

// Moves the result's arrays into external ArrayBuffers (no copy of bulk data).
// Where a result was placed: `arena` spans the request's output range, which starts `offset`
// bytes into the client's region.
struct RegionPlacement {
    hamd::result_memory::OutputArena* arena;
    size_t offset;
};
// placement: values inside it are reported as {regionOffset, length} (bytes from the region's
// start, elements), not copied (see values_to_js in convert.cpp); large label tables are copied
// into it when there is room (labels_to_js).
Napi::Object tensor_map_to_js(Napi::Env env, hamd::TensorMap&& map, const RegionPlacement* placement = nullptr);
// Copies of small arrays.
Napi::Float64Array copy_to_js(Napi::Env env, const double* data, size_t count);
Napi::Int32Array copy_to_js(Napi::Env env, const int32_t* data, size_t count);

}  // namespace hamd_napi
