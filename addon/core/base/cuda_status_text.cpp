#include "core/base/cuda_status.hpp"

namespace hamd {

std::string describe_cuda_status(const CudaStatus& status) {
    if (!status.built) return "cuda: off (" + status.message + ")";
    if (status.devices == 0) return "cuda: on, no usable device (" + status.message + "): CPU only";
    return "cuda: on, " + std::to_string(status.devices) + (status.devices == 1 ? " device (" : " devices (") +
           status.device_name + ")";
}

}  // namespace hamd
