#include "core/descriptors/soap/linear_power_spectrum.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/base/errors.hpp"
#include "core/descriptors/layout.hpp"
#include "core/descriptors/soap/power_spectrum.hpp"

namespace hamd {

namespace {

// Centres per chunk: at least 16 (work worth a thread), at most 256 chunks (feature sums are kept
// per chunk); it depends only on the atom count, so results do not depend on the pool's size.
size_t centres_per_chunk(size_t n) { return std::max<size_t>(16, (n + 255) / 256); }

// Feature sums of one chunk of centres; summed in chunk order afterwards.
struct ChunkSums {
    std::vector<std::vector<double>> features;
};

}  // namespace

LinearPowerSpectrum::LinearPowerSpectrum(const ExpansionSetup& setup, const std::vector<std::vector<double>>& weights)
    : setup_(setup), n_properties_(PowerSpectrum(setup).n_properties()) {
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

void LinearPowerSpectrum::evaluate(const System& system, const NeighborList& list, bool forces, bool feature_sums,
                                   ThreadPool& pool, const std::atomic<bool>* cancel, Result& result) const {
    const size_t n = system.size();
    // The list must be this structure's (the engine checks its own callers' lists the same way).
    bool consistent = list.centre_offsets.size() == n + 1 && list.centre_offsets.back() == list.pairs.size();
    for (size_t i = 0; consistent && i < n; ++i)
        for (size_t k = list.centre_offsets[i]; consistent && k < list.centre_offsets[i + 1]; ++k)
            consistent = list.pairs[k].first == static_cast<int32_t>(i) && list.pairs[k].second >= 0 &&
                         static_cast<size_t>(list.pairs[k].second) < n;
    if (!consistent) throw InvalidArgument("neighbour list does not match the structure");
    const int S = setup_.n_species(), N = setup_.n_radial(), L = setup_.max_angular(), row = setup_.row_size();
    const int n_lm = setup_.n_lm(), n_ln = (L + 1) * N;
    result.energies.assign(n, 0.0);
    result.forces.assign(forces ? 3 * n : 0, 0.0);
    result.strain_derivative.fill(0.0);
    result.feature_sums.assign(feature_sums ? S : 0, std::vector<double>(feature_sums ? n_properties_ : 0, 0.0));
    const size_t per_chunk = centres_per_chunk(n);
    const size_t n_chunks = (n + per_chunk - 1) / per_chunk;
    std::vector<ChunkSums> chunks(n_chunks);
    const PowerSpectrum spectrum(setup_);
    // dE_i/d(vector) of every pair, at the pair's index in the list; forces and the virial are
    // summed from it afterwards in list order (deterministic, memory of the list's size).
    std::vector<double> pair_gradient(forces ? 3 * list.pairs.size() : 0, 0.0);

    pool.parallel_for(n_chunks, [&](size_t chunk) {
        ChunkSums& sums = chunks[chunk];
        if (feature_sums) sums.features.assign(S, std::vector<double>(n_properties_, 0.0));
        CentreNeighbourhood nh;
        CentreExpansion e;
        PowerSpectrum::Workspace ws;
        std::vector<double> adjoint(static_cast<size_t>(n_lm) * row), t(static_cast<size_t>(4) * N);
        const size_t end = std::min(n, (chunk + 1) * per_chunk);
        for (size_t i = chunk * per_chunk; i < end; ++i) {
            check_cancel(cancel);
            const int c = setup_.channel(system.types[i]);
            if (c < 0 || symmetric_[c].empty()) continue;
            collect_neighbourhood(setup_, system, list, static_cast<int32_t>(i), nh);
            compute_expansion(setup_, nh, forces, e);
            if (feature_sums) {
                ws.values.resize(n_properties_);
                spectrum.values(e.values.data(), ws, ws.values.data());
                for (size_t k = 0; k < n_properties_; ++k) sums.features[c][k] += ws.values[k];
            }
            // Lambda_l = C_l S_l; E_i = 1/2 <C, Lambda>.
            double energy = 0;
            for (int l = 0; l <= L; ++l) {
                const double* Sl = symmetric_[c][l].data();
                for (int m = 0; m < 2 * l + 1; ++m) {
                    const double* cm = e.values.data() + static_cast<size_t>(l * l + m) * row;
                    double* out = adjoint.data() + static_cast<size_t>(l * l + m) * row;
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
            result.energies[i] = 0.5 * energy;
            if (!forces) continue;
            // Per pair p (channel a): g_d = sum_{l n} dR_ln u_d (sum_m Lambda[lm, a n] Y_lm)
            //                              + R_ln (sum_m Lambda[lm, a n] dY_lm,d).
            for (size_t p = 0; p < nh.pairs.size(); ++p) {
                const int a = nh.channel[p];
                const double* Y = e.harmonics.data() + p * n_lm;
                const double* dY = e.harmonic_gradients.data() + p * 3 * n_lm;
                const double* R = e.radial.data() + p * n_ln;
                const double* dR = e.radial_derivative.data() + p * n_ln;
                const double* u = e.direction.data() + 3 * p;
                double radial_part = 0, g[3] = {0, 0, 0};
                for (int l = 0; l <= L; ++l) {
                    std::fill(t.begin(), t.end(), 0.0);  // t[0]: sum_m Lambda Y; t[1 + d]: sum_m Lambda dY_d
                    for (int m = 0; m < 2 * l + 1; ++m) {
                        const int lm = l * l + m;
                        const double* lam = adjoint.data() + static_cast<size_t>(lm) * row + a * N;
                        const double y0 = Y[lm], y1 = dY[lm], y2 = dY[n_lm + lm], y3 = dY[2 * n_lm + lm];
                        for (int k = 0; k < N; ++k) {
                            t[k] += lam[k] * y0;
                            t[N + k] += lam[k] * y1;
                            t[2 * N + k] += lam[k] * y2;
                            t[3 * N + k] += lam[k] * y3;
                        }
                    }
                    const double* Rl = R + l * N;
                    const double* dRl = dR + l * N;
                    for (int k = 0; k < N; ++k) {
                        radial_part += dRl[k] * t[k];
                        g[0] += Rl[k] * t[N + k];
                        g[1] += Rl[k] * t[2 * N + k];
                        g[2] += Rl[k] * t[3 * N + k];
                    }
                }
                double* out = pair_gradient.data() + 3 * static_cast<size_t>(nh.pairs[p] - list.pairs.data());
                for (int d = 0; d < 3; ++d) out[d] = g[d] + radial_part * u[d];
            }
        }
    });
    check_cancel(cancel);
    if (forces) {
        // vector_p = r_j - r_i (+ shift): E rises by g . dr_j and falls by g . dr_i.
        for (size_t k = 0; k < list.pairs.size(); ++k) {
            const double* g = pair_gradient.data() + 3 * k;
            if (g[0] == 0.0 && g[1] == 0.0 && g[2] == 0.0) continue;
            const Pair& pair = list.pairs[k];
            const size_t i = static_cast<size_t>(pair.first), j = static_cast<size_t>(pair.second);
            for (int d = 0; d < 3; ++d) {
                result.forces[3 * j + d] -= g[d];
                result.forces[3 * i + d] += g[d];
            }
            for (int x = 0; x < 3; ++x)
                for (int d = 0; d < 3; ++d) result.strain_derivative[3 * x + d] += pair.vector[x] * g[d];
        }
    }
    for (const ChunkSums& sums : chunks) {
        for (size_t c = 0; c < sums.features.size(); ++c)
            for (size_t k = 0; k < n_properties_; ++k) result.feature_sums[c][k] += sums.features[c][k];
    }
}

}  // namespace hamd
