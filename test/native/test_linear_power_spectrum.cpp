// LinearPowerSpectrum (the adjoint route to energies, forces and the strain derivative of a
// linear function of the power spectrum) against the explicit power spectrum and its position
// and cell gradients from the descriptor engine, on finite and periodic structures of three
// species, with neighbour lists built with a longer cutoff (a Verlet skin); and independence
// of the pool size.
#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <string>

#include "core/descriptors/engine.hpp"
#include "core/descriptors/soap/linear_power_spectrum.hpp"
#include "core/descriptors/soap/power_spectrum.hpp"
#include "native/check.hpp"
#include "native/linear_fixtures.hpp"

using namespace hamd;

namespace {

using linear_fixtures::cloud;
using linear_fixtures::sci;

void compare(bool periodic) {
    std::mt19937 rng(periodic ? 5 : 9);
    const System system = cloud(rng, periodic);
    Hypers hypers;
    hypers.cutoff = 3.2;
    hypers.cutoff_width = 0.5;
    hypers.max_radial = 3;
    hypers.max_angular = 4;
    const std::vector<int32_t> species = {1, 6, 8};
    const ExpansionSetup setup(hypers, species);
    const size_t P = PowerSpectrum(setup).n_properties();
    std::normal_distribution<double> g(0.0, 1.0);
    std::vector<std::vector<double>> weights(3, std::vector<double>(P));
    for (auto& w : weights)
        for (double& x : w) x = g(rng);

    ThreadPool pool(2);
    DescriptorOptions options;
    options.kind = DescriptorKind::PowerSpectrum;
    options.hypers = hypers;
    options.species = species;
    options.gradient_positions = true;
    options.gradient_cell = periodic;
    const TensorMap map = compute_descriptors({system}, options, pool);

    // Reference: E_i = w . p_i, F_j = -sum_i w . dp_i/dr_j, dE/dh, then dE/d(strain) = h^T dE/dh.
    const size_t n = system.size();
    std::vector<double> energies(n, 0.0), forces(3 * n, 0.0);
    double dE_dh[9] = {0};
    double scale = 0;  // sum |w| |p|: the size of the terms, for the rounding bound
    for (size_t b = 0; b < map.blocks.size(); ++b) {
        const Block& block = map.blocks[b];
        const int32_t z = map.keys.values[b * 3 + 2];
        const std::vector<double>& w = weights[z == 1 ? 0 : z == 6 ? 1 : 2];
        for (size_t r = 0; r < block.samples.count(); ++r) {
            double e = 0;
            for (size_t k = 0; k < P; ++k) {
                e += w[k] * block.values[r * P + k];
                scale += std::fabs(w[k] * block.values[r * P + k]);
            }
            energies[static_cast<size_t>(block.samples.values[2 * r + 1])] = e;
        }
        const GradientBlock& positions = block.gradients.at(0);
        for (size_t q = 0; q < positions.samples.count(); ++q) {
            const size_t j = static_cast<size_t>(positions.samples.values[3 * q + 2]);
            for (int d = 0; d < 3; ++d) {
                double dot = 0;
                for (size_t k = 0; k < P; ++k) dot += w[k] * positions.values[(3 * q + d) * P + k];
                forces[3 * j + d] -= dot;
            }
        }
        if (periodic) {
            const GradientBlock& cell = block.gradients.at(1);
            for (size_t q = 0; q < cell.samples.count(); ++q)
                for (int ab = 0; ab < 9; ++ab)
                    for (size_t k = 0; k < P; ++k) dE_dh[ab] += w[k] * cell.values[(q * 9 + ab) * P + k];
        }
    }

    const LinearPowerSpectrum linear(setup, weights);
    LinearPowerSpectrum::Result result;
    const NeighborList skin_list = build_neighbor_list(system, hypers.cutoff + 0.7);
    linear.evaluate(system, skin_list, true, true, pool, nullptr, result);

    // Both sides add the same kind of terms in other orders: the difference is rounding, a few
    // hundred eps of the terms' size (plus the gradients' own pair sums).
    const double tolerance = 1e3 * std::numeric_limits<double>::epsilon() * (1.0 + scale);
    const std::string name = periodic ? "periodic" : "finite";
    double worst_energy = 0, worst_force = 0;
    for (size_t i = 0; i < n; ++i) worst_energy = std::max(worst_energy, std::fabs(result.energies[i] - energies[i]));
    for (size_t k = 0; k < 3 * n; ++k) worst_force = std::max(worst_force, std::fabs(result.forces[k] - forces[k]));
    check::ok(worst_energy <= tolerance, name + ": per-atom energies equal w . p_i (worst " + sci(worst_energy) + ", tolerance " + sci(tolerance) + ")");
    check::ok(worst_force <= tolerance, name + ": forces equal -w . dp/dr from the explicit gradients (worst " + sci(worst_force) + ")");
    if (periodic) {
        double worst = 0;
        for (int c = 0; c < 3; ++c)
            for (int b = 0; b < 3; ++b) {
                double want = 0;
                for (int k = 0; k < 3; ++k) want += system.cell[3 * k + c] * dE_dh[3 * k + b];
                worst = std::max(worst, std::fabs(result.strain_derivative[3 * c + b] - want));
            }
        check::ok(worst <= tolerance, "periodic: strain derivative equals h^T dE/dh from the cell gradients (worst " + sci(worst) + ")");
    }
    // Feature sums: the design row of each centre species.
    double worst_sum = 0;
    for (size_t b = 0; b < map.blocks.size(); ++b) {
        const Block& block = map.blocks[b];
        const int32_t z = map.keys.values[b * 3 + 2];
        const std::vector<double>& got = result.feature_sums[z == 1 ? 0 : z == 6 ? 1 : 2];
        for (size_t k = 0; k < P; ++k) {
            double want = 0;
            for (size_t r = 0; r < block.samples.count(); ++r) want += block.values[r * P + k];
            worst_sum = std::max(worst_sum, std::fabs(got[k] - want));
        }
    }
    check::ok(worst_sum <= 1e3 * std::numeric_limits<double>::epsilon() * (1.0 + scale), name + ": feature sums per centre species");

    // The same on one thread and on four: bitwise (the chunking depends on the atom count only).
    ThreadPool one(1), four(4);
    LinearPowerSpectrum::Result a, b;
    linear.evaluate(system, skin_list, true, true, one, nullptr, a);
    linear.evaluate(system, skin_list, true, true, four, nullptr, b);
    check::ok(a.forces == b.forces && a.energies == b.energies && a.strain_derivative == b.strain_derivative,
              name + ": bitwise the same on 1 and 4 threads");
}

}  // namespace

int main() {
    compare(false);
    compare(true);
    return check::finish();
}
