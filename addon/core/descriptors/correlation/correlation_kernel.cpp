// The "correlation" descriptor kind: the output level of Correlation as per-centre blocks
// (o3_lambda, o3_sigma, center_type), components [o3_mu], position gradients by the chain rule.
#include <algorithm>

#include "core/descriptors/correlation/contraction.hpp"
#include "core/descriptors/correlation/correlation.hpp"
#include "core/descriptors/kernels.hpp"

namespace hamd {

namespace {

class CorrelationKernel : public DescriptorKernel {
public:
    CorrelationKernel(const ExpansionSetup& setup, const DescriptorOptions& options)
        : setup_(setup),
          contraction_(options.contraction),
          correlation_(setup, options.correlation_order.value_or(kDefaultCorrelationOrder),
                       options.max_lambda < 0 ? kDefaultCorrelationMaxLambda : options.max_lambda, contraction_.get(),
                       options.max_output_bytes) {
        for (const auto& block : correlation_.level(correlation_.order()).blocks) {
            BlockFamily family;
            family.key_prefix = {block.lambda, block.sigma};
            family.components = 2 * block.lambda + 1;
            family.properties = block.properties;
            families_.push_back(std::move(family));
        }
    }
    std::vector<std::string> key_names() const override { return {"o3_lambda", "o3_sigma", "center_type"}; }
    const std::vector<BlockFamily>& families() const override { return families_; }

    struct Scratch : Workspace {
        Correlation::Workspace inner;
    };
    std::unique_ptr<Workspace> make_workspace() const override { return std::make_unique<Scratch>(); }

    void compute(const CentreNeighbourhood& nh, const CentreExpansion& e, const CentreOutputs& out,
                 Workspace& workspace) const override {
        auto& ws = static_cast<Scratch&>(workspace).inner;
        const int order = correlation_.order();
        const auto& blocks = correlation_.level(order).blocks;
        const double* c = e.values.data();
        correlation_.values(c, nh.centre_type, order, ws);
        for (size_t f = 0; f < blocks.size(); ++f) {
            const double* from = ws.raw[order - 1].data() + blocks[f].offset;
            std::copy(from, from + families_[f].width(), out.values[f]);
        }
        const size_t plane = static_cast<size_t>(setup_.n_lm()) * setup_.row_size();
        if (out.cell[0] != nullptr) {
            // d/d cell[a][b] (fractional coordinates fixed): the same product rule, every channel
            ws.dense.resize(9 * plane);
            cell_expansion_gradient(setup_, nh, e, out.inverse_cell, ws.dense.data());
            const size_t raw_size = correlation_.level(order).raw_size;
            for (int a = 0; a < 3; ++a) {
                correlation_.derivatives(c, ws.dense.data() + 3 * a * plane, plane, -1, nh.centre_type, order, ws);
                for (int b = 0; b < 3; ++b)
                    for (size_t f = 0; f < blocks.size(); ++f) {
                        const size_t width = families_[f].width();
                        const double* from = ws.draw[order - 1].data() + b * raw_size + blocks[f].offset;
                        std::copy(from, from + width, out.cell[f] + static_cast<size_t>(3 * a + b) * width);
                    }
            }
        }
        if (!out.position_gradients || nh.n_slots() == 0) return;
        ws.dense.resize(3 * plane);
        ws.compact.resize(static_cast<size_t>(3) * setup_.n_lm() * setup_.n_radial());
        for (int s = 0; s < nh.n_slots(); ++s) {
            const int channel = slot_expansion_gradient(setup_, nh, e, s, ws.compact, ws.dense.data());
            correlation_.derivatives(c, ws.dense.data(), plane, channel, nh.centre_type, order, ws);
            const size_t raw_size = correlation_.level(order).raw_size;
            for (int d = 0; d < 3; ++d) {
                for (size_t f = 0; f < blocks.size(); ++f) {
                    const size_t width = families_[f].width();
                    const double* from = ws.draw[order - 1].data() + d * raw_size + blocks[f].offset;
                    std::copy(from, from + width, out.positions[f] + (static_cast<size_t>(s) * 3 + d) * width);
                }
            }
        }
    }

private:
    const ExpansionSetup& setup_;
    std::shared_ptr<const CorrelationContraction> contraction_;  // kept alive while in use
    Correlation correlation_;
    std::vector<BlockFamily> families_;
};

}  // namespace

std::unique_ptr<DescriptorKernel> make_correlation_kernel(const ExpansionSetup& setup, const DescriptorOptions& options) {
    return std::make_unique<CorrelationKernel>(setup, options);
}

}  // namespace hamd
