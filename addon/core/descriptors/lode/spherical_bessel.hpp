// Spherical Bessel functions of the first kind j_l(x), x >= 0 (private helper of the LODE
// plane-wave projections; docs/science.md#lode).
#pragma once

namespace hamd {

// out[l] = j_l(x) for l = 0..max_l (max_l <= 60). Series for tiny x, upward recurrence where it
// is stable (x >= max_l), Miller's downward recurrence (rescaled, normalised by whichever of
// j_0, j_1 is larger) elsewhere. Relative accuracy ~1e-14 where j_l is not tiny.
void spherical_bessel_j(int max_l, double x, double* out);

}  // namespace hamd
