#include "core/math/quadrature.hpp"

#include <cmath>

namespace hamd {

namespace {

// P_n(t) and P_n'(t) by the three-term recurrence.
void legendre_with_derivative(int n, double t, double& value, double& derivative) {
    double p0 = 1.0, p1 = t;
    for (int k = 2; k <= n; ++k) {
        double p2 = ((2 * k - 1) * t * p1 - (k - 1) * p0) / k;
        p0 = p1;
        p1 = p2;
    }
    value = n == 0 ? 1.0 : p1;
    derivative = n == 0 ? 0.0 : n * (t * p1 - p0) / (t * t - 1.0);
}

}  // namespace

QuadratureRule gauss_legendre(int n) {
    QuadratureRule rule;
    rule.nodes.resize(n);
    rule.weights.resize(n);
    const double pi = std::acos(-1.0);
    for (int i = 0; i < (n + 1) / 2; ++i) {
        // Tricomi's initial guess, then Newton; roots are symmetric about 0.
        double t = std::cos(pi * (i + 0.75) / (n + 0.5));
        double value = 0.0, derivative = 1.0;
        for (int iteration = 0; iteration < 100; ++iteration) {
            legendre_with_derivative(n, t, value, derivative);
            double step = value / derivative;
            t -= step;
            if (std::fabs(step) <= 1e-16 * std::fabs(t)) break;
        }
        legendre_with_derivative(n, t, value, derivative);
        double weight = 2.0 / ((1.0 - t * t) * derivative * derivative);
        rule.nodes[i] = -t;
        rule.weights[i] = weight;
        rule.nodes[n - 1 - i] = t;
        rule.weights[n - 1 - i] = weight;
    }
    if (n % 2 == 1) rule.nodes[n / 2] = 0.0;
    return rule;
}

}  // namespace hamd
