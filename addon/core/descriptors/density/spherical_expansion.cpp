#include "core/descriptors/density/spherical_expansion.hpp"

#include <algorithm>
#include <cmath>

#include "core/descriptors/density/cutoff.hpp"
#include "core/math/dense_kernels.hpp"
#include "core/base/errors.hpp"

namespace hamd {

namespace {

constexpr int kMaxAtomicNumber = 118;

typedef double v4d __attribute__((vector_size(32), aligned(8), may_alias));

// target[lm * stride + n] += scale Y_lm R_ln, for l = 0..L. NT > 0: n_radial known at compile
// time; multiples of 4 use explicit 4-wide vectors (the pointers may alias as far as the
// compiler knows, which otherwise leaves this loop scalar).
template <int NT>
HAMD_ALWAYS_INLINE void outer_product_impl(int n, int L, const double* Y, const double* R, double* target, size_t stride,
                                           double scale) {
    if constexpr (NT > 0 && NT % 4 == 0) {
        constexpr int V = NT / 4;
        for (int l = 0; l <= L; ++l) {
            v4d Rl[V];
            for (int k = 0; k < V; ++k) Rl[k] = *reinterpret_cast<const v4d*>(R + l * NT + 4 * k) * scale;
            for (int lm = l * l; lm < (l + 1) * (l + 1); ++lm) {
                const double y = Y[lm];
                v4d* t = reinterpret_cast<v4d*>(target + lm * stride);
                for (int k = 0; k < V; ++k) t[k] += y * Rl[k];
            }
        }
    } else {
        const int N = NT > 0 ? NT : n;
        for (int l = 0; l <= L; ++l) {
            const double* radial = R + l * N;
            for (int lm = l * l; lm < (l + 1) * (l + 1); ++lm) {
                const double y = scale * Y[lm];
                double* t = target + lm * stride;
                for (int k = 0; k < N; ++k) t[k] += y * radial[k];
            }
        }
    }
}

HAMD_MULTIVERSION
void add_outer_product(int n, int L, const double* Y, const double* R, double* target, size_t stride, double scale) {
    switch (n) {
        case 4: return outer_product_impl<4>(n, L, Y, R, target, stride, scale);
        case 6: return outer_product_impl<6>(n, L, Y, R, target, stride, scale);
        case 8: return outer_product_impl<8>(n, L, Y, R, target, stride, scale);
        case 10: return outer_product_impl<10>(n, L, Y, R, target, stride, scale);
        case 12: return outer_product_impl<12>(n, L, Y, R, target, stride, scale);
        default: return outer_product_impl<0>(n, L, Y, R, target, stride, scale);
    }
}

// out[d * d_stride + lm * lm_stride + n] += scale * d c_{nlm} / d vector_d of pair p, where
// d c / d vector_d = dR_ln u_d Y_lm + R_ln dY_lm/d vector_d: two outer products per direction.
void add_pair_gradient(const ExpansionSetup& setup, const CentreExpansion& e, int p, double* out, size_t lm_stride,
                       size_t d_stride, double scale) {
    const int L = setup.max_angular(), N = setup.n_radial(), n_lm = setup.n_lm();
    const int n_ln = (L + 1) * N;
    const double* Y = e.harmonics.data() + static_cast<size_t>(p) * n_lm;
    const double* dY = e.harmonic_gradients.data() + static_cast<size_t>(p) * 3 * n_lm;
    const double* R = e.radial.data() + static_cast<size_t>(p) * n_ln;
    const double* dR = e.radial_derivative.data() + static_cast<size_t>(p) * n_ln;
    const double* u = e.direction.data() + 3 * p;
    for (int d = 0; d < 3; ++d) {
        add_outer_product(N, L, Y, dR, out + d * d_stride, lm_stride, scale * u[d]);
        add_outer_product(N, L, dY + d * n_lm, R, out + d * d_stride, lm_stride, scale);
    }
}

}  // namespace

ExpansionSetup::ExpansionSetup(const Hypers& hypers, std::vector<int32_t> species)
    : hypers_(hypers),
      species_(std::move(species)),
      channel_of_(kMaxAtomicNumber + 1, -1),
      radial_(cached_radial_integral(
          RadialBasisSpec{hypers.cutoff, hypers.max_radial, hypers.max_angular, hypers.density_width})),
      harmonics_(hypers.max_angular) {
    for (size_t a = 0; a < species_.size(); ++a) {
        if (species_[a] < 1 || species_[a] > kMaxAtomicNumber) {
            throw InvalidArgument("species channel " + std::to_string(species_[a]) + " is not an atomic number 1..118");
        }
        channel_of_[species_[a]] = static_cast<int>(a);
    }
    const int N = n_radial();
    std::vector<double> at_zero(static_cast<size_t>(N) * (hypers.max_angular + 1));
    radial_->compute(0.0, at_zero.data(), nullptr);
    const double y00 = 0.5 / std::sqrt(M_PI);
    centre_density_.resize(N);
    for (int n = 0; n < N; ++n) centre_density_[n] = hypers.center_atom_weight * at_zero[n] * y00;
}

void collect_neighbourhood(const ExpansionSetup& setup, const System& system, const NeighborList& list,
                           int32_t centre, CentreNeighbourhood& out) {
    out.centre = centre;
    out.centre_type = system.types[centre];
    out.centre_channel = setup.channel(system.types[centre]);
    out.pairs.clear();
    out.channel.clear();
    out.slot.clear();
    out.slot_atoms.clear();
    out.slot_channel.clear();
    out.centre_slot = -1;
    const double cutoff = setup.hypers().cutoff;
    for (size_t k = list.centre_offsets[centre]; k < list.centre_offsets[centre + 1]; ++k) {
        const Pair& pair = list.pairs[k];
        if (!(pair.distance < cutoff) || pair.distance <= 0.0) continue;  // lists may use a longer cutoff
        const int a = setup.channel(system.types[pair.second]);
        if (a < 0) continue;
        out.pairs.push_back(&pair);
        out.channel.push_back(a);
        if (pair.second != centre) out.slot_atoms.push_back(pair.second);
    }
    // Distinct neighbour atoms (pairs are usually sorted by atom already), then the centre.
    std::sort(out.slot_atoms.begin(), out.slot_atoms.end());
    out.slot_atoms.erase(std::unique(out.slot_atoms.begin(), out.slot_atoms.end()), out.slot_atoms.end());
    if (!out.slot_atoms.empty()) {
        auto position = std::lower_bound(out.slot_atoms.begin(), out.slot_atoms.end(), centre);
        out.centre_slot = static_cast<int>(position - out.slot_atoms.begin());
        out.slot_atoms.insert(position, centre);
    }
    const int n_slots = out.n_slots();
    out.slot_channel.assign(n_slots, -1);
    out.slot_pair_offsets.assign(n_slots + 1, 0);
    out.slot.resize(out.pairs.size());
    for (size_t p = 0; p < out.pairs.size(); ++p) {
        const int32_t j = out.pairs[p]->second;
        if (j == centre) {
            out.slot[p] = -1;
            continue;
        }
        const int s = static_cast<int>(std::lower_bound(out.slot_atoms.begin(), out.slot_atoms.end(), j) -
                                       out.slot_atoms.begin());
        out.slot[p] = s;
        out.slot_channel[s] = out.channel[p];
        ++out.slot_pair_offsets[s + 1];
    }
    for (int s = 0; s < n_slots; ++s) out.slot_pair_offsets[s + 1] += out.slot_pair_offsets[s];
    out.slot_pairs.resize(out.slot_pair_offsets[n_slots]);
    out.cursor.assign(out.slot_pair_offsets.begin(), out.slot_pair_offsets.end() - 1);
    for (size_t p = 0; p < out.pairs.size(); ++p) {
        if (out.slot[p] >= 0) out.slot_pairs[out.cursor[out.slot[p]]++] = static_cast<int>(p);
    }
}

void compute_expansion(const ExpansionSetup& setup, const CentreNeighbourhood& neighbourhood,
                       bool with_pair_data, CentreExpansion& out) {
    const int L = setup.max_angular(), N = setup.n_radial(), n_lm = setup.n_lm(), row = setup.row_size();
    const int n_ln = (L + 1) * N;
    const size_t n_pairs = neighbourhood.pairs.size();
    out.values.assign(static_cast<size_t>(n_lm) * row, 0.0);
    if (neighbourhood.centre_channel >= 0) {
        double* c = out.values.data() + neighbourhood.centre_channel * N;  // lm = 0
        for (int n = 0; n < N; ++n) c[n] += setup.centre_density()[n];
    }
    if (with_pair_data) {
        out.harmonics.resize(n_pairs * n_lm);
        out.harmonic_gradients.resize(n_pairs * 3 * n_lm);
        out.radial.resize(n_pairs * n_ln);
        out.radial_derivative.resize(n_pairs * n_ln);
        out.direction.resize(n_pairs * 3);
    } else {
        // one pair's worth of scratch space, reused
        out.harmonics.resize(n_lm);
        out.radial.resize(n_ln);
        out.radial_derivative.resize(n_ln);
    }
    out.scratch.resize(n_ln);
    const double cutoff = setup.hypers().cutoff, width = setup.hypers().cutoff_width;
    for (size_t p = 0; p < n_pairs; ++p) {
        const Pair& pair = *neighbourhood.pairs[p];
        const size_t q = with_pair_data ? p : 0;
        double* Y = out.harmonics.data() + q * n_lm;
        double* R = out.radial.data() + q * n_ln;
        double* dR = out.radial_derivative.data() + q * n_ln;
        double dfc = 0.0;
        const double r = pair.distance;
        const double fc = cutoff_function(r, cutoff, width, &dfc);
        if (with_pair_data) {
            double* dI = out.scratch.data();
            setup.radial().compute(r, R, dI);
            setup.harmonics().compute(pair.vector, Y, out.harmonic_gradients.data() + p * 3 * n_lm);
            for (int k = 0; k < n_ln; ++k) {
                dR[k] = dfc * R[k] + fc * dI[k];
                R[k] *= fc;
            }
            for (int d = 0; d < 3; ++d) out.direction[3 * p + d] = pair.vector[d] / r;
        } else {
            setup.radial().compute(r, R, nullptr);
            setup.harmonics().compute(pair.vector, Y, nullptr);
            for (int k = 0; k < n_ln; ++k) R[k] *= fc;
        }
        // c[lm][a n] += Y_lm R_ln: contiguous runs of n_radial
        add_outer_product(N, L, Y, R, out.values.data() + neighbourhood.channel[p] * N, row, 1.0);
    }
}

void pair_expansion_gradient(const ExpansionSetup& setup, const CentreExpansion& expansion, int pair,
                             double* out, bool accumulate) {
    const int N = setup.n_radial(), n_lm = setup.n_lm();
    if (!accumulate) std::fill(out, out + 3 * n_lm * N, 0.0);
    add_pair_gradient(setup, expansion, pair, out, N, static_cast<size_t>(n_lm) * N, 1.0);
}

void centre_expansion_gradient(const ExpansionSetup& setup, const CentreNeighbourhood& neighbourhood,
                               const CentreExpansion& expansion, double* out) {
    const int N = setup.n_radial(), n_lm = setup.n_lm(), row = setup.row_size();
    const size_t plane = static_cast<size_t>(n_lm) * row;
    std::fill(out, out + 3 * plane, 0.0);
    for (size_t p = 0; p < neighbourhood.pairs.size(); ++p) {
        if (neighbourhood.slot[p] < 0) continue;  // images of the centre do not move with it
        // d/dr_i = - d/d vector
        add_pair_gradient(setup, expansion, static_cast<int>(p), out + neighbourhood.channel[p] * N, row, plane, -1.0);
    }
}

void cell_expansion_gradient(const ExpansionSetup& setup, const CentreNeighbourhood& neighbourhood,
                             const CentreExpansion& expansion, const double inverse_cell[9], double* out) {
    const int N = setup.n_radial(), n_lm = setup.n_lm(), row = setup.row_size();
    const size_t plane = static_cast<size_t>(n_lm) * row;
    std::fill(out, out + 9 * plane, 0.0);
    std::vector<double> buffer(static_cast<size_t>(3) * n_lm * N);
    for (size_t p = 0; p < neighbourhood.pairs.size(); ++p) {
        const Pair& pair = *neighbourhood.pairs[p];
        const int a_p = neighbourhood.channel[p];
        // vector = u . cell with u = f_j - f_i + S, so d vector_b / d cell[a][b] = u_a.
        double u[3];
        for (int a = 0; a < 3; ++a) {
            u[a] = pair.vector[0] * inverse_cell[0 * 3 + a] + pair.vector[1] * inverse_cell[1 * 3 + a] +
                   pair.vector[2] * inverse_cell[2 * 3 + a];
        }
        pair_expansion_gradient(setup, expansion, static_cast<int>(p), buffer.data());
        for (int a = 0; a < 3; ++a) {
            for (int b = 0; b < 3; ++b) {
                double* target = out + (3 * a + b) * plane + a_p * N;
                const double* source = buffer.data() + static_cast<size_t>(b) * n_lm * N;
                for (int lm = 0; lm < n_lm; ++lm) {
                    for (int n = 0; n < N; ++n) target[static_cast<size_t>(lm) * row + n] += u[a] * source[lm * N + n];
                }
            }
        }
    }
}

void invert_3x3(const double m[9], double inverse[9]) {
    const double c00 = m[4] * m[8] - m[5] * m[7], c01 = m[5] * m[6] - m[3] * m[8], c02 = m[3] * m[7] - m[4] * m[6];
    const double det = m[0] * c00 + m[1] * c01 + m[2] * c02;
    const double f = 1.0 / det;
    inverse[0] = c00 * f;
    inverse[1] = (m[2] * m[7] - m[1] * m[8]) * f;
    inverse[2] = (m[1] * m[5] - m[2] * m[4]) * f;
    inverse[3] = c01 * f;
    inverse[4] = (m[0] * m[8] - m[2] * m[6]) * f;
    inverse[5] = (m[2] * m[3] - m[0] * m[5]) * f;
    inverse[6] = c02 * f;
    inverse[7] = (m[1] * m[6] - m[0] * m[7]) * f;
    inverse[8] = (m[0] * m[4] - m[1] * m[3]) * f;
}

int slot_expansion_gradient(const ExpansionSetup& setup, const CentreNeighbourhood& nh, const CentreExpansion& e,
                            int slot, std::vector<double>& compact, double* out) {
    if (slot == nh.centre_slot) {
        centre_expansion_gradient(setup, nh, e, out);
        return -1;
    }
    const int N = setup.n_radial(), n_lm = setup.n_lm(), row = setup.row_size();
    const size_t plane = static_cast<size_t>(n_lm) * row;
    const int channel = nh.slot_channel[slot];
    compact.assign(static_cast<size_t>(3) * n_lm * N, 0.0);
    for (int k = nh.slot_pair_offsets[slot]; k < nh.slot_pair_offsets[slot + 1]; ++k)
        pair_expansion_gradient(setup, e, nh.slot_pairs[k], compact.data(), true);
    std::fill(out, out + 3 * plane, 0.0);
    for (int d = 0; d < 3; ++d)
        for (int lm = 0; lm < n_lm; ++lm)
            std::copy_n(compact.data() + (static_cast<size_t>(d) * n_lm + lm) * N, N,
                        out + d * plane + static_cast<size_t>(lm) * row + channel * N);
    return channel;
}

}  // namespace hamd
