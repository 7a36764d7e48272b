// The descriptor kinds, registered by name: the one place that lists them, with what each
// supports and how its kernel is made. The daemon and the clients learn the names from here
// (the addon reports them; GetServerInfo.descriptor_kinds).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "core/descriptors/engine.hpp"
#include "core/descriptors/kernels.hpp"

namespace hamd {

struct DescriptorKindInfo {
    DescriptorKind kind;
    std::string name;  // as in proto, CLI, Python and Node: "power-spectrum", ...
    bool position_gradients;
    bool cell_gradients;
    std::unique_ptr<DescriptorKernel> (*make)(const ExpansionSetup& setup, const DescriptorOptions& options);
};

// Every kind, in the order they are documented.
const std::vector<DescriptorKindInfo>& descriptor_kinds();
const DescriptorKindInfo& descriptor_kind_info(DescriptorKind kind);

}  // namespace hamd
