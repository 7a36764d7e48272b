// lambda-SOAP (nu = 2, lambda = 0..max_lambda, both parities): equivariance with D^lambda,
// parity, consistency with the spherical expansion and the power spectrum, gradients.
#include "core/math/clebsch_gordan.hpp"
#include "descriptor_fixtures.hpp"

using namespace fixtures;

namespace {

// Brute-force lambda-SOAP entry from the spherical expansion blocks and the CG table.
double coupled_entry(const TensorMap& se, int32_t centre_type, int atom, int a1, int a2, int l1, int l2, int n1, int n2,
                     int lambda, int mu, int N) {
    const auto cg = hamd::real_clebsch_gordan(l1, l2, lambda);
    const Block& b1 = se.blocks.at(find_block(se, {l1, 1, centre_type, a1}));
    const Block& b2 = se.blocks.at(find_block(se, {l2, 1, centre_type, a2}));
    const int r1 = find_sample(b1, 0, atom), r2 = find_sample(b2, 0, atom);
    double sum = 0;
    for (int m1 = 0; m1 < 2 * l1 + 1; ++m1)
        for (int m2 = 0; m2 < 2 * l2 + 1; ++m2)
            sum += cg->dense[(m1 * (2 * l2 + 1) + m2) * (2 * lambda + 1) + mu] * b1.values[(r1 * (2 * l1 + 1) + m1) * N + n1] *
                   b2.values[(r2 * (2 * l2 + 1) + m2) * N + n2];
    return sum;
}

void test_layout_and_definition() {
    std::mt19937 rng(21);
    DescriptorOptions o = options(DescriptorKind::LambdaSoap, 2, 3);
    o.max_lambda = 4;
    const System molecule = random_molecule(rng, {6, 1, 1, 8, 1});
    const TensorMap soap = compute({molecule}, o);
    DescriptorOptions ose = o;
    ose.kind = DescriptorKind::SphericalExpansion;
    ose.max_lambda = -1;  // an option of lambda-soap only
    const TensorMap se = compute({molecule}, ose);
    const int N = o.hypers.n_radial();

    bool keys_ok = soap.keys.names == std::vector<std::string>({"o3_lambda", "o3_sigma", "center_type"});
    bool has_odd = false, labels_ok = true;
    double diff = 0, swapped = 0, scale = 0;
    for (size_t k = 0; k < soap.blocks.size(); ++k) {
        const int lambda = soap.keys.values[3 * k], sigma = soap.keys.values[3 * k + 1], centre_type = soap.keys.values[3 * k + 2];
        keys_ok = keys_ok && lambda <= 4 && !(lambda == 0 && sigma == -1);
        has_odd = has_odd || sigma == -1;
        const Block& block = soap.blocks[k];
        labels_ok = labels_ok && block.components.size() == 1 && block.components[0].count() == size_t(2 * lambda + 1);
        const size_t P = block.properties.count();
        for (size_t p = 0; p < P; ++p) {
            const int32_t* q = &block.properties.values[6 * p];
            const int a1 = q[0], a2 = q[1], l1 = q[2], l2 = q[3], n1 = q[4], n2 = q[5];
            labels_ok = labels_ok && a1 <= a2 && (a1 < a2 || l1 <= l2) && ((l1 + l2 + lambda) % 2 == 0 ? 1 : -1) == sigma &&
                        lambda >= std::abs(l1 - l2) && lambda <= l1 + l2;
            for (size_t r = 0; r < block.samples.count(); ++r) {
                const int atom = block.samples.values[2 * r + 1];
                for (int mu = 0; mu < 2 * lambda + 1; ++mu) {
                    const double got = block.values[(r * (2 * lambda + 1) + mu) * P + p];
                    const double expected = coupled_entry(se, centre_type, atom, a1, a2, l1, l2, n1, n2, lambda, mu, N);
                    diff = std::max(diff, std::fabs(got - expected));
                    scale = std::max(scale, std::fabs(expected));
                    // the dropped ordering is sigma times the kept one
                    const double other = coupled_entry(se, centre_type, atom, a2, a1, l2, l1, n2, n1, lambda, mu, N);
                    swapped = std::max(swapped, std::fabs(other - sigma * got));
                }
            }
        }
    }
    check::ok(keys_ok && has_odd, "keys (o3_lambda <= max_lambda, o3_sigma = +-1, center_type); no empty block");
    check::ok(labels_ok, "properties: a1 <= a2, l1 <= l2 when a1 == a2, triangle and parity rules");
    check::ok(scale > 0 && diff <= 1e-12 * scale, "values equal the CG coupling of the spherical expansion", std::to_string(diff / scale));
    check::ok(swapped <= 1e-12 * scale, "swapped factors give sigma times the kept entry (truly redundant)",
              std::to_string(swapped / scale));

    // lambda = 0 is the power spectrum up to the sqrt(2) of a1 < a2 entries.
    DescriptorOptions ops = o;
    ops.kind = DescriptorKind::PowerSpectrum;
    ops.max_lambda = -1;
    const TensorMap ps = compute({molecule}, ops);
    double ps_diff = 0;
    for (size_t k = 0; k < ps.blocks.size(); ++k) {
        const Block& p = ps.blocks[k];
        const Block& s = soap.blocks.at(find_block(soap, {0, 1, ps.keys.values[3 * k + 2]}));
        for (size_t x = 0; x < p.properties.count(); ++x) {
            const int32_t* q = &p.properties.values[5 * x];
            size_t y = 0;
            while (y < s.properties.count() &&
                   !(s.properties.values[6 * y] == q[0] && s.properties.values[6 * y + 1] == q[1] &&
                     s.properties.values[6 * y + 2] == q[2] && s.properties.values[6 * y + 3] == q[2] &&
                     s.properties.values[6 * y + 4] == q[3] && s.properties.values[6 * y + 5] == q[4]))
                ++y;
            if (y == s.properties.count()) { ps_diff = INFINITY; break; }
            const double factor = q[0] < q[1] ? std::sqrt(2.0) : 1.0;
            for (size_t r = 0; r < p.samples.count(); ++r)
                ps_diff = std::max(ps_diff, std::fabs(p.values[r * p.properties.count() + x] -
                                                      factor * s.values[r * s.properties.count() + y]));
        }
    }
    check::ok(scale > 0 && ps_diff < 1e-12 * scale, "lambda = 0, l1 = l2 entries equal the power spectrum (sqrt 2 for a1 < a2)",
              std::to_string(ps_diff));
}

void test_symmetry() {
    std::mt19937 rng(23);
    DescriptorOptions o = options(DescriptorKind::LambdaSoap, 2, 4);
    const System molecule = random_molecule(rng, {6, 1, 1, 8, 1, 6});
    const TensorMap original = compute({molecule}, o);
    for (int trial = 0; trial < 2; ++trial) {
        double R[9];
        wigner::random_rotation(rng, R);
        const double error = equivariance_error(original, compute({transformed(molecule, R)}, o), R, [](size_t) { return 1.0; });
        check::ok(error < 1e-10, "each (lambda, sigma) block transforms with D^lambda", std::to_string(error));
    }
    const double identity[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
    const double error = equivariance_error(original, compute({transformed(molecule, kInversion)}, o), identity, [&](size_t k) {
        const int lambda = original.keys.values[3 * k], sigma = original.keys.values[3 * k + 1];
        return sigma * (lambda % 2 ? -1.0 : 1.0);
    });
    check::ok(error < 1e-10, "inversion multiplies each block by sigma (-1)^lambda", std::to_string(error));
    const System crystal = random_crystal(rng, {8, 1, 1});
    double R[9];
    wigner::random_rotation(rng, R);
    const double e2 = equivariance_error(compute({crystal}, o), compute({transformed(crystal, R)}, o), R, [](size_t) { return 1.0; });
    check::ok(e2 < 1e-10, "periodic crystal: equivariant", std::to_string(e2));
    check::ok(supercell_difference(crystal, o) < 1e-10, "cell and 2x2x2 supercell agree");
}

void test_gradients() {
    std::mt19937 rng(29);
    DescriptorOptions o = options(DescriptorKind::LambdaSoap, 1, 2);
    o.max_lambda = 3;
    const System molecule = random_molecule(rng, {6, 1, 1, 8});
    double error = position_gradient_error(molecule, o);
    check::ok(error < 1e-5, "molecule: position gradients match finite differences", std::to_string(error));
    const System crystal = random_crystal(rng, {8, 1});
    error = position_gradient_error(crystal, o);
    check::ok(error < 1e-5, "periodic crystal: position gradients match finite differences", std::to_string(error));
}

}  // namespace

int main() {
    test_layout_and_definition();
    test_symmetry();
    test_gradients();
    return check::finish();
}
