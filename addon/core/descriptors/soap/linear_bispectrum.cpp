#include "core/descriptors/soap/linear_bispectrum.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/base/errors.hpp"

namespace hamd {

LinearBispectrum::LinearBispectrum(const ExpansionSetup& setup, const std::vector<std::vector<double>>& weights)
    : setup_(setup), bispectrum_(setup) {
    const int S = setup.n_species(), N = setup.n_radial();
    const size_t P = bispectrum_.n_properties(), NNN = static_cast<size_t>(N) * N * N;
    if (weights.size() != static_cast<size_t>(S))
        throw InvalidArgument("linear bispectrum: " + std::to_string(weights.size()) + " weight vectors for " +
                              std::to_string(S) + " species");
    scaled_.resize(S);
    for (int c = 0; c < S; ++c) {
        if (weights[c].empty()) continue;
        if (weights[c].size() != P)
            throw InvalidArgument("linear bispectrum: " + std::to_string(weights[c].size()) + " weights for " +
                                  std::to_string(P) + " properties");
        scaled_[c].assign(P, 0.0);
        for (const Bispectrum::Coupling& k : bispectrum_.couplings()) {
            const double f = (k.l3 % 2 ? -1.0 : 1.0) / std::sqrt(2.0 * k.l3 + 1.0);
            for (const auto& third : k.thirds)
                for (size_t q = third.second; q < third.second + NNN; ++q) scaled_[c][q] = f * weights[c][q];
        }
    }
}

double LinearBispectrum::centre(int channel, const double* c, double* adjoint, double* features,
                                Workspace& workspace) const {
    Scratch& ws = static_cast<Scratch&>(workspace);
    const int N = setup_.n_radial(), row = setup_.row_size(), NN = N * N;
    if (features) {
        std::fill(features, features + bispectrum_.n_properties(), 0.0);
        bispectrum_.triple(c, c, c, features, ws.coupled);
    }
    if (adjoint) std::fill(adjoint, adjoint + static_cast<size_t>(setup_.n_lm()) * row, 0.0);
    const double* weights = scaled_[channel].data();
    double energy = 0;
    for (const Bispectrum::Coupling& k : bispectrum_.couplings()) {
        const int n_mu = 2 * k.l3 + 1;
        // X[mu][n1 n2], as in Bispectrum::triple.
        ws.X.assign(static_cast<size_t>(n_mu) * NN, 0.0);
        for (const auto& entry : k.cg->nonzero) {
            const double* x = c + static_cast<size_t>(k.l1 * k.l1 + entry.m1) * row + k.a1 * N;
            const double* y = c + static_cast<size_t>(k.l2 * k.l2 + entry.m2) * row + k.a2 * N;
            double* target = ws.X.data() + entry.mu * NN;
            for (int n1 = 0; n1 < N; ++n1) {
                const double xv = entry.value * x[n1];
                for (int n2 = 0; n2 < N; ++n2) target[n1 * N + n2] += xv * y[n2];
            }
        }
        // G[mu][n1 n2] over the thirds, and the third factor's share of Lambda.
        ws.G.assign(static_cast<size_t>(n_mu) * NN, 0.0);
        for (const auto& [a3, offset] : k.thirds) {
            const double* W = weights + offset;
            for (int mu = 0; mu < n_mu; ++mu) {
                const size_t lm = static_cast<size_t>(k.l3 * k.l3 + mu);
                const double* z = c + lm * row + a3 * N;
                const double* x = ws.X.data() + mu * NN;
                double* g = ws.G.data() + mu * NN;
                for (int n12 = 0; n12 < NN; ++n12) {
                    const double* w = W + static_cast<size_t>(n12) * N;
                    double s = 0;
                    for (int n3 = 0; n3 < N; ++n3) s += w[n3] * z[n3];
                    g[n12] += s;
                }
                if (!adjoint) continue;
                double* lam = adjoint + lm * row + a3 * N;
                for (int n12 = 0; n12 < NN; ++n12) {
                    const double* w = W + static_cast<size_t>(n12) * N;
                    const double xv = x[n12];
                    for (int n3 = 0; n3 < N; ++n3) lam[n3] += xv * w[n3];
                }
            }
        }
        for (size_t q = 0; q < ws.G.size(); ++q) energy += ws.X[q] * ws.G[q];
        if (!adjoint) continue;
        // The first and second factors' shares.
        for (const auto& entry : k.cg->nonzero) {
            const size_t lm1 = static_cast<size_t>(k.l1 * k.l1 + entry.m1), lm2 = static_cast<size_t>(k.l2 * k.l2 + entry.m2);
            const double* x = c + lm1 * row + k.a1 * N;
            const double* y = c + lm2 * row + k.a2 * N;
            double* lam1 = adjoint + lm1 * row + k.a1 * N;
            double* lam2 = adjoint + lm2 * row + k.a2 * N;
            const double* g = ws.G.data() + entry.mu * NN;
            for (int n1 = 0; n1 < N; ++n1) {
                const double* gr = g + n1 * N;
                const double xv = entry.value * x[n1];
                double s = 0;
                for (int n2 = 0; n2 < N; ++n2) {
                    s += gr[n2] * y[n2];
                    lam2[n2] += xv * gr[n2];
                }
                lam1[n1] += entry.value * s;
            }
        }
    }
    return energy;
}

void LinearBispectrum::evaluate(const System& system, const NeighborList& list, bool forces, bool feature_sums,
                                ThreadPool& pool, const std::atomic<bool>* cancel, Result& result, const uint8_t* contributing) const {
    evaluate_linear(setup_, *this, system, list, forces, feature_sums, pool, cancel, result, contributing);
}

}  // namespace hamd
