#include "core/descriptors/triplet/triplet.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "core/math/clebsch_gordan.hpp"

namespace hamd {

namespace {

// One angular coupling (l1 x l2 -> l3, then with l3 to 0) and its overall factor.
struct AngularTriple {
    int l1, l2, l3;
    double factor;  // (-1)^l3 / sqrt(2 l3 + 1)
    std::shared_ptr<const CGBlock> cg;
};

class TripletKernel : public DescriptorKernel {
public:
    TripletKernel(const ExpansionSetup& setup, Nonlinearity f) : setup_(setup), f_(f) {
        const int S = setup.n_species(), L = setup.max_angular(), N = setup.n_radial();
        const size_t NNN = static_cast<size_t>(N) * N * N;
        for (int l1 = 0; l1 <= L; ++l1)
            for (int l2 = 0; l2 <= L; ++l2)
                for (int l3 = 0; l3 <= L; ++l3) {
                    if (l1 < std::abs(l2 - l3) || l1 > l2 + l3 || (l1 + l2 + l3) % 2 != 0) continue;
                    triples_.push_back({l1, l2, l3, (l3 % 2 ? -1.0 : 1.0) / std::sqrt(2.0 * l3 + 1.0),
                                        real_clebsch_gordan(l1, l2, l3)});
                }
        const int T = static_cast<int>(triples_.size());
        offset_.assign(static_cast<size_t>(S) * S * S * T, -1);
        adjoint_offset_.assign(offset_.size(), 0);
        Labels properties;
        properties.names = {"neighbor_1_type", "neighbor_2_type", "neighbor_3_type", "l_1", "l_2", "l_3", "n_1", "n_2", "n_3"};
        const auto& z = setup.species();
        for (int a1 = 0; a1 < S; ++a1)
            for (int a2 = 0; a2 < S; ++a2)
                for (int a3 = a2; a3 < S; ++a3)
                    for (int t = 0; t < T; ++t) {
                        const AngularTriple& k = triples_[t];
                        if (a2 == a3 && k.l2 > k.l3) continue;
                        offset_[index(a1, a2, a3, t)] = static_cast<long>(n_properties_);
                        adjoint_offset_[index(a1, a2, a3, t)] = adjoint_size_;
                        n_properties_ += NNN;
                        adjoint_size_ += NNN * (2 * k.l1 + 1);
                        for (int n1 = 0; n1 < N; ++n1)
                            for (int n2 = 0; n2 < N; ++n2)
                                for (int n3 = 0; n3 < N; ++n3)
                                    properties.values.insert(properties.values.end(),
                                                             {z[a1], z[a2], z[a3], k.l1, k.l2, k.l3, n1, n2, n3});
                    }
        BlockFamily family;
        family.key_prefix = {0, 1};
        family.properties = std::move(properties);
        families_.push_back(std::move(family));
    }

    std::vector<std::string> key_names() const override { return {"o3_lambda", "o3_sigma", "center_type"}; }
    const std::vector<BlockFamily>& families() const override { return families_; }

    struct Scratch : Workspace {
        CentreExpansion expansion;        // with pair data, when the engine's has none
        std::vector<double> adjoint;      // d T / d rho per property and m1
        std::vector<double> compact;      // d rho / d r_s of one slot
        std::vector<double> V, Vp, Vq;    // angular contractions [m1], [d][m1]
        std::vector<double> W, Wp, Wq;    // radial projections [n1], [d][n1]
    };
    std::unique_ptr<Workspace> make_workspace() const override { return std::make_unique<Scratch>(); }

    void compute(const CentreNeighbourhood& nh, const CentreExpansion& e, const CentreOutputs& out,
                 Workspace& workspace) const override {
        auto& ws = static_cast<Scratch&>(workspace);
        const int S = setup_.n_species(), L = setup_.max_angular(), N = setup_.n_radial();
        const int n_lm = setup_.n_lm(), n_ln = (L + 1) * N;
        const size_t width = n_properties_;
        const int M = static_cast<int>(nh.pairs.size());
        double* values = out.values[0];
        std::fill(values, values + width, 0.0);
        double* gradient = out.positions[0];
        const bool gradients = gradient != nullptr;
        // Per-pair harmonics and radial functions: the engine keeps them only for gradients.
        const CentreExpansion* pe = &e;
        if (!out.position_gradients) {
            compute_expansion(setup_, nh, true, ws.expansion);
            pe = &ws.expansion;
        }
        const double* rho = e.values.data();
        if (gradients) {
            std::fill(gradient, gradient + static_cast<size_t>(nh.n_slots()) * 3 * width, 0.0);
            ws.adjoint.assign(adjoint_size_, 0.0);
        }
        const int n_m = 2 * L + 1;
        ws.V.resize(n_m);
        ws.Vp.resize(3 * n_m);
        ws.Vq.resize(3 * n_m);
        ws.W.resize(N);
        ws.Wp.resize(3 * N);
        ws.Wq.resize(3 * N);
        for (int p = 0; p < M; ++p) {
            const int a2 = nh.channel[p], sp = nh.slot[p];
            const double* Yp = pe->harmonics.data() + static_cast<size_t>(p) * n_lm;
            const double* Rp = pe->radial.data() + static_cast<size_t>(p) * n_ln;
            for (int q = 0; q < M; ++q) {
                const int a3 = nh.channel[q], sq = nh.slot[q];
                if (a3 < a2) continue;  // kept as (k, j) with the types in order
                const double* Yq = pe->harmonics.data() + static_cast<size_t>(q) * n_lm;
                const double* Rq = pe->radial.data() + static_cast<size_t>(q) * n_ln;
                for (size_t t = 0; t < triples_.size(); ++t) {
                    if (offset_[index(0, a2, a3, t)] < 0) continue;  // the same for every a1
                    const AngularTriple& k = triples_[t];
                    const int w1 = 2 * k.l1 + 1;
                    // V[m1] = sum C^{l3 m3}_{l1 m1, l2 m2} Y_p[l2 m2] Y_q[l3 m3] (and its derivatives)
                    std::fill(ws.V.begin(), ws.V.begin() + w1, 0.0);
                    if (gradients) {
                        std::fill(ws.Vp.begin(), ws.Vp.end(), 0.0);
                        std::fill(ws.Vq.begin(), ws.Vq.end(), 0.0);
                    }
                    const int lm2 = k.l2 * k.l2, lm3 = k.l3 * k.l3;
                    for (const auto& entry : k.cg->nonzero) {
                        const double yp = Yp[lm2 + entry.m2], yq = Yq[lm3 + entry.mu];
                        ws.V[entry.m1] += entry.value * yp * yq;
                        if (!gradients) continue;
                        const double* dYp = pe->harmonic_gradients.data() + static_cast<size_t>(p) * 3 * n_lm;
                        const double* dYq = pe->harmonic_gradients.data() + static_cast<size_t>(q) * 3 * n_lm;
                        for (int d = 0; d < 3; ++d) {
                            ws.Vp[d * n_m + entry.m1] += entry.value * dYp[d * n_lm + lm2 + entry.m2] * yq;
                            ws.Vq[d * n_m + entry.m1] += entry.value * yp * dYq[d * n_lm + lm3 + entry.mu];
                        }
                    }
                    const double* rp = Rp + k.l2 * N;
                    const double* rq = Rq + k.l3 * N;
                    const double* drp = pe->radial_derivative.data() + static_cast<size_t>(p) * n_ln + k.l2 * N;
                    const double* drq = pe->radial_derivative.data() + static_cast<size_t>(q) * n_ln + k.l3 * N;
                    const double* up = gradients ? pe->direction.data() + 3 * p : nullptr;
                    const double* uq = gradients ? pe->direction.data() + 3 * q : nullptr;
                    for (int a1 = 0; a1 < S; ++a1) {
                        const size_t off = static_cast<size_t>(offset_[index(a1, a2, a3, t)]);
                        // W[n1] = factor sum_m1 V[m1] rho[a1 n1 l1 m1]
                        project(k, a1, rho, ws.V.data(), ws.W.data());
                        if (gradients) {
                            for (int d = 0; d < 3; ++d) {
                                project(k, a1, rho, ws.Vp.data() + d * n_m, ws.Wp.data() + d * N);
                                project(k, a1, rho, ws.Vq.data() + d * n_m, ws.Wq.data() + d * N);
                            }
                        }
                        double* adjoint = gradients ? ws.adjoint.data() + adjoint_offset_[index(a1, a2, a3, t)] : nullptr;
                        for (int n1 = 0; n1 < N; ++n1)
                            for (int n2 = 0; n2 < N; ++n2)
                                for (int n3 = 0; n3 < N; ++n3) {
                                    const size_t x = (static_cast<size_t>(n1) * N + n2) * N + n3;
                                    double D;
                                    values[off + x] += apply_nonlinearity(f_, ws.W[n1] * rp[n2] * rq[n3], &D);
                                    if (!gradients) continue;
                                    // chain rule through f: the two neighbour factors ...
                                    if (sp >= 0) {
                                        double* g = gradient + static_cast<size_t>(sp) * 3 * width + off + x;
                                        for (int d = 0; d < 3; ++d)
                                            g[d * width] += D * (ws.Wp[d * N + n1] * rp[n2] + ws.W[n1] * drp[n2] * up[d]) * rq[n3];
                                    }
                                    if (sq >= 0) {
                                        double* g = gradient + static_cast<size_t>(sq) * 3 * width + off + x;
                                        for (int d = 0; d < 3; ++d)
                                            g[d * width] += D * (ws.Wq[d * N + n1] * rq[n3] + ws.W[n1] * drq[n3] * uq[d]) * rp[n2];
                                    }
                                    // ... and d T / d rho[a1 n1 l1 m1], contracted with d rho below
                                    const double s = D * k.factor * rp[n2] * rq[n3];
                                    double* a = adjoint + x * w1;
                                    for (int m1 = 0; m1 < w1; ++m1) a[m1] += s * ws.V[m1];
                                }
                    }
                }
            }
        }
        if (!gradients || nh.n_slots() == 0) return;
        // The density's share: neighbour slot s moves only rho's channel of s.
        for (int s = 0; s < nh.n_slots(); ++s) {
            if (s == nh.centre_slot) continue;
            const int a1 = nh.slot_channel[s];
            ws.compact.assign(static_cast<size_t>(3) * n_lm * N, 0.0);
            for (int k = nh.slot_pair_offsets[s]; k < nh.slot_pair_offsets[s + 1]; ++k)
                pair_expansion_gradient(setup_, *pe, nh.slot_pairs[k], ws.compact.data(), true);
            double* g = gradient + static_cast<size_t>(s) * 3 * width;
            for (int a2 = 0; a2 < S; ++a2)
                for (int a3 = a2; a3 < S; ++a3)
                    for (size_t t = 0; t < triples_.size(); ++t) {
                        const long off = offset_[index(a1, a2, a3, t)];
                        if (off < 0) continue;
                        const AngularTriple& k = triples_[t];
                        const int w1 = 2 * k.l1 + 1;
                        const double* adjoint = ws.adjoint.data() + adjoint_offset_[index(a1, a2, a3, t)];
                        for (int n1 = 0; n1 < N; ++n1)
                            for (size_t n23 = 0; n23 < static_cast<size_t>(N) * N; ++n23) {
                                const size_t x = static_cast<size_t>(n1) * N * N + n23;
                                const double* a = adjoint + x * w1;
                                for (int d = 0; d < 3; ++d) {
                                    const double* drho = ws.compact.data() + (static_cast<size_t>(d) * n_lm + k.l1 * k.l1) * N + n1;
                                    double sum = 0;
                                    for (int m1 = 0; m1 < w1; ++m1) sum += a[m1] * drho[m1 * N];
                                    g[d * width + off + x] += sum;
                                }
                            }
                    }
        }
        // T depends on the neighbours' positions relative to the centre only.
        double* centre = gradient + static_cast<size_t>(nh.centre_slot) * 3 * width;
        for (int s = 0; s < nh.n_slots(); ++s) {
            if (s == nh.centre_slot) continue;
            const double* g = gradient + static_cast<size_t>(s) * 3 * width;
            for (size_t x = 0; x < 3 * width; ++x) centre[x] -= g[x];
        }
    }

private:
    size_t index(int a1, int a2, int a3, size_t t) const {
        const size_t S = setup_.n_species();
        return ((a1 * S + a2) * S + a3) * triples_.size() + t;
    }
    // W[n1] = factor sum_m1 V[m1] rho[(l1^2 + m1) row + a1 N + n1]
    void project(const AngularTriple& k, int a1, const double* rho, const double* V, double* W) const {
        const int N = setup_.n_radial(), row = setup_.row_size();
        std::fill(W, W + N, 0.0);
        for (int m1 = 0; m1 < 2 * k.l1 + 1; ++m1) {
            const double v = k.factor * V[m1];
            const double* r = rho + static_cast<size_t>(k.l1 * k.l1 + m1) * row + a1 * N;
            for (int n1 = 0; n1 < N; ++n1) W[n1] += v * r[n1];
        }
    }

    const ExpansionSetup& setup_;
    Nonlinearity f_;
    std::vector<AngularTriple> triples_;
    std::vector<long> offset_;            // (a1, a2, a3, triple) -> first property, -1 if not kept
    std::vector<size_t> adjoint_offset_;  // the same in the adjoint scratch
    size_t n_properties_ = 0, adjoint_size_ = 0;
    std::vector<BlockFamily> families_;
};

}  // namespace

std::unique_ptr<DescriptorKernel> make_triplet_kernel(const ExpansionSetup& setup, Nonlinearity nonlinearity) {
    return std::make_unique<TripletKernel>(setup, nonlinearity);
}

}  // namespace hamd
