// Where a request runs, as the caller asks (proto ComputeDescriptorsRequest.device):
//   auto  the GPU when this build and machine have a usable one and a kernel for the request,
//         else the CPU (the default);
//   cpu   always the CPU;
//   cuda  the GPU, or FailedPrecondition saying why it cannot.
#pragma once
#include <string>

#include "core/base/errors.hpp"

namespace hamd {

enum class ComputeDevice { Auto, Cpu, Cuda };

inline ComputeDevice parse_compute_device(const std::string& name) {
    if (name.empty() || name == "auto") return ComputeDevice::Auto;
    if (name == "cpu") return ComputeDevice::Cpu;
    if (name == "cuda") return ComputeDevice::Cuda;
    throw InvalidArgument("device: \"" + name + "\" is not one of auto, cpu, cuda");
}

}  // namespace hamd
