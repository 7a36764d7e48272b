// The descriptor kinds, registered by name: the one place that lists them, with what each
// supports and how its kernel is made. The daemon and the clients learn the names from here
// (the addon reports them; GetServerInfo.descriptor_kinds).
#pragma once
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "core/descriptors/engine.hpp"
#include "core/descriptors/kernels.hpp"

namespace hamd {

// Options of DescriptorOptions that only some kinds take (a bit set).
enum KindOption : unsigned {
    kPotentialExponent = 1u << 0,
    kCorrelationOrder = 1u << 1,
    kNonlinearity = 1u << 2,
    kKCutoff = 1u << 3,
    // max_lambda: its range is checked for the kinds that take it; other kinds ignore it (the
    // core's callers copy options between kinds; the daemon rejects it on the wire for them).
    kMaxLambda = 1u << 4,
};

// A kind whose features of one centre depend on atoms beyond that centre's neighbour list
// (long-range, message passing) or whose samples are not atoms (pairs) computes the whole
// request itself: the per-centre planner and executor (layout.cpp, engine.cpp) do not apply.
// The result is a fresh TensorMap (no storage reuse, no output arena). `lists` are the
// neighbour lists at hypers.cutoff (or larger); cancel is to be polled between centres.
using StructureCompute = TensorMap (*)(const std::vector<System>& systems, const std::vector<NeighborList>& lists,
                                       const ExpansionSetup& setup, const DescriptorOptions& options,
                                       ThreadPool& pool, const std::atomic<bool>* cancel);

struct DescriptorKindInfo {
    DescriptorKind kind;
    std::string name;  // as in proto, CLI, Python and Node: "power-spectrum", ...
    bool position_gradients;
    bool cell_gradients;
    // Exactly one of `make` (a per-centre kernel) and `compute` (a whole request) is set.
    std::unique_ptr<DescriptorKernel> (*make)(const ExpansionSetup& setup, const DescriptorOptions& options);
    StructureCompute compute = nullptr;
    unsigned options = 0;  // KindOption bits this kind takes
};

// Every kind, in the order they are documented.
const std::vector<DescriptorKindInfo>& descriptor_kinds();
const DescriptorKindInfo& descriptor_kind_info(DescriptorKind kind);

}  // namespace hamd
