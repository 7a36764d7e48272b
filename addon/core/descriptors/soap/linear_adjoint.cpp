#include "core/descriptors/soap/linear_adjoint.hpp"

#include <algorithm>

#include "core/base/errors.hpp"
#include "core/descriptors/layout.hpp"

namespace hamd {

namespace {

// Centres per chunk: at least 16 (work worth a thread), at most 256 chunks (feature sums are kept
// per chunk); it depends only on the atom count, so results do not depend on the pool's size.
size_t centres_per_chunk(size_t n) { return std::max<size_t>(16, (n + 255) / 256); }

// dE_i/d(vector_p) of every kept pair of one centre, from its adjoint, written at the pairs'
// list indices. `t` is scratch of 4 N.
void pair_gradients(const ExpansionSetup& setup, const CentreNeighbourhood& nh, const CentreExpansion& e,
                    const double* adjoint, const Pair* first_pair, double* pair_gradient, std::vector<double>& t) {
    const int N = setup.n_radial(), L = setup.max_angular(), row = setup.row_size();
    const int n_lm = setup.n_lm(), n_ln = (L + 1) * N;
    t.resize(static_cast<size_t>(4) * N);
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
                const double* lam = adjoint + static_cast<size_t>(lm) * row + a * N;
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
        double* out = pair_gradient + 3 * static_cast<size_t>(nh.pairs[p] - first_pair);
        for (int d = 0; d < 3; ++d) out[d] = g[d] + radial_part * u[d];
    }
}

}  // namespace

void evaluate_linear(const ExpansionSetup& setup, const LinearCentreTerm& term, const System& system,
                     const NeighborList& list, bool forces, bool feature_sums, ThreadPool& pool,
                     const std::atomic<bool>* cancel, LinearResult& result, const uint8_t* contributing) {
    const size_t n = system.size();
    // The list must be this structure's (the engine checks its own callers' lists the same way).
    bool consistent = list.centre_offsets.size() == n + 1 && list.centre_offsets.back() == list.pairs.size();
    for (size_t i = 0; consistent && i < n; ++i)
        for (size_t k = list.centre_offsets[i]; consistent && k < list.centre_offsets[i + 1]; ++k)
            consistent = list.pairs[k].first == static_cast<int32_t>(i) && list.pairs[k].second >= 0 &&
                         static_cast<size_t>(list.pairs[k].second) < n;
    if (!consistent) throw InvalidArgument("neighbour list does not match the structure");
    const int S = setup.n_species(), row = setup.row_size(), n_lm = setup.n_lm();
    const size_t P = term.n_properties();
    result.energies.assign(n, 0.0);
    result.forces.assign(forces ? 3 * n : 0, 0.0);
    result.strain_derivative.fill(0.0);
    result.feature_sums.assign(feature_sums ? S : 0, std::vector<double>(feature_sums ? P : 0, 0.0));
    const size_t per_chunk = centres_per_chunk(n);
    const size_t n_chunks = (n + per_chunk - 1) / per_chunk;
    // Feature sums per chunk, summed in chunk order afterwards.
    std::vector<std::vector<std::vector<double>>> chunk_sums(n_chunks);
    // dE_i/d(vector) of every pair, at the pair's index in the list; forces and the virial are
    // summed from it afterwards in list order (deterministic, memory of the list's size).
    std::vector<double> pair_gradient(forces ? 3 * list.pairs.size() : 0, 0.0);

    pool.parallel_for(n_chunks, [&](size_t chunk) {
        std::vector<std::vector<double>>& sums = chunk_sums[chunk];
        if (feature_sums) sums.assign(S, std::vector<double>(P, 0.0));
        CentreNeighbourhood nh;
        CentreExpansion e;
        std::unique_ptr<LinearCentreTerm::Workspace> ws = term.make_workspace();
        std::vector<double> adjoint(forces ? static_cast<size_t>(n_lm) * row : 0), features(feature_sums ? P : 0), t;
        const size_t end = std::min(n, (chunk + 1) * per_chunk);
        for (size_t i = chunk * per_chunk; i < end; ++i) {
            check_cancel(cancel);
            if (contributing && !contributing[i]) continue;
            const int c = setup.channel(system.types[i]);
            if (c < 0 || !term.has_weights(c)) continue;
            collect_neighbourhood(setup, system, list, static_cast<int32_t>(i), nh);
            compute_expansion(setup, nh, forces, e);
            result.energies[i] = term.centre(c, e.values.data(), forces ? adjoint.data() : nullptr,
                                             feature_sums ? features.data() : nullptr, *ws);
            if (feature_sums)
                for (size_t k = 0; k < P; ++k) sums[c][k] += features[k];
            if (forces) pair_gradients(setup, nh, e, adjoint.data(), list.pairs.data(), pair_gradient.data(), t);
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
    for (const auto& sums : chunk_sums)
        for (size_t c = 0; c < sums.size(); ++c)
            for (size_t k = 0; k < P; ++k) result.feature_sums[c][k] += sums[c][k];
}

}  // namespace hamd
