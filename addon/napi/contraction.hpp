// The JS handle of a fitted correlation contraction (core/descriptors/correlation/contraction.hpp):
//   engine.loadModel(path) for a "hamd-correlation-contraction" file -> Contraction
//   contraction.metadata() -> ModelMetadata, kind "correlation-contraction"
//   engine.fitCorrelationContraction(request, settings, path) -> Promise<ModelMetadata>: fits on
//       the request's structures (kind "correlation", hypers, species, correlationOrder,
//       maxLambda, as computeDescriptors takes them) and writes the file
// engine.computeDescriptors takes { ..., contraction: Contraction } for kind "correlation".
#pragma once
#include <napi.h>

#include <memory>
#include <string>

#include "core/descriptors/correlation/contraction.hpp"
#include "napi/compute_pool.hpp"

namespace hamd_napi {

class ContractionHandle : public Napi::ObjectWrap<ContractionHandle> {
public:
    static void define(Napi::Env env);
    static Napi::Object create(Napi::Env env, const std::string& path);
    explicit ContractionHandle(const Napi::CallbackInfo& info);

    std::shared_ptr<const hamd::CorrelationContraction> contraction() const { return contraction_; }
    static ContractionHandle* unwrap(const Napi::Value& value);

private:
    static Napi::FunctionReference constructor;
    Napi::Value metadata(const Napi::CallbackInfo& info);

    std::shared_ptr<const hamd::CorrelationContraction> contraction_;
};

// engine.fitCorrelationContraction(request, settings, path): the job on the engine's pool.
Napi::Value fit_correlation_contraction_job(const Napi::CallbackInfo& info, ComputePool& pool);

}  // namespace hamd_napi
