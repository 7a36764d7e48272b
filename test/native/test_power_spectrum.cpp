// Power spectrum (nu = 2): definition from the spherical expansion, invariance, periodic
// images, permutation, gradients, and the degenerate environments of
// docs/science.md#degenerate-environments.
#include <cstdlib>
#include <fstream>

#include "core/io/xyz.hpp"
#include "descriptor_fixtures.hpp"

using namespace fixtures;

namespace {


void test_definition() {
    std::mt19937 rng(3);
    DescriptorOptions o = options(DescriptorKind::SphericalExpansion);
    const System molecule = random_molecule(rng, {6, 1, 1, 8, 1, 6});
    const TensorMap se = compute({molecule}, o);
    o.kind = DescriptorKind::PowerSpectrum;
    const TensorMap ps = compute({molecule}, o);
    check::ok(ps.keys.names == std::vector<std::string>({"o3_lambda", "o3_sigma", "center_type"}), "power-spectrum key names");
    check::ok(ps.blocks.size() == 3, "one block per centre type");
    const std::vector<int32_t> species = {1, 6, 8};
    const int N = o.hypers.n_radial(), L = o.hypers.max_angular;
    double diff = 0, scale = 0;
    bool labels_ok = true;
    for (size_t k = 0; k < ps.blocks.size(); ++k) {
        const Block& block = ps.blocks[k];
        const int32_t centre_type = ps.keys.values[3 * k + 2];
        labels_ok = labels_ok && ps.keys.values[3 * k] == 0 && ps.keys.values[3 * k + 1] == 1;
        labels_ok = labels_ok && block.properties.names ==
                                     std::vector<std::string>({"neighbor_1_type", "neighbor_2_type", "l", "n_1", "n_2"});
        const size_t width = block.properties.count();
        for (size_t r = 0; r < block.samples.count(); ++r) {
            const int atom = block.samples.values[2 * r + 1];
            labels_ok = labels_ok && molecule.types[atom] == centre_type;
            for (size_t p = 0; p < width; ++p) {
                const int32_t* label = &block.properties.values[5 * p];
                const int a1 = label[0], a2 = label[1], l = label[2], n1 = label[3], n2 = label[4];
                labels_ok = labels_ok && a1 <= a2;
                const Block& b1 = se.blocks.at(find_block(se, {l, 1, centre_type, a1}));
                const Block& b2 = se.blocks.at(find_block(se, {l, 1, centre_type, a2}));
                const int r1 = find_sample(b1, 0, atom), r2 = find_sample(b2, 0, atom);
                double expected = 0;
                for (int m = 0; m < 2 * l + 1; ++m)
                    expected += b1.values[(r1 * (2 * l + 1) + m) * N + n1] * b2.values[(r2 * (2 * l + 1) + m) * N + n2];
                expected *= (l % 2 ? -1.0 : 1.0) / std::sqrt(2.0 * l + 1) * (a1 < a2 ? std::sqrt(2.0) : 1.0);
                diff = std::max(diff, std::fabs(block.values[r * width + p] - expected));
                scale = std::max(scale, std::fabs(expected));
            }
        }
        labels_ok = labels_ok && width == static_cast<size_t>(6 * (L + 1) * N * N);
        labels_ok = labels_ok && block.samples.count() == static_cast<size_t>(std::count(molecule.types.begin(), molecule.types.end(), centre_type));
    }
    check::ok(diff <= 1e-12 * scale, "p = (-1)^l/sqrt(2l+1) sum_m c c, a1 <= a2, sqrt(2) for a1 < a2",
              std::to_string(diff / scale));
    check::ok(labels_ok, "keys, samples and properties follow the documented layout");
}

void test_invariance() {
    std::mt19937 rng(13);
    const DescriptorOptions o = options(DescriptorKind::PowerSpectrum);
    const System molecule = random_molecule(rng, {6, 1, 1, 8, 1, 6, 7});
    const TensorMap original = compute({molecule}, o);
    for (int trial = 0; trial < 3; ++trial) {
        double R[9];
        wigner::random_rotation(rng, R);
        const double error = relative_difference(compute({transformed(molecule, R)}, o), original);
        check::ok(error < 1e-10, "rotation leaves the power spectrum unchanged", std::to_string(error));
    }
    double error = relative_difference(compute({transformed(molecule, kInversion)}, o), original);
    check::ok(error < 1e-10, "inversion leaves it unchanged (sigma = +1)", std::to_string(error));
    const double identity[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1}, shift[3] = {10.5, -3.25, 7.0};
    error = relative_difference(compute({transformed(molecule, identity, shift)}, o), original);
    check::ok(error < 1e-10, "translation leaves it unchanged", std::to_string(error));

    // Permutation: atom k of the permuted structure is atom order[k] of the original.
    std::vector<int> order(molecule.size());
    std::iota(order.begin(), order.end(), 0);
    std::shuffle(order.begin(), order.end(), rng);
    System permuted = molecule;
    for (size_t k = 0; k < order.size(); ++k) {
        permuted.types[k] = molecule.types[order[k]];
        for (int d = 0; d < 3; ++d) permuted.positions[3 * k + d] = molecule.positions[3 * order[k] + d];
    }
    const TensorMap p = compute({permuted}, o);
    double diff = 0;
    bool sorted = true;
    for (size_t b = 0; b < p.blocks.size(); ++b) {
        const size_t width = row_width(p.blocks[b]);
        for (size_t r = 0; r < p.blocks[b].samples.count(); ++r) {
            if (r > 0) sorted = sorted && p.blocks[b].samples.values[2 * r + 1] > p.blocks[b].samples.values[2 * r - 1];
            const int atom = p.blocks[b].samples.values[2 * r + 1];
            const int q = find_sample(original.blocks[b], 0, order[atom]);
            for (size_t x = 0; x < width; ++x)
                diff = std::max(diff, std::fabs(p.blocks[b].values[r * width + x] - original.blocks[b].values[q * width + x]));
        }
    }
    check::ok(max_abs(original.blocks[0].values) > 0 && diff < 1e-10 * max_abs(original.blocks[0].values),
              "permuting atoms permutes the samples");
    check::ok(sorted, "samples are in ascending atom order");

    const System crystal = random_crystal(rng, {8, 1, 1});
    double R[9];
    wigner::random_rotation(rng, R);
    error = relative_difference(compute({transformed(crystal, R)}, o), compute({crystal}, o));
    check::ok(error < 1e-10, "rotated periodic crystal: invariant", std::to_string(error));
    error = supercell_difference(crystal, o);
    check::ok(error < 1e-10, "triclinic cell shorter than the cutoff and its 2x2x2 supercell agree", std::to_string(error));
    System wrapped = crystal;  // moving an atom by a lattice vector changes nothing
    for (int d = 0; d < 3; ++d) wrapped.positions[3 + d] += crystal.cell[3 + d] - crystal.cell[6 + d];
    error = relative_difference(compute({wrapped}, o), compute({crystal}, o));
    check::ok(error < 1e-10, "moving an atom by a lattice vector changes nothing", std::to_string(error));
}

void test_gradients() {
    std::mt19937 rng(17);
    const DescriptorOptions o = options(DescriptorKind::PowerSpectrum, 2, 3);
    const System molecule = random_molecule(rng, {6, 1, 1, 8, 1});
    double error = position_gradient_error(molecule, o);
    check::ok(error < 1e-5, "molecule: position gradients match finite differences", std::to_string(error));
    const System crystal = random_crystal(rng, {8, 1, 1});
    error = position_gradient_error(crystal, o);
    check::ok(error < 1e-5, "triclinic crystal with self images: position gradients match finite differences",
              std::to_string(error));
    error = cell_gradient_error(crystal, o);
    check::ok(error < 1e-5, "triclinic crystal: cell gradients match finite differences", std::to_string(error));

    // Translation invariance of the gradients: for each sample, the gradient rows sum to zero.
    DescriptorOptions og = o;
    og.gradient_positions = true;
    const TensorMap map = compute({molecule}, og);
    double worst = 0, scale = 0;
    for (const Block& block : map.blocks) {
        const auto& g = block.gradients.at(0);
        const size_t width = 3 * row_width(block);
        std::vector<double> sums(block.samples.count() * width, 0.0);
        for (size_t s = 0; s < g.samples.count(); ++s)
            for (size_t x = 0; x < width; ++x) sums[g.samples.values[3 * s] * width + x] += g.values[s * width + x];
        worst = std::max(worst, max_abs(sums));
        scale = std::max(scale, max_abs(g.values));
    }
    check::ok(scale > 0 && worst < 1e-12 * scale, "gradients of each sample sum to zero over atoms", std::to_string(worst / scale));
    // Every code path of the kernels: vector (n_radial 4, 8, 12) and generic (5, 7) widths.
    for (int max_radial : {4, 6, 7, 11}) {
        const DescriptorOptions wide = options(DescriptorKind::PowerSpectrum, max_radial, 2);
        const double e = position_gradient_error(crystal, wide);
        check::ok(e < 1e-5, "n_radial = " + std::to_string(max_radial + 1) + ": position gradients match finite differences",
                  std::to_string(e));
    }
}

void test_degenerate() {
    DescriptorOptions o = options(DescriptorKind::PowerSpectrum, 4, 6);
    o.hypers.cutoff = 3.0;
    o.hypers.density_width = 0.3;
    for (const std::string name : {"powerspectrum-degenerate.xyz", "bispectrum-degenerate.xyz"}) {
        const std::string path = data_file("degenerate/" + name);
        std::vector<System> frames;
        try {
            frames = hamd::read_extended_xyz(path);
        } catch (const std::exception& error) {
            check::ok(false, "read " + path, error.what());
            continue;
        }
        const TensorMap map = compute(frames, o);
        const Block& carbon = map.blocks.at(find_block(map, {0, 1, 6}));
        const size_t width = row_width(carbon);
        double diff = 0, scale = max_abs(carbon.values);
        for (size_t f = 1; f < frames.size(); ++f)
            for (size_t x = 0; x < width; ++x)
                diff = std::max(diff, std::fabs(carbon.values[f * width + x] - carbon.values[x]));
        check::ok(frames.size() >= 2 && carbon.samples.count() == frames.size() && width > 0 && scale > 0 && diff <= 1e-10 * scale,
                  name + ": C-centred power spectra equal across frames", std::to_string(diff / scale));
    }
}

}  // namespace

int main() {
    test_definition();
    test_invariance();
    test_gradients();
    test_degenerate();
    return check::finish();
}
