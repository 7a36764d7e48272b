// LODE spherical expansion (docs/science.md#lode): the radial integrals against independent
// routes, the definition, symmetries, gradients, Madelung constants, and the agreement of the
// periodic (Ewald) and finite results for a molecule in a growing box.
#include "descriptor_fixtures.hpp"

#include "core/base/errors.hpp"
#include "core/descriptors/density/gto_basis.hpp"
#include "core/descriptors/lode/far_field.hpp"
#include "core/descriptors/lode/lode_integrals.hpp"
#include "core/descriptors/lode/lode_spherical_expansion.hpp"
#include "core/descriptors/lode/spherical_bessel.hpp"
#include "core/math/quadrature.hpp"
#include "core/math/spherical_harmonics.hpp"

using namespace fixtures;

namespace {

DescriptorOptions lode_options(int max_radial = 3, int max_angular = 4) {
    DescriptorOptions o = options(DescriptorKind::LodeSphericalExpansion, max_radial, max_angular);
    return o;
}

// int_0^upper f(x) dx by 20-point Gauss-Legendre panels of width `panel`.
template <class F>
double integrate(F&& f, double lower, double upper, double panel) {
    const hamd::QuadratureRule rule = hamd::gauss_legendre(20);
    const int panels = std::max(1, (int)std::ceil((upper - lower) / panel));
    const double h = (upper - lower) / panels;
    double total = 0;
    for (int p = 0; p < panels; ++p)
        for (size_t q = 0; q < rule.nodes.size(); ++q)
            total += 0.5 * h * rule.weights[q] * f(lower + h * (p + 0.5 * (rule.nodes[q] + 1.0)));
    return total;
}

void test_bessel() {
    // closed forms j_0..j_3 and the sum rule sum_l (2l+1) j_l(x)^2 = 1
    double worst = 0, worst_sum = 0;
    for (double x : {1e-4, 0.003, 0.5, 1.7, 3.14159, 4.4934, 7.0, 12.5, 30.0, 75.0}) {
        double j[61];
        hamd::spherical_bessel_j(60, x, j);
        const double s = std::sin(x), c = std::cos(x);
        const double exact[4] = {s / x, s / (x * x) - c / x, (3 / (x * x) - 1) * s / x - 3 * c / (x * x),
                                 (15 / (x * x * x) - 6 / x) * s / x - (15 / (x * x) - 1) * c / x};
        for (int l = 0; l < 4; ++l) {
            if (x < 0.01 && l > 0) continue;  // the closed forms cancel catastrophically there
            worst = std::max(worst, std::fabs(j[l] - exact[l]));
        }
        if (x < 40) {  // 60 orders hold the whole sum for x < 40
            double sum = 0;
            for (int l = 0; l <= 60; ++l) sum += (2 * l + 1) * j[l] * j[l];
            worst_sum = std::max(worst_sum, std::fabs(sum - 1));
        }
    }
    char text[64];
    std::snprintf(text, sizeof text, "%.3g", worst);
    check::ok(worst < 1e-13, "j_0..j_3 match their closed forms", text);
    check::ok(worst_sum < 1e-13, "sum rule sum (2l+1) j_l^2 = 1", std::to_string(worst_sum));
    double small[11], series[11];
    hamd::spherical_bessel_j(10, 0.5, small);  // downward recurrence
    // j_10(0.5) from its series x^l/(2l+1)!! sum_k (-x^2/2)^k / (k! (2l+3)(2l+5)...(2l+2k+1)), 5 terms
    double power = 1;
    for (int l = 1; l <= 10; ++l) power *= 0.5 / (2 * l + 1);
    series[10] = power * (1 - 0.125 / 23 + 0.125 * 0.125 / (2 * 23 * 25) - std::pow(0.125, 3) / (6 * 23 * 25 * 27) +
                          std::pow(0.125, 4) / (24.0 * 23 * 25 * 27 * 29));
    std::snprintf(text, sizeof text, "%.17g vs %.17g", small[10], series[10]);
    check::ok(std::fabs(small[10] / series[10] - 1) < 1e-12, "j_10(0.5) by downward recurrence matches its series", text);
}

// J_nl(d) three ways: the table, the quadrature behind it, and the plane-wave route
// J_nl(d) = (2/pi) int k^2 (4 pi/k^2) e^{-sigma^2 k^2/2} P_nl(k) j_l(k d) dk (Fourier transform of
// phi, projection of plane waves) -- it shares nothing with the real-space U_nl construction.
void test_potential_integral(const hamd::RadialBasisSpec& spec) {
    std::printf("# J_nl for cutoff %g, max_radial %d, max_angular %d, density_width %g\n", spec.cutoff, spec.max_radial,
                spec.max_angular, spec.density_width);
    const hamd::LodePotentialIntegral J(spec);
    const int N = spec.max_radial + 1, L = spec.max_angular + 1, C = N * L;
    const double k_max = 12.0 / spec.density_width;
    const hamd::LodePlaneWaveIntegral P(spec, k_max);
    double worst_route = 0, scale = 0, worst_table = 0, worst_derivative = 0, dscale = 0;
    std::vector<double> table(C), dtable(C), exact(C), dexact(C), p(C), j(L + 1);
    for (double d : {0.0, 0.3, 1.1, 2.0, 3.7, 6.0}) {
        J.compute(d, table.data(), dtable.data());
        J.compute_exact(d, exact.data(), dexact.data());
        std::vector<double> route(C, 0.0);
        // k integral: the integrand oscillates with period 2 pi/d; panels of 0.05
        const hamd::QuadratureRule rule = hamd::gauss_legendre(20);
        const double panel = 0.05;
        for (int q = 0; q < (int)std::ceil(k_max / panel); ++q)
            for (size_t g = 0; g < rule.nodes.size(); ++g) {
                const double k = panel * (q + 0.5 * (rule.nodes[g] + 1.0)), w = 0.5 * panel * rule.weights[g];
                P.compute_exact(k, p.data(), nullptr);
                hamd::spherical_bessel_j(L, k * d, j.data());
                const double f = w * 8.0 * std::exp(-0.5 * spec.density_width * spec.density_width * k * k);
                for (int l = 0; l < L; ++l)
                    for (int n = 0; n < N; ++n) route[l * N + n] += f * p[l * N + n] * j[l];
            }
        for (int c = 0; c < C; ++c) {
            worst_route = std::max(worst_route, std::fabs(route[c] - exact[c]));
            worst_table = std::max(worst_table, std::fabs(table[c] - exact[c]));
            worst_derivative = std::max(worst_derivative, std::fabs(dtable[c] - dexact[c]));
            scale = std::max(scale, std::fabs(exact[c]));
            dscale = std::max(dscale, std::fabs(dexact[c]));
        }
    }
    std::printf("# route %.2e, table %.2e, dJ table %.2e (relative to the largest |J|, |dJ|)\n", worst_route / scale,
                worst_table / scale, worst_derivative / dscale);
    check::ok(worst_route < 1e-9 * scale, "J_nl(d): real-space quadrature equals the plane-wave route",
              std::to_string(worst_route / scale));
    check::ok(worst_table < 1e-8 * scale, "J_nl(d): table equals its quadrature", std::to_string(worst_table / scale));
    check::ok(worst_derivative < 1e-6 * dscale, "dJ_nl/dd: table equals its quadrature",
              std::to_string(worst_derivative / dscale));

    // J_n0(0) = 4 pi int r^2 R_n(r) erf(r / (sqrt2 sigma)) / r dr (c_00 = Y_00 J_n0), by plain quadrature
    const hamd::GtoBasis basis(spec.cutoff, spec.max_radial);
    std::vector<double> R(N);
    J.compute_exact(0.0, exact.data(), nullptr);
    double worst_origin = 0;
    for (int n = 0; n < N; ++n) {
        const double direct = 4 * M_PI * integrate([&](double r) {
            basis.evaluate(r, R.data());
            return r * R[n] * std::erf(r / (std::sqrt(2.0) * spec.density_width));
        }, 0.0, hamd::lode_projection_radius(spec), 0.1);
        worst_origin = std::max(worst_origin, std::fabs(direct - exact[n]) / std::fabs(direct));
    }
    check::ok(worst_origin < 1e-12, "J_n0(0) equals the projection of erf(r/sqrt2 sigma)/r", std::to_string(worst_origin));

    // the far field: continuous at the switch, and the exact quadrature already equals it there
    const double far = J.far_field_start();
    std::vector<double> below(C), dbelow(C), above(C), dabove(C);
    J.compute(far * (1 - 1e-12), below.data(), dbelow.data());
    J.compute(far * (1 + 1e-12), above.data(), dabove.data());
    J.compute_exact(far, exact.data(), nullptr);
    std::vector<double> analytic(C);
    J.compute_far_field(far, analytic.data(), nullptr);
    double jump = 0, djump = 0, exact_far = 0;
    for (int c = 0; c < C; ++c) {
        jump = std::max(jump, std::fabs(below[c] - above[c]) / std::fabs(above[c]));
        djump = std::max(djump, std::fabs(dbelow[c] - dabove[c]) / std::fabs(dabove[c]));
        exact_far = std::max(exact_far, std::fabs(exact[c] - analytic[c]) / std::fabs(analytic[c]));
    }
    std::printf("# J_n0(0) %.2e; far field: quadrature vs multipole %.2e, jump J %.2e, dJ %.2e\n", worst_origin, exact_far,
                jump, djump);
    check::ok(exact_far < 1e-12, "at the far-field switch the quadrature equals 4 pi/(2l+1) M_nl / d^(l+1)",
              std::to_string(exact_far));
    check::ok(jump < 1e-8 && djump < 1e-6, "J and dJ/dd continuous across the far-field switch",
              std::to_string(jump) + " " + std::to_string(djump));
}

// Two atoms: the definition with J and Y, and the centre's weight.
void test_definition() {
    DescriptorOptions o = lode_options();
    System system;
    system.types = {1, 8, 1};
    system.positions = {0.1, -0.2, 0.3, 1.9, 0.9, -1.3, 7.0, 5.0, -4.0};  // the third atom far outside the cutoff
    const TensorMap map = compute({system}, o);
    const int N = o.hypers.n_radial(), L = o.hypers.max_angular + 1;
    const hamd::LodePotentialIntegral J({o.hypers.cutoff, o.hypers.max_radial, o.hypers.max_angular, o.hypers.density_width});
    const hamd::SphericalHarmonics harmonics(L - 1);
    std::vector<double> values(L * L * 2 * N, 0.0), j(L * N), Y(L * L);  // [lm][a][n] for centre 0, a = H, O
    for (int atom = 0; atom < 3; ++atom) {
        const int a = system.types[atom] == 1 ? 0 : 1;
        double d[3];
        for (int x = 0; x < 3; ++x) d[x] = system.positions[3 * atom + x] - system.positions[x];
        const double r = std::sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
        if (atom == 0) {
            J.compute_exact(0, j.data(), nullptr);
            for (int n = 0; n < N; ++n) values[a * N + n] += o.hypers.center_atom_weight * j[n] * 0.5 / std::sqrt(M_PI);
            continue;
        }
        if (r < J.far_field_start()) J.compute_exact(r, j.data(), nullptr); else J.compute_far_field(r, j.data(), nullptr);
        harmonics.compute(d, Y.data(), nullptr);
        for (int l = 0; l < L; ++l)
            for (int lm = l * l; lm < (l + 1) * (l + 1); ++lm)
                for (int n = 0; n < N; ++n) values[(lm * 2 + a) * N + n] += j[l * N + n] * Y[lm];
    }
    double worst = 0, scale = 0;
    for (int l = 0; l < L; ++l)
        for (int a = 0; a < 2; ++a) {
            const int b = find_block(map, {l, 1, 1, a == 0 ? 1 : 8});
            if (b < 0) { worst = INFINITY; continue; }
            const Block& block = map.blocks[b];
            const int row = find_sample(block, 0, 0);
            for (int m = 0; m < 2 * l + 1; ++m)
                for (int n = 0; n < N; ++n) {
                    const double expected = values[((l * l + m) * 2 + a) * N + n];
                    worst = std::max(worst, std::fabs(block.values[(row * (2 * l + 1) + m) * N + n] - expected));
                    scale = std::max(scale, std::fabs(expected));
                }
        }
    check::ok(worst < 1e-8 * scale, "c = sum_j J_nl(r_ij) Y_lm(r_ij) + w_c J_n0(0) Y_00 (every atom, no cutoff)",
              std::to_string(worst / scale));
    check::ok(map.keys.names == std::vector<std::string>({"o3_lambda", "o3_sigma", "center_type", "neighbor_type"}) &&
                  map.blocks.size() == (size_t)(L * 2 * 2),
              "keys (o3_lambda, o3_sigma, center_type, neighbor_type), one block per (l, centre type, neighbour type)");
}

void test_symmetry() {
    std::mt19937 rng(7);
    const DescriptorOptions o = lode_options();
    const System molecule = random_molecule(rng, {6, 1, 1, 8, 1, 6, 7}, 5.0);
    const TensorMap original = compute({molecule}, o);
    double R[9];
    wigner::random_rotation(rng, R);
    const double shift[3] = {0.3, -1.7, 2.2};
    double error = equivariance_error(original, compute({transformed(molecule, R, shift)}, o), R, [](size_t) { return 1.0; });
    check::ok(error < 1e-10, "rotated+translated molecule: each l block transforms with D^l", std::to_string(error));
    const double identity[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
    error = equivariance_error(original, compute({transformed(molecule, kInversion)}, o), identity,
                               [&](size_t k) { return (original.keys.values[4 * k] % 2) ? -1.0 : 1.0; });
    check::ok(error < 1e-10, "inversion multiplies the l block by (-1)^l", std::to_string(error));

    // permutation: reversed atom order permutes the rows
    System reversed = molecule;
    const size_t n = molecule.size();
    for (size_t i = 0; i < n; ++i) {
        reversed.types[i] = molecule.types[n - 1 - i];
        for (int x = 0; x < 3; ++x) reversed.positions[3 * i + x] = molecule.positions[3 * (n - 1 - i) + x];
    }
    const TensorMap permuted = compute({reversed}, o);
    double diff = 0;
    for (size_t k = 0; k < original.blocks.size(); ++k) {
        const size_t width = row_width(original.blocks[k]);
        for (size_t i = 0; i < n; ++i) {
            const int r = find_sample(original.blocks[k], 0, (int32_t)i);
            if (r < 0) continue;
            const int q = find_sample(permuted.blocks[k], 0, (int32_t)(n - 1 - i));
            for (size_t x = 0; x < width; ++x)
                diff = std::max(diff, std::fabs(original.blocks[k].values[r * width + x] - permuted.blocks[k].values[q * width + x]));
        }
    }
    check::ok(diff < 1e-12, "permuting the atoms permutes the rows", std::to_string(diff));

    std::mt19937 rng2(3);
    const System crystal = random_crystal(rng2, {8, 1, 1});
    const TensorMap c0 = compute({crystal}, o);
    wigner::random_rotation(rng2, R);
    const double move[3] = {1.3, -0.4, 7.1};
    error = equivariance_error(c0, compute({transformed(crystal, R, move)}, o), R, [](size_t) { return 1.0; });
    check::ok(error < 1e-10, "periodic: rotated (cell too) and translated crystal is equivariant", std::to_string(error));
    error = equivariance_error(c0, compute({transformed(crystal, kInversion)}, o), identity,
                               [&](size_t k) { return (c0.keys.values[4 * k] % 2) ? -1.0 : 1.0; });
    check::ok(error < 1e-10, "periodic: inversion multiplies the l block by (-1)^l", std::to_string(error));
    // wrapping an atom into another image changes nothing
    System wrapped = crystal;
    for (int x = 0; x < 3; ++x) wrapped.positions[3 + x] += crystal.cell[3 + x] - crystal.cell[6 + x];
    diff = relative_difference(compute({wrapped}, o), c0);
    check::ok(diff < 1e-10, "periodic: an atom moved by a lattice vector changes nothing", std::to_string(diff));
    // the supercell may get another split width (lode_range_split.hpp): equal to the split's
    // accuracy, 1e-8 of the largest coefficient (test_lode_fast)
    diff = supercell_difference(crystal, o);
    check::ok(diff < 1e-8, "periodic: a 2x2x2 supercell gives the same expansion", std::to_string(diff));
}

void test_gradients() {
    // Central differences with h = 1e-5 A: truncation h^2 |c'''| / 6 ~ 1e-10 and rounding
    // 1e-16 / h ~ 1e-11 relative to values of order 1; J is a C^1 cubic Hermite spline whose
    // derivative is the analytic one used, so 1e-7 of the largest gradient is a safe bound.
    std::mt19937 rng(5);
    DescriptorOptions o = lode_options(2, 3);
    const System molecule = random_molecule(rng, {6, 1, 1, 8, 1}, 4.0);
    double error = position_gradient_error(molecule, o, 1e-5);
    std::printf("# finite differences vs analytic: molecule %.2e\n", error);
    check::ok(error < 1e-7, "molecule: position gradients match finite differences", std::to_string(error));
    // an atom beyond the far-field switch (exact multipole form)
    System stretched = molecule;
    stretched.positions[0] += 40.0;
    error = position_gradient_error(stretched, o, 1e-5);
    check::ok(error < 1e-7, "molecule with a far atom: position gradients match finite differences", std::to_string(error));
    const System crystal = random_crystal(rng, {8, 1, 1});
    error = position_gradient_error(crystal, o, 1e-5);
    std::printf("# finite differences vs analytic: crystal positions %.2e\n", error);
    check::ok(error < 1e-7, "periodic crystal: position gradients match finite differences", std::to_string(error));
    {
        // values computed along with gradients (per-centre path) equal the values-only batch path
        DescriptorOptions with = o;
        with.gradient_positions = true;
        with.gradient_cell = true;
        // (values alone go through point multipoles unless the split is forced; both are the
        // converged sum to 1e-8, test_lode_fast)
        hamd::set_lode_method_for_tests({hamd::LodePeriodicMethod::split});
        const TensorMap split_values = compute({crystal}, o);
        hamd::set_lode_method_for_tests({});
        const TensorMap with_gradients = compute({crystal}, with);
        const double diff = relative_difference(with_gradients, split_values);
        check::ok(diff < 1e-13, "periodic: values with and without gradients agree (split sum)", std::to_string(diff));
        const double multipole = relative_difference(compute({crystal}, o), with_gradients);
        check::ok(multipole < 1e-8, "periodic: values alone (multipoles) agree with those computed with gradients",
                  std::to_string(multipole));
    }
    error = cell_gradient_error(crystal, o, 1e-5);
    std::printf("# finite differences vs analytic: crystal cell %.2e\n", error);
    check::ok(error < 1e-7, "periodic crystal: cell gradients match finite differences", std::to_string(error));
    o.hypers.center_atom_weight = 0.0;
    error = position_gradient_error(crystal, o, 1e-5);
    check::ok(error < 1e-7, "periodic crystal, centre weight 0: position gradients match finite differences",
              std::to_string(error));
    // the gradient rows of one sample sum to zero (translation invariance), dense over all atoms
    o.gradient_positions = true;
    const TensorMap map = compute({molecule}, o);
    bool labels = true;
    for (const Block& block : map.blocks) {
        const auto& g = block.gradients.at(0);
        labels = labels && g.samples.names == std::vector<std::string>({"sample", "system", "atom"});
    }
    const int b = find_block(map, {0, 1, 6, 1});
    const auto& g = map.blocks.at(b).gradients.at(0);
    // the C centre (atom 0) in the H channel: every H atom (1, 2, 4) plus the centre
    std::vector<int32_t> expected = {0, 0, 0, 0, 0, 1, 0, 0, 2, 0, 0, 4};
    check::ok(labels && g.samples.values == expected, "gradient samples: every atom of the channel plus the centre, sorted");
}

// Madelung constants. With a basis much narrower than the nearest-neighbour distance and narrow
// Gaussian charges, the potentials of the other ions are harmonic where R_0 lives, so by the
// mean-value property c_{a,0,00} = sqrt(4 pi) m_0 V_a(r_i), m_0 = int r^2 R_0 dr. The
// neutralising backgrounds of the two channels cancel in V_+ - V_- (equal numbers of ions);
// with the centre's weight 0, (V_+ - V_-)(r_cation) = -M / r_0.
void test_madelung() {
    DescriptorOptions o = options(DescriptorKind::LodeSphericalExpansion, 0, 0);
    o.hypers.cutoff = 0.5;  // R_0 has width 0.5 A
    o.hypers.cutoff_width = 0.0;
    o.hypers.density_width = 0.2;
    o.hypers.center_atom_weight = 0.0;
    // no k_cutoff: the converged (range-separated) sum; R_0 ends sharply at the projection radius,
    // so the plain sum would converge only as exp(-sigma^2 k^2 / 2) / k
    const hamd::GtoBasis basis(o.hypers.cutoff, 0);
    double R0;
    const double m0 = integrate([&](double r) { basis.evaluate(r, &R0); return r * r * R0; }, 0.0, o.hypers.cutoff, 0.05);
    struct Crystal {
        const char* name;
        std::array<double, 9> cell;
        std::vector<double> positions;
        double nearest, madelung;
    };
    const double a = 8.0;  // conventional cubic lattice constant, A
    const std::vector<Crystal> crystals = {
        {"rock salt (NaCl)", {0, a / 2, a / 2, a / 2, 0, a / 2, a / 2, a / 2, 0}, {0, 0, 0, a / 2, 0, 0}, a / 2, 1.747565},
        {"CsCl", {a / 2, 0, 0, 0, a / 2, 0, 0, 0, a / 2}, {0, 0, 0, a / 4, a / 4, a / 4}, a / 4 * std::sqrt(3.0), 1.762675},
        {"zinc blende", {0, a / 2, a / 2, a / 2, 0, a / 2, a / 2, a / 2, 0}, {0, 0, 0, a / 4, a / 4, a / 4},
         a / 4 * std::sqrt(3.0), 1.638055},
    };
    for (const Crystal& crystal : crystals) {
        System system;
        system.types = {11, 17};
        system.positions = crystal.positions;
        system.cell = crystal.cell;
        system.pbc = {true, true, true};
        const TensorMap map = compute({system}, o);
        const int b_plus = find_block(map, {0, 1, 11, 11}), b_minus = find_block(map, {0, 1, 11, 17});
        const double potential = (map.blocks.at(b_plus).values[0] - map.blocks.at(b_minus).values[0]) /
                                 (std::sqrt(4 * M_PI) * m0);
        const double madelung = -potential * crystal.nearest;
        std::printf("# %s: Madelung constant %.9f (tabulated %.6f)\n", crystal.name, madelung, crystal.madelung);
        check::ok(std::fabs(madelung - crystal.madelung) < 1e-6,
                  std::string("Madelung constant of ") + crystal.name + " from V_Na - V_Cl at Na",
                  "got " + std::to_string(madelung) + " expected " + std::to_string(crystal.madelung));
        // the anion sees the opposite potential
        const int c_plus = find_block(map, {0, 1, 17, 11}), c_minus = find_block(map, {0, 1, 17, 17});
        const double anion = (map.blocks.at(c_plus).values[0] - map.blocks.at(c_minus).values[0]) / (std::sqrt(4 * M_PI) * m0);
        check::ok(std::fabs(anion * crystal.nearest - crystal.madelung) < 1e-6,
                  std::string("Madelung constant of ") + crystal.name + " at Cl", std::to_string(anion * crystal.nearest));
    }
}


// A molecule in a cubic box of side L: the Ewald result (zero-mean potential per channel, i.e. a
// neutralising background) differs from the finite one by the regular part of the periodic
// potential of each unit charge, phi_reg(r) = xi/L + (2 pi / 3 L^3) r^2 + O(r^4 / L^5)
// (xi = -2.837297, the Wigner constant of the simple cubic lattice; r^2 because
// laplacian(phi_reg) = 4 pi / L^3 from the background), plus 2 pi sigma^2 / L^3 for the Gaussian
// smearing (the k = 0 value of erfc(r/sqrt2 sigma)/r). Projected on R_n Y_lm about the centre,
// with d = r_j - r_i and m_k = int r^k R_n dr:
//   l = 0: sqrt(4 pi) [ n_a (xi/L + 2 pi sigma^2/L^3) m_2 + (2 pi/3L^3) sum_j (m_4 + d^2 m_2) ]
//   l = 1: -(2 pi/3L^3) 2 (4 pi/3) m_3 sum_j |d| Y_1m(d_hat)
void test_large_box() {
    DescriptorOptions o = options(DescriptorKind::LodeSphericalExpansion, 2, 2);
    o.hypers.cutoff = 2.0;
    o.hypers.density_width = 0.4;
    o.k_cutoff = 10.0;  // exp(-(sigma^2 + s_0^2) k^2 / 2) ~ 1e-13 beyond
    System molecule;
    molecule.types = {8, 1, 1};
    molecule.positions = {0.0, 0.0, 0.1, 0.76, 0.0, -0.5, -0.76, 0.1, -0.45};
    const TensorMap finite = compute({molecule}, o);
    const int N = 3;
    const hamd::GtoBasis basis(o.hypers.cutoff, o.hypers.max_radial);
    std::vector<double> m2(N), m3(N), m4(N), R(N);
    for (int n = 0; n < N; ++n) {
        auto moment = [&](int k) {
            return integrate([&](double r) { basis.evaluate(r, R.data()); return std::pow(r, k) * R[n]; }, 0.0, o.hypers.cutoff, 0.05);
        };
        m2[n] = moment(2), m3[n] = moment(3), m4[n] = moment(4);
    }
    const double xi = -2.837297479480620, sigma = o.hypers.density_width;
    const hamd::SphericalHarmonics harmonics(1);
    double previous_raw = 0, previous = 0, previous_L = 0, scale = 0;
    for (const Block& block : finite.blocks) scale = std::max(scale, max_abs(block.values));
    for (double L : {12.0, 16.0, 24.0}) {
        System boxed = molecule;
        boxed.cell = {L, 0, 0, 0, L, 0, 0, 0, L};
        boxed.pbc = {true, true, true};
        const TensorMap periodic = compute({boxed}, o);
        double raw = 0, residual = 0;
        for (size_t k = 0; k < finite.blocks.size(); ++k) {
            const int l = finite.keys.values[4 * k], neighbour = finite.keys.values[4 * k + 3];
            const Block& f = finite.blocks[k];
            const Block& p = periodic.blocks[k];
            for (size_t row = 0; row < f.samples.count(); ++row) {
                const int i = f.samples.values[2 * row + 1];
                int count = 0;
                std::vector<double> correction((2 * l + 1) * N, 0.0);
                for (int j = 0; j < 3; ++j) {
                    if (molecule.types[j] != neighbour) continue;
                    ++count;
                    double d[3], d2 = 0;
                    for (int x = 0; x < 3; ++x) d[x] = molecule.positions[3 * j + x] - molecule.positions[3 * i + x], d2 += d[x] * d[x];
                    for (int n = 0; n < N; ++n) {
                        if (l == 0) correction[n] += std::sqrt(4 * M_PI) * (2 * M_PI / (3 * L * L * L)) * (m4[n] + d2 * m2[n]);
                        if (l == 1 && d2 > 0) {
                            double Y[4];
                            harmonics.compute(d, Y, nullptr);
                            for (int m = 0; m < 3; ++m)
                                correction[m * N + n] -= (2 * M_PI / (3 * L * L * L)) * 2 * (4 * M_PI / 3) * m3[n] * std::sqrt(d2) * Y[1 + m];
                        }
                    }
                }
                if (l == 0)
                    for (int n = 0; n < N; ++n)
                        correction[n] += std::sqrt(4 * M_PI) * count * (xi / L + 2 * M_PI * sigma * sigma / (L * L * L)) * m2[n];
                for (int x = 0; x < (2 * l + 1) * N; ++x) {
                    const double difference = p.values[row * (2 * l + 1) * N + x] - f.values[row * (2 * l + 1) * N + x];
                    raw = std::max(raw, std::fabs(difference));
                    residual = std::max(residual, std::fabs(difference - correction[x]));
                }
            }
        }
        std::printf("# box L = %.0f: |periodic - finite| = %.3e, after the xi/L and 1/L^3 corrections %.3e (scale %.3e)\n", L,
                    raw, residual, scale);
        if (previous_L > 0) {
            // uncorrected: xi n_a / L dominates; corrected: the next term, O(L^-5)
            const double raw_order = std::log(previous_raw / raw) / std::log(L / previous_L);
            const double order = std::log(previous / residual) / std::log(L / previous_L);
            check::ok(std::fabs(raw_order - 1) < 0.15, "box L = " + std::to_string((int)L) + ": periodic - finite ~ 1/L",
                      std::to_string(raw_order));
            check::ok(std::fabs(order - 5) < 0.3, "box L = " + std::to_string((int)L) +
                      ": after the 1/L and 1/L^3 corrections the rest ~ 1/L^5", std::to_string(order));
        }
        previous_L = L;
        previous_raw = raw;
        previous = residual;
    }
}

// Several structures in one request (a molecule and a crystal, with gradients) give each
// structure's own result: rows and gradient rows concatenated in order, system labels shifted.
// A species left out of the channels is no neighbour but still a centre.
void test_request_structure() {
    std::mt19937 rng(21);
    DescriptorOptions o = lode_options(2, 2);
    o.gradient_positions = true;
    o.species = {1, 8};
    const System molecule = random_molecule(rng, {8, 1, 6, 1});
    const System crystal = random_crystal(rng, {8, 1, 1});
    const TensorMap both = compute({molecule, crystal}, o);
    const TensorMap first = compute({molecule}, o), second = compute({crystal}, o);
    bool same = both.keys.values == first.keys.values && both.blocks.size() == first.blocks.size();
    double diff = 0;
    const Block empty;
    for (size_t k = 0; same && k < both.blocks.size(); ++k) {
        const Block& b = both.blocks[k];
        const std::vector<int32_t> key(both.keys.values.begin() + 4 * k, both.keys.values.begin() + 4 * k + 4);
        const Block& f = first.blocks[k];
        const int in_second = find_block(second, key);  // the crystal has no carbon
        const Block& c = in_second >= 0 ? second.blocks[in_second] : empty;
        std::vector<double> values(f.values.begin(), f.values.end());
        values.insert(values.end(), c.values.begin(), c.values.end());
        const auto& g = b.gradients.at(0);
        std::vector<double> gradients(f.gradients[0].values.begin(), f.gradients[0].values.end());
        std::vector<int32_t> labels = f.gradients[0].samples.values;
        if (in_second >= 0) {
            gradients.insert(gradients.end(), c.gradients[0].values.begin(), c.gradients[0].values.end());
            const int32_t rows_first = (int32_t)f.samples.count();
            const auto& later = c.gradients[0].samples.values;
            for (size_t r = 0; r < later.size(); r += 3) labels.insert(labels.end(), {later[r] + rows_first, 1, later[r + 2]});
        }
        same = same && values.size() == b.values.size() && gradients.size() == g.values.size() && labels == g.samples.values;
        for (size_t x = 0; same && x < values.size(); ++x) diff = std::max(diff, std::fabs(values[x] - b.values[x]));
        for (size_t x = 0; same && x < gradients.size(); ++x) diff = std::max(diff, std::fabs(gradients[x] - g.values[x]));
    }
    check::ok(same && diff == 0.0, "two structures in one request: each structure's rows and gradient rows, in order",
              std::to_string(diff));
    bool carbon_centre = find_block(both, {0, 1, 6, 1}) >= 0 && find_block(both, {0, 1, 1, 6}) < 0;
    check::ok(carbon_centre, "a species outside the channels is a centre type but no neighbour type");
}

void test_options() {
    std::mt19937 rng(1);
    DescriptorOptions o = lode_options();
    const System molecule = random_molecule(rng, {6, 1, 8});
    o.potential_exponent = 2.0;  // finite structures take any p (test_lode_power); periodic ones p = 1
    std::string message;
    try { compute({random_crystal(rng, {8, 1})}, o); } catch (const hamd::InvalidArgument& e) { message = e.what(); }
    check::ok(message.find("only for p = 1") != std::string::npos, "periodic, potential_exponent 2: InvalidArgument naming p = 1", message);
    o.potential_exponent = 1.0;
    check::ok(compute({molecule}, o).blocks.size() > 0, "potential_exponent 1 is accepted");
    System slab = random_crystal(rng, {8, 1});
    slab.pbc = {true, true, false};
    message.clear();
    try { compute({slab}, o); } catch (const hamd::InvalidArgument& e) { message = e.what(); }
    check::ok(message.find("all three directions or in none") != std::string::npos, "partly periodic structure rejected", message);
    o.max_output_bytes = 1000;
    bool exhausted = false;
    try { compute({molecule}, o); } catch (const hamd::ResourceExhausted&) { exhausted = true; }
    check::ok(exhausted, "max_output_bytes: ResourceExhausted");
    {
        DescriptorOptions huge = lode_options();
        huge.k_cutoff = 100.0;
        System box = random_crystal(rng, {8, 1}, {30, 0, 0, 0, 30, 0, 0, 0, 30});
        std::string text;
        // the plain reciprocal sum (a k_cutoff this large gets the converged split sum otherwise)
        hamd::set_lode_method_for_tests({hamd::LodePeriodicMethod::reference});
        try { compute({box}, huge); } catch (const hamd::ResourceExhausted& e) { text = e.what(); }
        hamd::set_lode_method_for_tests({});
        check::ok(text.find("reciprocal lattice vectors") != std::string::npos,
                  "a k sum of billions of vectors: ResourceExhausted before allocating", text);
    }
    DescriptorOptions se = options(DescriptorKind::SphericalExpansion);
    se.k_cutoff = 3.0;
    message.clear();
    try { compute({molecule}, se); } catch (const hamd::InvalidArgument& e) { message = e.what(); }
    check::ok(message.find("lode-spherical-expansion") != std::string::npos, "k_cutoff on another kind names lode", message);
    std::atomic<bool> cancel(true);
    bool cancelled = false;
    try { hamd::compute_descriptors({molecule}, lode_options(), pool(), &cancel); } catch (const hamd::Cancelled&) { cancelled = true; }
    check::ok(cancelled, "a cancelled request throws Cancelled");
}

}  // namespace

// The far field of a finite structure. Values alone take the per-species sum of irregular solid
// harmonics (far_field.hpp); with gradients every pair goes through J_nl(d) Y_lm (the far-field
// form of LodePotentialIntegral times SphericalHarmonics), an independent route. Both are exact
// formulas evaluated in double precision: they differ by rounding, ~1e-15 per term, so 1e-12 of
// the largest coefficient is a bound with room for the 40-term sums.
void test_far_field() {
    // IrregularHarmonicsSum against Y_lm(d_hat) / |d|^(l+1), for vectors in every direction,
    // on the poles and along the axes, in blocks longer and shorter than its internal block
    std::mt19937 rng(17);
    std::normal_distribution<double> normal(0.0, 1.0);
    for (int L : {0, 1, 4, 10}) {
        const hamd::IrregularHarmonicsSum sum(L);
        const hamd::SphericalHarmonics harmonics(L);
        const int n_lm = (L + 1) * (L + 1);
        std::vector<double> x, y, z;
        for (int k = 0; k < 70; ++k) {
            // a random direction at a random length in [2, ~80] A
            const double length = 2.0 + 20.0 * std::fabs(normal(rng));
            double u[3] = {normal(rng), normal(rng), normal(rng)};
            const double norm = std::sqrt(u[0] * u[0] + u[1] * u[1] + u[2] * u[2]);
            x.push_back(length * u[0] / norm), y.push_back(length * u[1] / norm), z.push_back(length * u[2] / norm);
        }
        for (double axis : {3.0, -7.5}) {  // poles and axes: x = y = 0, etc.
            x.push_back(0.0), y.push_back(0.0), z.push_back(axis);
            x.push_back(axis), y.push_back(0.0), z.push_back(0.0);
            x.push_back(0.0), y.push_back(axis), z.push_back(0.0);
        }
        const size_t outside = x.size();
        for (double r : {0.0, 0.5, 0.99}) x.push_back(0.0), y.push_back(r), z.push_back(0.0);  // inside radius 1
        const double centre[3] = {0.3, -1.2, 2.0};
        std::vector<double> expected(n_lm, 0.0), got(n_lm, 0.0), Y(n_lm), magnitude(n_lm, 0.0);
        for (size_t k = 0; k < outside; ++k) {
            const double d[3] = {x[k], y[k], z[k]};
            const double r = std::sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
            harmonics.compute(d, Y.data(), nullptr);
            for (int l = 0; l <= L; ++l)
                for (int lm = l * l; lm < (l + 1) * (l + 1); ++lm) {
                    expected[lm] += Y[lm] / std::pow(r, l + 1);
                    magnitude[lm] += std::fabs(Y[lm]) / std::pow(r, l + 1);
                }
        }
        for (size_t k = 0; k < x.size(); ++k) x[k] += centre[0], y[k] += centre[1], z[k] += centre[2];
        // two calls (partial blocks); the three points within 1 of the centre must add nothing
        sum.add_beyond(centre, x.data(), y.data(), z.data(), 40, 1.0, got.data());
        sum.add_beyond(centre, x.data() + 40, y.data() + 40, z.data() + 40, (int)x.size() - 40, 1.0, got.data());
        double worst = 0.0;
        for (int lm = 0; lm < n_lm; ++lm) worst = std::max(worst, std::fabs(got[lm] - expected[lm]) / magnitude[lm]);
        check::ok(worst < 1e-12, "irregular solid harmonics summed: equal Y_lm / r^(l+1), l <= " + std::to_string(L),
                  std::to_string(worst));
    }

    // a sparse cluster: most pairs beyond the switch (cutoff 3.5 + 10 sigma = 7.5 A)
    const DescriptorOptions o = lode_options(3, 4);
    const System sparse = random_molecule(rng, {8, 1, 1, 6, 1, 7, 8, 1, 6, 6, 1, 1, 8, 1, 1, 6, 1, 7, 8, 1,
                                                6, 6, 1, 1, 8, 1, 1, 6, 1, 7, 8, 1, 6, 6, 1, 1, 8, 1, 1, 6},
                                          30.0);
    DescriptorOptions with = o;
    with.gradient_positions = true;
    const double diff = relative_difference(compute({sparse}, o), compute({sparse}, with));
    std::printf("# sparse cluster: far field by harmonics vs per pair %.2e of the largest coefficient\n", diff);
    check::ok(diff < 1e-12, "finite far field: values alone (summed harmonics) equal the per-pair values",
              std::to_string(diff));
}

int main() {
    test_bessel();
    test_potential_integral({2.5, 3, 4, 0.4});
    test_potential_integral({4.0, 5, 10, 0.25});
    test_definition();
    test_symmetry();
    test_gradients();
    test_far_field();
    test_madelung();
    test_large_box();
    test_request_structure();
    test_options();
    return check::finish();
}
