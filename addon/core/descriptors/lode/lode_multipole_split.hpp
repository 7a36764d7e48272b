// The periodic LODE sum through point multipoles (docs/science.md#lode, "Periodic values through
// multipoles"): values only. Inside the projection sphere of centre i, the zero-mean periodic
// potential of channel a is
//   V = sum_{near images, d < d_far} phi_sigma(x - d) + (2 pi n_a / 3 V_cell) |x - r_i|^2 + H(x),
// H harmonic in the sphere (the far images' Gaussians do not reach it), so
//   c_nlm = sum_near w J_nl(d) Y_lm(d_hat) + M_nl h_lm + sqrt(4 pi) (2 pi n_a / 3 V_cell) m_4 [l = 0],
//   h_lm = 4 pi / (2l+1)!! D_lm,   D_lm = Ylm(grad) H at r_i  (Ylm(x) = |x|^l Y_lm(x_hat)).
// D needs (l_max+1)^2 numbers per species instead of n_max (l_max+1)^2: an Ewald sum of point
// multipoles with a Gaussian of width eta (beta = 1 / (sqrt2 eta)), by Hobson's theorem
//   D_lm = sum_{d_far <= d < r_s} Ylm(d) B_l(d)  -  sum_near Ylm(d) A_l(d)
//        + sum_k (4 pi / V k^2) exp(-eta^2 k^2 / 2) Ylm(i k) S_a(k) exp(i k.r_i)  +  C_eta Y_00 [l = 0],
// B_l = (-(1/r) d/dr)^l erfc(beta r)/r, A_l the same for erf(beta r)/r (regular at 0), and
// C_eta = -2 pi (eta^2 - sigma^2) n_a / V_cell the mean that the dropped k = 0 term removes.
// This class holds, per basis and eta, the tables: the near pair term
//   K_nl(d) = J_nl(d) - 4 pi / (2l+1)!! M_nl d^l A_l(d),  d < d_far,
// the screened far weights b_l(d) = B_l(d) d^(2l+1) / (2l-1)!! (1 at 0, falling to 0), and the
// cutoffs r_s (real space) and k_l (reciprocal) from the same error bound as LodeRangeSplit.
#pragma once
#include <memory>
#include <vector>

#include "core/descriptors/density/radial_integral.hpp"
#include "core/descriptors/lode/hermite_table.hpp"

namespace hamd {

struct LodeMultipoleCutoffs {
    double eta;
    double short_cutoff;   // r_s, Angstrom
    double long_k_cutoff;  // k_l, 1/Angstrom
};

// Candidates for eta (the ladder of LodeRangeSplit) with their cutoffs, cached per basis.
const std::vector<LodeMultipoleCutoffs>& lode_multipole_candidates(const RadialBasisSpec& spec);

class LodeMultipoleSplit {
public:
    LodeMultipoleSplit(const RadialBasisSpec& spec, const LodeMultipoleCutoffs& cutoffs);
    const RadialBasisSpec& spec() const { return spec_; }
    double eta() const { return cutoffs_.eta; }
    double short_cutoff() const { return cutoffs_.short_cutoff; }
    double long_k_cutoff() const { return cutoffs_.long_k_cutoff; }
    double near_cutoff() const { return near_; }  // d_far = cutoff + 10 sigma
    // values[l * n_radial + n] = K_nl(d), 0 < d < near_cutoff().
    void near_term(double d, double* values) const { near_table_->compute(d, values, nullptr); }
    // weights[l] = (2l-1)!! b_l(d) (so that Ylm(d) B_l(d) = I_lm(d) weights[l]), near_cutoff() <= d <= short_cutoff().
    void far_weights(double d, double* weights) const;
    // The centre's own charge (d = 0, l = 0): J_n0(0) and 4 pi M_n0 A_0(0), per n.
    const std::vector<double>& own_potential() const { return own_potential_; }
    const std::vector<double>& own_smooth() const { return own_smooth_; }
    // M_nl [l][n], and m_2, m_4 per n (integrals over the projection sphere).
    const std::vector<double>& moments() const { return moments_; }
    const std::vector<double>& second_moments() const { return m2_; }
    const std::vector<double>& fourth_moments() const { return m4_; }

private:
    RadialBasisSpec spec_;
    LodeMultipoleCutoffs cutoffs_;
    int L_ = 0;
    double near_ = 0.0;
    std::vector<double> own_potential_, own_smooth_, moments_, m2_, m4_, double_factorials_;
    std::unique_ptr<HermiteTable> near_table_, far_table_;
};

std::shared_ptr<const LodeMultipoleSplit> cached_lode_multipole_split(const RadialBasisSpec& spec,
                                                                      const LodeMultipoleCutoffs& cutoffs);

// B_l(r) for l = 0..max_l + 1 (upward recursion from erfc; r > 0), and A_l(r) for l = 0..max_l + 1
// (a series in long double where beta r < 2.5, (2l-1)!!/r^(2l+1) - B_l beyond). For the tables and tests.
void screened_multipole_radials(double beta, double r, int max_l, double* B, double* A);

}  // namespace hamd
