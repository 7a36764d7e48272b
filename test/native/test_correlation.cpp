// Density correlations of any order (kind "correlation", nu = 1..4) and their PCA contraction:
// nu = 1 is the spherical expansion, nu = 2 lambda-SOAP / the power spectrum, nu = 3 lambda = 0
// the bispectrum; rotation/inversion equivariance, permutation, translation, finite
// differences, option errors, size limits; contraction equivariance, completeness (Gram
// matrices with every eigenvector kept) and its .npz round trip.
#include <chrono>
#include <cstdio>
#include <map>
#include <tuple>
#include <unistd.h>

#include "core/base/errors.hpp"
#include "core/descriptors/correlation/contraction.hpp"
#include "descriptor_fixtures.hpp"

using namespace fixtures;

namespace {

DescriptorOptions correlation(int order, int max_lambda, int max_radial, int max_angular) {
    DescriptorOptions o = options(DescriptorKind::Correlation, max_radial, max_angular);
    o.correlation_order = order;
    o.max_lambda = max_lambda;
    return o;
}

// Column of property `values` (a label row) in a block, or -1.
int find_property(const Block& block, const std::vector<int32_t>& values) {
    const size_t w = block.properties.names.size();
    for (size_t p = 0; p < block.properties.count(); ++p)
        if (std::equal(values.begin(), values.end(), block.properties.values.begin() + p * w)) return static_cast<int>(p);
    return -1;
}

using Factor = std::tuple<int32_t, int32_t, int32_t>;  // (type, n, l), the chain's ordering key

void test_nu1_is_the_spherical_expansion() {
    std::mt19937 rng(41);
    const DescriptorOptions o = correlation(1, 3, 2, 3);
    const System molecule = random_molecule(rng, {6, 1, 1, 8, 1});
    const TensorMap corr = compute({molecule}, o);
    DescriptorOptions ose = options(DescriptorKind::SphericalExpansion, 2, 3);
    const TensorMap se = compute({molecule}, ose);
    double diff = 0, scale = 0;
    bool labels = corr.blocks.size() == 4 * 3;  // l = 0..3, 3 centre types
    for (size_t k = 0; k < corr.blocks.size(); ++k) {
        const int l = corr.keys.values[3 * k], sigma = corr.keys.values[3 * k + 1], t = corr.keys.values[3 * k + 2];
        const Block& b = corr.blocks[k];
        labels = labels && sigma == 1 && b.properties.names == std::vector<std::string>({"neighbor_1_type", "n_1", "l_1"});
        for (size_t p = 0; p < b.properties.count(); ++p) {
            const int32_t* q = &b.properties.values[3 * p];
            const Block& s = se.blocks.at(find_block(se, {l, 1, t, q[0]}));
            labels = labels && q[2] == l;
            for (size_t r = 0; r < b.samples.count(); ++r)
                for (int mu = 0; mu < 2 * l + 1; ++mu) {
                    const double expected = s.values[(r * (2 * l + 1) + mu) * 3 + q[1]];
                    diff = std::max(diff, std::fabs(b.values[(r * (2 * l + 1) + mu) * b.properties.count() + p] - expected));
                    scale = std::max(scale, std::fabs(expected));
                }
        }
    }
    check::ok(labels, "nu = 1: blocks (l, 1, center_type), properties (neighbor_1_type, n_1, l_1)");
    check::ok(scale > 0 && diff == 0, "nu = 1 equals the spherical expansion blocks exactly", std::to_string(diff));
}

void test_nu2_is_lambda_soap_and_power_spectrum() {
    std::mt19937 rng(43);
    const DescriptorOptions o = correlation(2, 4, 2, 3);
    const System molecule = random_molecule(rng, {6, 1, 1, 8, 1});
    const TensorMap corr = compute({molecule}, o);
    DescriptorOptions ols = options(DescriptorKind::LambdaSoap, 2, 3);
    ols.max_lambda = 4;
    const TensorMap ls = compute({molecule}, ols);
    // Every lambda-SOAP entry is, up to sigma when its factors are out of order, one correlation entry.
    double diff = 0, scale = 0;
    size_t missing = 0;
    for (size_t k = 0; k < ls.blocks.size(); ++k) {
        const int lambda = ls.keys.values[3 * k], sigma = ls.keys.values[3 * k + 1], t = ls.keys.values[3 * k + 2];
        const Block& s = ls.blocks[k];
        const int kc = find_block(corr, {lambda, sigma, t});
        if (kc < 0) { ++missing; continue; }
        const Block& c = corr.blocks[kc];
        const int n_mu = 2 * lambda + 1;
        for (size_t p = 0; p < s.properties.count(); ++p) {
            const int32_t* q = &s.properties.values[6 * p];
            Factor f1{q[0], q[4], q[2]}, f2{q[1], q[5], q[3]};
            double sign = 1;
            if (f2 < f1) { std::swap(f1, f2); sign = sigma; }
            const int pc = find_property(c, {std::get<0>(f1), std::get<1>(f1), std::get<2>(f1), std::get<0>(f2), std::get<1>(f2), std::get<2>(f2)});
            if (pc < 0) { ++missing; continue; }
            for (size_t r = 0; r < s.samples.count(); ++r)
                for (int mu = 0; mu < n_mu; ++mu) {
                    const double expected = s.values[(r * n_mu + mu) * s.properties.count() + p];
                    diff = std::max(diff, std::fabs(sign * c.values[(r * n_mu + mu) * c.properties.count() + pc] - expected));
                    scale = std::max(scale, std::fabs(expected));
                }
        }
    }
    check::ok(missing == 0 && scale > 0 && diff <= 1e-14 * scale,
              "nu = 2: every lambda-SOAP entry is a (sorted) correlation entry, sigma-signed when swapped",
              std::to_string(missing) + " missing, " + std::to_string(diff / scale));

    // lambda = 0: power spectrum p_{a1 a2 l n1 n2} = kappa * rho2 (kappa = sqrt 2 for a1 < a2).
    DescriptorOptions ops = options(DescriptorKind::PowerSpectrum, 2, 3);
    const TensorMap ps = compute({molecule}, ops);
    diff = 0, scale = 0, missing = 0;
    for (size_t k = 0; k < ps.blocks.size(); ++k) {
        const Block& p = ps.blocks[k];
        const Block& c = corr.blocks.at(find_block(corr, {0, 1, ps.keys.values[3 * k + 2]}));
        for (size_t x = 0; x < p.properties.count(); ++x) {
            const int32_t* q = &p.properties.values[5 * x];
            Factor f1{q[0], q[3], q[2]}, f2{q[1], q[4], q[2]};
            if (f2 < f1) std::swap(f1, f2);
            const int y = find_property(c, {std::get<0>(f1), std::get<1>(f1), std::get<2>(f1), std::get<0>(f2), std::get<1>(f2), std::get<2>(f2)});
            if (y < 0) { ++missing; continue; }
            const double kappa = q[0] < q[1] ? std::sqrt(2.0) : 1.0;
            for (size_t r = 0; r < p.samples.count(); ++r) {
                const double expected = p.values[r * p.properties.count() + x];
                diff = std::max(diff, std::fabs(kappa * c.values[r * c.properties.count() + y] - expected));
                scale = std::max(scale, std::fabs(expected));
            }
        }
    }
    check::ok(missing == 0 && scale > 0 && diff <= 1e-13 * scale,
              "nu = 2, lambda = 0: power spectrum = kappa_{a1 a2} * correlation (kappa = sqrt 2 for a1 < a2)",
              std::to_string(missing) + " missing, " + std::to_string(diff / scale));
}

// nu = 3, lambda = 0 against the bispectrum, on several structures: every bispectrum entry is
// +- the correlation entry of its sorted factors, k_2 = l of the third factor, with one sign
// for all samples.
void test_nu3_is_the_bispectrum() {
    std::mt19937 rng(47);
    const DescriptorOptions o = correlation(3, 0, 1, 3);
    std::vector<System> systems = {random_molecule(rng, {6, 1, 1, 8, 1}), random_molecule(rng, {8, 1, 6, 6, 1, 1}),
                                   random_crystal(rng, {8, 1, 1})};
    const TensorMap corr = compute(systems, o);
    DescriptorOptions ob = options(DescriptorKind::Bispectrum, 1, 3);
    const TensorMap bs = compute(systems, ob);
    double diff = 0, scale = 0;
    size_t missing = 0, compared = 0;
    bool sign_consistent = true;
    for (size_t k = 0; k < bs.blocks.size(); ++k) {
        const Block& b = bs.blocks[k];
        const Block& c = corr.blocks.at(find_block(corr, {0, 1, bs.keys.values[3 * k + 2]}));
        check::ok(c.samples.values == b.samples.values, "nu = 3: same samples as the bispectrum");
        for (size_t x = 0; x < b.properties.count(); ++x) {
            const int32_t* q = &b.properties.values[9 * x];
            std::vector<Factor> f = {{q[0], q[6], q[3]}, {q[1], q[7], q[4]}, {q[2], q[8], q[5]}};
            std::sort(f.begin(), f.end());
            const int y = find_property(c, {std::get<0>(f[0]), std::get<1>(f[0]), std::get<2>(f[0]), std::get<0>(f[1]),
                                            std::get<1>(f[1]), std::get<2>(f[1]), std::get<2>(f[2]), std::get<0>(f[2]),
                                            std::get<1>(f[2]), std::get<2>(f[2])});
            if (y < 0) { ++missing; continue; }
            double sign = 0;
            for (size_t r = 0; r < b.samples.count(); ++r) {
                const double expected = b.values[r * b.properties.count() + x];
                const double got = c.values[r * c.properties.count() + y];
                if (sign == 0 && std::fabs(expected) > 1e-8) sign = got * expected > 0 ? 1 : -1;
                diff = std::max(diff, std::fabs(std::fabs(got) - std::fabs(expected)));
                if (sign != 0 && std::fabs(expected) > 1e-8) sign_consistent = sign_consistent && got * expected * sign > 0;
                scale = std::max(scale, std::fabs(expected));
                ++compared;
            }
        }
    }
    check::ok(missing == 0 && compared > 0 && scale > 0 && diff <= 1e-13 * scale && sign_consistent,
              "nu = 3, lambda = 0: each bispectrum entry is +- one correlation entry (same sign on every sample)",
              std::to_string(missing) + " missing, " + std::to_string(diff / scale));
}

// Labels of an uncontracted chain: factor j at 0 (j = 1) or 4 j - 5, k_j at 4 j - 2.
bool chains_ok(const TensorMap& map, int order) {
    bool ok = true;
    for (size_t b = 0; b < map.blocks.size(); ++b) {
        const int lambda = map.keys.values[3 * b], sigma = map.keys.values[3 * b + 1];
        const hamd::Labels& props = map.blocks[b].properties;
        const size_t w = props.names.size();
        ok = ok && w == static_cast<size_t>(4 * order - 2) && props.names.back() == "l_" + std::to_string(order);
        for (size_t p = 0; ok && p < props.count(); ++p) {
            const int32_t* q = &props.values[p * w];
            auto factor = [&](int j) { const int32_t* f = q + (j == 1 ? 0 : 4 * j - 5); return Factor{f[0], f[1], f[2]}; };
            int k = q[2], parity = q[2];
            for (int j = 2; j <= order; ++j) {
                const int l = std::get<2>(factor(j));
                const int next = j == order ? lambda : q[4 * j - 2];
                ok = ok && factor(j - 1) <= factor(j) && next >= std::abs(k - l) && next <= k + l;
                k = next;
                parity += l;
            }
            ok = ok && ((parity + lambda) % 2 == 0 ? 1 : -1) == sigma;
        }
    }
    return ok;
}

double inversion_error(const TensorMap& original, const TensorMap& inverted) {
    const double identity[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
    return equivariance_error(original, inverted, identity, [&](size_t k) {
        const int lambda = original.keys.values[3 * k], sigma = original.keys.values[3 * k + 1];
        return sigma * (lambda % 2 ? -1.0 : 1.0);
    });
}

void test_symmetries() {
    std::mt19937 rng(53);
    for (int order : {2, 3, 4}) {
        const DescriptorOptions o = correlation(order, order == 4 ? 2 : 3, 1, order == 4 ? 1 : 2);
        const System molecule = random_molecule(rng, {6, 1, 1, 8, 1, 6});
        const TensorMap original = compute({molecule}, o);
        bool both_parities = false;
        for (size_t k = 0; k < original.blocks.size(); ++k) both_parities = both_parities || original.keys.values[3 * k + 1] == -1;
        const std::string nu = "nu = " + std::to_string(order) + ": ";
        check::ok(chains_ok(original, order), nu + "chains: factors non-decreasing, couplings in the triangle, sigma = parity");
        double R[9];
        wigner::random_rotation(rng, R);
        const double rotation = equivariance_error(original, compute({transformed(molecule, R)}, o), R, [](size_t) { return 1.0; });
        check::ok(rotation < 1e-10, nu + "each (lambda, sigma) block rotates with D^lambda", std::to_string(rotation));
        const double inversion = inversion_error(original, compute({transformed(molecule, kInversion)}, o));
        check::ok(both_parities && inversion < 1e-10, nu + "inversion multiplies a block by sigma (-1)^lambda (both sigmas present)",
                  std::to_string(inversion));
        const double identity[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1}, shift[3] = {1.3, -0.7, 2.1};
        const double translation = relative_difference(compute({transformed(molecule, identity, shift)}, o), original);
        check::ok(translation < 1e-12, nu + "translation leaves the features unchanged", std::to_string(translation));
        // permutation: atom i of the reversed structure is atom n - 1 - i
        System reversed = molecule;
        const size_t n = molecule.size();
        for (size_t i = 0; i < n; ++i) {
            reversed.types[i] = molecule.types[n - 1 - i];
            for (int d = 0; d < 3; ++d) reversed.positions[3 * i + d] = molecule.positions[3 * (n - 1 - i) + d];
        }
        const TensorMap permuted = compute({reversed}, o);
        double perm = 0, scale = 0;
        for (size_t k = 0; k < original.blocks.size(); ++k) {
            const Block& a = original.blocks[k];
            const Block& b = permuted.blocks.at(k);
            const size_t w = row_width(a);
            for (size_t r = 0; r < a.samples.count(); ++r) {
                const int q = find_sample(b, 0, static_cast<int32_t>(n - 1 - a.samples.values[2 * r + 1]));
                for (size_t x = 0; x < w; ++x) {
                    perm = std::max(perm, std::fabs(a.values[r * w + x] - b.values[q * w + x]));
                    scale = std::max(scale, std::fabs(a.values[r * w + x]));
                }
            }
        }
        check::ok(scale > 0 && perm <= 1e-12 * scale, nu + "permuting the atoms permutes the samples", std::to_string(perm / scale));
    }
    const DescriptorOptions o = correlation(3, 2, 1, 2);
    const System crystal = random_crystal(rng, {8, 1, 1});
    double R[9];
    wigner::random_rotation(rng, R);
    const double e = equivariance_error(compute({crystal}, o), compute({transformed(crystal, R)}, o), R, [](size_t) { return 1.0; });
    check::ok(e < 1e-10, "nu = 3, periodic crystal: equivariant", std::to_string(e));
    check::ok(supercell_difference(crystal, o) < 1e-10, "nu = 3: cell and 2x2x2 supercell agree");
}

// Central differences with h = 1e-6 A: truncation ~ h^2 |f'''| ~ 1e-12 and rounding
// ~ eps |f| / h ~ 1e-10 relative to the largest gradient; 1e-6 leaves a wide margin while
// any missing term of the chain rule (relative size ~ 1) fails.
void test_gradients() {
    std::mt19937 rng(59);
    const System molecule = random_molecule(rng, {6, 1, 1, 8});
    for (int order : {1, 2, 3, 4}) {
        const DescriptorOptions o = correlation(order, order == 4 ? 1 : 2, 1, order == 4 ? 1 : 2);
        const double error = position_gradient_error(molecule, o);
        check::ok(error < 1e-6, "nu = " + std::to_string(order) + ": position gradients match finite differences",
                  std::to_string(error));
    }
    const System crystal = random_crystal(rng, {8, 1});
    const double error = position_gradient_error(crystal, correlation(3, 1, 1, 2));
    check::ok(error < 1e-6, "nu = 3, periodic crystal: position gradients match finite differences", std::to_string(error));
    for (int order : {1, 2, 3}) {
        const double cell = cell_gradient_error(crystal, correlation(order, 2, 1, 2));
        check::ok(cell < 1e-6, "nu = " + std::to_string(order) + ", periodic crystal: cell gradients match finite differences",
                  std::to_string(cell));
    }
}

template <class E, class F>
void expect_error(F&& f, const std::string& fragment, const std::string& name) {
    try {
        f();
        check::ok(false, name, "no error");
    } catch (const E& e) {
        const std::string what = e.what();
        check::ok(what.find(fragment) != std::string::npos, name, what);
    } catch (const std::exception& e) {
        check::ok(false, name, std::string("wrong exception: ") + e.what());
    }
}

void test_errors_and_sizes() {
    std::mt19937 rng(61);
    const System molecule = random_molecule(rng, {6, 1, 1, 8});
    for (int order : {0, 5}) {
        expect_error<hamd::InvalidArgument>([&] { compute({molecule}, correlation(order, 0, 1, 2)); },
                                            "correlation_order = " + std::to_string(order) + " is outside 1..4",
                                            "correlation_order " + std::to_string(order) + ": InvalidArgument");
    }
    expect_error<hamd::InvalidArgument>([&] { compute({molecule}, correlation(2, 5, 1, 2)); },
                                        "max_lambda = 5 is outside 0..2*max_angular = 4", "max_lambda beyond nu * max_angular");
    DescriptorOptions bispectrum = options(DescriptorKind::Bispectrum, 1, 2);
    bispectrum.max_lambda = 0;
    expect_error<hamd::InvalidArgument>([&] { compute({molecule}, bispectrum); },
                                        "max_lambda: not an option of kind \"bispectrum\" (kinds that take it: \"lambda-soap\", \"correlation\", \"multi-scale\", \"pair-features\", \"message-passing\")",
                                        "max_lambda for bispectrum: names the kinds that take it");
    DescriptorOptions ps = options(DescriptorKind::PowerSpectrum, 1, 2);
    ps.correlation_order = 2;
    expect_error<hamd::InvalidArgument>([&] { compute({molecule}, ps); }, "kinds that take it: \"correlation\"",
                                        "correlation_order for power-spectrum: refused");
    // Default hypers (max_radial 7, max_angular 6), 2 species, nu = 4: refused by the byte
    // limit before any label is built (it would otherwise take gigabytes).
    DescriptorOptions big;
    big.kind = DescriptorKind::Correlation;
    big.correlation_order = 4;
    big.max_output_bytes = size_t(1) << 30;
    const auto start = std::chrono::steady_clock::now();
    expect_error<hamd::ResourceExhausted>([&] { compute({molecule}, big); }, "properties",
                                          "nu = 4, default hypers: ResourceExhausted (property limit)");
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    check::ok(seconds < 20, "... refused before building the labels", std::to_string(seconds) + " s");
    DescriptorOptions limited = correlation(3, 0, 2, 3);
    limited.max_output_bytes = 4096;
    expect_error<hamd::ResourceExhausted>([&] { compute({molecule}, limited); }, "one centre's correlation features would take",
                                          "max_output_bytes below one centre's row: ResourceExhausted");
}

// Feature counts of one centre type (two species), printed for docs/science.md.
void print_sizes() {
    std::mt19937 rng(67);
    const System molecule = random_molecule(rng, {8, 1});
    for (auto [nmax, lmax] : {std::pair{3, 3}, std::pair{5, 4}}) {
        for (int order = 1; order <= 4; ++order) {
            DescriptorOptions o = correlation(order, 0, nmax, lmax);
            o.max_output_bytes = size_t(1) << 32;
            try {
                const TensorMap t = compute({molecule}, o);
                std::printf("# sizes: max_radial %d max_angular %d nu %d lambda 0: %zu invariants (sigma +1)\n", nmax, lmax, order,
                            t.blocks.at(find_block(t, {0, 1, 1})).properties.count());
            } catch (const hamd::ResourceExhausted& e) {
                std::printf("# sizes: max_radial %d max_angular %d nu %d: %s\n", nmax, lmax, order, e.what());
            }
        }
    }
}

// Gram matrix over (sample, sample') of one block, summed over mu and properties, with
// optional per-property weights.
std::vector<double> gram(const Block& b, int n_mu, const std::vector<double>& weights = {}) {
    const size_t S = b.samples.count(), P = b.properties.count();
    std::vector<double> g(S * S, 0.0);
    for (size_t r = 0; r < S; ++r)
        for (size_t s = 0; s < S; ++s)
            for (int mu = 0; mu < n_mu; ++mu)
                for (size_t p = 0; p < P; ++p)
                    g[r * S + s] += (weights.empty() ? 1.0 : weights[p]) * b.values[(r * n_mu + mu) * P + p] * b.values[(s * n_mu + mu) * P + p];
    return g;
}

void test_contraction() {
    std::mt19937 rng(71);
    std::vector<System> training;
    for (int k = 0; k < 4; ++k) training.push_back(random_molecule(rng, {6, 1, 1, 8, 1, 1}));
    const System molecule = random_molecule(rng, {6, 1, 8, 1, 1});

    // Every eigenvector kept: nu = 2 contracted spans the space of all orderings, whose Gram
    // matrix is the kept (sorted) entries' with weight 2 for two different factors.
    {
        DescriptorOptions o = correlation(2, 2, 2, 2);
        const auto full = std::make_shared<hamd::CorrelationContraction>(
            hamd::fit_correlation_contraction(training, o, hamd::ContractionSettings{1.0, 0, false}, pool()));
        const TensorMap plain = compute({molecule}, o);
        o.contraction = full;
        const TensorMap contracted = compute({molecule}, o);
        double diff = 0, scale = 0;
        bool same_blocks = plain.keys.values == contracted.keys.values;
        for (size_t k = 0; same_blocks && k < plain.blocks.size(); ++k) {
            const Block& b = plain.blocks[k];
            std::vector<double> w(b.properties.count());
            for (size_t p = 0; p < w.size(); ++p) {
                const int32_t* q = &b.properties.values[6 * p];
                w[p] = std::equal(q, q + 3, q + 3) ? 1.0 : 2.0;
            }
            const int n_mu = 2 * plain.keys.values[3 * k] + 1;
            const auto g1 = gram(b, n_mu, w), g2 = gram(contracted.blocks[k], n_mu);
            for (size_t i = 0; i < g1.size(); ++i) {
                diff = std::max(diff, std::fabs(g1[i] - g2[i]));
                scale = std::max(scale, std::fabs(g1[i]));
            }
        }
        check::ok(same_blocks && scale > 0 && diff <= 1e-12 * scale,
                  "contraction keeping every eigenvector: nu = 2 Gram matrices equal those of all orderings",
                  std::to_string(diff / scale));
        // by default a level kept at full rank is left out (a rotation that only loses the ordering rule)
        o.contraction = std::make_shared<hamd::CorrelationContraction>(
            hamd::fit_correlation_contraction(training, o, hamd::ContractionSettings{1.0, 0}, pool()));
        check::ok(o.contraction->blocks.empty() && relative_difference(compute({molecule}, o), plain) == 0,
                  "full-rank level skipped by default: no transform, features unchanged");
        check::ok(contracted.blocks[0].properties.names ==
                      std::vector<std::string>({"pc_1", "k_1", "sigma_1", "neighbor_2_type", "n_2", "l_2"}),
                  "contracted properties (pc_1, k_1, sigma_1, neighbor_2_type, n_2, l_2)");
    }

    // Truncated contraction of nu = 3 and 4: equivariant, smaller, gradients by the chain rule,
    // and a bit-for-bit .npz round trip.
    for (int order : {3, 4}) {
        DescriptorOptions o = correlation(order, 2, 2, 2);
        const auto c = std::make_shared<hamd::CorrelationContraction>(
            hamd::fit_correlation_contraction(training, o, hamd::ContractionSettings{0.999, 6}, pool()));
        const std::string nu = "nu = " + std::to_string(order) + " contracted: ";
        size_t kept = 0, inputs = 0;
        for (const auto& b : c->blocks) { kept += b.n_out; inputs += b.n_in; }
        check::ok(kept < inputs && c->blocks.size() > 0, nu + "fewer components than inputs",
                  std::to_string(kept) + " of " + std::to_string(inputs));
        const TensorMap plain = compute({molecule}, o);
        o.contraction = c;
        const TensorMap original = compute({molecule}, o);
        size_t width_plain = 0, width_contracted = 0;
        for (const auto& b : plain.blocks) width_plain += row_width(b);
        for (const auto& b : original.blocks) width_contracted += row_width(b);
        check::ok(width_contracted < width_plain, nu + "narrower output",
                  std::to_string(width_contracted) + " < " + std::to_string(width_plain));
        double R[9];
        wigner::random_rotation(rng, R);
        const double rotation = equivariance_error(original, compute({transformed(molecule, R)}, o), R, [](size_t) { return 1.0; });
        check::ok(rotation < 1e-10, nu + "each block rotates with D^lambda", std::to_string(rotation));
        const double inversion = inversion_error(original, compute({transformed(molecule, kInversion)}, o));
        check::ok(inversion < 1e-10, nu + "inversion gives sigma (-1)^lambda", std::to_string(inversion));
        if (order == 3) {
            const double error = position_gradient_error(random_molecule(rng, {6, 1, 8, 1}), o);
            check::ok(error < 1e-6, nu + "position gradients match finite differences", std::to_string(error));
        }

        const std::string path = "/tmp/hamd-test-contraction-" + std::to_string(getpid()) + ".npz";
        hamd::save_correlation_contraction(path, *c);
        const auto loaded = std::make_shared<hamd::CorrelationContraction>(hamd::load_correlation_contraction(path));
        std::remove(path.c_str());
        bool same = loaded->blocks.size() == c->blocks.size() && loaded->species == c->species;
        for (size_t b = 0; same && b < c->blocks.size(); ++b) {
            const auto* found = loaded->find(c->blocks[b].level, c->blocks[b].lambda, c->blocks[b].sigma);
            same = found && found->transform == c->blocks[b].transform && found->eigenvalues == c->blocks[b].eigenvalues;
        }
        check::ok(same, nu + "the .npz round trip gives back every transform bit for bit");
        o.contraction = loaded;
        const TensorMap again = compute({molecule}, o);
        bool identical = again.blocks.size() == original.blocks.size();
        for (size_t k = 0; identical && k < again.blocks.size(); ++k)
            identical = std::equal(again.blocks[k].values.begin(), again.blocks[k].values.end(), original.blocks[k].values.begin());
        check::ok(identical, nu + "features with the loaded contraction are identical");
    }

    DescriptorOptions o = correlation(3, 0, 2, 2);
    const auto c = std::make_shared<hamd::CorrelationContraction>(
        hamd::fit_correlation_contraction(training, o, hamd::ContractionSettings{0.99, 0}, pool()));
    o.contraction = c;
    o.hypers.max_radial = 1;
    expect_error<hamd::InvalidArgument>([&] { compute({molecule}, o); }, "contraction: fitted for other",
                                        "contraction with other hypers: InvalidArgument");
    o.hypers.max_radial = 2;
    const System sulfur = random_molecule(rng, {16, 1, 1});
    o.species = {1, 6, 8};
    expect_error<hamd::InvalidArgument>([&] { compute({sulfur}, o); }, "no transform for centre type 16",
                                        "contraction without the centre type: InvalidArgument");
    DescriptorOptions wrong = options(DescriptorKind::PowerSpectrum, 2, 2);
    wrong.contraction = c;
    expect_error<hamd::InvalidArgument>([&] { compute({molecule}, wrong); }, "contraction: only for kind \"correlation\"",
                                        "contraction given to another kind: InvalidArgument");
}

}  // namespace

int main() {
    test_nu1_is_the_spherical_expansion();
    test_nu2_is_lambda_soap_and_power_spectrum();
    test_nu3_is_the_bispectrum();
    test_symmetries();
    test_gradients();
    test_errors_and_sizes();
    test_contraction();
    print_sizes();
    return check::finish();
}
