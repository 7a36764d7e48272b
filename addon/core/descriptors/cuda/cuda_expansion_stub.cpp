// The CUDA expansion backend of a build without CUDA: it supports nothing.
#ifndef HAMD_WITH_CUDA
#include "core/descriptors/cuda/cuda_expansion.hpp"

#include "core/base/errors.hpp"

namespace hamd {

std::string cuda_expansion_unsupported(const DescriptorOptions&) {
    return "this build has no CUDA kernels (built without CUDA)";
}

void compute_expansions_on_cuda(const ExpansionSetup&, const std::vector<System>&, const std::vector<NeighborList>&,
                                const std::vector<CentreRef>&, std::vector<double>&, const std::atomic<bool>*) {
    throw FailedPrecondition("this build has no CUDA kernels (built without CUDA)");
}

}  // namespace hamd
#endif
