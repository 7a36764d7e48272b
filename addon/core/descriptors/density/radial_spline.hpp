// Evaluation of the tabulated radial integrals (RadialIntegral's cubic Hermite spline), written once
// for the CPU and the CUDA kernels.
#pragma once
#include "core/base/host_device.hpp"

namespace hamd {

// table: per grid point (spacing h, n_points >= 2) `channels` values then `channels` derivatives.
// values[c] = I_c(r) and, if derivatives is not null, derivatives[c] = dI_c/dr. r beyond the last
// interval extrapolates the last cubic (callers stay inside [0, cutoff]); r < 0 or NaN reads r = 0.
HAMD_HOST_DEVICE void evaluate_radial_spline(const double* table, int n_points, double h, int channels, double r,
                                             double* values, double* derivatives) {
    const int block = 2 * channels;
    double t = r / h;
    if (!(t >= 0.0)) t = 0.0;  // also catches NaN
    const double last = static_cast<double>(n_points - 2);
    const int i = static_cast<int>(t < last ? t : last);
    const double u = t - i;  // in [0, 1] inside the grid, slightly beyond for r > cutoff
    const double* y0 = table + static_cast<long>(i) * block;
    const double* d0 = y0 + channels;
    const double* y1 = y0 + block;
    const double* d1 = y1 + channels;

    const double v = 1.0 - u;
    const double h00 = (1.0 + 2.0 * u) * v * v, h01 = u * u * (3.0 - 2.0 * u);
    const double h10 = h * u * v * v, h11 = -h * u * u * v;
    for (int c = 0; c < channels; ++c) values[c] = h00 * y0[c] + h10 * d0[c] + h01 * y1[c] + h11 * d1[c];
    if (derivatives == nullptr) return;
    const double g0 = 6.0 * u * (u - 1.0) / h;  // d h00/dr = - d h01/dr
    const double g10 = v * (1.0 - 3.0 * u), g11 = u * (3.0 * u - 2.0);
    for (int c = 0; c < channels; ++c) derivatives[c] = g0 * (y0[c] - y1[c]) + g10 * d0[c] + g11 * d1[c];
}

}  // namespace hamd
