// Spherical expansion (nu = 1): definition, equivariance, parity, periodic images, gradients.
#include "descriptor_fixtures.hpp"

#include "core/descriptors/density/cutoff.hpp"
#include "core/descriptors/density/radial_integral.hpp"
#include "core/math/spherical_harmonics.hpp"

using namespace fixtures;

namespace {

void test_definition() {
    // Two atoms: the expansion of atom 0 is fc I_nl Y_lm of the O neighbour, plus the
    // centre's own density in its own (H) channel at l = 0 only.
    DescriptorOptions o = options(DescriptorKind::SphericalExpansion);
    System system;
    system.types = {1, 8};
    system.positions = {0.1, -0.2, 0.3, 1.2, 0.9, -1.3};  // r = 2.02, inside the smoothing zone? no: rc - w = 3
    system.positions[3] = 1.9;                           // r ~ 2.6: fc = 1 region
    const TensorMap map = compute({system}, o);
    const double v[3] = {system.positions[3] - system.positions[0], system.positions[4] - system.positions[1],
                         system.positions[5] - system.positions[2]};
    const double r = std::sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
    const int N = o.hypers.n_radial(), L = o.hypers.max_angular;
    hamd::RadialIntegral radial({o.hypers.cutoff, o.hypers.max_radial, L, o.hypers.density_width});
    std::vector<double> I((L + 1) * N), I0((L + 1) * N), Y((L + 1) * (L + 1));
    radial.compute_exact(r, I.data(), nullptr);
    radial.compute_exact(0.0, I0.data(), nullptr);
    hamd::SphericalHarmonics(L).compute(v, Y.data(), nullptr);
    double dfc;
    const double fc = hamd::cutoff_function(r, o.hypers.cutoff, o.hypers.cutoff_width, &dfc);
    double err_neighbour = 0, err_self = 0, err_zero = 0;
    bool samples_ok = true;
    for (const Block& block : map.blocks) samples_ok = samples_ok && block.samples.count() == 1;
    check::ok(samples_ok, "one sample per block (one atom of each type)");
    if (!samples_ok) return;
    for (int l = 0; l <= L; ++l) {
        const int b_O = find_block(map, {l, 1, 1, 8}), b_H = find_block(map, {l, 1, 1, 1});
        const Block& O = map.blocks.at(b_O);
        const Block& H = map.blocks.at(b_H);
        const int row = find_sample(O, 0, 0);
        for (int m = 0; m < 2 * l + 1; ++m)
            for (int n = 0; n < N; ++n) {
                const double expected = fc * I[l * N + n] * Y[l * l + m];
                err_neighbour = std::max(err_neighbour, std::fabs(O.values[(row * (2 * l + 1) + m) * N + n] - expected));
                const double self = l == 0 ? o.hypers.center_atom_weight * I0[n] * 0.5 / std::sqrt(M_PI) : 0.0;
                const double got = H.values[(find_sample(H, 0, 0) * (2 * l + 1) + m) * N + n];
                (l == 0 ? err_self : err_zero) = std::max(l == 0 ? err_self : err_zero, std::fabs(got - self));
            }
    }
    check::ok(err_neighbour < 1e-7, "expansion equals fc I_nl Y_lm of the single neighbour", std::to_string(err_neighbour));
    check::ok(err_self < 1e-7, "centre contributes weight I_n0(0) Y_00 to its own channel", std::to_string(err_self));
    check::ok(err_zero == 0.0, "centre contributes nothing for l > 0");
    check::ok(map.keys.names == std::vector<std::string>({"o3_lambda", "o3_sigma", "center_type", "neighbor_type"}),
              "spherical-expansion key names");
    check::ok(map.blocks.size() == static_cast<size_t>((L + 1) * 2 * 2), "one block per (l, centre type, neighbour type)");
    check::ok(map.blocks[0].components.size() == 1 && map.blocks[0].components[0].names[0] == "o3_mu",
              "components are o3_mu");
}

void test_symmetry() {
    std::mt19937 rng(7);
    const DescriptorOptions o = options(DescriptorKind::SphericalExpansion);
    const System molecule = random_molecule(rng, {6, 1, 1, 8, 1, 6, 7});
    const TensorMap original = compute({molecule}, o);
    for (int trial = 0; trial < 3; ++trial) {
        double R[9];
        wigner::random_rotation(rng, R);
        const double shift[3] = {0.3, -1.7, 2.2};
        const TensorMap rotated = compute({transformed(molecule, R, shift)}, o);
        const double error = equivariance_error(original, rotated, R, [](size_t) { return 1.0; });
        check::ok(error < 1e-10, "rotated+translated molecule: each l block transforms with D^l", std::to_string(error));
    }
    const TensorMap inverted = compute({transformed(molecule, kInversion)}, o);
    const double identity[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
    const double parity = equivariance_error(original, inverted, identity, [&](size_t k) {
        return (original.keys.values[4 * k] % 2) ? -1.0 : 1.0;
    });
    check::ok(parity < 1e-10, "inversion multiplies the l block by (-1)^l (o3_sigma = 1)", std::to_string(parity));
    bool sigma_one = true;
    for (size_t k = 0; k < original.blocks.size(); ++k) sigma_one = sigma_one && original.keys.values[4 * k + 1] == 1;
    check::ok(sigma_one, "every spherical-expansion block has o3_sigma = 1");

    const System crystal = random_crystal(rng, {8, 1, 1});
    double R[9];
    wigner::random_rotation(rng, R);
    const double error = equivariance_error(compute({crystal}, o), compute({transformed(crystal, R)}, o), R,
                                            [](size_t) { return 1.0; });
    check::ok(error < 1e-10, "rotated periodic crystal (cell rotated too): equivariant", std::to_string(error));
}

void test_periodic() {
    std::mt19937 rng(11);
    const DescriptorOptions o = options(DescriptorKind::SphericalExpansion);
    const System crystal = random_crystal(rng, {8, 1, 1});
    const double diff = supercell_difference(crystal, o);
    check::ok(diff < 1e-10, "triclinic cell (shorter than the cutoff) and its 2x2x2 supercell agree", std::to_string(diff));
}

void test_gradients() {
    std::mt19937 rng(5);
    DescriptorOptions o = options(DescriptorKind::SphericalExpansion, 2, 3);
    const System molecule = random_molecule(rng, {6, 1, 1, 8, 1});
    double error = position_gradient_error(molecule, o);
    check::ok(error < 1e-5, "molecule: position gradients match finite differences", std::to_string(error));
    const System crystal = random_crystal(rng, {8, 1, 1});
    error = position_gradient_error(crystal, o);
    check::ok(error < 1e-5, "triclinic crystal with self images: position gradients match finite differences",
              std::to_string(error));
    error = cell_gradient_error(crystal, o);
    check::ok(error < 1e-5, "triclinic crystal: cell gradients match finite differences", std::to_string(error));
    // Every code path of the kernels: vector (n_radial 4, 8, 12) and generic (5, 7) widths.
    for (int max_radial : {4, 6, 7, 11}) {
        const DescriptorOptions wide = options(DescriptorKind::SphericalExpansion, max_radial, 2);
        const double e = position_gradient_error(crystal, wide);
        check::ok(e < 1e-5, "n_radial = " + std::to_string(max_radial + 1) + ": position gradients match finite differences",
                  std::to_string(e));
    }
}

}  // namespace

int main() {
    test_definition();
    test_symmetry();
    test_periodic();
    test_gradients();
    return check::finish();
}
