// Real spherical harmonics: closed forms, an independent Legendre route, orthonormality,
// the addition theorem, and gradients (finite differences, tangency).
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "check.hpp"
#include "core/math/spherical_harmonics.hpp"

using hamd::SphericalHarmonics;

namespace {

const double kPi = std::acos(-1.0);

// Gauss-Legendre nodes on [-1, 1] by Newton on P_n (test-local).
void gauss_legendre(int n, std::vector<double>& x, std::vector<double>& w) {
    x.assign(n, 0.0);
    w.assign(n, 0.0);
    for (int i = 0; i < n; ++i) {
        double t = std::cos(kPi * (i + 0.75) / (n + 0.5));
        for (int it = 0; it < 100; ++it) {
            double p0 = 1.0, p1 = t;
            for (int k = 2; k <= n; ++k) {
                double p2 = ((2 * k - 1) * t * p1 - (k - 1) * p0) / k;
                p0 = p1;
                p1 = p2;
            }
            double dp = n * (t * p1 - p0) / (t * t - 1);
            double step = p1 / dp;
            t -= step;
            if (std::fabs(step) < 1e-16) break;
        }
        double p0 = 1.0, p1 = t;
        for (int k = 2; k <= n; ++k) {
            double p2 = ((2 * k - 1) * t * p1 - (k - 1) * p0) / k;
            p0 = p1;
            p1 = p2;
        }
        double dp = n * (t * p1 - p0) / (t * t - 1);
        x[i] = t;
        w[i] = 2.0 / ((1 - t * t) * dp * dp);
    }
}

// Independent route: explicit polynomial P_l(t) = 2^-l sum_k (-1)^k C(l,k) C(2l-2k,l) t^(l-2k),
// differentiated m times, times (1-t^2)^(m/2); complex phase from atan2. Long double throughout.
long double binomial(int n, int k) {
    if (k < 0 || k > n) return 0;
    long double b = 1;
    for (int i = 1; i <= k; ++i) b = b * (n - k + i) / i;
    return b;
}

double reference_harmonic(int l, int m, const double r[3]) {
    long double norm = std::sqrt((long double)r[0] * r[0] + (long double)r[1] * r[1] + (long double)r[2] * r[2]);
    long double t = r[2] / norm;
    int am = std::abs(m);
    long double derivative = 0;  // d^am/dt^am P_l(t)
    for (int k = 0; 2 * k <= l; ++k) {
        int power = l - 2 * k;
        if (power < am) continue;
        long double coefficient = ((k % 2) ? -1 : 1) * binomial(l, k) * binomial(2 * l - 2 * k, l);
        long double falling = 1;
        for (int i = 0; i < am; ++i) falling *= (power - i);
        derivative += coefficient * falling * std::pow(t, (long double)(power - am));
    }
    derivative /= std::pow(2.0L, (long double)l);
    long double sin_theta = std::sqrt((long double)r[0] * r[0] + (long double)r[1] * r[1]) / norm;
    long double legendre = derivative * std::pow(sin_theta, (long double)am);  // no Condon-Shortley phase
    long double factorial_ratio = 1;
    for (int i = l - am + 1; i <= l + am; ++i) factorial_ratio /= i;
    long double normalisation = std::sqrt((2 * l + 1) / (4 * (long double)kPi) * factorial_ratio);
    long double phi = std::atan2((long double)r[1], (long double)r[0]);
    if (m == 0) return (double)(normalisation * legendre);
    long double angular = m > 0 ? std::cos(am * phi) : std::sin(am * phi);
    return (double)(std::sqrt(2.0L) * normalisation * legendre * angular);
}

double legendre_polynomial(int l, double t) {
    double p0 = 1.0, p1 = t;
    if (l == 0) return 1.0;
    for (int k = 2; k <= l; ++k) {
        double p2 = ((2 * k - 1) * t * p1 - (k - 1) * p0) / k;
        p0 = p1;
        p1 = p2;
    }
    return p1;
}

std::vector<std::array<double, 3>> sample_points(int count, std::mt19937& rng) {
    std::normal_distribution<double> normal(0.0, 1.0);
    std::uniform_real_distribution<double> scale(0.2, 4.0);
    std::vector<std::array<double, 3>> points;
    for (int i = 0; i < count; ++i) {
        std::array<double, 3> p{normal(rng), normal(rng), normal(rng)};
        double s = scale(rng) / std::sqrt(p[0] * p[0] + p[1] * p[1] + p[2] * p[2]);
        for (double& v : p) v *= s;
        points.push_back(p);
    }
    // poles and axes, where r_xy = 0 or a Cartesian component vanishes
    points.push_back({0.0, 0.0, 1.3});
    points.push_back({0.0, 0.0, -0.7});
    points.push_back({2.0, 0.0, 0.0});
    points.push_back({0.0, -1.5, 0.0});
    points.push_back({1e-9, -2e-9, 0.9});
    return points;
}

}  // namespace

int main() {
    std::mt19937 rng(12345);

    // --- closed forms for l <= 2 ---
    {
        SphericalHarmonics sh(2);
        std::vector<double> y(sh.size());
        double worst = 0.0;
        for (const auto& p : sample_points(50, rng)) {
            sh.compute(p.data(), y.data(), nullptr);
            double x = p[0], yy = p[1], z = p[2];
            double r2 = x * x + yy * yy + z * z, r = std::sqrt(r2);
            double expected[9] = {
                0.5 * std::sqrt(1 / kPi),
                std::sqrt(3 / (4 * kPi)) * yy / r,
                std::sqrt(3 / (4 * kPi)) * z / r,
                std::sqrt(3 / (4 * kPi)) * x / r,
                0.5 * std::sqrt(15 / kPi) * x * yy / r2,
                0.5 * std::sqrt(15 / kPi) * yy * z / r2,
                0.25 * std::sqrt(5 / kPi) * (3 * z * z - r2) / r2,
                0.5 * std::sqrt(15 / kPi) * x * z / r2,
                0.25 * std::sqrt(15 / kPi) * (x * x - yy * yy) / r2,
            };
            for (int i = 0; i < 9; ++i) worst = std::fmax(worst, std::fabs(y[i] - expected[i]));
        }
        check::close(worst, 0.0, 1e-14, "closed forms l<=2 (y,z,x order, no Condon-Shortley phase)", false);
    }

    // --- independent Legendre route, l <= 12, random points and poles ---
    {
        const int L = 12;
        SphericalHarmonics sh(L);
        std::vector<double> y(sh.size());
        double worst = 0.0;
        for (const auto& p : sample_points(200, rng)) {
            sh.compute(p.data(), y.data(), nullptr);
            for (int l = 0; l <= L; ++l)
                for (int m = -l; m <= l; ++m)
                    worst = std::fmax(worst, std::fabs(y[l * (l + 1) + m] - reference_harmonic(l, m, p.data())));
        }
        check::close(worst, 0.0, 1e-12, "agrees with explicit Legendre polynomials up to l=12", false);
    }

    // --- orthonormality by exact quadrature ---
    for (int L : {6, 20}) {
        SphericalHarmonics sh(L);
        const int n = sh.size();
        int n_theta = L + 2, n_phi = 2 * L + 3;  // exact for products of degree <= 2L
        std::vector<double> t, w;
        gauss_legendre(n_theta, t, w);
        std::vector<double> gram(n * n, 0.0), y(n);
        for (int i = 0; i < n_theta; ++i) {
            double st = std::sqrt(1 - t[i] * t[i]);
            for (int j = 0; j < n_phi; ++j) {
                double phi = 2 * kPi * (j + 0.37) / n_phi;
                double p[3] = {st * std::cos(phi), st * std::sin(phi), t[i]};
                sh.compute(p, y.data(), nullptr);
                double weight = w[i] * 2 * kPi / n_phi;
                for (int a = 0; a < n; ++a)
                    for (int b = 0; b < n; ++b) gram[a * n + b] += weight * y[a] * y[b];
            }
        }
        double worst = 0.0;
        for (int a = 0; a < n; ++a)
            for (int b = 0; b < n; ++b) worst = std::fmax(worst, std::fabs(gram[a * n + b] - (a == b ? 1.0 : 0.0)));
        check::close(worst, 0.0, 1e-12, "orthonormal on the sphere, max_angular=" + std::to_string(L), false);
    }

    // --- addition theorem ---
    {
        const int L = 20;
        SphericalHarmonics sh(L);
        std::vector<double> ya(sh.size()), yb(sh.size());
        auto points = sample_points(40, rng);
        double worst = 0.0;
        for (size_t i = 0; i + 1 < points.size(); ++i) {
            const double* a = points[i].data();
            const double* b = points[i + 1].data();
            sh.compute(a, ya.data(), nullptr);
            sh.compute(b, yb.data(), nullptr);
            double na = std::sqrt(a[0] * a[0] + a[1] * a[1] + a[2] * a[2]);
            double nb = std::sqrt(b[0] * b[0] + b[1] * b[1] + b[2] * b[2]);
            double cosine = (a[0] * b[0] + a[1] * b[1] + a[2] * b[2]) / (na * nb);
            for (int l = 0; l <= L; ++l) {
                double sum = 0.0;
                for (int m = -l; m <= l; ++m) sum += ya[l * (l + 1) + m] * yb[l * (l + 1) + m];
                double expected = (2 * l + 1) / (4 * kPi) * legendre_polynomial(l, cosine);
                worst = std::fmax(worst, std::fabs(sum - expected));
            }
        }
        check::close(worst, 0.0, 1e-12, "addition theorem up to l=20", false);
    }

    // --- gradients: finite differences and tangency ---
    for (int L : {6, 20}) {
        SphericalHarmonics sh(L);
        const int n = sh.size();
        std::vector<double> y(n), g(3 * n), yp(n), ym(n);
        double worst_fd = 0.0, worst_tangent = 0.0;
        const double step = 1e-5;
        for (const auto& p : sample_points(60, rng)) {
            sh.compute(p.data(), y.data(), g.data());
            double norm = std::sqrt(p[0] * p[0] + p[1] * p[1] + p[2] * p[2]);
            for (int d = 0; d < 3; ++d) {
                double plus[3] = {p[0], p[1], p[2]}, minus[3] = {p[0], p[1], p[2]};
                plus[d] += step * norm;
                minus[d] -= step * norm;
                sh.compute(plus, yp.data(), nullptr);
                sh.compute(minus, ym.data(), nullptr);
                for (int lm = 0; lm < n; ++lm) {
                    double fd = (yp[lm] - ym[lm]) / (2 * step * norm);
                    // scale of a gradient of Y_l is ~ l * max|Y_l| / |r|
                    int l = (int)std::sqrt((double)lm);
                    double scale = (l + 1) * std::sqrt((2 * l + 1) / (4 * kPi)) / norm;
                    worst_fd = std::fmax(worst_fd, std::fabs(g[d * n + lm] - fd) / scale);
                }
            }
            for (int lm = 0; lm < n; ++lm) {
                double radial = p[0] * g[lm] + p[1] * g[n + lm] + p[2] * g[2 * n + lm];
                int l = (int)std::sqrt((double)lm);
                worst_tangent = std::fmax(worst_tangent, std::fabs(radial) / ((l + 1) * std::sqrt(2 * l + 1.0)));
            }
        }
        check::close(worst_fd, 0.0, 1e-6, "gradient matches central differences, max_angular=" + std::to_string(L), false);
        check::close(worst_tangent, 0.0, 1e-13, "gradient orthogonal to r, max_angular=" + std::to_string(L), false);
    }

    // --- speed (informational) ---
    {
        SphericalHarmonics sh(6);
        std::vector<double> y(sh.size()), g(3 * sh.size());
        auto points = sample_points(1000, rng);
        const int repeats = 200;
        double sink = 0.0;
        auto start = std::chrono::steady_clock::now();
        for (int k = 0; k < repeats; ++k)
            for (const auto& p : points) {
                sh.compute(p.data(), y.data(), g.data());
                sink += y[5] + g[7];
            }
        double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        std::printf("# max_angular=6 values+gradients: %.1f ns per call (checksum %g)\n",
                    1e9 * seconds / (repeats * points.size()), sink);
    }

    {
        bool threw = false;
        try {
            SphericalHarmonics bad(-1);
        } catch (const std::exception&) {
            threw = true;
        }
        check::ok(threw, "negative max_angular is rejected");
    }
    return check::finish();
}
