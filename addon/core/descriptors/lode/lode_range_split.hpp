// Range separation (Ewald split) of the periodic LODE sum (docs/science.md#lode, "Cost"):
// the potential of a Gaussian charge of width sigma is split with a wider Gaussian eta > sigma,
//   phi_sigma = (phi_sigma - phi_eta) + phi_eta.
// The first part is short-ranged: its projection on R_n Y_lm around a centre is
// Y_lm(d_hat) [J^sigma_nl(d) - J^eta_nl(d)] per pair, negligible beyond short_cutoff(), summed over
// the periodic images in real space. The second part is smooth: its reciprocal sum needs only
// |k| <= long_k_cutoff() (the factor exp(-eta^2 k^2 / 2)).
// Both cutoffs are found by scanning the exact integrals once per basis: the neglected part of
// every pair term is below kSplitTolerance of the largest |J^sigma_nl| (the size of one pair's
// contribution), in real space pointwise beyond short_cutoff(), in reciprocal space as the tail
// 8 int_{k_l}^inf exp(-eta^2 k^2/2) max_nl |P_nl(k)| dk of the plane-wave route
// J_nl(d) = 8 int exp(-eta^2 k^2/2) P_nl(k) j_l(kd) dk.
#pragma once
#include <memory>
#include <vector>

#include "core/descriptors/density/radial_integral.hpp"
#include "core/descriptors/lode/hermite_table.hpp"

namespace hamd {

constexpr double kSplitTolerance = 1e-11;

// The two cutoffs of one split width eta, for the basis `spec` (density_width = sigma).
struct LodeSplitCutoffs {
    double eta;
    double short_cutoff;   // Angstrom
    double long_k_cutoff;  // 1/Angstrom
};

// Cutoffs for the candidate widths eta (a geometric ladder from 1.5 sigma), cached per basis.
const std::vector<LodeSplitCutoffs>& lode_split_candidates(const RadialBasisSpec& spec);

// The size of one pair's contribution, max over d and channels of |J^sigma_nl(d)|: the scale of
// kSplitTolerance.
double lode_pair_scale(const RadialBasisSpec& spec);

// The k beyond which the unsplit reciprocal sum (eta = sigma) is converged to kSplitTolerance:
// a reference sum with k_cutoff at least this equals the split sum to that accuracy.
double lode_converged_k_cutoff(const RadialBasisSpec& spec);

// Smallest k_l with 8 int_{k_l}^inf exp(-width^2 k^2/2) largest(k) dk <= tolerance, from samples
// largest[i] = max over channels of |P(k)| at k = i * step (trapezoids; shared with the multipole split).
double lode_reciprocal_tail_cutoff(const std::vector<double>& largest, double step, double width, double tolerance);

class LodeRangeSplit {
public:
    LodeRangeSplit(const RadialBasisSpec& spec, const LodeSplitCutoffs& cutoffs);
    const RadialBasisSpec& spec() const { return spec_; }
    double eta() const { return cutoffs_.eta; }
    double short_cutoff() const { return cutoffs_.short_cutoff; }
    double long_k_cutoff() const { return cutoffs_.long_k_cutoff; }
    // values[l * n_radial + n] = J^sigma_nl(d) - J^eta_nl(d), derivatives d/dd (if not null);
    // 0 <= d <= short_cutoff().
    void compute(double d, double* values, double* derivatives) const;
    // J^sigma_n0(0) and J^eta_n0(0) (the centre's own charge), and m_2 = int r^2 R_n dr, per n.
    const std::vector<double>& own_narrow() const { return own_narrow_; }
    const std::vector<double>& own_wide() const { return own_wide_; }
    const std::vector<double>& second_moments() const { return second_moments_; }

private:
    RadialBasisSpec spec_;
    LodeSplitCutoffs cutoffs_;
    std::vector<double> own_narrow_, own_wide_, second_moments_;
    std::unique_ptr<HermiteTable> table_;
};

std::shared_ptr<const LodeRangeSplit> cached_lode_range_split(const RadialBasisSpec& spec, const LodeSplitCutoffs& cutoffs);

}  // namespace hamd
