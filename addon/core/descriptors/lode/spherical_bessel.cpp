#include "core/descriptors/lode/spherical_bessel.hpp"

#include <cmath>

namespace hamd {

void spherical_bessel_j(int max_l, double x, double* out) {
    if (x < 1e-3) {
        // j_l(x) = x^l / (2l+1)!! (1 - x^2 / (2 (2l+3)) + O(x^4)); the dropped term is < 1e-14.
        double power = 1.0;  // x^l / (2l+1)!!
        for (int l = 0; l <= max_l; ++l) {
            if (l > 0) power *= x / (2 * l + 1);
            out[l] = power * (1.0 - x * x / (2.0 * (2 * l + 3)));
        }
        return;
    }
    const double s = std::sin(x), c = std::cos(x);
    const double j0 = s / x, j1 = s / (x * x) - c / x;
    if (x >= max_l) {
        out[0] = j0;
        if (max_l >= 1) out[1] = j1;
        for (int l = 1; l < max_l; ++l) out[l + 1] = (2 * l + 1) / x * out[l] - out[l - 1];
        return;
    }
    // Downward from far above max_l, where the minimal solution j_l dominates.
    const int start = max_l + 30 + (int)x;
    double above = 0.0, current = 1e-30;
    for (int l = start; l >= 1; --l) {
        const double below = (2 * l + 1) / x * current - above;
        above = current;
        current = below;
        if (l - 1 <= max_l) out[l - 1] = current;
        if (l <= max_l) out[l] = above;
        if (std::fabs(current) > 1e200) {
            above *= 1e-200;
            current *= 1e-200;
            for (int k = l - 1; k <= max_l; ++k)
                if (k >= 0) out[k] *= 1e-200;
        }
    }
    const double scale = std::fabs(j0) >= std::fabs(j1) || max_l < 1 ? j0 / out[0] : j1 / out[1];
    for (int l = 0; l <= max_l; ++l) out[l] *= scale;
}

}  // namespace hamd
