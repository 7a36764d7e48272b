// See lode_multipole_split.hpp for the formulas. B_l and A_l: with s = r^2, (-(1/r) d/dr) = -2 d/ds,
//   B_l = [(2l-1) B_{l-1} + (2 beta^2)^l / (beta sqrt(pi)) exp(-beta^2 r^2)] / r^2   (all terms positive: stable upward),
//   A_l = 2 beta / sqrt(pi) (2 beta^2)^l sum_q (-beta^2 r^2)^q / (q! (2l + 2q + 1))  (the series of erf(beta r)/r),
//   B_l + A_l = (2l-1)!! / r^(2l+1),  and d/dr B_l = -r B_{l+1}, d/dr A_l = -r A_{l+1}.
#include "core/descriptors/lode/lode_multipole_split.hpp"

#include <algorithm>
#include <cmath>

#include "core/descriptors/density/gto_basis.hpp"
#include "core/descriptors/lode/lode_integrals.hpp"
#include "core/descriptors/lode/lode_range_split.hpp"
#include "core/descriptors/lode/table_cache.hpp"

namespace hamd {

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kScanStep = 0.1;    // Angstrom
constexpr double kScanStepK = 0.02;  // 1/Angstrom
constexpr double kSeriesLimit = 2.5; // beta r below which A_l comes from its series
// The screened weights b_l enter every image out to r_s (tens of thousands for a wide eta) with
// the same sign for l = 0, so the table's interpolation error adds up instead of averaging out:
// 1e-13 of b_l(0) = 1 keeps the sum of 10^5 such errors near 1e-8 of a pair term's size.
constexpr double kFarTableTolerance = 1e-13;

double double_factorial(int k) {  // k!! for odd k >= -1
    double out = 1.0;
    for (int j = k; j > 1; j -= 2) out *= j;
    return out;
}

// The moments M_nl = int_0^rc r^(l+2) R_n dr for l = 0..max(2, max_angular), [l][n].
std::vector<double> sphere_moments(const RadialBasisSpec& spec) {
    RadialBasisSpec wide = spec;
    wide.max_angular = std::max(2, spec.max_angular);
    return LodePotentialIntegral(wide, false).moments();
}

std::vector<LodeMultipoleCutoffs> scan(const RadialBasisSpec& spec) {
    const LodePotentialIntegral narrow(spec, false);
    const int N = narrow.n_radial(), L = spec.max_angular + 1;
    const std::vector<double> M = sphere_moments(spec);
    const double tolerance = kSplitTolerance * lode_pair_scale(spec), near = narrow.far_field_start();
    // the largest coefficient of a pair term per l: 4 pi / (2l+1)!! max_n |M_nl| max_m |Y_lm|
    std::vector<double> weight(L);
    for (int l = 0; l < L; ++l) {
        double largest = 0.0;
        for (int n = 0; n < N; ++n) largest = std::max(largest, std::fabs(M[l * N + n]));
        weight[l] = 4.0 * kPi / double_factorial(2 * l + 1) * largest * std::sqrt((2 * l + 1) / (4.0 * kPi));
    }
    std::vector<double> B(L + 1), A(L + 1);
    std::vector<LodeMultipoleCutoffs> out;
    for (const LodeSplitCutoffs& split : lode_split_candidates(spec)) {
        const double eta = split.eta, beta = 1.0 / (std::sqrt(2.0) * eta);
        // real space: the last d (from above) where a pair term d^l B_l(d) exceeds the tolerance
        double d = near + 12.0 * eta + 4.0;
        for (; d > near; d -= kScanStep) {
            screened_multipole_radials(beta, d, L - 1, B.data(), A.data());
            double worst = 0.0;
            for (int l = 0; l < L; ++l) worst = std::max(worst, weight[l] * std::pow(d, l) * B[l]);
            if (worst > tolerance) break;
        }
        const double r_s = std::max(d + kScanStep, near);
        // reciprocal space: the plane-wave route of a pair's smooth part, P_nl(k) -> M_nl k^l / (2l+1)!!
        const double k_top = (std::sqrt(80.0) + 2.0 * L) / eta;
        std::vector<double> largest;
        for (int i = 0; i * kScanStepK <= k_top; ++i) {
            const double k = i * kScanStepK;
            double biggest = 0.0;
            for (int l = 0; l < L; ++l)
                for (int n = 0; n < N; ++n)
                    biggest = std::max(biggest, std::fabs(M[l * N + n]) * std::pow(k, l) / double_factorial(2 * l + 1));
            largest.push_back(biggest);
        }
        out.push_back({eta, r_s, lode_reciprocal_tail_cutoff(largest, kScanStepK, eta, tolerance)});
    }
    return out;
}

}  // namespace

void screened_multipole_radials(double beta, double r, int max_l, double* B, double* A) {
    const double r2 = r * r, gaussian = std::exp(-beta * beta * r2), root_pi = std::sqrt(kPi);
    B[0] = std::erfc(beta * r) / r;
    double power = 2.0 * beta * beta;  // (2 beta^2)^l
    for (int l = 1; l <= max_l + 1; ++l, power *= 2.0 * beta * beta)
        B[l] = ((2 * l - 1) * B[l - 1] + power / (beta * root_pi) * gaussian) / r2;
    if (beta * r >= kSeriesLimit) {
        double point = 1.0 / r;  // (2l-1)!! / r^(2l+1)
        for (int l = 0; l <= max_l + 1; ++l) {
            A[l] = point - B[l];
            point *= (2 * l + 1) / r2;
        }
        return;
    }
    const long double x = (long double)beta * beta * r2;
    long double prefactor = 2.0L * beta / std::sqrt((long double)kPi);  // 2 beta / sqrt(pi) (2 beta^2)^l
    for (int l = 0; l <= max_l + 1; ++l, prefactor *= 2.0L * beta * beta) {
        long double sum = 0.0L, term = 1.0L;  // (-x)^q / q!
        for (int q = 0; q < 200; ++q) {
            const long double piece = term / (2 * l + 2 * q + 1);
            sum += piece;
            if (q > x && std::fabs((double)piece) < 1e-22 * std::fabs((double)sum)) break;
            term *= -x / (q + 1);
        }
        A[l] = (double)(prefactor * sum);
    }
}

const std::vector<LodeMultipoleCutoffs>& lode_multipole_candidates(const RadialBasisSpec& spec) {
    struct Candidates {
        RadialBasisSpec spec;
        std::vector<LodeMultipoleCutoffs> list;
    };
    static TableCache<Candidates> cache(0);  // never dropped: callers hold references
    return cache.get([&](const Candidates& c) { return c.spec == spec; },
                     [&] { return std::make_shared<const Candidates>(Candidates{spec, scan(spec)}); })
        ->list;
}

LodeMultipoleSplit::LodeMultipoleSplit(const RadialBasisSpec& spec, const LodeMultipoleCutoffs& cutoffs)
    : spec_(spec), cutoffs_(cutoffs), L_(spec.max_angular + 1) {
    const auto narrow = std::make_shared<const LodePotentialIntegral>(spec, false);
    const int N = narrow->n_radial(), L = L_, channels = N * L;
    near_ = narrow->far_field_start();
    const std::vector<double> all_moments = sphere_moments(spec);
    moments_.assign(all_moments.begin(), all_moments.begin() + channels);
    m2_.assign(all_moments.begin(), all_moments.begin() + N);
    m4_.assign(all_moments.begin() + 2 * N, all_moments.begin() + 3 * N);
    for (int l = 0; l <= L + 1; ++l) double_factorials_.push_back(double_factorial(2 * l - 1));
    const double beta = 1.0 / (std::sqrt(2.0) * cutoffs.eta);
    std::vector<double> J(channels);
    narrow->compute_untabulated(0.0, J.data(), nullptr);
    own_potential_.assign(J.begin(), J.begin() + N);
    const double a0 = 2.0 * beta / std::sqrt(kPi);  // A_0(0)
    for (int n = 0; n < N; ++n) own_smooth_.push_back(4.0 * kPi * moments_[n] * a0);

    const std::vector<double> moments = moments_;
    auto near_term = [narrow, moments, beta, N, L, channels](double d, double* values, double* derivatives) {
        thread_local std::vector<double> B, A;
        B.resize(L + 2);
        A.resize(L + 2);
        narrow->compute_untabulated(d, values, derivatives);
        if (d > 0.0) {
            screened_multipole_radials(beta, d, L, B.data(), A.data());
        } else {  // A_l(0) = 2 beta / sqrt(pi) (2 beta^2)^l / (2l+1); only l = 0 survives d^l
            for (int l = 0; l <= L + 1; ++l) A[l] = 2.0 * beta / std::sqrt(kPi) * std::pow(2.0 * beta * beta, l) / (2 * l + 1);
        }
        double factorial = 1.0;  // (2l+1)!!
        for (int l = 0; l < L; ++l) {
            factorial *= (2 * l + 1);
            const double dl = std::pow(d, l);
            const double smooth = dl * A[l];
            // d/dd [d^l A_l] = l d^(l-1) A_l - d^(l+1) A_(l+1)
            const double slope = (l > 0 ? l * std::pow(d, l - 1) * A[l] : 0.0) - dl * d * A[l + 1];
            for (int n = 0; n < N; ++n) {
                const double c = 4.0 * kPi / factorial * moments[l * N + n];
                values[l * N + n] -= c * smooth;
                if (derivatives) derivatives[l * N + n] -= c * slope;
            }
        }
        (void)channels;
    };
    const GtoBasis basis(spec.cutoff, spec.max_radial);
    near_table_ = std::make_unique<HermiteTable>(near_term, near_, channels, std::min(spec.density_width, basis.width(0)), 1e-9);

    // b_l(near + t) = B_l d^(2l+1) / (2l-1)!!, and its derivative (2l+1) d^(2l) B_l - d^(2l+2) B_(l+1), over (2l-1)!!
    const double start = near_;
    const std::vector<double> factorials = double_factorials_;
    auto far_term = [start, beta, L, factorials](double t, double* values, double* derivatives) {
        thread_local std::vector<double> B, A;
        B.resize(L + 2);
        A.resize(L + 2);
        const double d = start + t;
        screened_multipole_radials(beta, d, L, B.data(), A.data());
        for (int l = 0; l < L; ++l) {
            const double power = std::pow(d, 2 * l);
            values[l] = B[l] * power * d / factorials[l];
            if (derivatives) derivatives[l] = ((2 * l + 1) * power * B[l] - power * d * d * B[l + 1]) / factorials[l];
        }
    };
    far_table_ = std::make_unique<HermiteTable>(far_term, std::max(cutoffs.short_cutoff - near_, 1e-3), L,
                                                cutoffs.eta / 4.0, kFarTableTolerance);
}

void LodeMultipoleSplit::far_weights(double d, double* weights) const {
    far_table_->compute(std::max(d - near_, 0.0), weights, nullptr);
    for (int l = 0; l < L_; ++l) weights[l] *= double_factorials_[l];
}

std::shared_ptr<const LodeMultipoleSplit> cached_lode_multipole_split(const RadialBasisSpec& spec,
                                                                      const LodeMultipoleCutoffs& cutoffs) {
    static TableCache<LodeMultipoleSplit> cache(8);
    return cache.get([&](const LodeMultipoleSplit& split) { return split.spec() == spec && split.eta() == cutoffs.eta; },
                     [&] { return std::make_shared<const LodeMultipoleSplit>(spec, cutoffs); });
}

}  // namespace hamd
