#include "core/descriptors/lode/hermite_table.hpp"

#include <algorithm>
#include <cmath>

#include "core/base/errors.hpp"
#include "core/descriptors/density/radial_spline.hpp"

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
    // Same layout as RadialIntegral's table (per point: values, then derivatives): one evaluator.
    evaluate_radial_spline(table_.data(), n_points_, step_, channels_, x, values, derivatives);
}

}  // namespace hamd
