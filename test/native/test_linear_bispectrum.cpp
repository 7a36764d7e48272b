// LinearBispectrum (the adjoint route to energies, forces and the strain derivative of a linear
// function of the bispectrum) against the explicit bispectrum and its position gradients from
// the descriptor engine, on a finite structure of three species with a neighbour list built with
// a longer cutoff (a Verlet skin); independence of the pool size; feature sums; and the strain
// derivative against finite differences of the energy of a strained periodic cell (the engine
// has no cell gradients for the bispectrum).
#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <string>

#include "core/descriptors/engine.hpp"
#include "core/descriptors/soap/bispectrum.hpp"
#include "core/descriptors/soap/linear_bispectrum.hpp"
#include "native/check.hpp"
#include "native/linear_fixtures.hpp"

using namespace hamd;

namespace {

using linear_fixtures::cloud;
using linear_fixtures::sci;

Hypers hypers() {
    Hypers h;
    h.cutoff = 3.2;
    h.cutoff_width = 0.5;
    h.max_radial = 2;
    h.max_angular = 3;
    return h;
}

// sum_i sum_terms |W C c c c|: the size of the terms that both sides add (in other orders).
double term_scale(const ExpansionSetup& setup, const System& system, const NeighborList& list,
                  const std::vector<std::vector<double>>& weights) {
    const Bispectrum bispectrum(setup);
    const int N = setup.n_radial(), row = setup.row_size();
    CentreNeighbourhood nh;
    CentreExpansion e;
    double total = 0;
    for (size_t i = 0; i < system.size(); ++i) {
        collect_neighbourhood(setup, system, list, static_cast<int32_t>(i), nh);
        compute_expansion(setup, nh, false, e);
        const std::vector<double>& w = weights[setup.channel(system.types[i])];
        const double* c = e.values.data();
        for (const Bispectrum::Coupling& k : bispectrum.couplings())
            for (const auto& [a3, offset] : k.thirds)
                for (const auto& entry : k.cg->nonzero)
                    for (int n1 = 0; n1 < N; ++n1)
                        for (int n2 = 0; n2 < N; ++n2)
                            for (int n3 = 0; n3 < N; ++n3)
                                total += std::fabs(w[offset + (n1 * N + n2) * N + n3] * entry.value *
                                                   c[(k.l1 * k.l1 + entry.m1) * row + k.a1 * N + n1] *
                                                   c[(k.l2 * k.l2 + entry.m2) * row + k.a2 * N + n2] *
                                                   c[(k.l3 * k.l3 + entry.mu) * row + a3 * N + n3]) /
                                         std::sqrt(2.0 * k.l3 + 1.0);
    }
    return total;
}

void compare() {
    std::mt19937 rng(9);
    const System system = cloud(rng, false);
    const Hypers h = hypers();
    const std::vector<int32_t> species = {1, 6, 8};
    const ExpansionSetup setup(h, species);
    const size_t P = Bispectrum(setup).n_properties();
    std::normal_distribution<double> g(0.0, 1.0);
    std::vector<std::vector<double>> weights(3, std::vector<double>(P));
    for (auto& w : weights)
        for (double& x : w) x = g(rng);

    ThreadPool pool(2);
    DescriptorOptions options;
    options.kind = DescriptorKind::Bispectrum;
    options.hypers = h;
    options.species = species;
    options.gradient_positions = true;
    const TensorMap map = compute_descriptors({system}, options, pool);

    // Reference: E_i = w . B_i, F_j = -sum_i w . dB_i/dr_j.
    const size_t n = system.size();
    std::vector<double> energies(n, 0.0), forces(3 * n, 0.0);
    for (size_t b = 0; b < map.blocks.size(); ++b) {
        const Block& block = map.blocks[b];
        const int32_t z = map.keys.values[b * 3 + 2];
        const std::vector<double>& w = weights[setup.channel(z)];
        for (size_t r = 0; r < block.samples.count(); ++r) {
            double e = 0;
            for (size_t k = 0; k < P; ++k) e += w[k] * block.values[r * P + k];
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
    }

    const LinearBispectrum linear(setup, weights);
    LinearBispectrum::Result result;
    const NeighborList skin_list = build_neighbor_list(system, h.cutoff + 0.7);
    linear.evaluate(system, skin_list, true, true, pool, nullptr, result);

    // Rounding bound. Both sides add the same products W C c c c (|C| <= 1, 1/sqrt(2 l3 + 1) <= 1)
    // in other orders: each side's error is at most about (number of additions in one centre's
    // sum + 4 for the products) eps times S = sum of the terms' absolute values, and a centre's
    // sum has at most ~ P (2L+1)^2 terms, but they are added in short partial sums (N, N^2,
    // 2 l3 + 1, then over the blocks) whose nesting depth, not count, multiplies the error:
    // a few hundred eps S covers both sides. A force term is an energy term with one factor c
    // replaced by dc/dr, which varies over the cutoff width (0.5 A): |dc/dr| <~ 10 |c|-sized
    // numbers per A here, hence ten times more for the forces.
    const double S = term_scale(setup, system, build_neighbor_list(system, h.cutoff), weights);
    const double eps = std::numeric_limits<double>::epsilon();
    const double tolerance = 1e3 * eps * (1.0 + S), force_tolerance = 1e4 * eps * (1.0 + S);
    double worst_energy = 0, worst_force = 0, largest_force = 0;
    for (size_t i = 0; i < n; ++i) worst_energy = std::max(worst_energy, std::fabs(result.energies[i] - energies[i]));
    for (size_t k = 0; k < 3 * n; ++k) {
        worst_force = std::max(worst_force, std::fabs(result.forces[k] - forces[k]));
        largest_force = std::max(largest_force, std::fabs(forces[k]));
    }
    std::printf("# S = %.3g, largest |F| %.3g\n", S, largest_force);
    check::ok(largest_force > 1e-3, "the test has non-trivial forces");
    check::ok(worst_energy <= tolerance, "per-atom energies equal w . B_i (worst " + sci(worst_energy) + ", tolerance " + sci(tolerance) + ")");
    check::ok(worst_force <= force_tolerance, "forces equal -w . dB/dr from the explicit gradients (worst " + sci(worst_force) +
                                                  ", tolerance " + sci(force_tolerance) + ")");
    // Feature sums: the design row of each centre species.
    double worst_sum = 0;
    for (size_t b = 0; b < map.blocks.size(); ++b) {
        const Block& block = map.blocks[b];
        const std::vector<double>& got = result.feature_sums[setup.channel(map.keys.values[b * 3 + 2])];
        for (size_t k = 0; k < P; ++k) {
            double want = 0;
            for (size_t r = 0; r < block.samples.count(); ++r) want += block.values[r * P + k];
            worst_sum = std::max(worst_sum, std::fabs(got[k] - want));
        }
    }
    // Same computation (Bispectrum::triple) per centre; only the order of the centres' sum may differ.
    check::ok(worst_sum <= 1e3 * eps * (1.0 + S), "feature sums per centre species (worst " + sci(worst_sum) + ")");

    // Without forces: the same energies, bitwise (the energy does not depend on the adjoint).
    LinearBispectrum::Result plain;
    linear.evaluate(system, skin_list, false, false, pool, nullptr, plain);
    check::ok(plain.energies == result.energies && plain.forces.empty() && plain.feature_sums.empty(),
              "without forces or feature sums: the same energies, bitwise");

    // The same on one thread and on four: bitwise (the chunking depends on the atom count only).
    ThreadPool one(1), four(4);
    LinearBispectrum::Result a, b;
    linear.evaluate(system, skin_list, true, true, one, nullptr, a);
    linear.evaluate(system, skin_list, true, true, four, nullptr, b);
    check::ok(a.forces == b.forces && a.energies == b.energies && a.strain_derivative == b.strain_derivative &&
                  a.feature_sums == b.feature_sums,
              "bitwise the same on 1 and 4 threads");
}

// dE/d(strain)[c][b] for r_b -> r_b + sum_c r_c strain[c][b] (positions and lattice vectors
// alike) against central differences of the total energy.
void strain() {
    std::mt19937 rng(5);
    const System system = cloud(rng, true);
    const Hypers h = hypers();
    const ExpansionSetup setup(h, {1, 6, 8});
    const size_t P = Bispectrum(setup).n_properties();
    std::normal_distribution<double> g(0.0, 1.0);
    std::vector<std::vector<double>> weights(3, std::vector<double>(P));
    for (auto& w : weights)
        for (double& x : w) x = g(rng);
    const LinearBispectrum linear(setup, weights);
    ThreadPool pool(2);
    LinearBispectrum::Result r;
    linear.evaluate(system, build_neighbor_list(system, h.cutoff + 0.5), true, false, pool, nullptr, r);

    auto energy = [&](int c, int b, double step) {
        System s = system;
        for (size_t i = 0; i < s.size(); ++i) s.positions[3 * i + b] += step * system.positions[3 * i + c];
        for (int k = 0; k < 3; ++k) s.cell[3 * k + b] += step * system.cell[3 * k + c];
        LinearBispectrum::Result e;
        linear.evaluate(s, build_neighbor_list(s, h.cutoff), false, false, pool, nullptr, e);
        double total = 0;
        for (double x : e.energies) total += x;
        return total;
    };
    // Central differences: error h^2/6 |E'''| (E varies on the scale of the cutoff width, 0.5 A,
    // against positions of ~ 5 A: |E'''| <~ (5/0.5)^3 S) plus the energies' rounding, ~ 1e3 eps S / h.
    const double S = term_scale(setup, system, build_neighbor_list(system, h.cutoff), weights);
    const double step = 1e-5, eps = std::numeric_limits<double>::epsilon();
    const double bound = step * step / 6 * 1e3 * S + 1e3 * eps * S / step;
    double worst = 0, largest = 0;
    for (int c = 0; c < 3; ++c)
        for (int b = 0; b < 3; ++b) {
            const double numeric = (energy(c, b, step) - energy(c, b, -step)) / (2 * step);
            worst = std::max(worst, std::fabs(r.strain_derivative[3 * c + b] - numeric));
            largest = std::max(largest, std::fabs(numeric));
        }
    std::printf("# strain: largest |dE/d strain| %.3g, worst difference %.3g, bound %.3g\n", largest, worst, bound);
    check::ok(largest > 1e-2 && worst <= bound, "periodic: the strain derivative from the pair gradients equals finite differences (worst " +
                                                    sci(worst) + ", bound " + sci(bound) + ")");
}

}  // namespace

int main() {
    compare();
    strain();
    return check::finish();
}
