// Error types of the core. The N-API layer maps them to gRPC status codes;
// the core itself knows nothing of gRPC or Node.
#pragma once
#include <stdexcept>
#include <string>

namespace hamd {

// Bad input from the caller (NaN, singular cell, bad hyper-parameters, ...): INVALID_ARGUMENT.
struct InvalidArgument : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// The request is valid but exceeds a configured limit (memory, atoms, ...): RESOURCE_EXHAUSTED.
struct ResourceExhausted : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// The caller may not use this resource (e.g. a file another user owns): PERMISSION_DENIED.
struct PermissionDenied : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// The request is valid but this machine cannot serve it as asked (e.g. device "cuda" on a
// build or machine without a usable GPU): FAILED_PRECONDITION.
struct FailedPrecondition : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// The caller cancelled the request or its deadline passed: CANCELLED.
struct Cancelled : std::runtime_error {
    Cancelled() : std::runtime_error("request cancelled") {}
};

}  // namespace hamd
