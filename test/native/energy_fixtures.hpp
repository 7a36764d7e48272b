// Shared by the energy-model tests: distorted water and the smooth pair potential that plays
// the reference "physics" of their training data.
#pragma once
#include <cmath>
#include <random>
#include <vector>

#include "core/systems/system.hpp"

namespace hamd_test {

using hamd::System;

// Water with its atoms displaced by up to `amplitude` Angstrom.
inline System distorted_water(std::mt19937& rng, double amplitude) {
    std::uniform_real_distribution<double> u(-amplitude, amplitude);
    System s;
    s.types = {8, 1, 1};
    s.positions = {0.0, 0.0, 0.117, 0.0, 0.757, -0.467, 0.0, -0.757, -0.467};
    for (double& x : s.positions) x += u(rng);
    return s;
}

// A smooth pair potential with a cosine cutoff: the reference "physics" of the training data.
inline double pair_energy(const System& s, std::vector<double>* forces) {
    const double rc = 3.5;
    double e = 0;
    if (forces) forces->assign(3 * s.size(), 0.0);
    for (size_t i = 0; i < s.size(); ++i)
        for (size_t j = i + 1; j < s.size(); ++j) {
            double d[3], r2 = 0;
            for (int x = 0; x < 3; ++x) {
                d[x] = s.positions[3 * j + x] - s.positions[3 * i + x];
                r2 += d[x] * d[x];
            }
            const double r = std::sqrt(r2);
            if (r >= rc) continue;
            const double depth = (s.types[i] == 8 || s.types[j] == 8) ? 4.0 : 1.0, r0 = s.types[i] == s.types[j] ? 1.5 : 0.96;
            const double m = 1 - std::exp(-2.0 * (r - r0)), morse = depth * (m * m - 1);
            const double dmorse = depth * 2 * m * 2.0 * std::exp(-2.0 * (r - r0));
            const double fc = 0.5 * (1 + std::cos(M_PI * r / rc)), dfc = -0.5 * M_PI / rc * std::sin(M_PI * r / rc);
            e += morse * fc;
            if (forces) {
                const double dEdr = dmorse * fc + morse * dfc;
                for (int x = 0; x < 3; ++x) {
                    (*forces)[3 * i + x] += dEdr * d[x] / r;
                    (*forces)[3 * j + x] -= dEdr * d[x] / r;
                }
            }
        }
    return e;
}

}  // namespace hamd_test
