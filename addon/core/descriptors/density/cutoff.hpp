// Shifted-cosine smooth cutoff, docs/science.md#cutoff-function.
#pragma once
#include <cmath>

namespace hamd {

// fc(r) = 1 for r < rc - w; 0.5 (1 + cos(pi (r - rc + w) / w)) up to rc; 0 beyond.
// Writes dfc/dr into *derivative.
inline double cutoff_function(double r, double cutoff, double width, double* derivative) {
    if (r >= cutoff) { *derivative = 0.0; return 0.0; }
    const double start = cutoff - width;
    if (r <= start || width <= 0.0) { *derivative = 0.0; return 1.0; }
    const double t = M_PI * (r - start) / width;
    *derivative = -0.5 * M_PI / width * std::sin(t);
    return 0.5 * (1.0 + std::cos(t));
}

}  // namespace hamd
