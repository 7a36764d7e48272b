// LODE with a potential exponent p != 1 (lode_power_integral.hpp; finite structures): the pair
// integral against the p = 1 integral computed by an unrelated route (the Coulomb potential of the
// basis function), its table against its quadrature, the Gegenbauer far field against the
// quadrature, the regularised incomplete gamma function, and the descriptor's symmetries,
// gradients and errors.
#include "descriptor_fixtures.hpp"

#include "core/base/errors.hpp"
#include "core/descriptors/lode/lode_integrals.hpp"
#include "core/descriptors/lode/lode_power_integral.hpp"
#include "core/math/incomplete_gamma.hpp"

using namespace fixtures;

namespace {

DescriptorOptions lode_options(double p) {
    DescriptorOptions o = options(DescriptorKind::LodeSphericalExpansion, 3, 4);
    o.potential_exponent = p;
    return o;
}

// Largest |a - b| over channels and the sampled d, relative to the largest |b|.
template <class A, class B>
double worst_relative(const std::vector<double>& ds, int channels, A&& a, B&& b) {
    std::vector<double> x(channels), y(channels);
    double diff = 0.0, scale = 0.0;
    for (double d : ds) {
        a(d, x.data());
        b(d, y.data());
        for (int c = 0; c < channels; ++c) {
            diff = std::max(diff, std::fabs(x[c] - y[c]));
            scale = std::max(scale, std::fabs(y[c]));
        }
    }
    return diff / scale;
}

void test_incomplete_gamma() {
    // P(1/2, x^2) = erf(x), P(1, x) = 1 - e^-x, P(3/2, x) = erf(sqrt x) - 2 sqrt(x/pi) e^-x, on both
    // sides of the series / continued-fraction switch (x = a + 30); double rounding ~1e-16.
    double worst = 0.0;
    for (double x : {1e-6, 0.3, 2.0, 9.0, 29.0, 31.0, 45.0, 200.0}) {
        worst = std::max(worst, std::fabs(hamd::regularized_gamma_p(0.5, x) - std::erf(std::sqrt(x))));
        worst = std::max(worst, std::fabs(hamd::regularized_gamma_p(1.0, x) + std::expm1(-x)));
        const double s = std::sqrt(x);
        worst = std::max(worst, std::fabs(hamd::regularized_gamma_p(1.5, x) -
                                          (std::erf(s) - 2.0 * std::sqrt(x / M_PI) * std::exp(-x))));
        worst = std::max(worst, std::fabs(hamd::regularized_gamma_p_over_power(1.5, x) * std::pow(x, 1.5) -
                                          hamd::regularized_gamma_p(1.5, x)));
    }
    check::ok(worst < 1e-14, "incomplete gamma: P(1/2), P(1), P(3/2) in closed form", std::to_string(worst));
}

void test_integrals() {
    const hamd::RadialBasisSpec spec{3.5, 3, 4, 0.4};
    const int channels = 4 * 5;
    // p = 1 through the power route equals the Coulomb route (U_nl averaged over the Gaussian):
    // two quadratures of 1e-12 or better, and the power route's table (1e-9 of each channel)
    const hamd::LodePowerIntegral one(spec, 1.0);
    const hamd::LodePotentialIntegral coulomb(spec, false);
    std::vector<double> near, all;
    for (double d = 0.0; d < one.far_field_start(); d += 0.37) near.push_back(d);
    all = near;
    for (double d : {one.far_field_start() + 0.01, 12.0, 40.0}) all.push_back(d);
    auto exact_coulomb = [&](double d, double* v) { coulomb.compute_untabulated(d, v, nullptr); };
    double error = worst_relative(near, channels, [&](double d, double* v) { one.compute_exact(d, v); }, exact_coulomb);
    std::printf("# p = 1: power quadrature vs Coulomb route %.2e\n", error);
    check::ok(error < 1e-10, "p = 1: the power route's quadrature equals the Coulomb route", std::to_string(error));
    error = worst_relative(all, channels, [&](double d, double* v) { one.compute(d, v, nullptr); }, exact_coulomb);
    check::ok(error < 1e-8, "p = 1: the power route's table and far series equal the Coulomb route", std::to_string(error));

    for (double p : {2.0, 3.0, 4.5}) {
        const hamd::LodePowerIntegral J(spec, p);
        const std::string name = "p = " + std::to_string(p).substr(0, 3);
        std::vector<double> ds;
        for (double d = 0.013; d < J.far_field_start(); d += 0.29) ds.push_back(d);
        error = worst_relative(ds, channels, [&](double d, double* v) { J.compute(d, v, nullptr); },
                               [&](double d, double* v) { J.compute_exact(d, v); });
        check::ok(error < 1e-8, name + ": table equals quadrature", std::to_string(error));
        // the Gegenbauer series against the quadrature, which holds at any d: at the switch and beyond
        error = worst_relative({J.far_field_start(), J.far_field_start() + 1.3, 2.0 * J.far_field_start()}, channels,
                               [&](double d, double* v) { J.compute_far_field(d, v, nullptr); },
                               [&](double d, double* v) { J.compute_exact(d, v); });
        std::printf("# %s: far series vs quadrature %.2e\n", name.c_str(), error);
        check::ok(error < 1e-10, name + ": far-field series equals the quadrature", std::to_string(error));
        // derivatives of the table and the series: central differences (h = 1e-5: ~1e-9 relative)
        double slope = 0.0, scale = 0.0;
        std::vector<double> v(channels), dv(channels), a(channels), b(channels);
        for (double d : {0.7, 2.9, J.far_field_start() - 0.2, J.far_field_start() + 0.5}) {
            J.compute(d, v.data(), dv.data());
            J.compute(d + 1e-5, a.data(), nullptr);
            J.compute(d - 1e-5, b.data(), nullptr);
            for (int c = 0; c < channels; ++c) {
                slope = std::max(slope, std::fabs((a[c] - b[c]) / 2e-5 - dv[c]));
                scale = std::max(scale, std::fabs(dv[c]));
            }
        }
        check::ok(slope < 1e-6 * scale, name + ": dJ/dd matches central differences", std::to_string(slope / scale));
    }
}

void test_descriptor() {
    std::mt19937 rng(4);
    const System molecule = random_molecule(rng, {6, 1, 1, 8, 1, 7}, 4.0);
    for (double p : {2.0, 3.5}) {
        const DescriptorOptions o = lode_options(p);
        const std::string name = "p = " + std::to_string(p).substr(0, 3);
        const TensorMap original = compute({molecule}, o);
        double R[9];
        wigner::random_rotation(rng, R);
        const double shift[3] = {1.1, -0.4, 0.9};
        double error = equivariance_error(original, compute({transformed(molecule, R, shift)}, o), R, [](size_t) { return 1.0; });
        check::ok(error < 1e-10, name + ": rotated + translated molecule transforms with D^l", std::to_string(error));
        // an atom beyond the far-field switch: the series' gradient too
        System stretched = molecule;
        stretched.positions[0] += 12.0;
        for (const System& s : {molecule, stretched}) {
            error = position_gradient_error(s, o, 1e-5);
            check::ok(error < 1e-7, name + ": position gradients match finite differences", std::to_string(error));
        }
        // values alone and with gradients: the same (no harmonic far field for p != 1)
        DescriptorOptions with = o;
        with.gradient_positions = true;
        error = relative_difference(compute({stretched}, with), compute({stretched}, o));
        check::ok(error < 1e-13, name + ": values with and without gradients agree", std::to_string(error));
    }
    // a larger exponent decays faster: the far atom's share of the l = 0 coefficient shrinks
    System pair;
    pair.types = {8, 8};
    pair.positions = {0, 0, 0, 9.0, 0, 0};
    auto far_share = [&](double p) {  // centre weight 0: only the other atom's potential
        DescriptorOptions o = lode_options(p);
        o.hypers.center_atom_weight = 0.0;
        const TensorMap m = compute({pair}, o);
        return std::fabs(m.blocks.at(0).values.at(0));
    };
    check::ok(far_share(1.0) > far_share(2.0) && far_share(2.0) > far_share(3.0),
              "the other atom's potential falls with p at 9 A");
    // periodic structures: p = 1 only, named
    System crystal = random_crystal(rng, {8, 1});
    std::string message;
    try { compute({crystal}, lode_options(2.0)); } catch (const hamd::InvalidArgument& e) { message = e.what(); }
    check::ok(message.find("only for p = 1") != std::string::npos, "periodic p = 2: InvalidArgument naming p = 1", message);
}

}  // namespace

int main() {
    test_incomplete_gamma();
    test_integrals();
    test_descriptor();
    return check::finish();
}
