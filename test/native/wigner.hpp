// Test helper: real Wigner D matrices and random rotations.
// D^l(R) is defined by Y_l(R r) = D^l(R) Y_l(r) for the project's real harmonics, and computed
// by exact quadrature D_{m m'} = integral Y_lm(R r) Y_lm'(r) dOmega, so it needs no Euler angles
// and uses the very same harmonics as the code under test.
#pragma once
#include <cmath>
#include <random>
#include <vector>

#include "core/math/spherical_harmonics.hpp"

namespace wigner {

// out = R v, R row-major 3x3.
inline void rotate(const double R[9], const double v[3], double out[3]) {
    for (int i = 0; i < 3; ++i) out[i] = R[3 * i] * v[0] + R[3 * i + 1] * v[1] + R[3 * i + 2] * v[2];
}

// C = A B for square row-major n x n matrices.
inline std::vector<double> matmul(const std::vector<double>& A, const std::vector<double>& B, int n) {
    std::vector<double> C(static_cast<std::size_t>(n) * n, 0.0);
    for (int i = 0; i < n; ++i)
        for (int k = 0; k < n; ++k)
            for (int j = 0; j < n; ++j) C[i * n + j] += A[i * n + k] * B[k * n + j];
    return C;
}

// Proper rotation (det +1), uniformly distributed, from a random unit quaternion.
inline void random_rotation(std::mt19937& rng, double R[9]) {
    std::normal_distribution<double> normal;
    double q[4], norm = 0;
    for (double& x : q) {
        x = normal(rng);
        norm += x * x;
    }
    norm = std::sqrt(norm);
    const double w = q[0] / norm, x = q[1] / norm, y = q[2] / norm, z = q[3] / norm;
    const double M[9] = {1 - 2 * (y * y + z * z), 2 * (x * y - w * z),     2 * (x * z + w * y),
                         2 * (x * y + w * z),     1 - 2 * (x * x + z * z), 2 * (y * z - w * x),
                         2 * (x * z - w * y),     2 * (y * z + w * x),     1 - 2 * (x * x + y * y)};
    for (int i = 0; i < 9; ++i) R[i] = M[i];
}

// Gauss-Legendre nodes and weights on [-1, 1] (Newton on P_n).
inline void gauss_legendre(int n, std::vector<double>& nodes, std::vector<double>& weights) {
    const double pi = 3.14159265358979323846;
    nodes.assign(n, 0.0);
    weights.assign(n, 0.0);
    for (int i = 0; i < n; ++i) {
        double x = std::cos(pi * (i + 0.75) / (n + 0.5)), derivative = 1;
        for (int iteration = 0; iteration < 100; ++iteration) {
            double p0 = 1, p1 = x;  // P_0, P_1 -> P_n by Bonnet's recursion
            for (int k = 2; k <= n; ++k) {
                double p2 = ((2 * k - 1) * x * p1 - (k - 1) * p0) / k;
                p0 = p1;
                p1 = p2;
            }
            derivative = n * (x * p1 - p0) / (x * x - 1);
            double step = p1 / derivative;
            x -= step;
            if (std::fabs(step) < 1e-16) break;
        }
        nodes[i] = x;
        weights[i] = 2 / ((1 - x * x) * derivative * derivative);
    }
}

// D^l(R) with any real-harmonic evaluator: values_of_l(r_unit, out) fills out[m + l] = Y_lm(r).
// The integrand is a polynomial of degree 2l on the sphere: l+1 Gauss-Legendre nodes in cos(theta)
// and 2l+2 uniform phi points integrate it exactly.
template <class Evaluator>
std::vector<double> wigner_d_real_with(int l, const double R[9], Evaluator&& values_of_l) {
    const int n = 2 * l + 1, n_phi = 2 * l + 2;
    const double pi = 3.14159265358979323846;
    std::vector<double> nodes, weights, D(static_cast<std::size_t>(n) * n, 0.0), y(n), y_rotated(n);
    gauss_legendre(l + 1, nodes, weights);
    for (int i = 0; i <= l; ++i) {
        const double c = nodes[i], s = std::sqrt(1 - c * c);
        for (int j = 0; j < n_phi; ++j) {
            const double phi = 2 * pi * (j + 0.5) / n_phi, weight = weights[i] * 2 * pi / n_phi;
            const double r[3] = {s * std::cos(phi), s * std::sin(phi), c};
            double rotated[3];
            rotate(R, r, rotated);
            values_of_l(r, y.data());
            values_of_l(rotated, y_rotated.data());
            for (int a = 0; a < n; ++a)
                for (int b = 0; b < n; ++b) D[a * n + b] += weight * y_rotated[a] * y[b];
        }
    }
    return D;
}

// D^l(R) for hamd::SphericalHarmonics, row-major D[(mu + l) * (2l+1) + (mu' + l)].
inline std::vector<double> wigner_d_real(int l, const double R[9]) {
    hamd::SphericalHarmonics harmonics(l);
    std::vector<double> all(harmonics.size());
    return wigner_d_real_with(l, R, [&](const double r[3], double* out) {
        harmonics.compute(r, all.data(), nullptr);
        for (int m = 0; m < 2 * l + 1; ++m) out[m] = all[l * l + m];
    });
}

}  // namespace wigner

// The brief's free-function names, for tests that prefer them unqualified.
using wigner::random_rotation;
using wigner::wigner_d_real;
