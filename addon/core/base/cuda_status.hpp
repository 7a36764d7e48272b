// Whether this build carries the CUDA kernels, and whether a GPU is usable now. CUDA is optional
// at build time (CMake option HAMD_CUDA); a build with CUDA on a machine without a GPU, or
// without a driver recent enough, loads and runs everything on the CPU, and `message` says why
// (the daemon logs it at start and GetServerInfo.addon_build reports it).
// Implemented by cuda_status.cu in CUDA builds and by cuda_status_stub.cpp otherwise.
#pragma once
#include <string>

namespace hamd {

struct CudaStatus {
    bool built = false;        // the kernels are compiled in
    int devices = 0;           // usable devices found at the first call
    std::string device_name;   // of device 0, when there is one
    std::string message;       // why no device is usable, when none is

    bool usable() const { return built && devices > 0; }
};

// Probed once (the first call), then cached: a device that appears later is not picked up.
const CudaStatus& cuda_status();

// One line for logs and GetServerInfo: "cuda: off (built without CUDA)",
// "cuda: on, no usable device (...): CPU only", "cuda: on, 1 device (NVIDIA H100 ...)".
std::string describe_cuda_status(const CudaStatus& status);

}  // namespace hamd
