// Shifted-cosine smooth cutoff, docs/science.md#cutoff-function (CPU and CUDA kernels).
#pragma once
#include <math.h>

#include "core/base/host_device.hpp"

namespace hamd {

// fc(r) = 1 for r < rc - w; 0.5 (1 + cos(pi (r - rc + w) / w)) up to rc; 0 beyond.
// Writes dfc/dr into *derivative.
HAMD_HOST_DEVICE double cutoff_function(double r, double cutoff, double width, double* derivative) {
    if (r >= cutoff) { *derivative = 0.0; return 0.0; }
    const double start = cutoff - width;
    if (r <= start || width <= 0.0) { *derivative = 0.0; return 1.0; }
    const double pi = 3.14159265358979323846;
    const double t = pi * (r - start) / width;
    *derivative = -0.5 * pi / width * sin(t);
    return 0.5 * (1.0 + cos(t));
}

}  // namespace hamd
