#include "core/descriptors/soap/linear_power_spectrum.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/base/errors.hpp"
#include "core/descriptors/soap/power_spectrum.hpp"

namespace hamd {

LinearPowerSpectrum::LinearPowerSpectrum(const ExpansionSetup& setup, const std::vector<std::vector<double>>& weights)
    : setup_(setup), spectrum_(setup), n_properties_(spectrum_.n_properties()) {
    const int S = setup.n_species(), N = setup.n_radial(), L = setup.max_angular(), row = setup.row_size();
    if (weights.size() != static_cast<size_t>(S))
        throw InvalidArgument("linear power spectrum: " + std::to_string(weights.size()) + " weight vectors for " +
                              std::to_string(S) + " species");
    // The power spectrum's own layout and factors: block (a1 <= a2, l) at a running offset,
    // (-1)^l / sqrt(2l+1), times sqrt(2) off the diagonal (power_spectrum.hpp).
    symmetric_.resize(S);
    for (int c = 0; c < S; ++c) {
        if (weights[c].empty()) continue;
        if (weights[c].size() != n_properties_)
            throw InvalidArgument("linear power spectrum: " + std::to_string(weights[c].size()) + " weights for " +
                                  std::to_string(n_properties_) + " properties");
        symmetric_[c].assign(L + 1, std::vector<double>(static_cast<size_t>(row) * row, 0.0));
        size_t offset = 0;
        for (int a1 = 0; a1 < S; ++a1)
            for (int a2 = a1; a2 < S; ++a2)
                for (int l = 0; l <= L; ++l, offset += static_cast<size_t>(N) * N) {
                    const double f = (l % 2 ? -1.0 : 1.0) / std::sqrt(2.0 * l + 1.0) * (a1 == a2 ? 1.0 : std::sqrt(2.0));
                    std::vector<double>& Sl = symmetric_[c][l];
                    for (int n1 = 0; n1 < N; ++n1)
                        for (int n2 = 0; n2 < N; ++n2) {
                            const double q = f * weights[c][offset + n1 * N + n2];
                            const size_t x = static_cast<size_t>(a1 * N + n1), y = static_cast<size_t>(a2 * N + n2);
                            Sl[x * row + y] += q;
                            Sl[y * row + x] += q;
                        }
                }
    }
}

double LinearPowerSpectrum::centre(int channel, const double* expansion, double* adjoint, double* features,
                                   Workspace& workspace) const {
    const int L = setup_.max_angular(), row = setup_.row_size();
    if (features) spectrum_.values(expansion, static_cast<Scratch&>(workspace).spectrum, features);
    // Lambda_l = C_l S_l; E_i = 1/2 <C, Lambda>. Without an adjoint asked, one row of it at a time.
    Scratch& ws = static_cast<Scratch&>(workspace);
    ws.row.resize(row);
    double energy = 0;
    for (int l = 0; l <= L; ++l) {
        const double* Sl = symmetric_[channel][l].data();
        for (int m = 0; m < 2 * l + 1; ++m) {
            const double* cm = expansion + static_cast<size_t>(l * l + m) * row;
            double* out = adjoint ? adjoint + static_cast<size_t>(l * l + m) * row : ws.row.data();
            for (int y = 0; y < row; ++y) out[y] = 0.0;
            for (int x = 0; x < row; ++x) {
                const double cx = cm[x];
                if (cx == 0.0) continue;
                const double* Sx = Sl + static_cast<size_t>(x) * row;
                for (int y = 0; y < row; ++y) out[y] += cx * Sx[y];
            }
            for (int y = 0; y < row; ++y) energy += cm[y] * out[y];
        }
    }
    return 0.5 * energy;
}

void LinearPowerSpectrum::evaluate(const System& system, const NeighborList& list, bool forces, bool feature_sums,
                                   ThreadPool& pool, const std::atomic<bool>* cancel, Result& result, const uint8_t* contributing) const {
    evaluate_linear(setup_, *this, system, list, forces, feature_sums, pool, cancel, result, contributing);
}

}  // namespace hamd
