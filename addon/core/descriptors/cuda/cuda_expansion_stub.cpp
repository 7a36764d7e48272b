// The CUDA expansion backend of a build without CUDA: it supports nothing.
#ifndef HAMD_WITH_CUDA
#include "core/descriptors/cuda/cuda_expansion.hpp"

#include "core/base/cuda_status.hpp"
#include "core/base/errors.hpp"

namespace hamd {

std::string cuda_expansion_unsupported(const DescriptorOptions&) {
    return describe_cuda_status(cuda_status());  // "cuda: off (built without CUDA)"
}

void compute_expansions_on_cuda(const ExpansionSetup&, const std::vector<System>&, const std::vector<NeighborList>&,
                                const std::vector<CentreRef>&, std::vector<double>&, const std::atomic<bool>*) {
    throw FailedPrecondition(describe_cuda_status(cuda_status()));
}

}  // namespace hamd
#endif
