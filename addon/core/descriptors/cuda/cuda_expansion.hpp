// The spherical expansions of every centre of a request, computed on a GPU: the part of a
// descriptor request that grows with the number of neighbour pairs. The CPU executor then
// builds the requested kind from them exactly as from its own expansions (engine.cpp).
//
// Scope of this backend (docs/architecture.md, "CUDA"): values only. Requests with gradients
// run on the CPU (device "auto") or are refused (device "cuda"). A build without CUDA has the
// same declarations (cuda_expansion_stub.cpp): nothing is supported and computing throws.
#pragma once
#include <atomic>
#include <string>
#include <vector>

#include "core/descriptors/density/spherical_expansion.hpp"
#include "core/descriptors/engine.hpp"

namespace hamd {

// Empty when the CUDA kernels can compute this request's expansions; else why not (for the
// FailedPrecondition of device "cuda"). Checks the build, the machine and the options.
std::string cuda_expansion_unsupported(const DescriptorOptions& options);

// One centre of the request: (system, atom).
struct CentreRef {
    int32_t system;
    int32_t atom;
};

// values: centres.size() blocks of n_lm x row_size doubles, compute_expansion's layout, in the
// order of `centres`. Cancel is polled before the device work starts.
void compute_expansions_on_cuda(const ExpansionSetup& setup, const std::vector<System>& systems,
                                const std::vector<NeighborList>& lists, const std::vector<CentreRef>& centres,
                                std::vector<double>& values, const std::atomic<bool>* cancel);

}  // namespace hamd
