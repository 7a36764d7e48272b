#include "core/descriptors/density/gto_basis.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/base/errors.hpp"

namespace hamd {

namespace {

// log of integral_0^inf x^k exp(-a x^2) dx = Gamma((k+1)/2) / (2 a^((k+1)/2))
long double log_gaussian_moment(int k, long double a) {
    long double h = 0.5L * (k + 1);
    return std::lgamma(h) - std::log(2.0L) - h * std::log(a);
}

// Eigen-decomposition of a small symmetric positive definite matrix by cyclic Jacobi rotations.
// The overlap of the raw primitives is strongly graded (diagonal from ~0.1 to ~1e8); Jacobi with
// the relative off-diagonal test |a_pq| <= eps sqrt(a_pp a_qq) resolves even the smallest
// eigenvalues to relative accuracy (Demmel & Veselic 1992), where a QR-based solver in double
// would lose ~eps * cond(S).
void symmetric_eigen(std::vector<long double> a, int n, std::vector<long double>& values,
                     std::vector<long double>& vectors) {
    vectors.assign((size_t)n * n, 0.0L);
    for (int i = 0; i < n; ++i) vectors[(size_t)i * n + i] = 1.0L;
    const long double tolerance = 1e-20L;
    for (int sweep = 0; sweep < 100; ++sweep) {
        bool rotated = false;
        for (int p = 0; p < n; ++p) {
            for (int q = p + 1; q < n; ++q) {
                const long double apq = a[(size_t)p * n + q];
                const long double app = a[(size_t)p * n + p], aqq = a[(size_t)q * n + q];
                if (std::fabs(apq) <= tolerance * std::sqrt(std::fabs(app * aqq))) continue;
                rotated = true;
                // rotation angle that zeroes a[p][q]
                const long double theta = (aqq - app) / (2 * apq);
                const long double t = (theta >= 0 ? 1.0L : -1.0L) / (std::fabs(theta) + std::sqrt(theta * theta + 1));
                const long double c = 1 / std::sqrt(t * t + 1), s = t * c;
                for (int k = 0; k < n; ++k) {  // columns p, q
                    const long double akp = a[(size_t)k * n + p], akq = a[(size_t)k * n + q];
                    a[(size_t)k * n + p] = c * akp - s * akq;
                    a[(size_t)k * n + q] = s * akp + c * akq;
                }
                for (int k = 0; k < n; ++k) {  // rows p, q
                    const long double apk = a[(size_t)p * n + k], aqk = a[(size_t)q * n + k];
                    a[(size_t)p * n + k] = c * apk - s * aqk;
                    a[(size_t)q * n + k] = s * apk + c * aqk;
                }
                for (int k = 0; k < n; ++k) {  // accumulate eigenvectors as columns
                    const long double vkp = vectors[(size_t)k * n + p], vkq = vectors[(size_t)k * n + q];
                    vectors[(size_t)k * n + p] = c * vkp - s * vkq;
                    vectors[(size_t)k * n + q] = s * vkp + c * vkq;
                }
            }
        }
        if (!rotated) break;
    }
    values.resize(n);
    for (int i = 0; i < n; ++i) values[i] = a[(size_t)i * n + i];
}

}  // namespace

GtoBasis::GtoBasis(double cutoff, int max_radial) : size_(max_radial + 1) {
    if (max_radial < 0 || size_ > kMaxSize) {
        throw InvalidArgument("radial basis: max_radial must be in [0, " + std::to_string(kMaxSize - 1) + "]");
    }
    const int n_radial = size_;
    widths_.resize(n_radial);
    for (int n = 0; n < n_radial; ++n) widths_[n] = cutoff * std::max(std::sqrt((double)n), 1.0) / n_radial;

    // Overlap of the raw primitives (docs/science.md#radial-basis: Loewdin on x^n exp(-x^2/2s_n^2) as they are; note
    // that normalising them first would give a different orthonormal basis). Long double, from
    // logs: every entry to ~1e-18 relative, which the graded Jacobi solver below preserves.
    auto exponent = [&](int n) { return 0.5L / ((long double)widths_[n] * widths_[n]); };
    std::vector<long double> overlap((size_t)n_radial * n_radial);
    for (int n = 0; n < n_radial; ++n)
        for (int k = 0; k < n_radial; ++k)
            overlap[(size_t)n * n_radial + k] = std::exp(log_gaussian_moment(2 + n + k, exponent(n) + exponent(k)));

    std::vector<long double> eigenvalues, eigenvectors;
    symmetric_eigen(overlap, n_radial, eigenvalues, eigenvectors);
    // Conditioning: the smallest eigenvalue of the overlap of the normalised primitives (scale-free).
    // R_n sums primitives with coefficients up to ~lambda^(-1/2) times larger than itself.
    std::vector<long double> normalised(overlap.size()), normalised_values, normalised_vectors;
    for (int n = 0; n < n_radial; ++n)
        for (int k = 0; k < n_radial; ++k)
            normalised[(size_t)n * n_radial + k] =
                overlap[(size_t)n * n_radial + k] /
                std::sqrt(overlap[(size_t)n * n_radial + n] * overlap[(size_t)k * n_radial + k]);
    symmetric_eigen(normalised, n_radial, normalised_values, normalised_vectors);
    smallest_eigenvalue_ = (double)*std::min_element(normalised_values.begin(), normalised_values.end());
    if (!(smallest_eigenvalue_ > 1e-10)) {
        throw InvalidArgument("radial basis is numerically linearly dependent (max_radial too large)");
    }
    // T = S^(-1/2) = V diag(1/sqrt(lambda)) V^T.
    transform_.assign((size_t)n_radial * n_radial, 0.0);
    for (int n = 0; n < n_radial; ++n)
        for (int k = 0; k < n_radial; ++k) {
            long double sum = 0.0;
            for (int e = 0; e < n_radial; ++e)
                sum += eigenvectors[(size_t)n * n_radial + e] * eigenvectors[(size_t)k * n_radial + e] /
                       std::sqrt(eigenvalues[e]);
            transform_[(size_t)n * n_radial + k] = (double)sum;
        }

    // x^(n+1) exp(-x^2/2s^2) falls below e^-50 of its peak by x = s (sqrt(n+1) + 10).
    for (int n = 0; n < n_radial; ++n)
        extent_ = std::max(extent_, widths_[n] * (std::sqrt(n + 1.0) + 10.0));
}

void GtoBasis::primitives(double x, double* out) const {
    double power = 1.0;
    for (int n = 0; n < size_; ++n) {
        out[n] = power * std::exp(-0.5 * x * x / (widths_[n] * widths_[n]));
        power *= x;
    }
}

void GtoBasis::evaluate(double x, double* out) const {
    double p[kMaxSize];
    primitives(x, p);
    for (int n = 0; n < size_; ++n) {
        double sum = 0.0;
        for (int k = 0; k < size_; ++k) sum += transform_[n * size_ + k] * p[k];
        out[n] = sum;
    }
}

}  // namespace hamd
