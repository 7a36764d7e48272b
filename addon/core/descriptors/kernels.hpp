// Per-centre kernels of the descriptor kinds, and the block families they fill.
// Internal to the engine (engine.cpp, layout.cpp, registry.cpp); not part of the public
// interface. Which gradients a kind supports is registered in registry.cpp.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "core/descriptors/engine.hpp"
#include "core/descriptors/density/spherical_expansion.hpp"
#include "core/base/tensor_map.hpp"

namespace hamd {

// One kind of block, repeated for every centre type: key = key_prefix + center_type + key_suffix.
struct BlockFamily {
    std::vector<int32_t> key_prefix;   // (o3_lambda, o3_sigma)
    std::vector<int32_t> key_suffix;   // (neighbor_type) for the spherical expansion
    int components = 0;                // 2 lambda + 1 for [o3_mu], 0 for none
    Labels properties;
    // Position-gradient samples: -1 every slot of the centre; a >= 0 only the slots of
    // neighbour channel a (plus the centre when there is one).
    int gradient_channel = -1;

    size_t width() const { return static_cast<size_t>(components > 0 ? components : 1) * properties.count(); }
};

// Where one centre's results go, per family: values row [components][properties];
// position gradient rows [slot][xyz][components][properties] (only this family's slots);
// cell gradient [3 a + b][components][properties].
struct CentreOutputs {
    std::vector<double*> values, positions, cell;
    // Whether position gradients are requested. A family's pointer in `positions` is null
    // when its block has no gradient rows at all, so it cannot stand for the request.
    bool position_gradients = false;
    const double* inverse_cell = nullptr;
};

class DescriptorKernel {
public:
    struct Workspace {
        virtual ~Workspace() = default;
    };
    virtual ~DescriptorKernel() = default;
    virtual std::vector<std::string> key_names() const = 0;
    virtual const std::vector<BlockFamily>& families() const = 0;
    virtual std::unique_ptr<Workspace> make_workspace() const = 0;
    // Fills the outputs that are not null (positions/cell only when requested).
    virtual void compute(const CentreNeighbourhood& neighbourhood, const CentreExpansion& expansion,
                         const CentreOutputs& outputs, Workspace& workspace) const = 0;
};

// Factories of the individual kinds (one file each).
std::unique_ptr<DescriptorKernel> make_spherical_expansion_kernel(const ExpansionSetup& setup);
std::unique_ptr<DescriptorKernel> make_power_spectrum_kernel(const ExpansionSetup& setup);
std::unique_ptr<DescriptorKernel> make_lambda_soap_kernel(const ExpansionSetup& setup, int max_lambda);
std::unique_ptr<DescriptorKernel> make_bispectrum_kernel(const ExpansionSetup& setup);
std::unique_ptr<DescriptorKernel> make_correlation_kernel(const ExpansionSetup& setup, const DescriptorOptions& options);

}  // namespace hamd
