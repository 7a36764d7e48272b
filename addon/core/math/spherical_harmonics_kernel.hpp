// The recursion of real spherical harmonics and their gradients (docs/science.md#real-spherical-harmonics),
// written once for the CPU (SphericalHarmonics::compute) and the CUDA kernels.
//
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
#pragma once
#include <math.h>

#include "core/base/host_device.hpp"

namespace hamd {

namespace spherical_harmonics_detail {
HAMD_HOST_DEVICE constexpr int triangular(int l, int m) { return l * (l + 1) / 2 + m; }
// Q_l^m storage padded with two zeros per row (m = l+1, l+2), so that the gradient formulas can
// read Q_{l-1}^{m+1} without branching.
HAMD_HOST_DEVICE constexpr int padded(int l) { return l * (l + 5) / 2; }
}  // namespace spherical_harmonics_detail

// values[l(l+1)+m] = Y_lm(r/|r|), l = 0..L <= MaxL; gradients (if not null) [d][lm], d Y / d r_d.
// factor: F_lm at l(l+1)+m; recursion: (a_lm, b_lm) per triangular (l, m) (SphericalHarmonics'
// coefficients). MaxL sizes the stack buffers: keep it small in device code.
template <int MaxL>
HAMD_HOST_DEVICE void real_spherical_harmonics(int L, const double* factor, const double* recursion, const double r[3],
                                              double* values, double* gradients) {
    using namespace spherical_harmonics_detail;
    const double norm = sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2]);
    const double inverse_norm = 1.0 / norm;
    const double x = r[0] * inverse_norm, y = r[1] * inverse_norm, z = r[2] * inverse_norm;

    double q[padded(MaxL + 1)];
    double c[MaxL + 1], s[MaxL + 1];

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

    const int n = (L + 1) * (L + 1);
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
