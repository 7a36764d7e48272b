// Shared helpers of the adjoint-route tests (test_linear_power_spectrum.cpp,
// test_linear_bispectrum.cpp): a small three-species structure and number formatting.
#pragma once
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>

#include "core/systems/system.hpp"

namespace linear_fixtures {

inline std::string sci(double x) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.2e", x);
    return buffer;
}

// 18 atoms of H, C and O on a jittered 3 x 3 x 2 grid (1.5-1.6 A apart), optionally in a
// skewed periodic cell smaller than twice the tests' cutoffs (images count).
inline hamd::System cloud(std::mt19937& rng, bool periodic) {
    hamd::System s;
    std::uniform_real_distribution<double> jitter(-0.25, 0.25);
    const int32_t species[3] = {1, 6, 8};
    for (int a = 0; a < 3; ++a)
        for (int b = 0; b < 3; ++b)
            for (int c = 0; c < 2; ++c) {
                s.types.push_back(species[(a + 2 * b + c) % 3]);
                s.positions.insert(s.positions.end(), {1.5 * a + jitter(rng), 1.5 * b + jitter(rng), 1.6 * c + jitter(rng)});
            }
    if (periodic) {
        s.cell = {4.6, 0.0, 0.0, 0.3, 4.4, 0.0, -0.2, 0.25, 3.3};
        s.pbc = {true, true, true};
    }
    return s;
}

}  // namespace linear_fixtures
