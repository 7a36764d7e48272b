// LODE spherical expansion: layout of the blocks, then one parallel pass over the centres.
// Per centre the coefficients are first accumulated as values[lm][a][n] (the spherical
// expansion's layout) and the derivatives with respect to each atom as [atom][xyz][lm][n],
// then scattered into the blocks (l, centre type, a). Periodic structures: the reciprocal sum
// (plain, or the smooth part of the range split) plus, when split, the real-space short-range
// part over the periodic images (short_range_centre; lode_range_split.hpp).
#include "core/descriptors/lode/lode_spherical_expansion.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <complex>
#include <functional>
#include <set>
#include <string>

#include <Eigen/Dense>

#include "core/base/errors.hpp"
#include "core/descriptors/layout.hpp"
#include "core/descriptors/lode/far_field.hpp"
#include "core/descriptors/lode/lode_integrals.hpp"
#include "core/descriptors/lode/lode_multipole_split.hpp"
#include "core/descriptors/lode/lode_power_integral.hpp"
#include "core/descriptors/lode/lode_range_split.hpp"

namespace hamd {

namespace {

constexpr double kPi = 3.14159265358979323846;

LodeMethodChoice forced_method;  // set_lode_method_for_tests

// Cost model of the split sum per centre (docs/science.md#lode, "Cost"), in units of one
// real-space pair term (values only): a reciprocal vector costs kVectorCost of it per centre
// (one column of a matrix product) and, with position gradients, kVectorAtomCost more per atom.
// Measured on water64 (bench/lode/README.md).
constexpr double kVectorCost = 0.75;
constexpr double kVectorAtomCost = 0.7;
// The same for the multipole sum, in units of one screened image (IrregularHarmonicsSum with a
// table lookup): a reciprocal vector per centre is a column of a matrix product (l_max+1)^2 x S
// wide, and the near pairs (fixed by the basis) do not depend on eta. Measured on water64 and its
// 2x2x2 supercell (bench/lode/README.md).
constexpr double kMultipoleVectorCost = 0.4;

struct KVector {
    double k[3];
    double norm;
    double prefactor;  // 2 (4 pi / V) (4 pi / k^2) exp(-w^2 k^2 / 2), w = sigma or eta: the pair (k, -k)
    int m[3];          // k = m_1 b_1 + m_2 b_2 + m_3 b_3
};

// exp(i k.r_j) of every atom as a product of three per-axis phases: with k = sum_a m_a b_a and
// b_a . r = 2 pi f_a (f: fractional coordinates), exp(i k.r) = prod_a exp(2 pi i m_a f_a). One
// table of 3 (2M+1) phases per atom replaces a sine and cosine per (k, atom).
class PhaseTable {
public:
    PhaseTable() = default;
    PhaseTable(const System& system, const std::vector<KVector>& kvectors) {
        for (const KVector& kv : kvectors)
            for (int a = 0; a < 3; ++a) range_ = std::max(range_, std::abs(kv.m[a]));
        width_ = 2 * range_ + 1;
        double inverse[9];
        invert_3x3(system.cell.data(), inverse);
        values_.resize(system.size() * 3 * width_);
        for (size_t j = 0; j < system.size(); ++j)
            for (int a = 0; a < 3; ++a) {
                double f = 0.0;
                for (int b = 0; b < 3; ++b) f += system.positions[3 * j + b] * inverse[3 * b + a];
                f -= std::floor(f);
                for (int m = -range_; m <= range_; ++m)
                    values_[(j * 3 + a) * width_ + m + range_] = std::polar(1.0, 2.0 * kPi * m * f);
            }
    }
    // exp(i k.r_j)
    std::complex<double> operator()(size_t j, const int* m) const {
        const std::complex<double>* t = &values_[j * 3 * width_ + range_];
        return t[m[0]] * t[width_ + m[1]] * t[2 * width_ + m[2]];
    }

private:
    int range_ = 0, width_ = 1;
    std::vector<std::complex<double>> values_;
};

// Half of the reciprocal lattice (one of each pair k, -k) within 0 < |k| <= k_cutoff.
std::vector<KVector> half_reciprocal_lattice(const System& system, double k_cutoff, double width) {
    double inverse[9];
    invert_3x3(system.cell.data(), inverse);
    // b_i (rows) = 2 pi * column i of H^-1, so that a_i . b_j = 2 pi delta_ij.
    double b[3][3];
    for (int i = 0; i < 3; ++i)
        for (int d = 0; d < 3; ++d) b[i][d] = 2.0 * kPi * inverse[d * 3 + i];
    const double* h = system.cell.data();
    const double volume = std::fabs(h[0] * (h[4] * h[8] - h[5] * h[7]) - h[1] * (h[3] * h[8] - h[5] * h[6]) +
                                    h[2] * (h[3] * h[7] - h[4] * h[6]));
    int range[3];
    for (int i = 0; i < 3; ++i) {  // |m_i| = |k . a_i| / 2 pi <= k_cutoff |a_i| / 2 pi
        const double length = std::sqrt(h[3 * i] * h[3 * i] + h[3 * i + 1] * h[3 * i + 1] + h[3 * i + 2] * h[3 * i + 2]);
        range[i] = (int)std::floor(k_cutoff * length / (2.0 * kPi)) + 1;
    }
    // Half the lattice points in the k_cutoff sphere: V k_c^3 / (12 pi^2). Refuse sums whose
    // tables alone would take gigabytes (a huge cell or k_cutoff) before allocating them.
    const double expected = volume * k_cutoff * k_cutoff * k_cutoff / (12.0 * kPi * kPi);
    if (expected > 2e7) {
        throw ResourceExhausted("lode-spherical-expansion: about " + std::to_string((long long)expected) +
                                " reciprocal lattice vectors within k_cutoff = " + std::to_string(k_cutoff) +
                                " 1/A for a cell of " + std::to_string(volume) + " A^3 (limit 2e7): lower k_cutoff");
    }
    std::vector<KVector> out;
    for (int m1 = 0; m1 <= range[0]; ++m1) {
        for (int m2 = m1 == 0 ? 0 : -range[1]; m2 <= range[1]; ++m2) {
            for (int m3 = (m1 == 0 && m2 == 0) ? 1 : -range[2]; m3 <= range[2]; ++m3) {
                KVector kv;
                for (int d = 0; d < 3; ++d) kv.k[d] = m1 * b[0][d] + m2 * b[1][d] + m3 * b[2][d];
                kv.m[0] = m1, kv.m[1] = m2, kv.m[2] = m3;
                const double k2 = kv.k[0] * kv.k[0] + kv.k[1] * kv.k[1] + kv.k[2] * kv.k[2];
                if (k2 > k_cutoff * k_cutoff) continue;
                kv.norm = std::sqrt(k2);
                kv.prefactor = 2.0 * (4.0 * kPi / volume) * (4.0 * kPi / k2) * std::exp(-0.5 * width * width * k2);
                out.push_back(kv);
            }
        }
    }
    return out;
}

// An atom or one of its periodic images within reach of the real-space sum: Cartesian and
// fractional position (the atom's wrapped into [0, 1) plus an integer shift).
struct ImageAtom {
    double r[3], f[3];
    int32_t atom;
    int channel;
};

// The atoms of one finite structure by channel, for IrregularHarmonicsSum: channel a's x, y, z
// coordinates at xyz[first[a]], + count, + 2 count (count = Plan::per_channel).
struct FarCoordinates {
    std::vector<double> xyz;
    std::vector<size_t> first;
};

struct Centre {
    int32_t system, atom;
    int type_index;
    size_t row;
};

// Everything shared by the centres of one request.
struct Plan {
    int S = 0, N = 0, L = 0, n_lm = 0;
    double centre_weight = 1.0, sigma = 0.0, k_cutoff = 0.0;
    bool positions = false, cell = false;
    std::vector<int32_t> centre_types;
    std::vector<Centre> centres;
    std::vector<size_t> rows_per_type;
    // per system: channel of each atom, rank of each atom among its channel's atoms, and the
    // number of atoms per channel
    std::vector<std::vector<int>> channel, rank;
    std::vector<std::vector<size_t>> per_channel;
    // gradient rows: first row of (centre, channel), total per (type, channel)
    std::vector<size_t> gradient_first, gradient_total;
    std::vector<std::vector<KVector>> kvectors;  // per periodic system
    std::vector<PhaseTable> phases;              // per periodic system
    // per periodic system: the Gaussian width in the reciprocal sum (sigma, or eta when split),
    // the split (null: plain reciprocal sum), the images for its real-space part, the wrapped
    // fractional and Cartesian positions of the atoms, and the volume
    std::vector<double> widths, volumes;
    std::vector<std::shared_ptr<const LodeRangeSplit>> splits;
    std::vector<std::shared_ptr<const LodeMultipoleSplit>> multipoles;  // values alone: instead of splits
    std::vector<std::vector<ImageAtom>> images;
    std::vector<std::vector<double>> wrapped_fractional, wrapped_positions;
    std::vector<std::array<double, 9>> inverse_cells;  // per periodic system, for cell gradients
    std::shared_ptr<const LodePotentialIntegral> potential;
    std::shared_ptr<const LodePowerIntegral> power;  // p != 1 (finite structures only): replaces potential
    std::shared_ptr<const LodePlaneWaveIntegral> plane_wave;
    std::shared_ptr<const IrregularHarmonicsSum> far_field;  // finite structures, values only
    std::vector<FarCoordinates> far_coordinates;             // per finite system, when far_field

    // Gradient samples of a centre in channel a: the other atoms of a, plus the centre itself
    // when there is at least one.
    size_t gradient_rows(const Centre& c, int a) const {
        const size_t others = per_channel[c.system][a] - (channel[c.system][c.atom] == a ? 1 : 0);
        return others == 0 ? 0 : others + 1;
    }
    // Slot of atom j (j's channel a, or the centre) among those samples, in atom order.
    size_t slot(const Centre& c, int a, int32_t j) const {
        const auto& ch = channel[c.system];
        const auto& rk = rank[c.system];
        if (ch[c.atom] == a) return rk[j];  // the centre is one of channel a's atoms
        if (j == c.atom) {  // number of channel-a atoms before the centre
            size_t before = 0;
            for (int32_t k = 0; k < c.atom; ++k) before += ch[k] == a;
            return before;
        }
        return rk[j] + (j > c.atom ? 1 : 0);
    }
};

// Adds the far field of channel a to values [lm][a][n]: 4 pi / (2l+1) M_nl times the summed
// irregular solid harmonics sums[lm] (far_field.hpp).
void project_far_field(const Plan& plan, int a, const double* sums, std::vector<double>& values) {
    const int N = plan.N, row = plan.S * plan.N;
    const std::vector<double>& moments = plan.potential->moments();
    for (int l = 0; l < plan.L; ++l) {
        const double prefactor = 4.0 * kPi / (2 * l + 1);
        for (int lm = l * l; lm < (l + 1) * (l + 1); ++lm) {
            double* out = &values[(size_t)lm * row + a * N];
            for (int n = 0; n < N; ++n) out[n] += prefactor * moments[l * N + n] * sums[lm];
        }
    }
}

// Values [lm][a][n] and, when asked, derivatives [atom][xyz][lm][n] of one centre of a finite
// structure: a direct sum over every atom. Without gradients the atoms beyond the far-field switch
// are summed per species as irregular solid harmonics (far_field.hpp) and projected once.
void finite_centre(const Plan& plan, const System& system, const std::vector<int>& channel, const Centre& c,
                   const ExpansionSetup& setup, std::vector<double>& values, std::vector<double>& gradients,
                   std::vector<double>& scratch) {
    const int S = plan.S, N = plan.N, L = plan.L, n_lm = plan.n_lm, row = S * N;
    const size_t n_atoms = system.size();
    scratch.resize((size_t)2 * L * N + 4 * n_lm);
    double* J = scratch.data();
    double* dJ = J + L * N;
    double* Y = dJ + L * N;
    double* dY = Y + n_lm;
    const double* ri = &system.positions[3 * c.atom];
    const double y00 = 0.5 / std::sqrt(kPi);
    const bool far_by_harmonics = !plan.positions && !plan.power;  // the harmonic far field is p = 1's
    auto pair_integral = [&plan](double d, double* values, double* derivatives) {
        if (plan.power) {
            plan.power->compute(d, values, derivatives);
        } else {
            plan.potential->compute(d, values, derivatives);
        }
    };
    const double far = plan.potential->far_field_start(), far2 = far * far;
    if (far_by_harmonics) {
        const FarCoordinates& atoms = plan.far_coordinates[c.system];
        for (int a = 0; a < S; ++a) {
            const int count = (int)plan.per_channel[c.system][a];
            if (count == 0) continue;
            const double* x = &atoms.xyz[atoms.first[a]];
            thread_local std::vector<double> sums;
            sums.assign(n_lm, 0.0);
            plan.far_field->add_beyond(ri, x, x + count, x + 2 * count, count, far2, sums.data());
            project_far_field(plan, a, sums.data(), values);
        }
    }
    for (size_t j = 0; j < n_atoms; ++j) {
        const int a = channel[j];
        if (a < 0) continue;
        double d[3];
        for (int x = 0; x < 3; ++x) d[x] = system.positions[3 * j + x] - ri[x];
        const double distance2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
        if (far_by_harmonics && distance2 >= far2) continue;  // done above
        const double distance = std::sqrt(distance2);
        if ((int32_t)j == c.atom || distance == 0.0) {
            // the centre itself (weighted), or an atom on top of it: only l = 0, constant
            const double weight = (int32_t)j == c.atom ? plan.centre_weight : 1.0;
            pair_integral(0.0, J, nullptr);
            for (int n = 0; n < N; ++n) values[a * N + n] += weight * J[n] * y00;
            continue;
        }
        pair_integral(distance, J, plan.positions ? dJ : nullptr);
        setup.harmonics().compute(d, Y, plan.positions ? dY : nullptr);
        for (int l = 0; l < L; ++l) {
            for (int lm = l * l; lm < (l + 1) * (l + 1); ++lm) {
                double* out = &values[(size_t)lm * row + a * N];
                for (int n = 0; n < N; ++n) out[n] += J[l * N + n] * Y[lm];
            }
        }
        if (!plan.positions) continue;
        double* g = &gradients[j * 3 * n_lm * N];
        for (int x = 0; x < 3; ++x) {
            const double direction = d[x] / distance;
            for (int l = 0; l < L; ++l) {
                for (int lm = l * l; lm < (l + 1) * (l + 1); ++lm) {
                    double* out = g + ((size_t)x * n_lm + lm) * N;
                    for (int n = 0; n < N; ++n)
                        out[n] = dJ[l * N + n] * direction * Y[lm] + J[l * N + n] * dY[x * n_lm + lm];
                }
            }
        }
    }
}

// The same for a structure periodic in all three directions (reciprocal sum). `structure`:
// per k and channel, S_a(k) = sum_{j in a} exp(-i k . r_j).
void periodic_centre(const Plan& plan, const System& system, const std::vector<int>& channel,
                     const std::vector<KVector>& kvectors, const std::vector<std::complex<double>>& structure,
                     const Centre& c, const ExpansionSetup& setup, const double* inverse_cell,
                     std::vector<double>& values, std::vector<double>& gradients, std::vector<double>& cell,
                     std::vector<double>& scratch) {
    const int S = plan.S, N = plan.N, L = plan.L, n_lm = plan.n_lm, row = S * N;
    const size_t n_atoms = system.size();
    const size_t KN = (size_t)n_lm * N;
    scratch.resize((size_t)2 * L * N + 4 * n_lm + KN + (plan.cell ? 12 * KN : 0));
    double* P = scratch.data();
    double* dP = P + L * N;
    double* Y = dP + L * N;
    double* dY = Y + n_lm;
    double* K = dY + 3 * n_lm;
    double* dK = K + KN;      // [c][lm][n]: d K / d k_c
    double* dKdH = dK + 3 * KN;  // [3a+b][lm][n]
    for (size_t q = 0; q < kvectors.size(); ++q) {
        const KVector& kv = kvectors[q];
        plan.plane_wave->compute(kv.norm, P, plan.cell ? dP : nullptr);
        setup.harmonics().compute(kv.k, Y, plan.cell ? dY : nullptr);
        for (int l = 0; l < L; ++l) {
            // i^l (T + (-1)^l conj T): 2 (-1)^(l/2) Re T for even l, 2 (-1)^((l-1)/2) (-Im T) for odd l
            const double sign = ((l / 2) % 2 == 0) ? 1.0 : -1.0;
            for (int lm = l * l; lm < (l + 1) * (l + 1); ++lm)
                for (int n = 0; n < N; ++n) K[(size_t)lm * N + n] = kv.prefactor * sign * P[l * N + n] * Y[lm];
        }
        if (plan.cell) {
            // With fractional coordinates fixed, k.(r_j - r_i) does not depend on the cell; K does,
            // through k = 2 pi m H^-T (d k_c / d H_ab = -Hinv_ca k_b) and V (d V / d H_ab = V Hinv_ba):
            //   d K / d H_ab = -k_b sum_c Hinv_ca d K / d k_c - K Hinv_ba,
            //   d K / d k_c = K (-2/k^2 - w^2) k_c + pref sign (P' Y k_c/|k| + P dY/dk_c), w the width.
            const double k2 = kv.norm * kv.norm;
            const double width = plan.widths[c.system];
            const double radial_factor = -2.0 / k2 - width * width;
            for (int x = 0; x < 3; ++x) {
                for (int l = 0; l < L; ++l) {
                    const double sign = ((l / 2) % 2 == 0) ? 1.0 : -1.0;
                    for (int lm = l * l; lm < (l + 1) * (l + 1); ++lm)
                        for (int n = 0; n < N; ++n)
                            dK[x * KN + (size_t)lm * N + n] =
                                K[(size_t)lm * N + n] * radial_factor * kv.k[x] +
                                kv.prefactor * sign *
                                    (dP[l * N + n] * Y[lm] * kv.k[x] / kv.norm + P[l * N + n] * dY[x * n_lm + lm]);
                }
            }
            for (int a = 0; a < 3; ++a) {
                for (int b = 0; b < 3; ++b) {
                    double* out = dKdH + (size_t)(3 * a + b) * KN;
                    for (size_t e = 0; e < KN; ++e) {
                        double g = 0.0;
                        for (int x = 0; x < 3; ++x) g += inverse_cell[3 * x + a] * dK[x * KN + e];
                        out[e] = -kv.k[b] * g - K[e] * inverse_cell[3 * b + a];
                    }
                }
            }
        }
        const PhaseTable& phases = plan.phases[c.system];
        const std::complex<double> shift = phases((size_t)c.atom, kv.m);  // exp(i k.r_i)
        for (int a = 0; a < S; ++a) {
            const std::complex<double> t = structure[q * S + a] * shift;  // sum_j exp(-i k.(r_j - r_i))
            const double even = t.real(), odd = -t.imag();
            for (int l = 0; l < L; ++l) {
                const double f = l % 2 == 0 ? even : odd;
                for (int lm = l * l; lm < (l + 1) * (l + 1); ++lm) {
                    double* out = &values[(size_t)lm * row + a * N];
                    const double* k = &K[(size_t)lm * N];
                    for (int n = 0; n < N; ++n) out[n] += f * k[n];
                    if (!plan.cell) continue;
                    for (int ab = 0; ab < 9; ++ab) {
                        double* o = &cell[((size_t)ab * n_lm + lm) * row + a * N];
                        const double* dk = dKdH + (size_t)ab * KN + (size_t)lm * N;
                        for (int n = 0; n < N; ++n) o[n] += f * dk[n];
                    }
                }
            }
        }
        if (!plan.positions) continue;
        // d/dr_j of cos(k.(r_j - r_i)) = -sin(.) k, of sin(.) = cos(.) k
        for (size_t j = 0; j < n_atoms; ++j) {
            if (channel[j] < 0 || (int32_t)j == c.atom) continue;
            const std::complex<double> e = phases(j, kv.m) * std::conj(shift);  // exp(i k.(r_j - r_i))
            const double sn = e.imag(), cs = e.real();
            double* g = &gradients[j * 3 * n_lm * N];
            for (int x = 0; x < 3; ++x) {
                const double even = -sn * kv.k[x], odd = cs * kv.k[x];
                for (int l = 0; l < L; ++l) {
                    const double f = l % 2 == 0 ? even : odd;
                    for (int lm = l * l; lm < (l + 1) * (l + 1); ++lm) {
                        double* out = g + ((size_t)x * n_lm + lm) * N;
                        const double* k = &K[(size_t)lm * N];
                        for (int n = 0; n < N; ++n) out[n] += f * k[n];
                    }
                }
            }
        }
    }
    // The sum holds the centre's own charge with weight 1: reweight it (the split sum does it in
    // its real-space part).
    const int own = channel[c.atom];
    if (own >= 0 && plan.centre_weight != 1.0 && !plan.splits[c.system]) {
        plan.potential->compute(0.0, P, nullptr);
        const double y00 = 0.5 / std::sqrt(kPi);
        for (int n = 0; n < N; ++n) values[own * N + n] += (plan.centre_weight - 1.0) * P[n] * y00;
    }
}

// Values only, for `count` consecutive centres of one periodic structure: the same sum as
// periodic_centre, as matrix products over blocks of k-vectors (the k factors computed once for
// the batch): for each parity of l, out[lm n][c a] += sum_k K[k][lm n] F[k][c a] with
// F = Re or -Im of S_a(k) exp(i k.r_c). out[c][lm][a][n]. `radial(k, R)` gives the radial factor
// R[l * N + n] of K, N = `radial_size`: P_nl(k) for the coefficients (N = n_max + 1), or
// k^l / (4 pi) for the point multipoles D_lm of LodeMultipoleSplit (N = 1).
void periodic_values_batch(const Plan& plan, const std::vector<int>& channel, const std::vector<KVector>& kvectors,
                           const std::vector<std::complex<double>>& structure, const Centre* centres, size_t count,
                           const ExpansionSetup& setup, int radial_size,
                           const std::function<void(double, double*)>& radial, bool reweight_centre, double* out,
                           std::vector<double>& scratch) {
    using Matrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    const int S = plan.S, N = radial_size, L = plan.L, n_lm = plan.n_lm, row = S * N;
    const size_t width = (size_t)n_lm * row;
    std::vector<int> lm_of[2];  // the lm of even and odd l
    for (int l = 0; l < L; ++l)
        for (int lm = l * l; lm < (l + 1) * (l + 1); ++lm) lm_of[l % 2].push_back(lm);
    const Eigen::Index columns = (Eigen::Index)(count * S);
    constexpr size_t kBlock = 256;
    Matrix K[2], F[2], sum[2];
    for (int parity = 0; parity < 2; ++parity) {
        K[parity].resize(kBlock, (Eigen::Index)lm_of[parity].size() * N);
        F[parity].resize(kBlock, columns);
        sum[parity] = Matrix::Zero((Eigen::Index)lm_of[parity].size() * N, columns);
    }
    scratch.resize((size_t)L * N + n_lm);
    double* P = scratch.data();
    double* Y = P + L * N;
    for (size_t first = 0; first < kvectors.size(); first += kBlock) {
        const size_t block = std::min(kBlock, kvectors.size() - first);
        for (size_t b = 0; b < block; ++b) {
            const KVector& kv = kvectors[first + b];
            radial(kv.norm, P);
            setup.harmonics().compute(kv.k, Y, nullptr);
            for (int parity = 0; parity < 2; ++parity) {
                double* k_row = K[parity].row((Eigen::Index)b).data();
                for (size_t e = 0; e < lm_of[parity].size(); ++e) {
                    const int lm = lm_of[parity][e];
                    const int l = (int)std::sqrt((double)lm + 0.5);
                    const double sign = ((l / 2) % 2 == 0) ? 1.0 : -1.0;
                    for (int n = 0; n < N; ++n) k_row[e * N + n] = kv.prefactor * sign * P[l * N + n] * Y[lm];
                }
            }
            for (size_t c = 0; c < count; ++c) {
                const std::complex<double> shift = plan.phases[centres[c].system]((size_t)centres[c].atom, kv.m);
                for (int a = 0; a < S; ++a) {
                    const std::complex<double> t = structure[(first + b) * S + a] * shift;
                    F[0]((Eigen::Index)b, (Eigen::Index)(c * S + a)) = t.real();
                    F[1]((Eigen::Index)b, (Eigen::Index)(c * S + a)) = -t.imag();
                }
            }
        }
        for (int parity = 0; parity < 2; ++parity) {
            if (lm_of[parity].empty()) continue;
            sum[parity].noalias() += K[parity].topRows((Eigen::Index)block).transpose() * F[parity].topRows((Eigen::Index)block);
        }
    }
    for (size_t c = 0; c < count; ++c) {
        double* values = out + c * width;
        for (int parity = 0; parity < 2; ++parity)
            for (size_t e = 0; e < lm_of[parity].size(); ++e)
                for (int a = 0; a < S; ++a)
                    for (int n = 0; n < N; ++n)
                        values[(size_t)lm_of[parity][e] * row + a * N + n] =
                            sum[parity]((Eigen::Index)(e * N + n), (Eigen::Index)(c * S + a));
    }
    const double y00 = 0.5 / std::sqrt(kPi);
    for (size_t c = 0; c < count; ++c) {
        const int own = channel[centres[c].atom];
        if (!reweight_centre || own < 0 || plan.centre_weight == 1.0) continue;
        plan.potential->compute(0.0, P, nullptr);
        for (int n = 0; n < N; ++n) out[c * width + own * N + n] += (plan.centre_weight - 1.0) * P[n] * y00;
    }
}


// Wrapped positions and the images within short_cutoff of any point of the cell: the cell's
// atoms moved into [0, 1) in fractional coordinates, and every image whose fractional coordinate
// i lies within short_cutoff / (spacing of the lattice planes i) of [0, 1].
void prepare_images(Plan& plan, const System& system, size_t s, double reach) {
    double inverse[9];
    invert_3x3(system.cell.data(), inverse);
    const double* h = system.cell.data();
    const size_t n = system.size();
    auto& fractional = plan.wrapped_fractional[s];
    auto& wrapped = plan.wrapped_positions[s];
    fractional.resize(3 * n);
    wrapped.resize(3 * n);
    for (size_t j = 0; j < n; ++j) {
        for (int a = 0; a < 3; ++a) {  // f_a = sum_b r_b Hinv_ba
            double f = 0.0;
            for (int b = 0; b < 3; ++b) f += system.positions[3 * j + b] * inverse[3 * b + a];
            fractional[3 * j + a] = f - std::floor(f);
        }
        for (int b = 0; b < 3; ++b) {
            wrapped[3 * j + b] = 0.0;
            for (int a = 0; a < 3; ++a) wrapped[3 * j + b] += fractional[3 * j + a] * h[3 * a + b];
        }
    }
    double margin[3];  // plane spacing i = 1 / |column i of Hinv|
    for (int a = 0; a < 3; ++a)
        margin[a] = reach * std::sqrt(inverse[a] * inverse[a] + inverse[3 + a] * inverse[3 + a] + inverse[6 + a] * inverse[6 + a]);
    auto& images = plan.images[s];
    images.clear();
    for (size_t j = 0; j < n; ++j) {
        const int a = plan.channel[s][j];
        if (a < 0) continue;
        const double* f = &fractional[3 * j];
        int low[3], high[3];
        for (int x = 0; x < 3; ++x) {
            low[x] = (int)std::ceil(-margin[x] - f[x]);
            high[x] = (int)std::floor(1.0 + margin[x] - f[x]);
        }
        for (int u = low[0]; u <= high[0]; ++u)
            for (int v = low[1]; v <= high[1]; ++v)
                for (int w = low[2]; w <= high[2]; ++w) {
                    ImageAtom image;
                    image.f[0] = f[0] + u, image.f[1] = f[1] + v, image.f[2] = f[2] + w;
                    for (int b = 0; b < 3; ++b)
                        image.r[b] = image.f[0] * h[b] + image.f[1] * h[3 + b] + image.f[2] * h[6 + b];
                    image.atom = (int32_t)j;
                    image.channel = a;
                    images.push_back(image);
                }
    }
}

// values [lm][a][n] += sum over the gathered pairs of channel a of Y[pair][lm] R[pair][l n], as one
// matrix product per l (radial R and harmonics Y gathered per channel, `count` pairs each).
void add_pair_products(const std::vector<std::vector<double>>& radial, const std::vector<std::vector<double>>& harmonics,
                       const std::vector<size_t>& count, int S, int N, int L, std::vector<double>& values) {
    using Matrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    using Stride = Eigen::OuterStride<>;
    const int row = S * N, n_lm = L * L;
    for (int a = 0; a < S; ++a) {
        const Eigen::Index P = (Eigen::Index)count[a];
        if (P == 0) continue;
        const Eigen::Map<const Matrix> R(radial[a].data(), P, (Eigen::Index)L * N);
        const Eigen::Map<const Matrix> Y(harmonics[a].data(), P, n_lm);
        for (int l = 0; l < L; ++l) {
            Eigen::Map<Matrix, 0, Stride> out(&values[(size_t)l * l * row + a * N], 2 * l + 1, N, Stride(row));
            out.noalias() += Y.middleCols(l * l, 2 * l + 1).transpose() * R.middleCols((Eigen::Index)l * N, N);
        }
    }
}

// The real-space (short-range) part of the split sum for one centre, added to values
// [lm][a][n], gradients [atom][xyz][lm][n] and cell [3a+b][lm][a][n]: per image within
// short_cutoff the pair term Y_lm (J^sigma - J^eta), the centre's own charge (weight w_c for
// J^sigma, 1 for the J^eta that the reciprocal part holds), and minus the mean of the short-range
// potential, 2 pi (eta^2 - sigma^2) n_a / V, which the reference's dropped k = 0 term excludes.
// Cell gradients: with fractional coordinates fixed, d (pair vector) = s H, d d_b / d H_ab = s_a.
void short_range_centre(const Plan& plan, size_t s, const Centre& c, const ExpansionSetup& setup,
                        std::vector<double>& values, std::vector<double>& gradients, std::vector<double>& cell,
                        std::vector<double>& scratch) {
    const LodeRangeSplit& split = *plan.splits[s];
    const int S = plan.S, N = plan.N, L = plan.L, n_lm = plan.n_lm, row = S * N;
    scratch.resize((size_t)2 * L * N + 4 * n_lm);
    double* J = scratch.data();
    double* dJ = J + L * N;
    double* Y = dJ + L * N;
    double* dY = Y + n_lm;
    const bool derivatives = plan.positions || plan.cell;
    const double* ri = &plan.wrapped_positions[s][3 * c.atom];
    const double* fi = &plan.wrapped_fractional[s][3 * c.atom];
    const double reach2 = split.short_cutoff() * split.short_cutoff();
    const double y00 = 0.5 / std::sqrt(kPi);
    // Values only: the pair terms of each channel are gathered ([pair][l n] and [pair][lm]) and
    // summed as matrix products, per l: out[m][n] += sum_pairs Y[pair][l m] J[pair][l n].
    thread_local std::vector<std::vector<double>> gathered_J, gathered_Y;
    thread_local std::vector<size_t> gathered;
    if (!derivatives) {
        gathered_J.resize(S);
        gathered_Y.resize(S);
        gathered.assign(S, 0);
    }
    for (const ImageAtom& image : plan.images[s]) {
        double d[3];
        for (int x = 0; x < 3; ++x) d[x] = image.r[x] - ri[x];
        const double d2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
        if (d2 > reach2) continue;
        const int a = image.channel;
        if (d2 == 0.0) {  // the centre itself, or an atom on top of it: l = 0 only, constant
            const double narrow = image.atom == c.atom ? plan.centre_weight : 1.0;
            for (int n = 0; n < N; ++n)
                values[a * N + n] += (narrow * split.own_narrow()[n] - split.own_wide()[n]) * y00;
            continue;
        }
        const double distance = std::sqrt(d2);
        if (!derivatives) {
            const size_t p = gathered[a]++;
            if (gathered_J[a].size() < (p + 1) * L * N) gathered_J[a].resize(2 * (p + 1) * L * N);
            if (gathered_Y[a].size() < (p + 1) * n_lm) gathered_Y[a].resize(2 * (p + 1) * n_lm);
            split.compute(distance, &gathered_J[a][p * L * N], nullptr);
            setup.harmonics().compute(d, &gathered_Y[a][p * n_lm], nullptr);
            continue;
        }
        split.compute(distance, J, dJ);
        setup.harmonics().compute(d, Y, dY);
        for (int l = 0; l < L; ++l)
            for (int lm = l * l; lm < (l + 1) * (l + 1); ++lm) {
                double* out = &values[(size_t)lm * row + a * N];
                for (int n = 0; n < N; ++n) out[n] += J[l * N + n] * Y[lm];
            }
        if (!derivatives) continue;
        const bool own_image = image.atom == c.atom;  // moves with the centre: no position gradient
        double* g = plan.positions && !own_image ? &gradients[(size_t)image.atom * 3 * n_lm * N] : nullptr;
        double shift[3];
        for (int x = 0; x < 3; ++x) shift[x] = image.f[x] - fi[x];
        for (int x = 0; x < 3; ++x) {
            const double direction = d[x] / distance;
            for (int l = 0; l < L; ++l)
                for (int lm = l * l; lm < (l + 1) * (l + 1); ++lm) {
                    for (int n = 0; n < N; ++n) {
                        const double value = dJ[l * N + n] * direction * Y[lm] + J[l * N + n] * dY[x * n_lm + lm];
                        if (g) g[((size_t)x * n_lm + lm) * N + n] += value;
                        if (plan.cell)
                            for (int p = 0; p < 3; ++p)
                                cell[((size_t)(3 * p + x) * n_lm + lm) * row + a * N + n] += shift[p] * value;
                    }
                }
        }
    }
    if (!derivatives) add_pair_products(gathered_J, gathered_Y, gathered, S, N, L, values);
    // the mean of the short-range potential, a constant: projected on l = 0 as sqrt(4 pi) m_2
    const double eta = split.eta(), sigma = plan.sigma, volume = plan.volumes[s];
    const double* inverse = plan.inverse_cells[s].data();
    for (int a = 0; a < S; ++a) {
        const double mean = 2.0 * kPi * (eta * eta - sigma * sigma) * (double)plan.per_channel[s][a] / volume;
        for (int n = 0; n < N; ++n) {
            const double v = -mean * std::sqrt(4.0 * kPi) * split.second_moments()[n];
            values[a * N + n] += v;
            if (plan.cell)  // 1 / V: d V / d H_pq = V Hinv_qp
                for (int p = 0; p < 3; ++p)
                    for (int q = 0; q < 3; ++q) cell[(size_t)(3 * p + q) * n_lm * row + a * N + n] -= v * inverse[3 * q + p];
        }
    }
}

// Values of one centre of a periodic structure through point multipoles (lode_multipole_split.hpp):
// `reciprocal` holds the k-space part of D_lm, [lm][a]. Adds the near pair terms K_nl(d) Y_lm
// (the centre's own charge: w_c J_n0(0) - 4 pi M_n0 A_0(0)), the screened multipoles of the images
// up to r_s and the mean C_eta to D, projects D on the basis (M_nl 4 pi / (2l+1)!!), and adds the
// background's quadratic potential, sqrt(4 pi) (2 pi n_a / 3V) m_4 on l = 0.
void multipole_centre(const Plan& plan, size_t s, const Centre& c, const ExpansionSetup& setup,
                      const double* reciprocal, std::vector<double>& values, std::vector<double>& scratch) {
    const LodeMultipoleSplit& split = *plan.multipoles[s];
    const int S = plan.S, N = plan.N, L = plan.L, n_lm = plan.n_lm, row = S * N;
    scratch.resize((size_t)L * N + n_lm + L);
    double* K = scratch.data();
    double* Y = K + L * N;
    double* weights = Y + n_lm;
    const double* ri = &plan.wrapped_positions[s][3 * c.atom];
    const double near2 = split.near_cutoff() * split.near_cutoff(), reach2 = split.short_cutoff() * split.short_cutoff();
    const double y00 = 0.5 / std::sqrt(kPi);
    thread_local std::vector<std::vector<double>> far_x, far_y, far_z, far_weights;  // per channel; weights [j][l]
    thread_local std::vector<double> factors, D;
    thread_local std::vector<std::vector<double>> near_K, near_Y;  // per channel: [pair][l n], [pair][lm]
    thread_local std::vector<size_t> near_count;
    near_K.resize(S), near_Y.resize(S);
    near_count.assign(S, 0);
    far_x.resize(S), far_y.resize(S), far_z.resize(S), far_weights.resize(S);
    for (int a = 0; a < S; ++a) far_x[a].clear(), far_y[a].clear(), far_z[a].clear(), far_weights[a].clear();
    D.assign((size_t)S * n_lm, 0.0);
    for (int lm = 0; lm < n_lm; ++lm)
        for (int a = 0; a < S; ++a) D[(size_t)a * n_lm + lm] = reciprocal[(size_t)lm * S + a];
    for (const ImageAtom& image : plan.images[s]) {
        double d[3];
        for (int x = 0; x < 3; ++x) d[x] = image.r[x] - ri[x];
        const double d2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
        if (d2 > reach2) continue;
        const int a = image.channel;
        if (d2 == 0.0) {  // the centre itself (weighted), or an atom on top of it: l = 0 only
            const double weight = image.atom == c.atom ? plan.centre_weight : 1.0;
            for (int n = 0; n < N; ++n)
                values[a * N + n] += (weight * split.own_potential()[n] - split.own_smooth()[n]) * y00;
            continue;
        }
        const double distance = std::sqrt(d2);
        if (d2 < near2) {  // gathered, summed below as matrix products
            const size_t p = near_count[a]++;
            if (near_K[a].size() < (p + 1) * L * N) near_K[a].resize(2 * (p + 1) * L * N);
            if (near_Y[a].size() < (p + 1) * n_lm) near_Y[a].resize(2 * (p + 1) * n_lm);
            split.near_term(distance, &near_K[a][p * L * N]);
            setup.harmonics().compute(d, &near_Y[a][p * n_lm], nullptr);
            continue;
        }
        split.far_weights(distance, weights);
        far_x[a].push_back(d[0]), far_y[a].push_back(d[1]), far_z[a].push_back(d[2]);
        far_weights[a].insert(far_weights[a].end(), weights, weights + L);
    }
    add_pair_products(near_K, near_Y, near_count, S, N, L, values);
    const double eta = split.eta(), sigma = plan.sigma, volume = plan.volumes[s];
    for (int a = 0; a < S; ++a) {
        double* Da = &D[(size_t)a * n_lm];
        const int count = (int)far_x[a].size();
        if (count > 0) {
            factors.resize((size_t)L * count);  // [l][j], as add_weighted reads them
            for (int j = 0; j < count; ++j)
                for (int l = 0; l < L; ++l) factors[(size_t)l * count + j] = far_weights[a][(size_t)j * L + l];
            plan.far_field->add_weighted(far_x[a].data(), far_y[a].data(), far_z[a].data(), factors.data(), count, Da);
        }
        const double charge = (double)plan.per_channel[s][a];
        Da[0] += -2.0 * kPi * (eta * eta - sigma * sigma) * charge / volume * y00;
        double factorial = 1.0;  // (2l+1)!!
        for (int l = 0; l < L; ++l) {
            factorial *= 2 * l + 1;
            for (int lm = l * l; lm < (l + 1) * (l + 1); ++lm) {
                double* out = &values[(size_t)lm * row + a * N];
                for (int n = 0; n < N; ++n) out[n] += 4.0 * kPi / factorial * split.moments()[l * N + n] * Da[lm];
            }
        }
        for (int n = 0; n < N; ++n)
            values[a * N + n] += std::sqrt(4.0 * kPi) * 2.0 * kPi * charge / (3.0 * volume) * split.fourth_moments()[n];
    }
}

// Per-centre cost of the multipole sum (units of kMultipoleVectorCost's comment).
double multipole_cost(const LodeMultipoleCutoffs& cut, double near, double atoms, double volume) {
    const double pairs = atoms / volume * 4.0 / 3.0 * kPi * (std::pow(cut.short_cutoff, 3) - std::pow(near, 3));
    const double vectors = volume * std::pow(cut.long_k_cutoff, 3) / (12.0 * kPi * kPi);
    return pairs + vectors * kMultipoleVectorCost;
}

// Per-centre cost of the split sum with the cutoffs `cut` (units of kVectorCost's comment).
double split_cost(const LodeSplitCutoffs& cut, double atoms, double volume, bool positions) {
    const double pairs = atoms / volume * 4.0 / 3.0 * kPi * std::pow(cut.short_cutoff, 3);
    const double vectors = volume * std::pow(cut.long_k_cutoff, 3) / (12.0 * kPi * kPi);
    return pairs * (positions ? 4.0 : 1.0) + vectors * (kVectorCost + (positions ? kVectorAtomCost * atoms : 0.0));
}

}  // namespace

double lode_default_k_cutoff(double density_width) { return 1.2 * kPi / density_width; }

void set_lode_method_for_tests(const LodeMethodChoice& choice) { forced_method = choice; }

TensorMap compute_lode_spherical_expansion(const std::vector<System>& systems, const std::vector<NeighborList>&,
                                           const ExpansionSetup& setup, const DescriptorOptions& options,
                                           ThreadPool& pool, const std::atomic<bool>* cancel) {
    const double p = options.potential_exponent.value_or(1.0);
    bool any_periodic = false;
    for (size_t s = 0; s < systems.size(); ++s) {
        const auto& pbc = systems[s].pbc;
        const bool all = pbc[0] && pbc[1] && pbc[2];
        if (systems[s].periodic() && !all) {
            throw InvalidArgument("structure " + std::to_string(s) +
                                  ": lode-spherical-expansion needs a structure periodic in all three directions or "
                                  "in none");
        }
        if (all && p != 1.0) {
            throw InvalidArgument("structure " + std::to_string(s) + ": potential_exponent = " + std::to_string(p) +
                                  ": this build computes periodic structures only for p = 1 (the Coulomb potential); "
                                  "finite structures take any p in [1, 6]");
        }
        any_periodic = any_periodic || all;
    }

    Plan plan;
    const Hypers& hypers = setup.hypers();
    plan.S = setup.n_species();
    plan.N = setup.n_radial();
    plan.L = hypers.max_angular + 1;
    plan.n_lm = plan.L * plan.L;
    plan.centre_weight = hypers.center_atom_weight;
    plan.sigma = hypers.density_width;
    plan.k_cutoff = options.k_cutoff.value_or(lode_default_k_cutoff(plan.sigma));
    plan.positions = options.gradient_positions;
    plan.cell = options.gradient_cell;  // the engine has checked that every structure is periodic
    const int S = plan.S, N = plan.N, L = plan.L, n_lm = plan.n_lm;

    std::set<int32_t> present;
    for (const auto& system : systems) present.insert(system.types.begin(), system.types.end());
    plan.centre_types.assign(present.begin(), present.end());
    const size_t n_types = plan.centre_types.size();
    plan.rows_per_type.assign(n_types, 0);
    plan.channel.resize(systems.size());
    plan.rank.resize(systems.size());
    plan.per_channel.resize(systems.size());
    for (size_t s = 0; s < systems.size(); ++s) {
        const System& system = systems[s];
        plan.channel[s].resize(system.size());
        plan.rank[s].resize(system.size());
        plan.per_channel[s].assign(S, 0);
        for (size_t j = 0; j < system.size(); ++j) {
            const int a = setup.channel(system.types[j]);
            plan.channel[s][j] = a;
            plan.rank[s][j] = a >= 0 ? (int)plan.per_channel[s][a]++ : -1;
        }
    }
    for (size_t s = 0; s < systems.size(); ++s) {
        for (size_t j = 0; j < systems[s].size(); ++j) {
            const int t = (int)(std::lower_bound(plan.centre_types.begin(), plan.centre_types.end(), systems[s].types[j]) -
                                plan.centre_types.begin());
            plan.centres.push_back({(int32_t)s, (int32_t)j, t, plan.rows_per_type[t]++});
        }
    }
    const size_t n_centres = plan.centres.size();

    // Size of the result, checked before anything large is allocated or computed.
    size_t width_all_l = 0;  // sum over l of (2l+1) N
    for (int l = 0; l < L; ++l) width_all_l += (size_t)(2 * l + 1) * N;
    double bytes = 0.0;
    for (size_t t = 0; t < n_types; ++t) bytes += (double)plan.rows_per_type[t] * S * (8.0 * width_all_l + 8.0);
    if (plan.positions) {
        plan.gradient_first.resize(n_centres * S);
        plan.gradient_total.assign(n_types * S, 0);
        for (size_t c = 0; c < n_centres; ++c) {
            for (int a = 0; a < S; ++a) {
                size_t& total = plan.gradient_total[plan.centres[c].type_index * S + a];
                plan.gradient_first[c * S + a] = total;
                total += plan.gradient_rows(plan.centres[c], a);
            }
        }
        for (size_t g : plan.gradient_total) bytes += (double)g * (3.0 * 8.0 * width_all_l + 12.0 * L);
    }
    if (plan.cell) bytes += (double)n_centres * S * (9.0 * 8.0 * width_all_l + 4.0 * L);
    if (options.max_output_bytes != 0 && bytes > (double)options.max_output_bytes) {
        throw ResourceExhausted("the result would take " + std::to_string((long long)bytes) + " bytes, over the limit of " +
                                std::to_string(options.max_output_bytes) +
                                " bytes (fewer structures, smaller hypers, or no gradients)");
    }
    check_cancel(cancel);

    const RadialBasisSpec spec{hypers.cutoff, hypers.max_radial, hypers.max_angular, hypers.density_width};
    plan.potential = cached_lode_potential_integral(spec);
    if (p != 1.0) plan.power = cached_lode_power_integral(spec, p);
    if (!plan.positions && !plan.power) {  // the harmonic far field (finite) and the multipoles (periodic): p = 1
        plan.far_field = std::make_shared<const IrregularHarmonicsSum>(hypers.max_angular);
        plan.far_coordinates.resize(systems.size());
        for (size_t s = 0; s < systems.size(); ++s) {
            if (systems[s].periodic()) continue;
            FarCoordinates& out = plan.far_coordinates[s];
            out.xyz.resize(3 * systems[s].size());
            out.first.assign(S, 0);
            for (int a = 1; a < S; ++a) out.first[a] = out.first[a - 1] + 3 * plan.per_channel[s][a - 1];
            std::vector<size_t> filled(S, 0);
            for (size_t j = 0; j < systems[s].size(); ++j) {
                const int a = plan.channel[s][j];
                if (a < 0) continue;
                const size_t count = plan.per_channel[s][a], k = out.first[a] + filled[a]++;
                for (int x = 0; x < 3; ++x) out.xyz[k + x * count] = systems[s].positions[3 * j + x];
            }
        }
    }
    const size_t n_systems = systems.size();
    plan.kvectors.resize(n_systems);
    plan.phases.resize(n_systems);
    plan.widths.assign(n_systems, plan.sigma);
    plan.volumes.assign(n_systems, 0.0);
    plan.splits.resize(n_systems);
    plan.multipoles.resize(n_systems);
    plan.images.resize(n_systems);
    plan.wrapped_fractional.resize(n_systems);
    plan.wrapped_positions.resize(n_systems);
    if (any_periodic) {
        plan.inverse_cells.resize(n_systems);
        double max_k = 0.0;
        for (size_t s = 0; s < n_systems; ++s) {
            if (!systems[s].periodic()) continue;
            const double* h = systems[s].cell.data();
            invert_3x3(h, plan.inverse_cells[s].data());
            plan.volumes[s] = std::fabs(h[0] * (h[4] * h[8] - h[5] * h[7]) - h[1] * (h[3] * h[8] - h[5] * h[6]) +
                                        h[2] * (h[3] * h[7] - h[4] * h[6]));
            // The split sum is the converged sum: use it unless a k_cutoff short of convergence asks
            // for the truncated plain sum.
            const LodePeriodicMethod method = forced_method.method;
            const bool converged = !options.k_cutoff || plan.k_cutoff >= lode_converged_k_cutoff(spec);
            const bool values_only = !plan.positions && !plan.cell;
            const bool multipole = values_only && (method == LodePeriodicMethod::multipole ||
                                                   (method == LodePeriodicMethod::automatic && converged));
            const bool split = !multipole && (method == LodePeriodicMethod::split ||
                                              method == LodePeriodicMethod::multipole ||
                                              (method == LodePeriodicMethod::automatic && converged));
            double k = plan.k_cutoff;
            double atoms = 0.0;
            for (size_t count : plan.per_channel[s]) atoms += (double)count;
            // the candidate width of least modelled cost, or the one a test forces
            auto choose = [&](size_t count, const std::function<double(size_t)>& cost) {
                size_t best = 0;
                for (size_t e = 1; e < count; ++e)
                    if (cost(e) < cost(best)) best = e;
                if (forced_method.split_candidate >= 0) best = std::min((size_t)forced_method.split_candidate, count - 1);
                return best;
            };
            if (multipole) {
                const auto& candidates = lode_multipole_candidates(spec);
                const double near = plan.potential->far_field_start();
                const auto& best = candidates[choose(candidates.size(), [&](size_t e) {
                    return multipole_cost(candidates[e], near, atoms, plan.volumes[s]);
                })];
                plan.multipoles[s] = cached_lode_multipole_split(spec, best);
                plan.widths[s] = best.eta;
                k = best.long_k_cutoff;
                prepare_images(plan, systems[s], s, best.short_cutoff);
            } else if (split) {
                const auto& candidates = lode_split_candidates(spec);
                const auto& best = candidates[choose(candidates.size(), [&](size_t e) {
                    return split_cost(candidates[e], atoms, plan.volumes[s], plan.positions);
                })];
                plan.splits[s] = cached_lode_range_split(spec, best);
                plan.widths[s] = best.eta;
                k = best.long_k_cutoff;
                prepare_images(plan, systems[s], s, best.short_cutoff);
            }
            plan.kvectors[s] = half_reciprocal_lattice(systems[s], k, plan.widths[s]);
            plan.phases[s] = PhaseTable(systems[s], plan.kvectors[s]);
            max_k = std::max(max_k, k);
        }
        plan.plane_wave = cached_lode_plane_wave_integral(spec, max_k);
    }
    check_cancel(cancel);

    // Blocks in key order (l, centre type, neighbour type).
    TensorMap result;
    result.keys.names = {"o3_lambda", "o3_sigma", "center_type", "neighbor_type"};
    auto block_index = [&](int l, size_t t, int a) { return ((size_t)l * n_types + t) * S + a; };
    result.blocks.resize((size_t)L * n_types * S);
    for (int l = 0; l < L; ++l) {
        for (size_t t = 0; t < n_types; ++t) {
            for (int a = 0; a < S; ++a) {
                result.keys.values.insert(result.keys.values.end(), {l, 1, plan.centre_types[t], setup.species()[a]});
                Block& block = result.blocks[block_index(l, t, a)];
                block.samples.names = {"system", "atom"};
                for (const Centre& c : plan.centres) {
                    if ((size_t)c.type_index != t) continue;
                    block.samples.values.push_back(c.system);
                    block.samples.values.push_back(c.atom);
                }
                Labels mu;
                mu.names = {"o3_mu"};
                for (int m = -l; m <= l; ++m) mu.values.push_back(m);
                block.components.push_back(mu);
                block.properties.names = {"n"};
                for (int n = 0; n < N; ++n) block.properties.values.push_back(n);
                const size_t width = (size_t)(2 * l + 1) * N;
                block.values.resize(plan.rows_per_type[t] * width);
                if (plan.positions) {
                    GradientBlock gradient;
                    gradient.parameter = "positions";
                    gradient.samples.names = {"sample", "system", "atom"};
                    const size_t rows = plan.gradient_total[t * S + a];
                    gradient.samples.values.resize(rows * 3);
                    Labels xyz;
                    xyz.names = {"xyz"};
                    xyz.values = {0, 1, 2};
                    gradient.components = {xyz, mu};
                    gradient.values.resize(rows * 3 * width);
                    block.gradients.push_back(std::move(gradient));
                }
                if (plan.cell) {
                    GradientBlock gradient;
                    gradient.parameter = "cell";
                    gradient.samples.names = {"sample"};
                    for (size_t r = 0; r < plan.rows_per_type[t]; ++r) gradient.samples.values.push_back((int32_t)r);
                    Labels row, column;
                    row.names = {"cell_row"};
                    row.values = {0, 1, 2};
                    column.names = {"cell_column"};
                    column.values = {0, 1, 2};
                    gradient.components = {row, column, mu};
                    gradient.values.resize(plan.rows_per_type[t] * 9 * width);
                    block.gradients.push_back(std::move(gradient));
                }
            }
        }
    }

    // Structure factors of the periodic systems, per k and channel.
    std::vector<std::vector<std::complex<double>>> structure(systems.size());
    for (size_t s = 0; s < systems.size(); ++s) {
        const auto& kv = plan.kvectors[s];
        if (kv.empty()) continue;
        structure[s].assign(kv.size() * S, 0.0);
        pool.parallel_for(kv.size(), [&](size_t q) {
            for (size_t j = 0; j < systems[s].size(); ++j) {
                const int a = plan.channel[s][j];
                if (a < 0) continue;
                structure[s][q * S + a] += std::conj(plan.phases[s](j, kv[q].m));
            }
        }, options.max_threads);
    }
    check_cancel(cancel);

    const size_t n_chunks = std::min(n_centres, std::max<size_t>(1, (options.max_threads ? options.max_threads : pool.size() + 1) * 8));
    const std::function<void(double, double*)> coefficient_radial = [&](double k, double* R) {
        plan.plane_wave->compute(k, R, nullptr);
    };
    const std::function<void(double, double*)> multipole_radial = [&](double k, double* R) {
        double power = 1.0 / (4.0 * kPi);
        for (int l = 0; l < L; ++l, power *= k) R[l] = power;
    };
    pool.parallel_for(n_chunks, [&](size_t chunk) {
        std::vector<double> values((size_t)n_lm * S * N), gradients, cell, scratch, batch;
        const size_t begin = chunk * n_centres / n_chunks, end = (chunk + 1) * n_centres / n_chunks;
        const size_t width = values.size();
        size_t batch_begin = 0, batch_end = 0;  // centres whose values are in `batch`
        for (size_t c = begin; c < end; ++c) {
            check_cancel(cancel);
            const Centre& centre = plan.centres[c];
            const System& system = systems[centre.system];
            const auto& channel = plan.channel[centre.system];
            std::fill(values.begin(), values.end(), 0.0);
            if (plan.positions) gradients.assign(system.size() * 3 * n_lm * N, 0.0);
            if (plan.cell) cell.assign((size_t)9 * n_lm * S * N, 0.0);
            const bool values_only = !plan.positions && !plan.cell;
            const bool multipole = system.periodic() && plan.multipoles[centre.system] != nullptr;
            if (system.periodic() && values_only && c >= batch_end) {
                // the run of this chunk's centres in the same structure, a few at a time (cancel polls)
                batch_begin = c;
                batch_end = c;
                while (batch_end < end && batch_end - c < 64 && plan.centres[batch_end].system == centre.system) ++batch_end;
                batch.resize((batch_end - batch_begin) * width);
                const auto& kv = plan.kvectors[centre.system];
                const auto& sf = structure[centre.system];
                if (multipole) {  // the point multipoles D_lm, [c][lm][a]
                    batch.resize((batch_end - batch_begin) * n_lm * S);
                    periodic_values_batch(plan, channel, kv, sf, &plan.centres[batch_begin], batch_end - batch_begin,
                                          setup, 1, multipole_radial, false, batch.data(), scratch);
                } else {
                    batch.resize((batch_end - batch_begin) * width);
                    periodic_values_batch(plan, channel, kv, sf, &plan.centres[batch_begin], batch_end - batch_begin,
                                          setup, N, coefficient_radial, !plan.splits[centre.system], batch.data(),
                                          scratch);
                }
            }
            if (multipole) {
                multipole_centre(plan, centre.system, centre, setup, &batch[(c - batch_begin) * n_lm * S], values,
                                 scratch);
            } else if (system.periodic() && values_only) {
                std::copy_n(&batch[(c - batch_begin) * width], width, values.begin());
            } else if (system.periodic()) {
                periodic_centre(plan, system, channel, plan.kvectors[centre.system], structure[centre.system], centre,
                                setup, plan.cell ? plan.inverse_cells[centre.system].data() : nullptr, values, gradients,
                                cell, scratch);
            } else {
                finite_centre(plan, system, channel, centre, setup, values, gradients, scratch);
            }
            if (system.periodic() && plan.splits[centre.system])
                short_range_centre(plan, centre.system, centre, setup, values, gradients, cell, scratch);
            for (int l = 0; l < L; ++l) {
                const size_t width = (size_t)(2 * l + 1) * N;
                for (int a = 0; a < S; ++a) {
                    Block& block = result.blocks[block_index(l, centre.type_index, a)];
                    double* out = block.values.data() + centre.row * width;
                    for (int m = 0; m < 2 * l + 1; ++m)
                        std::copy_n(&values[(size_t)(l * l + m) * S * N + a * N], N, out + m * N);
                    if (plan.cell) {
                        double* c_out = block.gradients.back().values.data() + centre.row * 9 * width;
                        for (int ab = 0; ab < 9; ++ab)
                            for (int m = 0; m < 2 * l + 1; ++m)
                                std::copy_n(&cell[((size_t)ab * n_lm + l * l + m) * S * N + a * N], N,
                                            c_out + (ab * (2 * l + 1) + m) * N);
                    }
                    if (!plan.positions || plan.gradient_rows(centre, a) == 0) continue;
                    GradientBlock& gradient = block.gradients[0];
                    const size_t first = plan.gradient_first[c * S + a];
                    // the centre's row: minus the sum over the other atoms of this channel
                    const size_t centre_slot = first + plan.slot(centre, a, centre.atom);
                    double* centre_out = gradient.values.data() + centre_slot * 3 * width;
                    std::fill(centre_out, centre_out + 3 * width, 0.0);
                    int32_t* label = gradient.samples.values.data() + centre_slot * 3;
                    label[0] = (int32_t)centre.row, label[1] = centre.system, label[2] = centre.atom;
                    for (size_t j = 0; j < system.size(); ++j) {
                        if (channel[j] != a || (int32_t)j == centre.atom) continue;
                        const size_t slot = first + plan.slot(centre, a, (int32_t)j);
                        double* out_j = gradient.values.data() + slot * 3 * width;
                        int32_t* lab = gradient.samples.values.data() + slot * 3;
                        lab[0] = (int32_t)centre.row, lab[1] = centre.system, lab[2] = (int32_t)j;
                        for (int x = 0; x < 3; ++x) {
                            for (int m = 0; m < 2 * l + 1; ++m) {
                                const double* g = &gradients[((j * 3 + x) * n_lm + l * l + m) * N];
                                double* o = out_j + (x * (2 * l + 1) + m) * N;
                                double* oc = centre_out + (x * (2 * l + 1) + m) * N;
                                for (int n = 0; n < N; ++n) {
                                    o[n] = g[n];
                                    oc[n] -= g[n];
                                }
                            }
                        }
                    }
                }
            }
        }
    }, options.max_threads);
    check_cancel(cancel);
    return result;
}

}  // namespace hamd
