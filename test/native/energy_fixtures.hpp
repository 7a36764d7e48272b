// Shared by the energy-model tests: distorted water (one molecule, or two in a periodic cell),
// the features of small water models, and the smooth pair potential that plays the reference
// "physics" of their training data.
#pragma once
#include <cmath>
#include <random>
#include <vector>

#include "core/models/energy/energy_model.hpp"
#include "core/systems/system.hpp"

namespace hamd_test {

using hamd::System;

// H and O, a power spectrum (cutoff 3.5 A, n <= 3, l <= 3) and, when `bispectrum`, a small
// bispectrum family (n <= 1, l <= 2).
inline hamd::EnergyFeatureSettings water_model_settings(bool bispectrum) {
    hamd::EnergyFeatureSettings s;
    s.hypers.cutoff = 3.5;
    s.hypers.max_radial = 3;
    s.hypers.max_angular = 3;
    s.species = {1, 8};
    if (bispectrum) {
        hamd::EnergyFeatureSet b;
        b.kind = hamd::DescriptorKind::Bispectrum;
        b.hypers = s.hypers;
        b.hypers.max_radial = 1;
        b.hypers.max_angular = 2;
        s.extra.push_back(b);
    }
    return s;
}

// Two water molecules, displaced by up to 0.1 A; in a skewed cell short enough for images
// within the cutoff when `periodic`.
inline System two_waters(std::mt19937& rng, bool periodic) {
    std::uniform_real_distribution<double> u(-0.1, 0.1);
    System s;
    s.types = {8, 1, 1, 8, 1, 1};
    s.positions = {0.0, 0.0, 0.117, 0.0, 0.757, -0.467, 0.0, -0.757, -0.467,
                   1.9, 1.1, 1.6, 2.6, 1.2, 2.2, 1.7, 1.9, 1.2};
    for (double& x : s.positions) x += u(rng);
    if (periodic) {
        s.cell = {3.6, 0.0, 0.0, 0.5, 3.4, 0.0, -0.3, 0.3, 3.7};
        s.pbc = {true, true, true};
    }
    return s;
}

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
