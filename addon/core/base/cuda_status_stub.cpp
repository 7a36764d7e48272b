// cuda_status() of a build without CUDA (the CMake option HAMD_CUDA off or no nvcc found).
#ifndef HAMD_WITH_CUDA
#include "core/base/cuda_status.hpp"

namespace hamd {

const CudaStatus& cuda_status() {
    static const CudaStatus status{false, 0, "", "built without CUDA"};
    return status;
}

}  // namespace hamd
#endif
