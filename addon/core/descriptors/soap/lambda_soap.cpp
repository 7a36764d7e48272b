#include "core/descriptors/soap/lambda_soap.hpp"

#include <algorithm>
#include <cstdlib>

#include "core/descriptors/kernels.hpp"

namespace hamd {

LambdaSoap::LambdaSoap(const ExpansionSetup& setup, int max_lambda) : setup_(setup) {
    const int S = setup.n_species(), L = setup.max_angular(), N = setup.n_radial();
    for (int lambda = 0; lambda <= max_lambda; ++lambda) {
        for (int sigma : {-1, 1}) {
            Family family;
            family.lambda = lambda;
            family.sigma = sigma;
            family.properties.names = {"neighbor_1_type", "neighbor_2_type", "l_1", "l_2", "n_1", "n_2"};
            for (int a1 = 0; a1 < S; ++a1) {
                for (int a2 = a1; a2 < S; ++a2) {
                    for (int l1 = 0; l1 <= L; ++l1) {
                        for (int l2 = (a1 == a2 ? l1 : 0); l2 <= L; ++l2) {
                            if (lambda < std::abs(l1 - l2) || lambda > l1 + l2) continue;
                            if (((l1 + l2 + lambda) % 2 == 0 ? 1 : -1) != sigma) continue;
                            family.groups.push_back({a1, a2, l1, l2, family.n_properties, real_clebsch_gordan(l1, l2, lambda)});
                            family.n_properties += static_cast<size_t>(N) * N;
                            for (int n1 = 0; n1 < N; ++n1)
                                for (int n2 = 0; n2 < N; ++n2)
                                    family.properties.values.insert(family.properties.values.end(),
                                                                    {setup.species()[a1], setup.species()[a2], l1, l2, n1, n2});
                        }
                    }
                }
            }
            if (family.n_properties > 0) families_.push_back(std::move(family));
        }
    }
}

void LambdaSoap::couple(const Family& family, const double* first, const double* second, double* out,
                        int first_channel, int second_channel) const {
    const int N = setup_.n_radial(), row = setup_.row_size();
    const size_t width = family.n_properties;
    for (const Group& group : family.groups) {
        if (first_channel >= 0 && group.a1 != first_channel) continue;
        if (second_channel >= 0 && group.a2 != second_channel) continue;
        for (const auto& entry : group.cg->nonzero) {
            const double* x = first + static_cast<size_t>(group.l1 * group.l1 + entry.m1) * row + group.a1 * N;
            const double* y = second + static_cast<size_t>(group.l2 * group.l2 + entry.m2) * row + group.a2 * N;
            double* target = out + entry.mu * width + group.offset;
            for (int n1 = 0; n1 < N; ++n1) {
                const double xv = entry.value * x[n1];
                double* t = target + n1 * N;
                for (int n2 = 0; n2 < N; ++n2) t[n2] += xv * y[n2];
            }
        }
    }
}

namespace {

class LambdaSoapKernel : public DescriptorKernel {
public:
    LambdaSoapKernel(const ExpansionSetup& setup, int max_lambda) : setup_(setup), soap_(setup, max_lambda) {
        for (const auto& f : soap_.families()) {
            BlockFamily family;
            family.key_prefix = {f.lambda, f.sigma};
            family.components = 2 * f.lambda + 1;
            family.properties = f.properties;
            families_.push_back(std::move(family));
        }
    }
    std::vector<std::string> key_names() const override { return {"o3_lambda", "o3_sigma", "center_type"}; }
    const std::vector<BlockFamily>& families() const override { return families_; }

    struct Scratch : Workspace {
        std::vector<double> dense, compact;
    };
    std::unique_ptr<Workspace> make_workspace() const override { return std::make_unique<Scratch>(); }

    void compute(const CentreNeighbourhood& nh, const CentreExpansion& e, const CentreOutputs& out,
                 Workspace& workspace) const override {
        auto& ws = static_cast<Scratch&>(workspace);
        const auto& fams = soap_.families();
        const double* c = e.values.data();
        for (size_t f = 0; f < fams.size(); ++f) {
            std::fill(out.values[f], out.values[f] + families_[f].width(), 0.0);
            soap_.couple(fams[f], c, c, out.values[f]);
        }
        if (out.positions.empty() || out.positions[0] == nullptr) return;
        const int N = setup_.n_radial(), n_lm = setup_.n_lm(), row = setup_.row_size();
        const size_t plane = static_cast<size_t>(n_lm) * row;
        ws.dense.resize(3 * plane);
        ws.compact.resize(static_cast<size_t>(3) * n_lm * N);
        for (int s = 0; s < nh.n_slots(); ++s) {
            const int channel = slot_expansion_gradient(setup_, nh, e, s, ws.compact, ws.dense.data());
            for (size_t f = 0; f < fams.size(); ++f) {
                const size_t width = families_[f].width();
                double* slot_out = out.positions[f] + static_cast<size_t>(s) * 3 * width;
                std::fill(slot_out, slot_out + 3 * width, 0.0);
                for (int d = 0; d < 3; ++d) {
                    const double* dc = ws.dense.data() + d * plane;
                    soap_.couple(fams[f], dc, c, slot_out + d * width, channel, -1);
                    soap_.couple(fams[f], c, dc, slot_out + d * width, -1, channel);
                }
            }
        }
    }

private:
    const ExpansionSetup& setup_;
    LambdaSoap soap_;
    std::vector<BlockFamily> families_;
};

}  // namespace

std::unique_ptr<DescriptorKernel> make_lambda_soap_kernel(const ExpansionSetup& setup, int max_lambda) {
    return std::make_unique<LambdaSoapKernel>(setup, max_lambda);
}

}  // namespace hamd
