// Kernels of the spherical expansion and the power spectrum.
#include "core/descriptors/kernels.hpp"

#include <algorithm>

#include "core/math/dense_kernels.hpp"
#include "core/descriptors/soap/power_spectrum.hpp"

namespace hamd {

namespace {

std::vector<std::string> invariant_key_names() { return {"o3_lambda", "o3_sigma", "center_type"}; }

// Blocks (l, 1, center_type, neighbor_type), components [o3_mu], properties (n).
class SphericalExpansionKernel : public DescriptorKernel {
public:
    explicit SphericalExpansionKernel(const ExpansionSetup& setup) : setup_(setup) {
        Labels radial;
        radial.names = {"n"};
        for (int n = 0; n < setup.n_radial(); ++n) radial.values.push_back(n);
        for (int l = 0; l <= setup.max_angular(); ++l) {
            for (int a = 0; a < setup.n_species(); ++a) {
                BlockFamily family;
                family.key_prefix = {l, 1};
                family.key_suffix = {setup.species()[a]};
                family.components = 2 * l + 1;
                family.properties = radial;
                family.gradient_channel = a;
                families_.push_back(std::move(family));
            }
        }
    }
    std::vector<std::string> key_names() const override { return {"o3_lambda", "o3_sigma", "center_type", "neighbor_type"}; }
    const std::vector<BlockFamily>& families() const override { return families_; }

    struct Scratch : Workspace {
        std::vector<double> dense, slot;
        std::vector<double*> cursor;
        std::vector<int> slots_of_channel;
    };
    std::unique_ptr<Workspace> make_workspace() const override { return std::make_unique<Scratch>(); }

    void compute(const CentreNeighbourhood& nh, const CentreExpansion& e, const CentreOutputs& out,
                 Workspace& workspace) const override {
        auto& ws = static_cast<Scratch&>(workspace);
        const int L = setup_.max_angular(), N = setup_.n_radial(), S = setup_.n_species();
        const int n_lm = setup_.n_lm(), row = setup_.row_size();
        auto family = [S](int l, int a) { return l * S + a; };
        // Copies (m, n) of channel a at l from a (lm, row)-layout array into [m][n].
        auto copy_l = [&](const double* source, int l, int a, double* target) {
            for (int m = 0; m < 2 * l + 1; ++m) {
                const double* from = source + static_cast<size_t>(l * l + m) * row + a * N;
                std::copy(from, from + N, target + m * N);
            }
        };
        for (int l = 0; l <= L; ++l)
            for (int a = 0; a < S; ++a) copy_l(e.values.data(), l, a, out.values[family(l, a)]);

        if (out.position_gradients && nh.n_slots() > 0) {
            const size_t plane = static_cast<size_t>(n_lm) * row;
            ws.dense.resize(3 * plane);
            centre_expansion_gradient(setup_, nh, e, ws.dense.data());
            ws.slots_of_channel.assign(S, 0);
            for (int s = 0; s < nh.n_slots(); ++s)
                if (s != nh.centre_slot) ++ws.slots_of_channel[nh.slot_channel[s]];
            ws.cursor.assign(out.positions.begin(), out.positions.end());
            ws.slot.resize(static_cast<size_t>(3) * n_lm * N);
            for (int s = 0; s < nh.n_slots(); ++s) {
                if (s == nh.centre_slot) {
                    for (int a = 0; a < S; ++a) {
                        if (ws.slots_of_channel[a] == 0) continue;
                        for (int l = 0; l <= L; ++l) {
                            double*& target = ws.cursor[family(l, a)];
                            for (int d = 0; d < 3; ++d) copy_l(ws.dense.data() + d * plane, l, a, target + d * (2 * l + 1) * N);
                            target += 3 * (2 * l + 1) * N;
                        }
                    }
                    continue;
                }
                std::fill(ws.slot.begin(), ws.slot.end(), 0.0);
                for (int k = nh.slot_pair_offsets[s]; k < nh.slot_pair_offsets[s + 1]; ++k) {
                    pair_expansion_gradient(setup_, e, nh.slot_pairs[k], ws.slot.data(), true);
                }
                const int a = nh.slot_channel[s];
                for (int l = 0; l <= L; ++l) {
                    double*& target = ws.cursor[family(l, a)];
                    for (int d = 0; d < 3; ++d) {
                        const double* from = ws.slot.data() + (static_cast<size_t>(d) * n_lm + l * l) * N;
                        std::copy(from, from + (2 * l + 1) * N, target + d * (2 * l + 1) * N);
                    }
                    target += 3 * (2 * l + 1) * N;
                }
            }
        }
        if (out.cell[0] != nullptr) {
            const size_t plane = static_cast<size_t>(n_lm) * row;
            ws.dense.resize(9 * plane);
            cell_expansion_gradient(setup_, nh, e, out.inverse_cell, ws.dense.data());
            for (int l = 0; l <= L; ++l) {
                for (int a = 0; a < S; ++a) {
                    double* target = out.cell[family(l, a)];
                    for (int ab = 0; ab < 9; ++ab) copy_l(ws.dense.data() + ab * plane, l, a, target + ab * (2 * l + 1) * N);
                }
            }
        }
    }

private:
    const ExpansionSetup& setup_;
    std::vector<BlockFamily> families_;
};

// One block per centre type: (0, 1, center_type).
class PowerSpectrumKernel : public DescriptorKernel {
public:
    explicit PowerSpectrumKernel(const ExpansionSetup& setup) : power_spectrum_(setup) {
        BlockFamily family;
        family.key_prefix = {0, 1};
        family.properties = power_spectrum_.properties();
        families_.push_back(std::move(family));
    }
    std::vector<std::string> key_names() const override { return invariant_key_names(); }
    const std::vector<BlockFamily>& families() const override { return families_; }

    struct Scratch : Workspace {
        PowerSpectrum::Workspace inner;
    };
    std::unique_ptr<Workspace> make_workspace() const override { return std::make_unique<Scratch>(); }

    void compute(const CentreNeighbourhood& nh, const CentreExpansion& e, const CentreOutputs& out,
                 Workspace& workspace) const override {
        auto& ws = static_cast<Scratch&>(workspace).inner;
        ws.values.resize(power_spectrum_.n_properties());
        power_spectrum_.values(e.values.data(), ws, ws.values.data());
        stream_copy(out.values[0], ws.values.data(), ws.values.size());
        if (out.positions[0] != nullptr) power_spectrum_.position_gradients(nh, e, ws, out.positions[0]);
        if (out.cell[0] != nullptr) power_spectrum_.cell_gradients(nh, e, out.inverse_cell, ws, out.cell[0]);
    }

private:
    PowerSpectrum power_spectrum_;
    std::vector<BlockFamily> families_;
};

}  // namespace

std::unique_ptr<DescriptorKernel> make_spherical_expansion_kernel(const ExpansionSetup& setup) {
    return std::make_unique<SphericalExpansionKernel>(setup);
}

std::unique_ptr<DescriptorKernel> make_power_spectrum_kernel(const ExpansionSetup& setup) {
    return std::make_unique<PowerSpectrumKernel>(setup);
}

}  // namespace hamd
