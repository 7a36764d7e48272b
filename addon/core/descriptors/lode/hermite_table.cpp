#include "core/descriptors/lode/hermite_table.hpp"

#include <algorithm>
#include <cmath>

#include "core/base/errors.hpp"

namespace hamd {

namespace {
constexpr double kMaxTableDoubles = 8.0 * 1024 * 1024;  // 64 MiB
}

HermiteTable::HermiteTable(const Function& f, double upper, int channels, double feature, double tolerance)
    : channels_(channels), upper_(upper) {
    const int block = 2 * channels;
    // Start from the feature size, measure the midpoint error and predict the spacing that meets
    // the tolerance from the h^4 law of cubic Hermite interpolation; repeat until it passes.
    int intervals = std::max(4, (int)std::ceil(upper / feature));
    std::vector<double> grid, midpoints, scale(channels);
    while (true) {
        const double h = upper / intervals;
        grid.assign((size_t)(intervals + 1) * block, 0.0);
        midpoints.assign((size_t)intervals * block, 0.0);
        for (int i = 0; i <= intervals; ++i) f(h * i, &grid[(size_t)i * block], &grid[(size_t)i * block + channels]);
        for (int i = 0; i < intervals; ++i)
            f(h * (i + 0.5), &midpoints[(size_t)i * block], &midpoints[(size_t)i * block + channels]);
        std::fill(scale.begin(), scale.end(), 0.0);
        for (int i = 0; i <= intervals; ++i)
            for (int c = 0; c < channels; ++c) scale[c] = std::max(scale[c], std::fabs(grid[(size_t)i * block + c]));
        const double overall = *std::max_element(scale.begin(), scale.end());
        for (double& s : scale) s = std::max(s, 1e-6 * overall);
        if (overall == 0.0) std::fill(scale.begin(), scale.end(), 1.0);
        double worst = 0.0;
        for (int i = 0; i < intervals; ++i) {
            const double* left = &grid[(size_t)i * block];
            const double* right = &grid[(size_t)(i + 1) * block];
            const double* exact = &midpoints[(size_t)i * block];
            for (int c = 0; c < channels; ++c) {
                const double spline = 0.5 * (left[c] + right[c]) + 0.125 * h * (left[channels + c] - right[channels + c]);
                worst = std::max(worst, std::fabs(spline - exact[c]) / (tolerance * scale[c]));
            }
        }
        if (worst <= 1.0) break;
        const double next = std::ceil(intervals * std::max(1.25, 1.1 * std::pow(worst, 0.25)));
        if ((next + 1) * block > kMaxTableDoubles) {
            throw ResourceExhausted("LODE: an interpolation table would exceed 64 MiB (density_width too small for "
                                    "this basis or k_cutoff)");
        }
        intervals = (int)next;
    }
    n_points_ = intervals + 1;
    step_ = upper / intervals;
    table_.swap(grid);
}

void HermiteTable::compute(double x, double* values, double* derivatives) const {
    const int block = 2 * channels_;
    const double h = step_;
    double t = x / h;
    if (!(t >= 0.0)) t = 0.0;
    const int i = (int)std::min(t, (double)(n_points_ - 2));
    const double u = t - i;
    const double* y0 = &table_[(size_t)i * block];
    const double* d0 = y0 + channels_;
    const double* y1 = y0 + block;
    const double* d1 = y1 + channels_;
    const double v = 1.0 - u;
    const double h00 = (1.0 + 2.0 * u) * v * v, h01 = u * u * (3.0 - 2.0 * u);
    const double h10 = h * u * v * v, h11 = -h * u * u * v;
    for (int c = 0; c < channels_; ++c) values[c] = h00 * y0[c] + h10 * d0[c] + h01 * y1[c] + h11 * d1[c];
    if (derivatives == nullptr) return;
    const double g0 = 6.0 * u * (u - 1.0) / h;
    const double g10 = v * (1.0 - 3.0 * u), g11 = u * (3.0 * u - 2.0);
    for (int c = 0; c < channels_; ++c) derivatives[c] = g0 * (y0[c] - y1[c]) + g10 * d0[c] + g11 * d1[c];
}

}  // namespace hamd
