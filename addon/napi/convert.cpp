#include "napi/convert.hpp"

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>

namespace hamd_napi {

Napi::Error coded_error(Napi::Env env, const char* code, const std::string& message) {
    Napi::Error error = Napi::Error::New(env, message);
    error.Set("code", Napi::String::New(env, code));
    return error;
}

void bad_request(Napi::Env env, const std::string& message) { throw coded_error(env, "INVALID_ARGUMENT", message); }

double number_field(const Napi::Object& object, const char* name, double fallback) {
    Napi::Value value = object.Get(name);
    if (value.IsUndefined() || value.IsNull()) return fallback;
    if (!value.IsNumber()) bad_request(object.Env(), std::string(name) + " must be a number");
    return value.As<Napi::Number>().DoubleValue();
}

int integer_field(const Napi::Object& object, const char* name, int fallback) {
    double value = number_field(object, name, fallback);
    if (value != static_cast<double>(static_cast<int>(value))) {
        bad_request(object.Env(), std::string(name) + " must be an integer");
    }
    return static_cast<int>(value);
}

std::string string_field(const Napi::Object& object, const char* name, const std::string& fallback) {
    Napi::Value value = object.Get(name);
    if (value.IsUndefined() || value.IsNull()) return fallback;
    if (!value.IsString()) bad_request(object.Env(), std::string(name) + " must be a string");
    return value.As<Napi::String>().Utf8Value();
}

bool boolean_field(const Napi::Object& object, const char* name, bool fallback) {
    Napi::Value value = object.Get(name);
    if (value.IsUndefined() || value.IsNull()) return fallback;
    if (!value.IsBoolean()) bad_request(object.Env(), std::string(name) + " must be a boolean");
    return value.As<Napi::Boolean>().Value();
}

hamd::HyperSettings hyper_settings_from_js(const Napi::Object& hypers) {
    hamd::HyperSettings set;
    auto real = [&](const char* name, std::optional<double>& field) {
        const Napi::Value v = hypers.Get(name);
        if (!v.IsUndefined() && !v.IsNull()) field = number_field(hypers, name, 0);
    };
    auto integer = [&](const char* name, std::optional<int>& field) {
        const Napi::Value v = hypers.Get(name);
        if (!v.IsUndefined() && !v.IsNull()) field = integer_field(hypers, name, 0);
    };
    real("cutoff", set.cutoff);
    real("cutoff_width", set.cutoff_width);
    integer("max_radial", set.max_radial);
    integer("max_angular", set.max_angular);
    real("density_width", set.density_width);
    real("center_atom_weight", set.center_atom_weight);
    return set;
}

Napi::Float64Array copy_to_js(Napi::Env env, const double* data, size_t count) {
    Napi::Float64Array array = Napi::Float64Array::New(env, count);
    std::copy(data, data + count, array.Data());
    return array;
}

Napi::Int32Array copy_to_js(Napi::Env env, const int32_t* data, size_t count) {
    Napi::Int32Array array = Napi::Int32Array::New(env, count);
    std::copy(data, data + count, array.Data());
    return array;
}

namespace {

template <typename T, napi_typedarray_type Type>
std::vector<T> typed_array_field(const Napi::Object& object, const char* name) {
    Napi::Value value = object.Get(name);
    if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != Type) {
        bad_request(object.Env(), std::string(name) + " must be a " +
                                      (Type == napi_float64_array ? "Float64Array" : "Int32Array"));
    }
    auto array = value.As<Napi::TypedArrayOf<T>>();
    return std::vector<T>(array.Data(), array.Data() + array.ElementLength());
}

// Label tables of at least this many bytes go to the request's output region (when it has
// room): a power spectrum's properties are hundreds of kilobytes per block.
constexpr size_t kRegionLabelsFrom = 4096;

Napi::Object labels_to_js(Napi::Env env, hamd::Labels&& labels, const RegionPlacement* placement = nullptr) {
    Napi::Object object = Napi::Object::New(env);
    Napi::Array names = Napi::Array::New(env, labels.names.size());
    for (size_t i = 0; i < labels.names.size(); ++i) names[i] = Napi::String::New(env, labels.names[i]);
    object.Set("names", names);
    const size_t bytes = labels.values.size() * sizeof(int32_t);
    if (placement != nullptr && bytes >= kRegionLabelsFrom) {
        // Copied there (the engine builds labels before placing values): one memcpy on the
        // event loop instead of the bytes crossing the message.
        if (void* block = placement->arena->take(bytes)) {
            std::memcpy(block, labels.values.data(), bytes);
            Napi::Object where = Napi::Object::New(env);
            where.Set("regionOffset", static_cast<double>(placement->offset + placement->arena->offset_of(block)));
            where.Set("length", static_cast<double>(labels.values.size()));
            object.Set("values", where);
            return object;
        }
    }
    if (labels.values.empty()) {
        object.Set("values", Napi::Int32Array::New(env, 0));
        return object;
    }
    auto owned = new std::vector<int32_t>(std::move(labels.values));
    auto buffer = Napi::ArrayBuffer::New(env, owned->data(), owned->size() * sizeof(int32_t),
                                         [](Napi::Env, void*, std::vector<int32_t>* data) { delete data; }, owned);
    object.Set("values", Napi::Int32Array::New(env, owned->size(), buffer, 0));
    return object;
}

Napi::Float64Array doubles_to_js(Napi::Env env, hamd::Values&& values) {
    auto owned = new hamd::Values(std::move(values));
    if (owned->empty()) {
        delete owned;
        return Napi::Float64Array::New(env, 0);
    }
    // Tell V8 how much memory hangs on this small JS object, so that it collects result
    // arrays (hundreds of MB with gradients) before the process grows without bound.
    const int64_t bytes = static_cast<int64_t>(owned->size() * sizeof(double));
    Napi::MemoryManagement::AdjustExternalMemory(env, bytes);
    auto buffer = Napi::ArrayBuffer::New(env, owned->data(), owned->size() * sizeof(double),
                                         [bytes](Napi::Env finalize_env, void*, hamd::Values* data) {
                                             delete data;
                                             Napi::MemoryManagement::AdjustExternalMemory(finalize_env, -bytes);
                                         }, owned);
    return Napi::Float64Array::New(env, owned->size(), buffer, 0);
}

// Values placed in the request's output region stay there: JS gets where ({regionOffset,
// length}); the Values themselves are freed with the result, after the job, while the region
// is still mapped. Other values become Float64Arrays as usual.
Napi::Value values_to_js(Napi::Env env, hamd::Values&& values, const RegionPlacement* placement) {
    if (placement != nullptr && !values.empty() && placement->arena->contains(values.data())) {
        Napi::Object where = Napi::Object::New(env);
        where.Set("regionOffset", static_cast<double>(placement->offset + placement->arena->offset_of(values.data())));
        where.Set("length", static_cast<double>(values.size()));
        return where;
    }
    return doubles_to_js(env, std::move(values));
}

Napi::Array shape_to_js(Napi::Env env, size_t first, const std::vector<hamd::Labels>& components,
                        const hamd::Labels* properties, size_t extra_leading = 0) {
    std::vector<size_t> shape{first};
    for (size_t i = 0; i < extra_leading; ++i) shape.push_back(3);
    for (const auto& component : components) shape.push_back(component.count());
    if (properties) shape.push_back(properties->count());
    Napi::Array array = Napi::Array::New(env, shape.size());
    for (size_t i = 0; i < shape.size(); ++i) array[i] = Napi::Number::New(env, static_cast<double>(shape[i]));
    return array;
}

Napi::Array labels_list_to_js(Napi::Env env, std::vector<hamd::Labels>&& list) {
    Napi::Array array = Napi::Array::New(env, list.size());
    for (size_t i = 0; i < list.size(); ++i) array[i] = labels_to_js(env, std::move(list[i]));
    return array;
}

}  // namespace

std::vector<hamd::System> systems_from_js(const Napi::Object& request) {
    Napi::Env env = request.Env();
    Napi::Value value = request.Get("systems");
    if (!value.IsArray()) bad_request(env, "systems must be an array");
    Napi::Array array = value.As<Napi::Array>();
    std::vector<hamd::System> systems(array.Length());
    for (uint32_t s = 0; s < array.Length(); ++s) {
        Napi::Value item = array[s];
        if (!item.IsObject()) bad_request(env, "systems[" + std::to_string(s) + "] must be an object");
        Napi::Object object = item.As<Napi::Object>();
        hamd::System& system = systems[s];
        system.types = typed_array_field<int32_t, napi_int32_array>(object, "types");
        system.positions = typed_array_field<double, napi_float64_array>(object, "positions");
        std::vector<double> cell = typed_array_field<double, napi_float64_array>(object, "cell");
        if (cell.size() != 9 && !cell.empty()) {
            bad_request(env, "systems[" + std::to_string(s) + "].cell must hold 9 numbers");
        }
        for (size_t k = 0; k < cell.size(); ++k) system.cell[k] = cell[k];
        Napi::Value pbc = object.Get("pbc");
        if (pbc.IsArray()) {
            Napi::Array flags = pbc.As<Napi::Array>();
            if (flags.Length() != 3 && flags.Length() != 0) {
                bad_request(env, "systems[" + std::to_string(s) + "].pbc must hold 0 or 3 flags");
            }
            for (uint32_t d = 0; d < flags.Length(); ++d) system.pbc[d] = flags.Get(d).ToBoolean();
        }
    }
    return systems;
}

hamd::DescriptorOptions options_from_js(const Napi::Object& request) {
    Napi::Env env = request.Env();
    hamd::DescriptorOptions options;
    Napi::Value kind = request.Get("kind");
    if (!kind.IsString()) bad_request(env, "kind must be a string");
    try {
        options.kind = hamd::parse_descriptor_kind(kind.As<Napi::String>().Utf8Value());
    } catch (const std::exception& error) {
        bad_request(env, error.what());
    }
    Napi::Value hypers_value = request.Get("hypers");
    if (hypers_value.IsObject()) options.hypers = hamd::resolve_hypers(hyper_settings_from_js(hypers_value.As<Napi::Object>()));
    Napi::Value species = request.Get("species");
    if (species.IsTypedArray()) options.species = typed_array_field<int32_t, napi_int32_array>(request, "species");
    options.max_lambda = integer_field(request, "maxLambda", -1);
    options.max_output_bytes = static_cast<size_t>(number_field(request, "maxOutputBytes", 0));
    // Kind options: absent (undefined) stays unset, so the core can tell "not given" apart.
    if (request.Get("potentialExponent").IsNumber()) options.potential_exponent = number_field(request, "potentialExponent", 1);
    if (request.Get("correlationOrder").IsNumber()) options.correlation_order = integer_field(request, "correlationOrder", 2);
    if (request.Get("kCutoff").IsNumber()) options.k_cutoff = number_field(request, "kCutoff", 1);
    try {
        options.device = hamd::parse_compute_device(string_field(request, "device", "auto"));
    } catch (const std::exception& error) {
        bad_request(env, error.what());
    }
    Napi::Value nonlinearity = request.Get("nonlinearity");
    if (nonlinearity.IsString()) options.nonlinearity = nonlinearity.As<Napi::String>().Utf8Value();
    Napi::Value gradients = request.Get("gradients");
    if (gradients.IsArray()) {
        Napi::Array list = gradients.As<Napi::Array>();
        for (uint32_t i = 0; i < list.Length(); ++i) {
            std::string name = list.Get(i).ToString().Utf8Value();
            if (name == "positions") options.gradient_positions = true;
            else if (name == "cell") options.gradient_cell = true;
            else bad_request(env, "unknown gradient '" + name + "' (expected positions or cell)");
        }
    }
    return options;
}

Napi::Object tensor_map_to_js(Napi::Env env, hamd::TensorMap&& map, const RegionPlacement* placement) {
    Napi::Object result = Napi::Object::New(env);
    result.Set("keys", labels_to_js(env, std::move(map.keys)));
    Napi::Array blocks = Napi::Array::New(env, map.blocks.size());
    for (size_t b = 0; b < map.blocks.size(); ++b) {
        hamd::Block& block = map.blocks[b];
        Napi::Object object = Napi::Object::New(env);
        object.Set("shape", shape_to_js(env, block.samples.count(), block.components, &block.properties));
        Napi::Array gradients = Napi::Array::New(env, block.gradients.size());
        for (size_t g = 0; g < block.gradients.size(); ++g) {
            hamd::GradientBlock& gradient = block.gradients[g];
            Napi::Object entry = Napi::Object::New(env);
            entry.Set("parameter", Napi::String::New(env, gradient.parameter));
            // gradient components already include the xyz (or cell) axes first
            entry.Set("shape", shape_to_js(env, gradient.samples.count(), gradient.components, &block.properties));
            entry.Set("samples", labels_to_js(env, std::move(gradient.samples), placement));
            entry.Set("components", labels_list_to_js(env, std::move(gradient.components)));
            entry.Set("values", values_to_js(env, std::move(gradient.values), placement));
            gradients[g] = entry;
        }
        object.Set("gradients", gradients);
        object.Set("samples", labels_to_js(env, std::move(block.samples), placement));
        object.Set("components", labels_list_to_js(env, std::move(block.components)));
        object.Set("properties", labels_to_js(env, std::move(block.properties), placement));
        object.Set("values", values_to_js(env, std::move(block.values), placement));
        blocks[b] = object;
    }
    result.Set("blocks", blocks);
    return result;
}

}  // namespace hamd_napi
