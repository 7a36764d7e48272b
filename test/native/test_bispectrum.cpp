// Bispectrum (nu = 3, lambda = 0): definition, invariance, the redundancy it drops,
// the degenerate environments of docs/science.md#degenerate-environments, gradients.
#include <cstdlib>
#include <fstream>

#include "core/math/clebsch_gordan.hpp"
#include "core/io/xyz.hpp"
#include "descriptor_fixtures.hpp"

using namespace fixtures;

namespace {


// B for one ordering of the factors, from the spherical expansion and the CG table.
double brute_force(const TensorMap& se, int32_t centre_type, int atom, const int a[3], const int l[3], const int n[3], int N) {
    const auto cg = hamd::real_clebsch_gordan(l[0], l[1], l[2]);
    const Block* b[3];
    int r[3];
    for (int k = 0; k < 3; ++k) {
        b[k] = &se.blocks.at(find_block(se, {l[k], 1, centre_type, a[k]}));
        r[k] = find_sample(*b[k], 0, atom);
    }
    auto c = [&](int k, int m) { return b[k]->values[(r[k] * (2 * l[k] + 1) + m) * N + n[k]]; };
    double sum = 0;
    for (int m1 = 0; m1 < 2 * l[0] + 1; ++m1)
        for (int m2 = 0; m2 < 2 * l[1] + 1; ++m2)
            for (int m3 = 0; m3 < 2 * l[2] + 1; ++m3)
                sum += cg->dense[(m1 * (2 * l[1] + 1) + m2) * (2 * l[2] + 1) + m3] * c(0, m1) * c(1, m2) * c(2, m3);
    return sum * (l[2] % 2 ? -1.0 : 1.0) / std::sqrt(2.0 * l[2] + 1);
}

void test_definition() {
    std::mt19937 rng(31);
    DescriptorOptions o = options(DescriptorKind::Bispectrum, 1, 3);
    const System molecule = random_molecule(rng, {6, 1, 1, 8, 1});
    const TensorMap bs = compute({molecule}, o);
    DescriptorOptions ose = o;
    ose.kind = DescriptorKind::SphericalExpansion;
    const TensorMap se = compute({molecule}, ose);
    const int N = o.hypers.n_radial();
    double diff = 0, permuted = 0, scale = 0;
    bool labels_ok = bs.keys.names == std::vector<std::string>({"o3_lambda", "o3_sigma", "center_type"});
    for (size_t k = 0; k < bs.blocks.size(); ++k) {
        const Block& block = bs.blocks[k];
        const int32_t centre_type = bs.keys.values[3 * k + 2];
        labels_ok = labels_ok && bs.keys.values[3 * k] == 0 && bs.keys.values[3 * k + 1] == 1 && block.components.empty();
        const size_t P = block.properties.count();
        for (size_t p = 0; p < P; p += 3) {  // every third property keeps the test quick
            const int32_t* q = &block.properties.values[9 * p];
            const int a[3] = {q[0], q[1], q[2]}, l[3] = {q[3], q[4], q[5]}, n[3] = {q[6], q[7], q[8]};
            labels_ok = labels_ok && (l[0] + l[1] + l[2]) % 2 == 0 && std::make_pair(a[0], l[0]) <= std::make_pair(a[1], l[1]) &&
                        std::make_pair(a[1], l[1]) <= std::make_pair(a[2], l[2]);
            for (size_t r = 0; r < block.samples.count(); ++r) {
                const int atom = block.samples.values[2 * r + 1];
                const double got = block.values[r * P + p];
                const double expected = brute_force(se, centre_type, atom, a, l, n, N);
                diff = std::max(diff, std::fabs(got - expected));
                scale = std::max(scale, std::fabs(expected));
                // every other ordering of the three (a, l, n) factors gives +-the same number
                const int orders[5][3] = {{1, 0, 2}, {0, 2, 1}, {2, 1, 0}, {1, 2, 0}, {2, 0, 1}};
                for (const auto& order : orders) {
                    const int pa[3] = {a[order[0]], a[order[1]], a[order[2]]};
                    const int pl[3] = {l[order[0]], l[order[1]], l[order[2]]};
                    const int pn[3] = {n[order[0]], n[order[1]], n[order[2]]};
                    permuted = std::max(permuted, std::fabs(std::fabs(brute_force(se, centre_type, atom, pa, pl, pn, N)) - std::fabs(got)));
                }
            }
        }
    }
    check::ok(labels_ok, "keys (0, 1, center_type), no components, ordered (a, l) triples with even l1+l2+l3");
    check::ok(scale > 0 && diff <= 1e-12 * scale, "values equal the CG iteration of the spherical expansion", std::to_string(diff / scale));
    check::ok(permuted <= 1e-12 * scale, "other orderings of the factors are +- the kept entry (redundant)",
              std::to_string(permuted / scale));
}

void test_invariance() {
    std::mt19937 rng(37);
    const DescriptorOptions o = options(DescriptorKind::Bispectrum, 2, 3);
    const System molecule = random_molecule(rng, {6, 1, 1, 8, 1, 6});
    const TensorMap original = compute({molecule}, o);
    for (int trial = 0; trial < 2; ++trial) {
        double R[9];
        wigner::random_rotation(rng, R);
        const double error = relative_difference(compute({transformed(molecule, R)}, o), original);
        check::ok(error < 1e-10, "rotation leaves the bispectrum unchanged", std::to_string(error));
    }
    const double error = relative_difference(compute({transformed(molecule, kInversion)}, o), original);
    check::ok(error < 1e-10, "inversion leaves it unchanged (sigma = +1)", std::to_string(error));
    const System crystal = random_crystal(rng, {8, 1, 1});
    check::ok(supercell_difference(crystal, o) < 1e-10, "cell and 2x2x2 supercell agree");
}

void test_degenerate() {
    DescriptorOptions o = options(DescriptorKind::Bispectrum, 2, 4);
    o.hypers.cutoff = 3.0;
    o.hypers.density_width = 0.3;
    struct Case { const char* file; bool equal; };
    for (const Case& c : {Case{"powerspectrum-degenerate.xyz", false}, Case{"bispectrum-degenerate.xyz", true}}) {
        std::vector<System> frames;
        try {
            frames = hamd::read_extended_xyz(data_file(std::string("degenerate/") + c.file));
        } catch (const std::exception& error) {
            check::ok(false, std::string("read ") + c.file, error.what());
            continue;
        }
        const TensorMap map = compute(frames, o);
        const Block& carbon = map.blocks.at(find_block(map, {0, 1, 6}));
        const size_t width = row_width(carbon);
        const double scale = max_abs(carbon.values);
        check::ok(carbon.samples.count() == frames.size() && width > 0 && scale > 0, std::string(c.file) + ": one C sample per frame");
        double smallest = INFINITY, largest = 0;
        for (size_t f = 0; f < frames.size(); ++f)
            for (size_t g = f + 1; g < frames.size(); ++g) {
                double diff = 0;
                for (size_t x = 0; x < width; ++x) diff = std::max(diff, std::fabs(carbon.values[f * width + x] - carbon.values[g * width + x]));
                smallest = std::min(smallest, diff / scale);
                largest = std::max(largest, diff / scale);
            }
        if (c.equal) {
            check::ok(largest <= 1e-10, std::string(c.file) + ": C-centred bispectra equal", std::to_string(largest));
        } else {
            check::ok(smallest > 1e-4, std::string(c.file) + ": every pair of frames has different bispectra",
                      std::to_string(smallest));
        }
    }
}

void test_gradients() {
    std::mt19937 rng(41);
    const DescriptorOptions o = options(DescriptorKind::Bispectrum, 1, 2);
    const System molecule = random_molecule(rng, {6, 1, 1, 8});
    double error = position_gradient_error(molecule, o);
    check::ok(error < 1e-5, "molecule: position gradients match finite differences", std::to_string(error));
    const System crystal = random_crystal(rng, {8, 1});
    error = position_gradient_error(crystal, o);
    check::ok(error < 1e-5, "periodic crystal: position gradients match finite differences", std::to_string(error));
}

}  // namespace

int main() {
    test_definition();
    test_invariance();
    test_degenerate();
    test_gradients();
    return check::finish();
}
