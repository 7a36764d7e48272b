// I_lm(d) = r^l Y_lm(d_hat) / r^(2l+1): the solid harmonic r^l Y_lm is a polynomial in (x, y, z)
// (spherical_harmonics_kernel.hpp's recursion, without normalising the vector: the b_lm term then
// carries r^2), so a far pair costs no square root beyond 1/r, no division beyond 1/r^2 and no
// table lookup. The loops run over a block of vectors innermost, which the compiler vectorises
// (compiled for baseline x86-64 and for AVX2 + FMA, picked at load time: dense_kernels.hpp).
#include "core/descriptors/lode/far_field.hpp"

#include <algorithm>
#include <cmath>

#include "core/math/dense_kernels.hpp"
#include "core/math/spherical_harmonics.hpp"

namespace hamd {

namespace {

constexpr int kBlock = 32;

constexpr int triangular(int l, int m) { return l * (l + 1) / 2 + m; }

}  // namespace

IrregularHarmonicsSum::IrregularHarmonicsSum(int max_angular) : max_angular_(max_angular) {
    const SphericalHarmonics harmonics(max_angular);
    const std::vector<double>& all = harmonics.coefficients();
    factor_.assign(all.begin(), all.begin() + harmonics.size());
    recursion_.assign(all.begin() + harmonics.size(), all.end());
}

void IrregularHarmonicsSum::add_beyond(const double centre[3], const double* x, const double* y, const double* z,
                                       int count, double min_distance2, double* sums) const {
    accumulate(centre, x, y, z, nullptr, count, min_distance2, sums);
}

void IrregularHarmonicsSum::add_weighted(const double* x, const double* y, const double* z, const double* factors,
                                         int count, double* sums) const {
    accumulate(nullptr, x, y, z, factors, count, 0.0, sums);
}

// centre: null for vectors; factors: null for 1.
HAMD_MULTIVERSION void IrregularHarmonicsSum::accumulate(const double* centre, const double* x, const double* y,
                                                         const double* z, const double* factors, int count,
                                                         double min_distance2, double* sums) const {
    static const double origin[3] = {0.0, 0.0, 0.0};
    if (!centre) centre = origin;
    const int L = max_angular_;
    thread_local std::vector<double> scratch;
    const int n_tri = triangular(L + 1, 0);
    const int n_lm = (L + 1) * (L + 1);
    scratch.assign((size_t)(n_tri + 2 * (L + 1) + 7 + n_lm) * kBlock, 0.0);
    double* q = scratch.data();                  // [triangular(l, m)][j]: Q_l^m(z, r^2)
    double* c = q + (size_t)n_tri * kBlock;      // [m][j]: Re (x + i y)^m
    double* s = c + (size_t)(L + 1) * kBlock;    // [m][j]: Im (x + i y)^m
    double* r2 = s + (size_t)(L + 1) * kBlock;   // [j]
    double* inverse_r2 = r2 + kBlock;            // [j]
    double* weight = inverse_r2 + kBlock;        // [j]: r^-(2l+1) at the current l
    double* lanes = weight + kBlock;             // [lm][j]: partial sums of Q c or Q s times weight
    double* X = lanes + (size_t)n_lm * kBlock;   // [j]: the block's vectors d_j
    double* Y = X + kBlock;
    double* Z = Y + kBlock;
    double* scaled = Z + kBlock;                 // [j]: weight times the factor of l

    for (int start = 0; start < count; start += kBlock) {
        const int B = std::min(kBlock, count - start);
        for (int j = 0; j < B; ++j) {
            X[j] = x[start + j] - centre[0];
            Y[j] = y[start + j] - centre[1];
            Z[j] = z[start + j] - centre[2];
            r2[j] = X[j] * X[j] + Y[j] * Y[j] + Z[j] * Z[j];
            // masked points get weight 0 (and r2 1, so that nothing divides by zero)
            const bool beyond = r2[j] >= min_distance2;
            r2[j] = beyond ? r2[j] : 1.0;
            inverse_r2[j] = 1.0 / r2[j];
            weight[j] = beyond ? std::sqrt(inverse_r2[j]) : 0.0;
            q[j] = 1.0;
            c[j] = 1.0;
            s[j] = 0.0;
        }
        for (int l = 1; l <= L; ++l) {
            double* row = q + (size_t)triangular(l, 0) * kBlock;
            const double* previous = q + (size_t)triangular(l - 1, 0) * kBlock;
            for (int m = 0; m < l - 1; ++m) {
                const double a = recursion_[2 * triangular(l, m)], b = recursion_[2 * triangular(l, m) + 1];
                const double* before = q + (size_t)triangular(l - 2, m) * kBlock;
                double* out = row + (size_t)m * kBlock;
                const double* in = previous + (size_t)m * kBlock;
                for (int j = 0; j < B; ++j) out[j] = a * Z[j] * in[j] - b * r2[j] * before[j];
            }
            const double* diagonal = previous + (size_t)(l - 1) * kBlock;
            double* below = row + (size_t)(l - 1) * kBlock;
            double* top = row + (size_t)l * kBlock;
            for (int j = 0; j < B; ++j) {
                below[j] = (2 * l - 1) * Z[j] * diagonal[j];
                top[j] = (2 * l - 1) * diagonal[j];
            }
            double* cm = c + (size_t)l * kBlock;
            double* sm = s + (size_t)l * kBlock;
            const double* cp = c + (size_t)(l - 1) * kBlock;
            const double* sp = s + (size_t)(l - 1) * kBlock;
            for (int j = 0; j < B; ++j) {
                cm[j] = X[j] * cp[j] - Y[j] * sp[j];
                sm[j] = X[j] * sp[j] + Y[j] * cp[j];
            }
        }
        // per-lane partial sums (the reduction over j would not vectorise)
        for (int l = 0; l <= L; ++l) {
            const int middle = l * (l + 1);
            const double* row = q + (size_t)triangular(l, 0) * kBlock;
            double* lane = lanes + (size_t)middle * kBlock;
            if (factors) {
                const double* f = factors + (size_t)l * count + start;
                for (int j = 0; j < B; ++j) scaled[j] = weight[j] * f[j];
            } else {
                for (int j = 0; j < B; ++j) scaled[j] = weight[j];
            }
            for (int j = 0; j < B; ++j) lane[j] += row[j] * scaled[j];
            for (int m = 1; m <= l; ++m) {
                const double* qm = row + (size_t)m * kBlock;
                const double* cm = c + (size_t)m * kBlock;
                const double* sm = s + (size_t)m * kBlock;
                double* cosine = lanes + (size_t)(middle + m) * kBlock;
                double* sine = lanes + (size_t)(middle - m) * kBlock;
                for (int j = 0; j < B; ++j) {
                    const double w = qm[j] * scaled[j];
                    cosine[j] += w * cm[j];
                    sine[j] += w * sm[j];
                }
            }
            for (int j = 0; j < B; ++j) weight[j] *= inverse_r2[j];
        }
    }
    for (int lm = 0; lm < n_lm; ++lm) {
        const double* lane = lanes + (size_t)lm * kBlock;
        double total = 0.0;
        for (int j = 0; j < kBlock; ++j) total += lane[j];
        sums[lm] += factor_[lm] * total;
    }
}

}  // namespace hamd
