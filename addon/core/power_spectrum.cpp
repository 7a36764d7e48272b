#include "core/power_spectrum.hpp"

#include <algorithm>
#include <cmath>

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

void PowerSpectrum::values(const double* c, double* out) const {
    const int N = n_radial_, row = setup_.row_size();
    for (int a1 = 0; a1 < n_species_; ++a1) {
        for (int a2 = a1; a2 < n_species_; ++a2) {
            for (int l = 0; l <= max_angular_; ++l) {
                double* block = out + block_offset(a1, a2, l);
                std::fill(block, block + N * N, 0.0);
                const double f = factor(a1, a2, l);
                for (int lm = l * l; lm < (l + 1) * (l + 1); ++lm) {
                    const double* x = c + static_cast<size_t>(lm) * row + a1 * N;
                    const double* y = c + static_cast<size_t>(lm) * row + a2 * N;
                    for (int n1 = 0; n1 < N; ++n1) {
                        const double xf = f * x[n1];
                        double* target = block + n1 * N;
                        for (int n2 = 0; n2 < N; ++n2) target[n2] += xf * y[n2];
                    }
                }
            }
        }
    }
}

void PowerSpectrum::dense_derivative(const double* c, const double* dc, double* out) const {
    const int N = n_radial_, row = setup_.row_size();
    for (int a1 = 0; a1 < n_species_; ++a1) {
        for (int a2 = a1; a2 < n_species_; ++a2) {
            for (int l = 0; l <= max_angular_; ++l) {
                double* block = out + block_offset(a1, a2, l);
                std::fill(block, block + N * N, 0.0);
                const double f = factor(a1, a2, l);
                for (int lm = l * l; lm < (l + 1) * (l + 1); ++lm) {
                    const size_t offset = static_cast<size_t>(lm) * row;
                    const double* x = c + offset + a1 * N;
                    const double* y = c + offset + a2 * N;
                    const double* dx = dc + offset + a1 * N;
                    const double* dy = dc + offset + a2 * N;
                    for (int n1 = 0; n1 < N; ++n1) {
                        const double xf = f * x[n1], dxf = f * dx[n1];
                        double* target = block + n1 * N;
                        for (int n2 = 0; n2 < N; ++n2) target[n2] += dxf * y[n2] + xf * dy[n2];
                    }
                }
            }
        }
    }
}

// For one neighbour pair, d c_l / d vector_d = Y_l (x) (dR_l u_d) + dY_l,d (x) R_l is a
// rank-2 matrix in (m, n), so sum_m dc_{a n1 l m} c_{a2 n2 l m} = dR_n1 u_d v_{a2 n2} + R_n1 w_{d, a2 n2}
// with v = Y_l^T C_l and w_d = dY_{l,d}^T C_l. This turns a (2l+1)-long contraction per
// output entry into two multiply-adds; only blocks with a1 or a2 = a_j are touched.
void PowerSpectrum::position_gradients(const CentreNeighbourhood& nh, const CentreExpansion& e,
                                       Workspace& ws, double* out) const {
    const int N = n_radial_, row = setup_.row_size(), n_lm = setup_.n_lm(), L = max_angular_;
    const int n_ln = (L + 1) * N;
    const size_t P = n_properties_;
    ws.projections.resize(static_cast<size_t>(4) * row + 3 * N);
    double* v = ws.projections.data();
    double* w = v + row;                 // w[d * row + x]
    double* along = w + 3 * row;         // dR_l u_d: along[d * N + n]
    for (int s = 0; s < nh.n_slots(); ++s) {
        double* slot_out = out + static_cast<size_t>(s) * 3 * P;
        if (s == nh.centre_slot) {
            ws.dense.resize(static_cast<size_t>(3) * n_lm * row);
            centre_expansion_gradient(setup_, nh, e, ws.dense.data());
            for (int d = 0; d < 3; ++d) {
                dense_derivative(e.values.data(), ws.dense.data() + static_cast<size_t>(d) * n_lm * row,
                                 slot_out + d * P);
            }
            continue;
        }
        std::fill(slot_out, slot_out + 3 * P, 0.0);
        const int a = nh.slot_channel[s];
        for (int k = nh.slot_pair_offsets[s]; k < nh.slot_pair_offsets[s + 1]; ++k) {
            const int p = nh.slot_pairs[k];
            const double* Y = e.harmonics.data() + static_cast<size_t>(p) * n_lm;
            const double* dY = e.harmonic_gradients.data() + static_cast<size_t>(p) * 3 * n_lm;
            const double* R = e.radial.data() + static_cast<size_t>(p) * n_ln;
            const double* dR = e.radial_derivative.data() + static_cast<size_t>(p) * n_ln;
            const double* u = e.direction.data() + 3 * p;
            for (int l = 0; l <= L; ++l) {
                std::fill(v, v + 4 * row, 0.0);
                for (int lm = l * l; lm < (l + 1) * (l + 1); ++lm) {
                    const double* c = e.values.data() + static_cast<size_t>(lm) * row;
                    const double y = Y[lm], gx = dY[lm], gy = dY[n_lm + lm], gz = dY[2 * n_lm + lm];
                    for (int x = 0; x < row; ++x) {
                        v[x] += y * c[x];
                        w[x] += gx * c[x];
                        w[row + x] += gy * c[x];
                        w[2 * row + x] += gz * c[x];
                    }
                }
                const double* Rl = R + l * N;
                const double* dRl = dR + l * N;
                for (int d = 0; d < 3; ++d)
                    for (int n = 0; n < N; ++n) along[d * N + n] = dRl[n] * u[d];
                for (int d = 0; d < 3; ++d) {
                    double* grad = slot_out + d * P;
                    const double* wd = w + d * row;
                    const double* Ad = along + d * N;
                    // blocks (a, a2), a2 >= a: derivative on the first factor
                    for (int a2 = a; a2 < n_species_; ++a2) {
                        double* block = grad + block_offset(a, a2, l);
                        const double f = factor(a, a2, l);
                        const double* v2 = v + a2 * N;
                        const double* w2 = wd + a2 * N;
                        for (int n1 = 0; n1 < N; ++n1) {
                            const double alpha = f * Ad[n1], beta = f * Rl[n1];
                            double* target = block + n1 * N;
                            for (int n2 = 0; n2 < N; ++n2) target[n2] += alpha * v2[n2] + beta * w2[n2];
                        }
                    }
                    // blocks (a1, a), a1 <= a: derivative on the second factor
                    for (int a1 = 0; a1 <= a; ++a1) {
                        double* block = grad + block_offset(a1, a, l);
                        const double f = factor(a1, a, l);
                        const double* v1 = v + a1 * N;
                        const double* w1 = wd + a1 * N;
                        for (int n1 = 0; n1 < N; ++n1) {
                            const double gamma = f * v1[n1], delta = f * w1[n1];
                            double* target = block + n1 * N;
                            for (int n2 = 0; n2 < N; ++n2) target[n2] += gamma * Ad[n2] + delta * Rl[n2];
                        }
                    }
                }
            }
        }
    }
}

void PowerSpectrum::cell_gradients(const CentreNeighbourhood& nh, const CentreExpansion& e,
                                   const double inverse_cell[9], Workspace& ws, double* out) const {
    const size_t plane = static_cast<size_t>(setup_.n_lm()) * setup_.row_size();
    ws.dense.resize(9 * plane);
    cell_expansion_gradient(setup_, nh, e, inverse_cell, ws.dense.data());
    for (int ab = 0; ab < 9; ++ab) dense_derivative(e.values.data(), ws.dense.data() + ab * plane, out + ab * n_properties_);
}

}  // namespace hamd
