// Real spherical harmonics: the coefficient tables here, the recursion in spherical_harmonics_kernel.hpp.
#include "core/math/spherical_harmonics.hpp"

#include <cmath>

#include "core/base/errors.hpp"
#include "core/math/spherical_harmonics_kernel.hpp"

namespace hamd {

namespace {

constexpr int kMaxSupportedAngular = 60;  // stack buffers of the recursion; F_lm stays in double range

using spherical_harmonics_detail::triangular;

}  // namespace

// coefficients_ layout: [F_lm at l(l+1)+m for m = -l..l] then, per triangular (l, m),
// the recursion pair (a_lm = (2l-1)/(l-m), b_lm = (l+m-1)/(l-m)).
SphericalHarmonics::SphericalHarmonics(int max_angular) : max_angular_(max_angular) {
    if (max_angular < 0 || max_angular > kMaxSupportedAngular) {
        throw InvalidArgument("max_angular must be in [0, " + std::to_string(kMaxSupportedAngular) + "]");
    }
    const int n_lm = size();
    const int n_tri = triangular(max_angular + 1, 0);
    coefficients_.assign(n_lm + 2 * n_tri, 0.0);
    const double pi = std::acos(-1.0);
    for (int l = 0; l <= max_angular; ++l) {
        for (int m = 0; m <= l; ++m) {
            // N_lm^2 = (2l+1)/(4 pi) (l-m)!/(l+m)!, via lgamma to stay finite for large l.
            double log_ratio = std::lgamma(l - m + 1.0) - std::lgamma(l + m + 1.0);
            double normalisation = std::sqrt((2 * l + 1) / (4 * pi) * std::exp(log_ratio));
            double factor = m == 0 ? normalisation : std::sqrt(2.0) * normalisation;
            coefficients_[l * (l + 1) + m] = factor;
            coefficients_[l * (l + 1) - m] = factor;
            if (m < l - 1) {
                coefficients_[n_lm + 2 * triangular(l, m)] = (2.0 * l - 1.0) / (l - m);
                coefficients_[n_lm + 2 * triangular(l, m) + 1] = (l + m - 1.0) / (l - m);
            }
        }
    }
}

void SphericalHarmonics::compute(const double r[3], double* values, double* gradients) const {
    real_spherical_harmonics<kMaxSupportedAngular>(max_angular_, coefficients_.data(), coefficients_.data() + size(), r,
                                                   values, gradients);
}

}  // namespace hamd
