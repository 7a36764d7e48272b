#include "core/descriptors/soap/power_spectrum.hpp"

#include <algorithm>
#include <cmath>

#include "core/math/dense_kernels.hpp"

namespace hamd {

PowerSpectrum::PowerSpectrum(const ExpansionSetup& setup)
    : setup_(setup),
      n_species_(setup.n_species()),
      n_radial_(setup.n_radial()),
      max_angular_(setup.max_angular()),
      pair_index_(static_cast<size_t>(setup.n_species()) * setup.n_species(), -1) {
    int count = 0;
    for (int a1 = 0; a1 < n_species_; ++a1)
        for (int a2 = a1; a2 < n_species_; ++a2) pair_index_[a1 * n_species_ + a2] = count++;
    n_properties_ = static_cast<size_t>(count) * (max_angular_ + 1) * n_radial_ * n_radial_;
    for (int l = 0; l <= max_angular_; ++l) factor_.push_back((l % 2 ? -1.0 : 1.0) / std::sqrt(2.0 * l + 1.0));
}

Labels PowerSpectrum::properties() const {
    Labels labels;
    labels.names = {"neighbor_1_type", "neighbor_2_type", "l", "n_1", "n_2"};
    labels.values.reserve(n_properties_ * 5);
    const auto& species = setup_.species();
    for (int a1 = 0; a1 < n_species_; ++a1)
        for (int a2 = a1; a2 < n_species_; ++a2)
            for (int l = 0; l <= max_angular_; ++l)
                for (int n1 = 0; n1 < n_radial_; ++n1)
                    for (int n2 = 0; n2 < n_radial_; ++n2)
                        labels.values.insert(labels.values.end(), {species[a1], species[a2], l, n1, n2});
    return labels;
}

void PowerSpectrum::values(const double* c, Workspace& ws, double* out) const {
    // Per (l, a1): one A^T B product gives the blocks (a1, a2) for every a2 >= a1 at once,
    // because the columns a2 >= a1 of C_l are contiguous.
    const int N = n_radial_, S = n_species_, row = setup_.row_size();
    ws.product.resize(static_cast<size_t>(N) * row);
    double* product = ws.product.data();
    for (int l = 0; l <= max_angular_; ++l) {
        const double* cl = c + static_cast<size_t>(l * l) * row;
        for (int a1 = 0; a1 < S; ++a1) {
            const int width = (S - a1) * N;
            gemm_tn(N, width, 2 * l + 1, 1.0, cl + a1 * N, row, cl + a1 * N, row, product, width);
            for (int a2 = a1; a2 < S; ++a2) {
                double* block = out + block_offset(a1, a2, l);
                const double f = factor(a1, a2, l);
                for (int n1 = 0; n1 < N; ++n1)
                    for (int n2 = 0; n2 < N; ++n2) block[n1 * N + n2] = f * product[n1 * width + (a2 - a1) * N + n2];
            }
        }
    }
}

void PowerSpectrum::dense_derivative(const double* c, const double* dc, Workspace& ws, double* out) const {
    // dP = f (M + M^T) restricted to the (a1, a2) blocks, with M = dC_l^T C_l.
    const int N = n_radial_, S = n_species_, row = setup_.row_size();
    ws.product.resize(static_cast<size_t>(row) * row);
    double* M = ws.product.data();
    for (int l = 0; l <= max_angular_; ++l) {
        const size_t offset = static_cast<size_t>(l * l) * row;
        gemm_tn(row, row, 2 * l + 1, 1.0, dc + offset, row, c + offset, row, M, row);
        for (int a1 = 0; a1 < S; ++a1) {
            for (int a2 = a1; a2 < S; ++a2) {
                double* block = out + block_offset(a1, a2, l);
                const double f = factor(a1, a2, l);
                for (int n1 = 0; n1 < N; ++n1) {
                    const int x = a1 * N + n1;
                    for (int n2 = 0; n2 < N; ++n2) {
                        const int y = a2 * N + n2;
                        block[n1 * N + n2] = f * (M[static_cast<size_t>(x) * row + y] + M[static_cast<size_t>(y) * row + x]);
                    }
                }
            }
        }
    }
}

namespace {

typedef double v4d __attribute__((vector_size(32), aligned(8), may_alias));

// target[i][j] (+)= f (a_i x_j + b_i y_j) for an N x N block (ASSIGN: overwrite). For N a multiple of 4 the
// rows are explicit 4-wide vectors (keeps the auto-vectoriser from transposing loops).
template <int NT, bool ASSIGN>
HAMD_ALWAYS_INLINE void rank2_block(int n, double* target, double f, const double* a, const double* x, const double* b,
                                    const double* y) {
    if constexpr (NT > 0 && NT % 4 == 0) {
        constexpr int V = NT / 4;
        v4d xv[V], yv[V];
        for (int k = 0; k < V; ++k) {
            xv[k] = *reinterpret_cast<const v4d*>(x + 4 * k) * f;
            yv[k] = *reinterpret_cast<const v4d*>(y + 4 * k) * f;
        }
        for (int i = 0; i < NT; ++i) {
            v4d* row = reinterpret_cast<v4d*>(target + i * NT);
            const double ai = a[i], bi = b[i];
            for (int k = 0; k < V; ++k) {
                if (ASSIGN) row[k] = ai * xv[k] + bi * yv[k];
                else row[k] += ai * xv[k] + bi * yv[k];
            }
        }
    } else {
        const int N = NT > 0 ? NT : n;
        for (int i = 0; i < N; ++i) {
            const double ai = f * a[i], bi = f * b[i];
            double* row = target + i * N;
            for (int j = 0; j < N; ++j) row[j] = (ASSIGN ? 0.0 : row[j]) + ai * x[j] + bi * y[j];
        }
    }
}

}  // namespace

// For one neighbour pair, d c_l / d vector_d = Y_l (x) (dR_l u_d) + dY_l,d (x) R_l is a
// rank-2 matrix in (m, n), so sum_m dc_{a n1 l m} c_{a2 n2 l m} = dR_n1 u_d v_{a2 n2} + R_n1 w_{d, a2 n2}
// with v = Y_l^T C_l and w_d = dY_{l,d}^T C_l. This turns a (2l+1)-long contraction per
// output entry into two multiply-adds; only blocks with a1 or a2 = a_j are touched.
// NT > 0 fixes n_radial at compile time (unrolled inner loops); NT = 0 is the generic path.
template <int NT>
HAMD_ALWAYS_INLINE void PowerSpectrum::neighbour_slot_gradient(const CentreNeighbourhood& nh, const CentreExpansion& e,
                                                               int s, Workspace& ws, double* grad_out) const {
    const int N = NT > 0 ? NT : n_radial_;
    const int row = setup_.row_size(), n_lm = setup_.n_lm(), L = max_angular_;
    const int n_ln = (L + 1) * N;
    const size_t P = n_properties_;
    double* v = ws.projections.data();  // projections: v, w_x, w_y, w_z (rows of `row`)
    double* along = v + 4 * row;        // dR_l u_d: along[d * N + n]
    double* H = ws.harmonics.data();
    const int a = nh.slot_channel[s];
    // Blocks without the neighbour's channel stay zero; the others are overwritten by the
    // slot's first pair (no separate zero fill of the whole row).
    for (int d = 0; d < 3; ++d)
        for (int a1 = 0; a1 < n_species_; ++a1)
            for (int a2 = a1; a2 < n_species_; ++a2)
                if (a1 != a && a2 != a)
                    for (int l = 0; l <= L; ++l) {
                        double* block = grad_out + d * P + block_offset(a1, a2, l);
                        std::fill(block, block + N * N, 0.0);
                    }
    const int first_pair = nh.slot_pair_offsets[s];
    for (int k = nh.slot_pair_offsets[s]; k < nh.slot_pair_offsets[s + 1]; ++k) {
        const int p = nh.slot_pairs[k];
        const double* Y = e.harmonics.data() + static_cast<size_t>(p) * n_lm;
        const double* dY = e.harmonic_gradients.data() + static_cast<size_t>(p) * 3 * n_lm;
        const double* R = e.radial.data() + static_cast<size_t>(p) * n_ln;
        const double* dR = e.radial_derivative.data() + static_cast<size_t>(p) * n_ln;
        const double* u = e.direction.data() + 3 * p;
        for (int lm = 0; lm < n_lm; ++lm) {
            H[4 * lm] = Y[lm];
            H[4 * lm + 1] = dY[lm];
            H[4 * lm + 2] = dY[n_lm + lm];
            H[4 * lm + 3] = dY[2 * n_lm + lm];
        }
        for (int l = 0; l <= L; ++l) {
            gemm_tn(4, row, 2 * l + 1, 1.0, H + 4 * l * l, 4, e.values.data() + static_cast<size_t>(l * l) * row, row, v, row);
            const double* Rl = R + l * N;
            const double* dRl = dR + l * N;
            for (int d = 0; d < 3; ++d)
                for (int n = 0; n < N; ++n) along[d * N + n] = dRl[n] * u[d];
            for (int d = 0; d < 3; ++d) {
                double* grad = grad_out + d * P;
                const double* wd = v + (1 + d) * row;
                const double* Ad = along + d * N;
                // blocks (a, a2), a2 >= a: derivative of the first factor
                for (int a2 = a; a2 < n_species_; ++a2) {
                    double* block = grad + block_offset(a, a2, l);
                    const double f = factor(a, a2, l);
                    const double* v2 = v + a2 * N;
                    const double* w2 = wd + a2 * N;
                    if (k == first_pair) rank2_block<NT, true>(N, block, f, Ad, v2, Rl, w2);
                    else rank2_block<NT, false>(N, block, f, Ad, v2, Rl, w2);
                }
                // blocks (a1, a), a1 <= a: derivative of the second factor
                for (int a1 = 0; a1 <= a; ++a1) {
                    double* block = grad + block_offset(a1, a, l);
                    const double f = factor(a1, a, l);
                    const double* v1 = v + a1 * N;
                    const double* w1 = wd + a1 * N;
                    // (a, a) was written just above by the first loop
                    if (k == first_pair && a1 != a) rank2_block<NT, true>(N, block, f, v1, Ad, w1, Rl);
                    else rank2_block<NT, false>(N, block, f, v1, Ad, w1, Rl);
                }
            }
        }
    }
}

HAMD_MULTIVERSION
void PowerSpectrum::neighbour_slot_gradient_dispatch(const CentreNeighbourhood& nh, const CentreExpansion& e, int s,
                                                     Workspace& ws, double* out) const {
    switch (n_radial_) {
        case 2: return neighbour_slot_gradient<2>(nh, e, s, ws, out);
        case 3: return neighbour_slot_gradient<3>(nh, e, s, ws, out);
        case 4: return neighbour_slot_gradient<4>(nh, e, s, ws, out);
        case 5: return neighbour_slot_gradient<5>(nh, e, s, ws, out);
        case 6: return neighbour_slot_gradient<6>(nh, e, s, ws, out);
        case 8: return neighbour_slot_gradient<8>(nh, e, s, ws, out);
        case 10: return neighbour_slot_gradient<10>(nh, e, s, ws, out);
        case 12: return neighbour_slot_gradient<12>(nh, e, s, ws, out);
        default: return neighbour_slot_gradient<0>(nh, e, s, ws, out);
    }
}

void PowerSpectrum::position_gradients(const CentreNeighbourhood& nh, const CentreExpansion& e, Workspace& ws,
                                       double* out) const {
    const int row = setup_.row_size(), n_lm = setup_.n_lm();
    const size_t P = n_properties_;
    ws.projections.resize(static_cast<size_t>(4) * row + 3 * n_radial_);
    ws.harmonics.resize(static_cast<size_t>(4) * n_lm);
    ws.row.resize(3 * P);
    for (int s = 0; s < nh.n_slots(); ++s) {
        if (s == nh.centre_slot) {
            ws.dense.resize(static_cast<size_t>(3) * n_lm * row);
            centre_expansion_gradient(setup_, nh, e, ws.dense.data());
            for (int d = 0; d < 3; ++d) {
                dense_derivative(e.values.data(), ws.dense.data() + static_cast<size_t>(d) * n_lm * row, ws,
                                 ws.row.data() + d * P);
            }
        } else {
            neighbour_slot_gradient_dispatch(nh, e, s, ws, ws.row.data());
        }
        stream_copy(out + static_cast<size_t>(s) * 3 * P, ws.row.data(), 3 * P);
    }
}

void PowerSpectrum::cell_gradients(const CentreNeighbourhood& nh, const CentreExpansion& e,
                                   const double inverse_cell[9], Workspace& ws, double* out) const {
    const size_t plane = static_cast<size_t>(setup_.n_lm()) * setup_.row_size();
    ws.dense.resize(9 * plane);
    cell_expansion_gradient(setup_, nh, e, inverse_cell, ws.dense.data());
    for (int ab = 0; ab < 9; ++ab) dense_derivative(e.values.data(), ws.dense.data() + ab * plane, ws, out + ab * n_properties_);
}

}  // namespace hamd
