#include "core/math/incomplete_gamma.hpp"

#include <cmath>

namespace hamd {

namespace {

constexpr double kSeriesMargin = 30.0;

// e^-x sum_k x^k / Gamma(a + k + 1): terms grow while k < x - a, then fall; all positive.
double series(double a, double x) {
    double term = 1.0 / std::tgamma(a + 1.0), sum = term;
    for (int k = 1; k < 100000; ++k) {
        term *= x / (a + k);
        sum += term;
        if (term < 1e-17 * sum) break;
    }
    return std::exp(-x) * sum;
}

// Q(a, x) = Gamma(a, x) / Gamma(a) by the continued fraction of Gamma(a, x) (x > a + 1).
double upper_fraction(double a, double x) {
    constexpr double tiny = 1e-300;
    double b = x + 1.0 - a, c = 1.0 / tiny, d = 1.0 / b, h = d;
    for (int i = 1; i < 10000; ++i) {
        const double an = -i * (i - a);
        b += 2.0;
        d = an * d + b;
        if (std::fabs(d) < tiny) d = tiny;
        c = b + an / c;
        if (std::fabs(c) < tiny) c = tiny;
        d = 1.0 / d;
        const double delta = d * c;
        h *= delta;
        if (std::fabs(delta - 1.0) < 1e-16) break;
    }
    return std::exp(-x + a * std::log(x) - std::lgamma(a)) * h;
}

}  // namespace

double regularized_gamma_p(double a, double x) {
    if (x <= 0.0) return 0.0;
    if (x < a + kSeriesMargin) return std::pow(x, a) * series(a, x);
    return 1.0 - upper_fraction(a, x);
}

double regularized_gamma_p_over_power(double a, double x) {
    if (x < a + kSeriesMargin) return series(a, x);
    return (1.0 - upper_fraction(a, x)) / std::pow(x, a);
}

}  // namespace hamd
