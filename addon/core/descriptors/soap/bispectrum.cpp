#include "core/descriptors/soap/bispectrum.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <tuple>

#include "core/descriptors/kernels.hpp"

namespace hamd {

Bispectrum::Bispectrum(const ExpansionSetup& setup) : setup_(setup) {
    const int S = setup.n_species(), L = setup.max_angular(), N = setup.n_radial();
    properties_.names = {"neighbor_1_type", "neighbor_2_type", "neighbor_3_type", "l_1", "l_2", "l_3", "n_1", "n_2", "n_3"};
    std::map<std::tuple<int, int, int, int, int>, size_t> index;  // (a1, l1, a2, l2, l3) -> coupling
    const auto& z = setup.species();
    for (int a1 = 0; a1 < S; ++a1)
        for (int a2 = a1; a2 < S; ++a2)
            for (int a3 = a2; a3 < S; ++a3)
                for (int l1 = 0; l1 <= L; ++l1)
                    for (int l2 = (a1 == a2 ? l1 : 0); l2 <= L; ++l2)
                        for (int l3 = (a2 == a3 ? l2 : 0); l3 <= L; ++l3) {
                            if (l3 < std::abs(l1 - l2) || l3 > l1 + l2 || (l1 + l2 + l3) % 2 != 0) continue;
                            auto key = std::make_tuple(a1, l1, a2, l2, l3);
                            auto found = index.find(key);
                            if (found == index.end()) {
                                found = index.emplace(key, couplings_.size()).first;
                                couplings_.push_back({a1, l1, a2, l2, l3, real_clebsch_gordan(l1, l2, l3), {}});
                            }
                            couplings_[found->second].thirds.emplace_back(a3, n_properties_);
                            n_properties_ += static_cast<size_t>(N) * N * N;
                            for (int n1 = 0; n1 < N; ++n1)
                                for (int n2 = 0; n2 < N; ++n2)
                                    for (int n3 = 0; n3 < N; ++n3)
                                        properties_.values.insert(properties_.values.end(),
                                                                  {z[a1], z[a2], z[a3], l1, l2, l3, n1, n2, n3});
                        }
}

void Bispectrum::triple(const double* first, const double* second, const double* third, double* out,
                        std::vector<double>& scratch, int first_channel, int second_channel, int third_channel) const {
    const int N = setup_.n_radial(), row = setup_.row_size();
    const int NN = N * N;
    for (const Coupling& k : couplings_) {
        if (first_channel >= 0 && k.a1 != first_channel) continue;
        if (second_channel >= 0 && k.a2 != second_channel) continue;
        if (third_channel >= 0 &&
            std::none_of(k.thirds.begin(), k.thirds.end(), [&](const auto& t) { return t.first == third_channel; })) {
            continue;
        }
        // X[mu][n1 n2] = sum C^{l3 mu}_{l1 m1, l2 m2} first[l1 m1][a1 n1] second[l2 m2][a2 n2]
        const int n_mu = 2 * k.l3 + 1;
        scratch.assign(static_cast<size_t>(n_mu) * NN, 0.0);
        for (const auto& entry : k.cg->nonzero) {
            const double* x = first + static_cast<size_t>(k.l1 * k.l1 + entry.m1) * row + k.a1 * N;
            const double* y = second + static_cast<size_t>(k.l2 * k.l2 + entry.m2) * row + k.a2 * N;
            double* target = scratch.data() + entry.mu * NN;
            for (int n1 = 0; n1 < N; ++n1) {
                const double xv = entry.value * x[n1];
                for (int n2 = 0; n2 < N; ++n2) target[n1 * N + n2] += xv * y[n2];
            }
        }
        // coupling with rho_{l3} to lambda = 0: (-1)^l3 / sqrt(2 l3 + 1) sum_mu X[mu] third[l3 mu]
        const double f = (k.l3 % 2 ? -1.0 : 1.0) / std::sqrt(2.0 * k.l3 + 1.0);
        for (const auto& [a3, offset] : k.thirds) {
            if (third_channel >= 0 && a3 != third_channel) continue;
            double* target = out + offset;
            for (int mu = 0; mu < n_mu; ++mu) {
                const double* z = third + static_cast<size_t>(k.l3 * k.l3 + mu) * row + a3 * N;
                const double* x = scratch.data() + mu * NN;
                for (int n12 = 0; n12 < NN; ++n12) {
                    const double xf = f * x[n12];
                    double* t = target + n12 * N;
                    for (int n3 = 0; n3 < N; ++n3) t[n3] += xf * z[n3];
                }
            }
        }
    }
}

namespace {

class BispectrumKernel : public DescriptorKernel {
public:
    explicit BispectrumKernel(const ExpansionSetup& setup) : setup_(setup), bispectrum_(setup) {
        BlockFamily family;
        family.key_prefix = {0, 1};
        family.properties = bispectrum_.properties();
        families_.push_back(std::move(family));
    }
    std::vector<std::string> key_names() const override { return {"o3_lambda", "o3_sigma", "center_type"}; }
    const std::vector<BlockFamily>& families() const override { return families_; }

    struct Scratch : Workspace {
        std::vector<double> dense, compact, coupled;
    };
    std::unique_ptr<Workspace> make_workspace() const override { return std::make_unique<Scratch>(); }

    void compute(const CentreNeighbourhood& nh, const CentreExpansion& e, const CentreOutputs& out,
                 Workspace& workspace) const override {
        auto& ws = static_cast<Scratch&>(workspace);
        const double* c = e.values.data();
        const size_t width = bispectrum_.n_properties();
        std::fill(out.values[0], out.values[0] + width, 0.0);
        bispectrum_.triple(c, c, c, out.values[0], ws.coupled);
        if (out.positions[0] == nullptr) return;
        // d B = B(dc, c, c) + B(c, dc, c) + B(c, c, dc), dc non-zero in one channel for a neighbour.
        const int N = setup_.n_radial(), n_lm = setup_.n_lm(), row = setup_.row_size();
        const size_t plane = static_cast<size_t>(n_lm) * row;
        ws.dense.resize(3 * plane);
        ws.compact.resize(static_cast<size_t>(3) * n_lm * N);
        for (int s = 0; s < nh.n_slots(); ++s) {
            const int channel = slot_expansion_gradient(setup_, nh, e, s, ws.compact, ws.dense.data());
            double* slot_out = out.positions[0] + static_cast<size_t>(s) * 3 * width;
            std::fill(slot_out, slot_out + 3 * width, 0.0);
            for (int d = 0; d < 3; ++d) {
                const double* dc = ws.dense.data() + d * plane;
                double* target = slot_out + d * width;
                bispectrum_.triple(dc, c, c, target, ws.coupled, channel, -1, -1);
                bispectrum_.triple(c, dc, c, target, ws.coupled, -1, channel, -1);
                bispectrum_.triple(c, c, dc, target, ws.coupled, -1, -1, channel);
            }
        }
    }

private:
    const ExpansionSetup& setup_;
    Bispectrum bispectrum_;
    std::vector<BlockFamily> families_;
};

}  // namespace

std::unique_ptr<DescriptorKernel> make_bispectrum_kernel(const ExpansionSetup& setup) {
    return std::make_unique<BispectrumKernel>(setup);
}

}  // namespace hamd
