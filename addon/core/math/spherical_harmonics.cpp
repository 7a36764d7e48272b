// Real spherical harmonics through solid harmonics (sphericart-style recursion).
//
// On the unit sphere u = r/|r|, r^l Y_lm = F_lm Q_l^|m|(z, r^2) * {s_|m|, 1/sqrt2, c_m} (m <0, =0, >0)
// with c_m + i s_m = (x + i y)^m and Q_l^m the polynomial part of the associated Legendre
// function without Condon-Shortley phase:
//   Q_l^l = (2l-1) Q_{l-1}^{l-1},  Q_l^{l-1} = (2l-1) z Q_{l-1}^{l-1},
//   Q_l^m = ((2l-1) z Q_{l-1}^m - (l+m-1) r^2 Q_{l-2}^m) / (l-m).
// Nothing divides by r_xy, so the poles are regular. As polynomials in (x, y, z):
//   dQ_l^m/dx = -x Q_{l-1}^{m+1},  dQ_l^m/dy = -y Q_{l-1}^{m+1},  dQ_l^m/dz = (l+m) Q_{l-1}^m.
// The solid harmonic S = r^l Y is homogeneous of degree l, so for Y(r/|r|):
//   grad Y = (grad S(u) - l S(u) u) / |r|.
#include "core/math/spherical_harmonics.hpp"

#include <cmath>

#include "core/base/errors.hpp"

namespace hamd {

namespace {

constexpr int kMaxSupportedAngular = 60;  // stack buffers below; F_lm stays in double range

inline int triangular(int l, int m) { return l * (l + 1) / 2 + m; }

// Q_l^m storage padded with two zeros per row (m = l+1, l+2), so that the gradient formulas can
// read Q_{l-1}^{m+1} without branching.
inline int padded(int l) { return l * (l + 5) / 2; }

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
    const int L = max_angular_;
    const double norm = std::sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2]);
    const double inverse_norm = 1.0 / norm;
    const double x = r[0] * inverse_norm, y = r[1] * inverse_norm, z = r[2] * inverse_norm;

    double q[padded(kMaxSupportedAngular + 1)];
    double c[kMaxSupportedAngular + 1], s[kMaxSupportedAngular + 1];
    const double* factor = coefficients_.data();
    const double* recursion = coefficients_.data() + size();

    // Q_l^m on the unit sphere (r^2 = 1).
    q[0] = 1.0;
    q[1] = q[2] = 0.0;
    for (int l = 1; l <= L; ++l) {
        const int row = padded(l), previous = padded(l - 1), coefficients = triangular(l, 0);
        for (int m = 0; m < l - 1; ++m) {
            const double* ab = recursion + 2 * (coefficients + m);
            q[row + m] = ab[0] * z * q[previous + m] - ab[1] * q[padded(l - 2) + m];
        }
        q[row + l - 1] = (2 * l - 1) * z * q[previous + l - 1];
        q[row + l] = (2 * l - 1) * q[previous + l - 1];
        q[row + l + 1] = q[row + l + 2] = 0.0;
    }
    c[0] = 1.0;
    s[0] = 0.0;
    for (int m = 1; m <= L; ++m) {
        c[m] = x * c[m - 1] - y * s[m - 1];
        s[m] = x * s[m - 1] + y * c[m - 1];
    }

    for (int l = 0; l <= L; ++l) {
        const int centre = l * (l + 1), row = padded(l);
        values[centre] = factor[centre] * q[row];
        for (int m = 1; m <= l; ++m) {
            values[centre + m] = factor[centre + m] * q[row + m] * c[m];
            values[centre - m] = factor[centre - m] * q[row + m] * s[m];
        }
    }
    if (gradients == nullptr) return;

    const int n = size();
    double* gx = gradients;
    double* gy = gradients + n;
    double* gz = gradients + 2 * n;
    gx[0] = gy[0] = gz[0] = 0.0;
    for (int l = 1; l <= L; ++l) {
        const int centre = l * (l + 1), row = padded(l);
        const double* q_below = q + padded(l - 1);  // Q_{l-1}^m, zero for m > l-1
        {
            const double f = factor[centre] * inverse_norm;
            const double q1 = q_below[1];
            const double dx = -x * q1, dy = -y * q1, dz = l * q_below[0];
            const double radial = l * q[row];
            gx[centre] = f * (dx - radial * x);
            gy[centre] = f * (dy - radial * y);
            gz[centre] = f * (dz - radial * z);
        }
        for (int m = 1; m <= l; ++m) {
            const double f = factor[centre + m] * inverse_norm;
            const double qm = q[row + m];
            const double q_up = q_below[m + 1], q_same = q_below[m];
            // cosine part: S = F Q c_m
            {
                const double dx = -x * q_up * c[m] + qm * m * c[m - 1];
                const double dy = -y * q_up * c[m] - qm * m * s[m - 1];
                const double dz = (l + m) * q_same * c[m];
                const double radial = l * qm * c[m];
                gx[centre + m] = f * (dx - radial * x);
                gy[centre + m] = f * (dy - radial * y);
                gz[centre + m] = f * (dz - radial * z);
            }
            // sine part: S = F Q s_m
            {
                const double dx = -x * q_up * s[m] + qm * m * s[m - 1];
                const double dy = -y * q_up * s[m] + qm * m * c[m - 1];
                const double dz = (l + m) * q_same * s[m];
                const double radial = l * qm * s[m];
                gx[centre - m] = f * (dx - radial * x);
                gy[centre - m] = f * (dy - radial * y);
                gz[centre - m] = f * (dz - radial * z);
            }
        }
    }
}

}  // namespace hamd
