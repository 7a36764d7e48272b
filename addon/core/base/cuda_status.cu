// cuda_status() of a CUDA build: asks the runtime once. No driver, an old driver or no device
// all leave devices = 0 with the runtime's own words in `message`.
#include <cuda_runtime.h>

#include "core/base/cuda_status.hpp"

namespace hamd {

namespace {

CudaStatus probe() {
    CudaStatus status;
    status.built = true;
    int count = 0;
    const cudaError_t error = cudaGetDeviceCount(&count);
    if (error != cudaSuccess) {
        status.message = cudaGetErrorString(error);
        cudaGetLastError();  // clear the sticky error so later calls start clean
        return status;
    }
    if (count == 0) {
        status.message = "no CUDA device";
        return status;
    }
    cudaDeviceProp properties{};
    if (cudaGetDeviceProperties(&properties, 0) == cudaSuccess) status.device_name = properties.name;
    status.devices = count;
    return status;
}

}  // namespace

const CudaStatus& cuda_status() {
    static const CudaStatus status = probe();
    return status;
}

}  // namespace hamd
