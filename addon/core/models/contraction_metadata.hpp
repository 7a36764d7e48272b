// A fitted correlation contraction (descriptors/correlation/contraction.hpp) as the model
// registry lists it: it is loaded from the model repository like a model, but serves
// ComputeDescriptors (kind "correlation", field `contraction`), not Predict or sessions.
#pragma once
#include "core/descriptors/correlation/contraction.hpp"
#include "core/models/model.hpp"

namespace hamd {

// kind "correlation-contraction", its species, no outputs; extra_json holds what a request
// must match (max_radial, max_angular) and what it allows (correlation_order, max_lambda),
// and the fit's settings and block count.
ModelMetadata describe_correlation_contraction(const CorrelationContraction& contraction);

}  // namespace hamd
