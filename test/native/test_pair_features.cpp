// The pair-features kind (two-centre rho_ij = CG(c_i, g_ij), docs/science.md#pair-features-kind):
// labels and pair set, agreement with the Hamiltonian featurizer's pair half, rotation and
// inversion, permutation of atoms (pair samples follow), translation, finite-difference
// position gradients (molecule and crystal with self images), 2x2x2 supercell, size limit,
// cancellation and option checks.
#include <atomic>
#include <map>
#include <tuple>


#include "core/base/errors.hpp"
#include "core/models/hamiltonian/hamiltonian_features.hpp"
#include "core/qc/block_coupling.hpp"
#include "descriptor_fixtures.hpp"
#include "pair_kind_checks.hpp"

using namespace fixtures;

namespace {

using check::throws;

DescriptorOptions pair_options(int max_radial = 2, int max_angular = 2) {
    DescriptorOptions o = options(DescriptorKind::PairFeatures, max_radial, max_angular);
    o.hypers.cutoff = 3.0;
    return o;
}

// Sample row of pair (system, i, j, shift) in a pair block, or -1.
int find_pair(const Block& block, int32_t system, int32_t i, int32_t j, const int32_t shift[3]) {
    for (size_t r = 0; r < block.samples.count(); ++r) {
        const int32_t* s = &block.samples.values[6 * r];
        if (s[0] == system && s[1] == i && s[2] == j && s[3] == shift[0] && s[4] == shift[1] && s[5] == shift[2])
            return static_cast<int>(r);
    }
    return -1;
}

void test_labels_and_pairs() {
    std::mt19937 rng(3);
    const System molecule = random_molecule(rng, {6, 1, 8, 1, 6}, 3.0);
    DescriptorOptions o = pair_options();
    const TensorMap map = compute({molecule}, o);
    bool keys_ok = map.keys.names == std::vector<std::string>({"o3_lambda", "o3_sigma", "first_atom_type", "second_atom_type"});
    // every ordered pair within the cutoff, once per (lambda, sigma) family; no (i, i)
    std::map<std::pair<int, int>, int> seen;
    size_t families = 0;
    bool samples_ok = true, sorted = true;
    for (size_t k = 0; k < map.blocks.size(); ++k) {
        const int32_t* key = &map.keys.values[4 * k];
        const Block& block = map.blocks[k];
        samples_ok = samples_ok && block.samples.names.size() == 6 && block.components.size() == 1 &&
                     block.components[0].count() == size_t(2 * key[0] + 1) && block.properties.names ==
                     std::vector<std::string>({"l_1", "l_2", "neighbor_type", "n_1", "n_2"});
        if (key[2] == 6 && key[3] == 6) ++families;
        for (size_t r = 0; r < block.samples.count(); ++r) {
            const int32_t* s = &block.samples.values[6 * r];
            samples_ok = samples_ok && s[1] != s[2] && molecule.types[s[1]] == key[2] && molecule.types[s[2]] == key[3];
            if (r > 0) sorted = sorted && std::lexicographical_compare(s - 6, s, s, s + 6);
            ++seen[{s[1], s[2]}];
        }
    }
    size_t expected_pairs = 0;
    bool counts_ok = true;
    for (size_t i = 0; i < molecule.size(); ++i)
        for (size_t j = 0; j < molecule.size(); ++j) {
            if (i == j) continue;
            double d2 = 0;
            for (int d = 0; d < 3; ++d) d2 += std::pow(molecule.positions[3 * j + d] - molecule.positions[3 * i + d], 2);
            if (std::sqrt(d2) < o.hypers.cutoff) {
                ++expected_pairs;
                counts_ok = counts_ok && seen[{int(i), int(j)}] == int(families);
            }
        }
    check::ok(keys_ok && samples_ok && sorted, "keys, samples (system, first_atom, second_atom, shift) ascending, labels");
    check::ok(counts_ok && seen.size() == expected_pairs && expected_pairs > 4,
              "every ordered pair within the cutoff, both orders, in every (lambda, sigma) family",
              std::to_string(seen.size()) + " vs " + std::to_string(expected_pairs));
}

// rho_ij equals the first half of the Hamiltonian featurizer's type-2 rows (same hypers, same
// species channels): the two share the pair term and the coupling.
void test_same_as_hamiltonian_pair_half() {
    System s;
    s.types = {6, 1, 8, 1, 6};
    s.positions = {0.0, 0.0, 0.0, 1.05, 0.1, 0.0, -0.3, 1.3, 0.2, -0.5, -0.9, 0.4, 1.2, 1.5, -0.6};
    hamd::HamiltonianFeatureSettings fs;
    DescriptorOptions o = pair_options(3, 2);
    o.species = {1, 6, 8};
    fs.hypers = o.hypers;
    fs.species = o.species;
    fs.max_lambda = 2;
    const hamd::HamiltonianFeaturizer featurizer(fs);
    const hamd::StructureFeatures features = featurizer.compute(s);
    o.max_lambda = 2;
    const TensorMap map = compute({s}, o);
    double diff = 0, scale = 0;
    size_t compared = 0;
    for (const auto& [family, block] : features) {
        if (family.block_type != hamd::kBlockDifferentSpecies) continue;
        const int b = find_block(map, {family.lambda, family.sigma, family.species_i, family.species_j});
        if (b < 0) return (void)check::ok(false, "pair features equal the Hamiltonian pair half", "missing block");
        const Block& pf = map.blocks[b];
        const size_t P = pf.properties.count(), n_mu = 2 * family.lambda + 1;
        const int32_t zero[3] = {0, 0, 0};
        for (size_t r = 0; r < block.samples.size(); ++r) {
            const int row = find_pair(pf, 0, block.samples[r][0], block.samples[r][1], zero);
            if (row < 0) return (void)check::ok(false, "pair features equal the Hamiltonian pair half", "missing pair");
            for (size_t mu = 0; mu < n_mu; ++mu)
                for (size_t p = 0; p < P; ++p) {
                    const double h = block.row(static_cast<int>(r), static_cast<int>(mu))[p];
                    diff = std::max(diff, std::fabs(h - pf.values[(row * n_mu + mu) * P + p]));
                    scale = std::max(scale, std::fabs(h));
                    ++compared;
                }
        }
    }
    std::printf("# pair features vs Hamiltonian rho_ij: %zu values, max |difference| %.3g (largest value %.3g)\n", compared, diff, scale);
    check::ok(compared > 1000 && diff <= 1e-14 * scale, "pair features equal the Hamiltonian featurizer's rho_ij half",
              std::to_string(compared) + " values, max deviation " + std::to_string(diff / scale));
}

void test_symmetries() {
    std::mt19937 rng(11);
    const System molecule = random_molecule(rng, {6, 1, 8, 1, 7, 1}, 3.2);
    DescriptorOptions o = pair_options(2, 3);
    o.max_lambda = 3;
    const TensorMap base = compute({molecule}, o);
    double worst = 0;
    for (int trial = 0; trial < 3; ++trial) {
        double R[9];
        wigner::random_rotation(rng, R);
        worst = std::max(worst, equivariance_error(base, compute({transformed(molecule, R)}, o), R, [](size_t) { return 1.0; }));
    }
    check::ok(worst < 1e-10, "rotation: every block transforms with D^lambda", "relative " + std::to_string(worst));
    const TensorMap inverted = compute({transformed(molecule, kInversion)}, o);
    const double identity[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
    const double parity = equivariance_error(base, inverted, identity, [&](size_t k) {
        const int lambda = base.keys.values[4 * k], sigma = base.keys.values[4 * k + 1];
        return sigma * (lambda % 2 ? -1.0 : 1.0);
    });
    check::ok(parity < 1e-10, "inversion: block (lambda, sigma) times sigma (-1)^lambda", "relative " + std::to_string(parity));
    const double shift[3] = {1.7, -3.1, 0.4};
    const double moved = relative_difference(compute({transformed(molecule, identity, shift)}, o), base);
    check::ok(moved < 1e-10, "translation changes nothing", "relative " + std::to_string(moved));

    // permutation: atom i goes to perm[i]; the pair (i, j) becomes (perm[i], perm[j])
    const std::vector<int> perm = {3, 0, 5, 1, 4, 2};
    System permuted = molecule;
    for (size_t i = 0; i < molecule.size(); ++i) {
        permuted.types[perm[i]] = molecule.types[i];
        for (int d = 0; d < 3; ++d) permuted.positions[3 * perm[i] + d] = molecule.positions[3 * i + d];
    }
    const TensorMap p = compute({permuted}, o);
    double diff = 0, scale = 0;
    bool same_keys = p.keys.values == base.keys.values, rows_ok = true;
    for (size_t k = 0; same_keys && k < base.blocks.size(); ++k) {
        const Block& a = base.blocks[k];
        const Block& b = p.blocks[k];
        const size_t width = row_width(a);
        rows_ok = rows_ok && a.samples.count() == b.samples.count();
        for (size_t r = 0; r < a.samples.count(); ++r) {
            const int32_t* s = &a.samples.values[6 * r];
            const int q = find_pair(b, 0, perm[s[1]], perm[s[2]], s + 3);
            if (q < 0) { rows_ok = false; continue; }
            for (size_t x = 0; x < width; ++x) {
                diff = std::max(diff, std::fabs(a.values[r * width + x] - b.values[q * width + x]));
                scale = std::max(scale, std::fabs(a.values[r * width + x]));
            }
        }
    }
    check::ok(same_keys && rows_ok && scale > 0 && diff < 1e-10 * scale, "permuting atoms permutes the pair samples only",
              "relative " + std::to_string(scale > 0 ? diff / scale : INFINITY));
}

void test_gradients() {
    // h = 1e-6 A: truncation ~ h^2 |f'''| ~ 1e-12, rounding ~ eps |f| / h ~ 1e-10 of the
    // largest gradient entry; a wrong or missing gradient term is off by order one.
    std::mt19937 rng(5);
    const System molecule = random_molecule(rng, {6, 1, 8, 1, 1}, 2.8);
    DescriptorOptions o = pair_options(2, 2);
    const double molecular = position_gradient_error(molecule, o);
    check::ok(molecular < 1e-5, "position gradients match central differences (molecule)", "relative " + std::to_string(molecular));
    o.gradient_positions = true;
    const TensorMap g = compute({molecule}, o);
    double row_sum = 0, scale = 0;
    for (const Block& block : g.blocks) {
        const auto& gradient = block.gradients.at(0);
        const size_t width = row_width(block);
        std::map<int, std::vector<double>> sums;
        for (size_t r = 0; r < gradient.samples.count(); ++r) {
            auto& sum = sums[gradient.samples.values[3 * r]];
            sum.resize(3 * width, 0.0);
            for (size_t x = 0; x < 3 * width; ++x) sum[x] += gradient.values[r * 3 * width + x];
            scale = std::max(scale, max_abs(std::vector<double>(gradient.values.begin() + r * 3 * width,
                                                                gradient.values.begin() + (r + 1) * 3 * width)));
        }
        for (const auto& [row, sum] : sums) row_sum = std::max(row_sum, max_abs(sum));
    }
    check::ok(scale > 0 && row_sum < 1e-12 * scale, "gradient rows of each pair sum to zero (translation)",
              "relative " + std::to_string(row_sum / scale));

    const System crystal = random_crystal(rng, {6, 1, 8});
    DescriptorOptions oc = pair_options(2, 2);
    const double periodic = position_gradient_error(crystal, oc);
    check::ok(periodic < 1e-5, "position gradients match central differences (triclinic crystal, self images)",
              "relative " + std::to_string(periodic));
    std::printf("# gradient errors: molecule %.3g, crystal %.3g (relative to the largest entry)\n", molecular, periodic);
    bool has_self_image = false;
    const TensorMap cm = compute({crystal}, oc);
    for (const Block& block : cm.blocks)
        for (size_t r = 0; r < block.samples.count(); ++r) has_self_image = has_self_image || block.samples.values[6 * r + 1] == block.samples.values[6 * r + 2];
    check::ok(has_self_image, "periodic images of the first atom itself are pairs");
    const double cell = cell_gradient_error(crystal, oc);
    std::printf("# cell gradient error %.3g\n", cell);
    check::ok(cell < 1e-5, "cell gradients match central differences (fractional coordinates fixed)", "relative " + std::to_string(cell));
    o.gradient_cell = true;
    check::ok(throws<hamd::InvalidArgument>([&] { compute({molecule}, o); }), "cell gradients of a molecule: InvalidArgument");
}

// Each pair of a small cell appears, with the same features, for each of the 8 copies of its
// first atom in the 2x2x2 supercell (the second atom a copy of j, the same pair vector).
void test_supercell() {
    std::mt19937 rng(8);
    const System small = random_crystal(rng, {6, 1, 8});
    const System big = supercell(small);
    const DescriptorOptions o = pair_options(2, 2);
    const TensorMap a = compute({small}, o), b = compute({big}, o);
    auto vector = [](const System& s, const int32_t* sample, double v[3]) {
        for (int d = 0; d < 3; ++d)
            v[d] = s.positions[3 * sample[2] + d] - s.positions[3 * sample[1] + d] + sample[3] * s.cell[d] +
                   sample[4] * s.cell[3 + d] + sample[5] * s.cell[6 + d];
    };
    const int n = static_cast<int>(small.size());
    double diff = 0, scale = 0;
    bool found_all = a.keys.values == b.keys.values;
    for (size_t k = 0; found_all && k < a.blocks.size(); ++k) {
        const Block& A = a.blocks[k];
        const Block& B = b.blocks[k];
        const size_t width = row_width(A);
        found_all = found_all && B.samples.count() == 8 * A.samples.count();
        for (size_t r = 0; r < A.samples.count(); ++r) {
            double va[3];
            vector(small, &A.samples.values[6 * r], va);
            for (int copy = 0; copy < 8; ++copy) {
                int match = -1;
                for (size_t q = 0; q < B.samples.count() && match < 0; ++q) {
                    const int32_t* s = &B.samples.values[6 * q];
                    if (s[1] != copy * n + A.samples.values[6 * r + 1] || s[2] % n != A.samples.values[6 * r + 2]) continue;
                    double vb[3];
                    vector(big, s, vb);
                    if (std::fabs(va[0] - vb[0]) + std::fabs(va[1] - vb[1]) + std::fabs(va[2] - vb[2]) < 1e-9) match = int(q);
                }
                if (match < 0) { found_all = false; continue; }
                for (size_t x = 0; x < width; ++x) {
                    diff = std::max(diff, std::fabs(A.values[r * width + x] - B.values[match * width + x]));
                    scale = std::max(scale, std::fabs(A.values[r * width + x]));
                }
            }
        }
    }
    std::printf("# supercell: max relative difference %.3g\n", scale > 0 ? diff / scale : INFINITY);
    check::ok(found_all && scale > 0 && diff < 1e-10 * scale, "2x2x2 supercell: every pair of each copy, same features",
              "relative " + std::to_string(scale > 0 ? diff / scale : INFINITY));
}

void test_limits_and_options() {
    std::mt19937 rng(2);
    const System molecule = random_molecule(rng, {6, 1, 8, 1});
    DescriptorOptions o = pair_options();
    o.gradient_positions = true;
    o.max_output_bytes = 10000;
    check::ok(throws<hamd::ResourceExhausted>([&] { compute({molecule}, o); }), "max_output_bytes: ResourceExhausted");
    o.max_output_bytes = 0;
    std::atomic<bool> cancel(true);
    check::ok(throws<hamd::Cancelled>([&] { hamd::compute_descriptors({molecule}, o, pool(), &cancel); }), "cancel: Cancelled");
    o.max_lambda = 1;
    const TensorMap m = compute({molecule}, o);
    int highest = 0;
    for (size_t k = 0; k < m.blocks.size(); ++k) highest = std::max(highest, m.keys.values[4 * k]);
    check::ok(highest == 1, "max_lambda bounds o3_lambda");
    o.max_lambda = 5;  // 2 max_angular = 4
    check::ok(throws<hamd::InvalidArgument>([&] { compute({molecule}, o); }), "max_lambda beyond 2 max_angular: InvalidArgument");
    o.max_lambda = -1;
    o.k_cutoff = 1.0;
    check::ok(throws<hamd::InvalidArgument>([&] { compute({molecule}, o); }), "k_cutoff: not an option of pair-features");
    check::ok(hamd::parse_descriptor_kind("pair-features") == DescriptorKind::PairFeatures, "parse \"pair-features\"");
}

}  // namespace

int main() {
    test_labels_and_pairs();
    test_same_as_hamiltonian_pair_half();
    test_symmetries();
    test_gradients();
    test_supercell();
    test_limits_and_options();
    check_cancel_while_running(DescriptorKind::PairFeatures, 100);
    check_threads_same_bits(DescriptorKind::PairFeatures);
    return check::finish();
}
