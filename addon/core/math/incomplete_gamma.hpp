// The regularised lower incomplete gamma function P(a, x) = gamma(a, x) / Gamma(a), for the
// smeared 1/r^p potential of LODE (lode_power_integral.hpp). a > 0, x >= 0.
#pragma once

namespace hamd {

// P(a, x): the series e^-x x^a sum_k x^k / Gamma(a + k + 1) below x = a + 30, 1 - Q(a, x) by
// its continued fraction (modified Lentz) above; relative accuracy ~1e-15.
double regularized_gamma_p(double a, double x);

// P(a, x) / x^a (an entire function of x, 1 / Gamma(a + 1) at 0): the series without the x^a.
double regularized_gamma_p_over_power(double a, double x);

}  // namespace hamd
