// The message-passing kind (rho_i^(1<-1) = sum_j CG(c_j, g_ij), docs/science.md#message-passing-kind):
// agreement with the pair-features rows it is built from, reach of two cutoffs (values and
// gradient samples), rotation and inversion, permutation, translation, finite-difference
// position gradients (molecule and crystal with self images), 2x2x2 supercell, size limit.

#include "core/base/errors.hpp"
#include "descriptor_fixtures.hpp"
#include "pair_kind_checks.hpp"

using namespace fixtures;

namespace {

using check::throws;

DescriptorOptions mp_options(int max_radial = 2, int max_angular = 2) {
    DescriptorOptions o = options(DescriptorKind::MessagePassing, max_radial, max_angular);
    o.hypers.cutoff = 3.0;
    return o;
}

// A bent chain longer than two cutoffs (3 A): atom 0 sees atom 2 only through atom 1.
System chain() {
    System s;
    s.types = {6, 6, 8, 6, 1, 1, 7};
    s.positions = {0.0, 0.0, 0.0, 2.2, 0.3, 0.1, 4.3, 1.1, -0.2, 6.4, 0.6, 0.3, -0.8, 0.7, 0.2, 2.4, 1.4, 0.9, 8.5, 1.2, 0.0};
    return s;
}

// m_i[l1 l2; a1 n1 a2 n2] = sum_j (-1)^l2 rho_ji[l1 l2; a1 n1 n2] over the j of species a2:
// the pair term of (j, i) is that of (i, j) reflected, g_ji = (-1)^l2 g_ij.
void test_against_pair_features() {
    std::mt19937 rng(4);
    const System molecule = random_molecule(rng, {6, 1, 8, 1, 6}, 3.0);
    DescriptorOptions o = mp_options(2, 2);
    o.species = {1, 6, 8};
    const TensorMap mp = compute({molecule}, o);
    DescriptorOptions op = o;
    op.kind = DescriptorKind::PairFeatures;
    const TensorMap pf = compute({molecule}, op);
    const int N = o.hypers.n_radial(), S = 3;
    double diff = 0, scale = 0;
    bool labels_ok = mp.keys.names == std::vector<std::string>({"o3_lambda", "o3_sigma", "center_type"});
    for (size_t k = 0; k < mp.blocks.size(); ++k) {
        const int lambda = mp.keys.values[3 * k], sigma = mp.keys.values[3 * k + 1];
        const Block& block = mp.blocks[k];
        const size_t P = block.properties.count(), n_mu = 2 * lambda + 1;
        labels_ok = labels_ok && block.properties.names ==
                    std::vector<std::string>({"l_1", "l_2", "neighbor_1_type", "n_1", "neighbor_2_type", "n_2"}) &&
                    block.samples.names == std::vector<std::string>({"system", "atom"});
        for (size_t r = 0; r < block.samples.count(); ++r) {
            const int i = block.samples.values[2 * r + 1];
            std::vector<double> expected(n_mu * P, 0.0);
            for (size_t b = 0; b < pf.blocks.size(); ++b) {
                const int32_t* key = &pf.keys.values[4 * b];
                if (key[0] != lambda || key[1] != sigma || key[3] != molecule.types[i]) continue;
                const Block& pb = pf.blocks[b];
                const size_t Q = pb.properties.count();
                const int a2 = std::find(o.species.begin(), o.species.end(), key[2]) - o.species.begin();
                for (size_t q = 0; q < pb.samples.count(); ++q) {
                    if (pb.samples.values[6 * q + 2] != i) continue;  // the pair (j, i)
                    for (size_t p = 0; p < Q; ++p) {
                        const int32_t* label = &pb.properties.values[5 * p];  // l1 l2 a n1 n2
                        const int a1 = std::find(o.species.begin(), o.species.end(), label[2]) - o.species.begin();
                        const size_t group = p / (S * N * N);
                        const size_t column = group * (S * N * S * N) + ((a1 * N + label[3]) * S + a2) * N + label[4];
                        const double sign = label[1] % 2 ? -1.0 : 1.0;
                        for (size_t mu = 0; mu < n_mu; ++mu) expected[mu * P + column] += sign * pb.values[(q * n_mu + mu) * Q + p];
                    }
                }
            }
            for (size_t x = 0; x < n_mu * P; ++x) {
                diff = std::max(diff, std::fabs(block.values[r * n_mu * P + x] - expected[x]));
                scale = std::max(scale, std::fabs(expected[x]));
            }
        }
    }
    check::ok(labels_ok, "keys (o3_lambda, o3_sigma, center_type), samples (system, atom), properties");
    check::ok(scale > 0 && diff < 1e-13 * scale, "m_i = sum_j (-1)^l_2 rho_ji of the pair features",
              "relative " + std::to_string(scale > 0 ? diff / scale : INFINITY));
}

void test_reach() {
    const System s = chain();
    DescriptorOptions o = mp_options();
    o.gradient_positions = true;
    const TensorMap map = compute({s}, o);
    // atom 2 is 4.5 A from atom 0 (beyond 3 A) but a neighbour of atom 1, which neighbours 0
    bool listed = false, far_listed = false;
    for (size_t k = 0; k < map.blocks.size(); ++k) {
        if (map.keys.values[3 * k + 2] != 6) continue;
        const Block& block = map.blocks[k];
        const int row = find_sample(block, 0, 0);
        const auto& g = block.gradients.at(0);
        for (size_t r = 0; r < g.samples.count(); ++r) {
            if (g.samples.values[3 * r] != row) continue;
            listed = listed || g.samples.values[3 * r + 2] == 2;
            far_listed = far_listed || g.samples.values[3 * r + 2] == 6;  // 8.6 A away: beyond two cutoffs
        }
    }
    check::ok(listed && !far_listed, "gradient samples of atom 0 list its neighbour's neighbour 2 (4.5 A), not atom 6 (8.6 A)");
    o.gradient_positions = false;
    System moved = s;
    moved.positions[3 * 2 + 2] += 0.2;
    const TensorMap a = compute({s}, o), b = compute({moved}, o);
    double change = 0;
    for (size_t k = 0; k < a.blocks.size(); ++k) {
        if (a.keys.values[3 * k + 2] != 6) continue;
        const size_t width = row_width(a.blocks[k]);
        const int r = find_sample(a.blocks[k], 0, 0);
        for (size_t x = 0; x < width; ++x) change = std::max(change, std::fabs(a.blocks[k].values[r * width + x] - b.blocks[k].values[r * width + x]));
    }
    std::printf("# moving atom 2 by 0.2 A changes m_0 by up to %.3g\n", change);
    check::ok(change > 1e-6, "moving an atom 4.5 A away (two cutoffs) changes the centre's features");
}

void test_symmetries() {
    std::mt19937 rng(12);
    const System molecule = random_molecule(rng, {6, 1, 8, 1, 7, 1}, 3.2);
    DescriptorOptions o = mp_options(2, 3);
    o.max_lambda = 3;
    const TensorMap base = compute({molecule}, o);
    double worst = 0;
    for (int trial = 0; trial < 3; ++trial) {
        double R[9];
        wigner::random_rotation(rng, R);
        worst = std::max(worst, equivariance_error(base, compute({transformed(molecule, R)}, o), R, [](size_t) { return 1.0; }));
    }
    check::ok(worst < 1e-10, "rotation: every block transforms with D^lambda", "relative " + std::to_string(worst));
    const double identity[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
    const double parity = equivariance_error(base, compute({transformed(molecule, kInversion)}, o), identity, [&](size_t k) {
        const int lambda = base.keys.values[3 * k], sigma = base.keys.values[3 * k + 1];
        return sigma * (lambda % 2 ? -1.0 : 1.0);
    });
    check::ok(parity < 1e-10, "inversion: block (lambda, sigma) times sigma (-1)^lambda", "relative " + std::to_string(parity));
    const double shift[3] = {-2.5, 0.9, 4.0};
    const double moved = relative_difference(compute({transformed(molecule, identity, shift)}, o), base);
    check::ok(moved < 1e-10, "translation changes nothing", "relative " + std::to_string(moved));
    const std::vector<int> perm = {2, 5, 0, 4, 1, 3};
    System permuted = molecule;
    for (size_t i = 0; i < molecule.size(); ++i) {
        permuted.types[perm[i]] = molecule.types[i];
        for (int d = 0; d < 3; ++d) permuted.positions[3 * perm[i] + d] = molecule.positions[3 * i + d];
    }
    const TensorMap p = compute({permuted}, o);
    double diff = 0, scale = 0;
    bool ok = p.keys.values == base.keys.values;
    for (size_t k = 0; ok && k < base.blocks.size(); ++k) {
        const size_t width = row_width(base.blocks[k]);
        for (size_t r = 0; r < base.blocks[k].samples.count(); ++r) {
            const int q = find_sample(p.blocks[k], 0, perm[base.blocks[k].samples.values[2 * r + 1]]);
            if (q < 0) { ok = false; break; }
            for (size_t x = 0; x < width; ++x) {
                diff = std::max(diff, std::fabs(base.blocks[k].values[r * width + x] - p.blocks[k].values[q * width + x]));
                scale = std::max(scale, std::fabs(base.blocks[k].values[r * width + x]));
            }
        }
    }
    check::ok(ok && scale > 0 && diff < 1e-10 * scale, "permuting atoms permutes the samples only",
              "relative " + std::to_string(scale > 0 ? diff / scale : INFINITY));
}

void test_gradients_and_periodic() {
    // h = 1e-6 A: truncation ~ h^2 |f'''| ~ 1e-12, rounding ~ eps |f| / h ~ 1e-10 relative to
    // the largest gradient entry; a wrong or missing term (e.g. a neighbour's neighbour left
    // out of the samples) is off by order one.
    const double chain_error = position_gradient_error(chain(), mp_options());
    check::ok(chain_error < 1e-5, "position gradients match central differences (chain, 2-cutoff reach)",
              "relative " + std::to_string(chain_error));
    std::mt19937 rng(6);
    const double molecular = position_gradient_error(random_molecule(rng, {6, 1, 8, 1, 1}, 2.8), mp_options());
    check::ok(molecular < 1e-5, "position gradients match central differences (molecule)", "relative " + std::to_string(molecular));
    const System crystal = random_crystal(rng, {6, 1, 8});
    const double periodic = position_gradient_error(crystal, mp_options());
    check::ok(periodic < 1e-5, "position gradients match central differences (triclinic crystal, self images)",
              "relative " + std::to_string(periodic));
    const double cell = cell_gradient_error(crystal, mp_options());
    check::ok(cell < 1e-5, "cell gradients match central differences (fractional coordinates fixed)", "relative " + std::to_string(cell));
    std::printf("# cell gradient error %.3g\n", cell);
    const double copies = supercell_difference(crystal, mp_options());
    check::ok(copies < 1e-10, "2x2x2 supercell: each copy of an atom has its features", "relative " + std::to_string(copies));
    std::printf("# gradient errors: chain %.3g, molecule %.3g, crystal %.3g; supercell %.3g\n", chain_error, molecular, periodic, copies);
}

void test_limits() {
    const System s = chain();
    DescriptorOptions o = mp_options();
    o.gradient_positions = true;
    o.max_output_bytes = 100000;
    check::ok(throws<hamd::ResourceExhausted>([&] { compute({s}, o); }), "max_output_bytes: ResourceExhausted");
    o.max_output_bytes = 0;
    o.gradient_cell = true;
    check::ok(throws<hamd::InvalidArgument>([&] { compute({s}, o); }), "cell gradients of a molecule: InvalidArgument");
    o.gradient_cell = false;
    std::atomic<bool> cancel(true);
    check::ok(throws<hamd::Cancelled>([&] { hamd::compute_descriptors({s}, o, pool(), &cancel); }), "cancel: Cancelled");
    // several structures in one request: each as if alone
    std::mt19937 rng(9);
    const System other = random_molecule(rng, {8, 1, 1});
    o.gradient_positions = false;
    o.species = {1, 6, 7, 8};  // the same channels for both requests
    const TensorMap both = compute({s, other}, o), alone = compute({other}, o);
    double diff = 0;
    bool found = true;
    for (size_t k = 0; k < alone.blocks.size(); ++k) {
        const int b = find_block(both, std::vector<int32_t>(alone.keys.values.begin() + 3 * k, alone.keys.values.begin() + 3 * k + 3));
        if (b < 0) { found = false; continue; }
        const size_t width = row_width(alone.blocks[k]);
        for (size_t r = 0; r < alone.blocks[k].samples.count(); ++r) {
            const int q = find_sample(both.blocks[b], 1, alone.blocks[k].samples.values[2 * r + 1]);
            if (q < 0) { found = false; continue; }
            for (size_t x = 0; x < width; ++x) diff = std::max(diff, std::fabs(alone.blocks[k].values[r * width + x] - both.blocks[b].values[q * width + x]));
        }
    }
    check::ok(found && diff == 0.0, "two structures in one request: the second's rows as if alone");
    check::ok(hamd::parse_descriptor_kind("message-passing") == DescriptorKind::MessagePassing, "parse \"message-passing\"");
}

}  // namespace

int main() {
    test_against_pair_features();
    test_reach();
    test_symmetries();
    test_gradients_and_periodic();
    test_limits();
    check_cancel_while_running(DescriptorKind::MessagePassing, 300);
    check_threads_same_bits(DescriptorKind::MessagePassing);
    return check::finish();
}
