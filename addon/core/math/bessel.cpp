// Scaled modified spherical Bessel functions e^{-z} i_l(z).
//
// The two highest orders come from a positive power series (small and moderate z: no
// cancellation) or from the exact finite expansion
//   e^{-z} i_n(z) = 1/(2z) [ sum_k (-1)^k a_k(n) z^-k + (-1)^(n+1) e^{-2z} sum_k a_k(n) z^-k ],
//   a_k(n) = (n+k)! / (k! (n-k)! 2^k),
// used only where z >= 0.3 n(n+1): there the alternating sum is at most ~30 times larger in
// absolute terms than its value, so it loses under 1.5 digits. Lower orders follow by the downward
// recurrence i_{l-1} = i_{l+1} + (2l+1)/z i_l, whose terms are all positive: stable.
// For z < 1 every order takes its own short series, since the top orders may underflow there.
// All recurrence coefficients are tabulated in the constructor: no division in compute().
#include "core/math/bessel.hpp"

#include <cmath>
#include <string>

#include "core/base/errors.hpp"

namespace hamd {

namespace {

constexpr int kSmallTerms = 24;  // z < 1: the k-th term is below (1/2)^k / k!

// Terms needed for the series up to argument z: beyond k = z the ratio is below 1/4, and
// 40 more steps bring the term under 1e-17 of the sum.
int series_terms(double z) { return (int)std::ceil(z) + 40; }

}  // namespace

ScaledSphericalBesselI::ScaledSphericalBesselI(int max_l) : max_l_(max_l) {
    if (max_l < 0 || max_l > kMaxOrder) {
        throw InvalidArgument("scaled Bessel functions: order must be in [0, " + std::to_string(kMaxOrder) + "]");
    }
    asymptotic_threshold_ = std::fmax(1.0, 0.3 * max_l * (max_l + 1.0));
    small_terms_ = kSmallTerms;
    top_terms_ = series_terms(asymptotic_threshold_);
    small_series_.resize((size_t)(max_l + 1) * small_terms_);
    for (int l = 0; l <= max_l; ++l)
        for (int k = 1; k <= small_terms_; ++k)
            small_series_[(size_t)l * small_terms_ + k - 1] = 1.0 / (k * (2.0 * l + 2.0 * k + 1.0));
    for (int which = 0; which < 2; ++which) {
        const int l = std::max(0, max_l - which);
        top_series_[which].resize(top_terms_);
        for (int k = 1; k <= top_terms_; ++k) top_series_[which][k - 1] = 1.0 / (k * (2.0 * l + 2.0 * k + 1.0));
        expansion_[which].resize(l);
        for (int k = 1; k <= l; ++k) expansion_[which][k - 1] = (double)(l + k) * (l - k + 1) / (2.0 * k);
    }
    inverse_odd_.resize(max_l + 2);
    for (int j = 0; j <= max_l + 1; ++j) inverse_odd_[j] = 1.0 / (2 * j + 1);
}

// e^{-z} i_l(z) = e^{-z} z^l/(2l+1)!! sum_k (z^2/2)^k / (k! (2l+3)(2l+5)...(2l+2k+1)).
// All terms are positive. The prefactor starts from e^{-z} and grows by z/(2j+1), and the sum is
// at most ~e^z, so nothing overflows for the z < ~400 met here.
double ScaledSphericalBesselI::series(int l, double z) const {
    const double* reciprocal;
    int terms;
    if (z < 1.0) {
        reciprocal = &small_series_[(size_t)l * small_terms_];
        terms = small_terms_;
    } else {
        reciprocal = top_series_[max_l_ - l].data();
        terms = top_terms_;
    }
    const double half_z2 = 0.5 * z * z;
    double term = 1.0, sum = 1.0;
    for (int k = 0; k < terms; ++k) {
        term *= half_z2 * reciprocal[k];
        sum += term;
        if (term < 1e-17 * sum && k + 1 > z) break;
    }
    double prefactor = std::exp(-z);
    for (int j = 1; j <= l; ++j) prefactor *= z * inverse_odd_[j];
    return sum * prefactor;
}

double ScaledSphericalBesselI::finite_expansion(int which, double z, double exp_minus_2z) const {
    const int n = max_l_ - which;
    const double inverse_z = 1.0 / z;
    const double* a = expansion_[which].data();
    double term = 1.0, alternating = 1.0, positive = 1.0;
    for (int k = 1; k <= n; ++k) {
        term *= a[k - 1] * inverse_z;
        alternating += (k % 2 ? -term : term);
        positive += term;
    }
    return (alternating + (n % 2 ? 1.0 : -1.0) * exp_minus_2z * positive) * (0.5 * inverse_z);
}

void ScaledSphericalBesselI::compute(double z, double* out) const {
    const int max_l = max_l_;
    if (!(z > 0.0)) {
        out[0] = 1.0;
        for (int l = 1; l <= max_l; ++l) out[l] = 0.0;
        return;
    }
    if (z < 1.0) {
        for (int l = 0; l <= max_l; ++l) out[l] = series(l, z);
        return;
    }
    // 1 - e^{-2z} has no cancellation for z >= 1; e^{-2z} < 1e-17 beyond z = 20.
    const double exp_minus_2z = z < 20.0 ? std::exp(-2.0 * z) : 0.0;
    const double inverse_z = 1.0 / z;
    out[0] = (1.0 - exp_minus_2z) * (0.5 * inverse_z);
    if (max_l == 0) return;
    const bool asymptotic = z >= asymptotic_threshold_;
    out[max_l] = asymptotic ? finite_expansion(0, z, exp_minus_2z) : series(max_l, z);
    if (max_l == 1) return;
    out[max_l - 1] = asymptotic ? finite_expansion(1, z, exp_minus_2z) : series(max_l - 1, z);
    for (int l = max_l - 1; l >= 2; --l) out[l - 1] = out[l + 1] + (2 * l + 1) * inverse_z * out[l];
}

}  // namespace hamd
