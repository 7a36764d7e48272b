// Triplet features (docs/science.md#triplet-features-and-completeness): the definition and
// its linear limit (f = none equals the bispectrum coupling B(rho, rho', rho')), invariance,
// permutation, translation, periodic images, finite-difference gradients through f, the
// completeness demonstration on data/degenerate/bispectrum-degenerate.xyz, and the option's
// validation.
#include <cstdio>
#include <cstring>
#include <cstdlib>
#include <fstream>
#include <numeric>

#include "core/base/errors.hpp"
#include "core/base/result_memory.hpp"
#include "core/io/xyz.hpp"
#include "core/math/clebsch_gordan.hpp"
#include "descriptor_fixtures.hpp"

using namespace fixtures;

namespace {

DescriptorOptions triplet_options(const char* f, int max_radial = 1, int max_angular = 2) {
    DescriptorOptions o = options(DescriptorKind::Triplet, max_radial, max_angular);
    o.nonlinearity = std::string(f);
    return o;
}

// B(x, y, z) for one ordering of the factors, x, y, z spherical-expansion maps of one request.
double coupling(const TensorMap* se[3], int32_t centre_type, int atom, const int a[3], const int l[3], const int n[3], int N) {
    const auto cg = hamd::real_clebsch_gordan(l[0], l[1], l[2]);
    const Block* b[3];
    int r[3];
    for (int k = 0; k < 3; ++k) {
        b[k] = &se[k]->blocks.at(find_block(*se[k], {l[k], 1, centre_type, a[k]}));
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

// f = none: T = B(rho, rho', rho') with rho' the expansion without the centre's own density
// (the same request with center_atom_weight = 0), and with center_atom_weight = 0 every entry
// is +- an entry of the bispectrum kind.
void test_linear_limit() {
    std::mt19937 rng(53);
    DescriptorOptions o = triplet_options("none", 2, 3);
    const System molecule = random_molecule(rng, {6, 1, 1, 8, 1});
    const TensorMap T = compute({molecule}, o);
    DescriptorOptions ose = o;
    ose.kind = DescriptorKind::SphericalExpansion;
    ose.nonlinearity.reset();
    const TensorMap rho = compute({molecule}, ose);
    ose.hypers.center_atom_weight = 0;
    const TensorMap neighbours = compute({molecule}, ose);
    const TensorMap* factors[3] = {&rho, &neighbours, &neighbours};
    const int N = o.hypers.n_radial();
    double diff = 0, scale = 0;
    bool labels_ok = T.keys.names == std::vector<std::string>({"o3_lambda", "o3_sigma", "center_type"}) && !T.blocks.empty();
    size_t compared = 0;
    for (size_t b = 0; b < T.blocks.size(); ++b) {
        const Block& block = T.blocks[b];
        const int32_t centre_type = T.keys.values[3 * b + 2];
        labels_ok = labels_ok && T.keys.values[3 * b] == 0 && T.keys.values[3 * b + 1] == 1 && block.components.empty() &&
                    block.properties.names.size() == 9 && block.properties.names[0] == "neighbor_1_type";
        const size_t P = block.properties.count();
        for (size_t p = 0; p < P; ++p) {
            const int32_t* q = &block.properties.values[9 * p];
            const int a[3] = {q[0], q[1], q[2]}, l[3] = {q[3], q[4], q[5]}, n[3] = {q[6], q[7], q[8]};
            labels_ok = labels_ok && (l[0] + l[1] + l[2]) % 2 == 0 && l[0] >= std::abs(l[1] - l[2]) && l[0] <= l[1] + l[2] &&
                        std::make_pair(a[1], l[1]) <= std::make_pair(a[2], l[2]);
            for (size_t r = 0; r < block.samples.count(); ++r) {
                const double expected = coupling(factors, centre_type, block.samples.values[2 * r + 1], a, l, n, N);
                diff = std::max(diff, std::fabs(block.values[r * P + p] - expected));
                scale = std::max(scale, std::fabs(expected));
                ++compared;
            }
        }
    }
    check::ok(labels_ok, "keys (0, 1, center_type); properties (a1, a2, a3, l1, l2, l3, n1, n2, n3), l's even, (a2, l2) <= (a3, l3)");
    check::ok(compared > 0 && scale > 0 && diff <= 1e-12 * scale,
              "f = none: T = B(rho, rho - centre, rho - centre), the CG coupling of the expansion",
              std::to_string(diff / scale) + " over " + std::to_string(compared) + " entries");

    // Without the centre's own density, T(f = none) is the bispectrum up to the order of the factors.
    o.hypers.center_atom_weight = 0;
    const TensorMap T0 = compute({molecule}, o);
    DescriptorOptions obs = o;
    obs.kind = DescriptorKind::Bispectrum;
    obs.nonlinearity.reset();
    const TensorMap B = compute({molecule}, obs);
    diff = 0;
    scale = 0;
    size_t matched = 0;
    for (size_t b = 0; b < T0.blocks.size(); ++b) {
        const Block& block = T0.blocks[b];
        const Block& bs = B.blocks.at(find_block(B, {0, 1, T0.keys.values[3 * b + 2]}));
        const size_t P = block.properties.count(), PB = bs.properties.count();
        for (size_t p = 0; p < P; ++p) {
            const int32_t* q = &block.properties.values[9 * p];
            // the bispectrum keeps (a, l) pairs in ascending order (stable, so n follows its factor)
            std::array<int, 3> order = {0, 1, 2};
            std::stable_sort(order.begin(), order.end(), [&](int x, int y) {
                return std::make_pair(q[x], q[3 + x]) < std::make_pair(q[y], q[3 + y]);
            });
            std::vector<int32_t> key;
            for (int s = 0; s < 3; ++s) key.push_back(q[order[s]]);
            for (int s = 0; s < 3; ++s) key.push_back(q[3 + order[s]]);
            for (int s = 0; s < 3; ++s) key.push_back(q[6 + order[s]]);
            size_t found = PB;
            for (size_t x = 0; x < PB && found == PB; ++x)
                if (std::equal(key.begin(), key.end(), bs.properties.values.begin() + 9 * x)) found = x;
            if (found == PB) { diff = INFINITY; continue; }
            ++matched;
            for (size_t r = 0; r < block.samples.count(); ++r) {
                diff = std::max(diff, std::fabs(std::fabs(block.values[r * P + p]) - std::fabs(bs.values[r * PB + found])));
                scale = std::max(scale, std::fabs(bs.values[r * PB + found]));
            }
        }
    }
    check::ok(matched > 0 && scale > 0 && diff <= 1e-12 * scale,
              "center_atom_weight 0, f = none: every entry is +- the bispectrum entry of its sorted factors",
              std::to_string(diff / scale) + ", " + std::to_string(matched) + " properties");
}

void test_invariance() {
    std::mt19937 rng(59);
    for (const char* f : {"tanh", "square"}) {
        const DescriptorOptions o = triplet_options(f, 1, 2);
        const System molecule = random_molecule(rng, {6, 1, 1, 8, 1, 6});
        const TensorMap original = compute({molecule}, o);
        double R[9];
        wigner::random_rotation(rng, R);
        const double shift[3] = {0.7, -1.3, 2.1};
        double error = relative_difference(compute({transformed(molecule, R, shift)}, o), original);
        check::ok(error < 1e-10, std::string(f) + ": rotation and translation leave the features unchanged", std::to_string(error));
        error = relative_difference(compute({transformed(molecule, kInversion)}, o), original);
        check::ok(error < 1e-10, std::string(f) + ": inversion leaves them unchanged (sigma = +1)", std::to_string(error));
        // permuting the atoms permutes the samples
        std::vector<size_t> order(molecule.size());
        std::iota(order.begin(), order.end(), 0);
        std::shuffle(order.begin(), order.end(), rng);
        System permuted = molecule;
        for (size_t i = 0; i < order.size(); ++i) {
            permuted.types[i] = molecule.types[order[i]];
            for (int d = 0; d < 3; ++d) permuted.positions[3 * i + d] = molecule.positions[3 * order[i] + d];
        }
        const TensorMap p = compute({permuted}, o);
        double diff = 0, scale = 0;
        bool same_blocks = p.keys.values == original.keys.values;
        for (size_t b = 0; same_blocks && b < p.blocks.size(); ++b) {
            const size_t width = row_width(original.blocks[b]);
            for (size_t i = 0; i < order.size(); ++i) {
                const int r = find_sample(p.blocks[b], 0, static_cast<int32_t>(i));
                const int s = find_sample(original.blocks[b], 0, static_cast<int32_t>(order[i]));
                if ((r < 0) != (s < 0)) same_blocks = false;
                if (r < 0 || s < 0) continue;
                for (size_t x = 0; x < width; ++x) {
                    diff = std::max(diff, std::fabs(p.blocks[b].values[r * width + x] - original.blocks[b].values[s * width + x]));
                    scale = std::max(scale, std::fabs(original.blocks[b].values[s * width + x]));
                }
            }
        }
        check::ok(same_blocks && scale > 0 && diff <= 1e-12 * scale, std::string(f) + ": permuting the atoms permutes the samples",
                  std::to_string(diff / scale));
        const System crystal = random_crystal(rng, {8, 1});
        error = supercell_difference(crystal, o);
        check::ok(error < 1e-10, std::string(f) + ": cell and 2x2x2 supercell agree (periodic images are neighbours)",
                  std::to_string(error));
    }
}

// Central differences with h = 1e-6 Angstrom: truncation ~ h^2 |f'''| ~ 1e-12 and rounding
// ~ 1e-16 |T| / h ~ 1e-10 relative to features of order one; 1e-6 leaves room for features
// whose gradients are much smaller than their values.
void test_gradients() {
    std::mt19937 rng(61);
    for (const char* f : {"none", "tanh", "square"}) {
        const DescriptorOptions o = triplet_options(f, 1, 2);
        const System molecule = random_molecule(rng, {6, 1, 1, 8});
        double error = position_gradient_error(molecule, o);
        std::printf("# %s, molecule: finite-difference error %.2e of the largest gradient entry\n", f, error);
        check::ok(error < 1e-6, std::string(f) + ", molecule: position gradients match finite differences", std::to_string(error));
    }
    DescriptorOptions o = triplet_options("tanh", 1, 2);
    o.hypers.cutoff = 3.0;
    const System crystal = random_crystal(rng, {8, 1});
    const double error = position_gradient_error(crystal, o);
    std::printf("# tanh, crystal: finite-difference error %.2e of the largest gradient entry\n", error);
    check::ok(error < 1e-6, "tanh, periodic crystal (images of the centre among the neighbours): gradients match finite differences",
              std::to_string(error));
}

// Largest |difference| between the C-centred rows of the two frames, relative to the largest |value|.
double frame_difference(const std::vector<System>& frames, const DescriptorOptions& o) {
    const TensorMap map = compute(frames, o);
    const int b = find_block(map, {0, 1, 6});
    if (b < 0) return INFINITY;
    const Block& carbon = map.blocks[b];
    const int r0 = find_sample(carbon, 0, 0), r1 = find_sample(carbon, 1, 0);
    if (r0 < 0 || r1 < 0) return INFINITY;
    const size_t width = row_width(carbon);
    double diff = 0, scale = 0;
    for (size_t x = 0; x < width; ++x) {
        diff = std::max(diff, std::fabs(carbon.values[r0 * width + x] - carbon.values[r1 * width + x]));
        scale = std::max(scale, std::fabs(carbon.values[r0 * width + x]));
    }
    return scale > 0 ? diff / scale : INFINITY;
}

// The completeness demonstration (docs/science.md#triplet-features-and-completeness).
void test_degenerate() {
    std::vector<System> frames;
    try {
        frames = hamd::read_extended_xyz(data_file("degenerate/bispectrum-degenerate.xyz"));
    } catch (const std::exception& error) {
        check::ok(false, "read bispectrum-degenerate.xyz", error.what());
        return;
    }
    DescriptorOptions o = options(DescriptorKind::PowerSpectrum, 2, 4);
    o.hypers.cutoff = 3.0;
    o.hypers.density_width = 0.3;
    double ps = frame_difference(frames, o);
    o.kind = DescriptorKind::Bispectrum;
    double bs = frame_difference(frames, o);
    // Equal means equal to rounding (measured ~2e-17 relative); the tanh features differ by
    // ~3e-10 of the row's largest entry (the entries that differ are O(1e-11) and change
    // sign between the frames), seven orders of magnitude above that.
    check::ok(ps <= 1e-13 && bs <= 1e-13, "degenerate frames: C-centred power spectra and bispectra equal",
              "power spectrum " + std::to_string(ps) + ", bispectrum " + std::to_string(bs));
    o.kind = DescriptorKind::Triplet;
    o.nonlinearity = "none";
    const double linear = frame_difference(frames, o);
    check::ok(linear <= 1e-13, "degenerate frames: triplet features with f = none equal", std::to_string(linear));
    o.nonlinearity = "tanh";
    const double tanh = frame_difference(frames, o);
    o.nonlinearity = "square";
    const double square = frame_difference(frames, o);
    char numbers[160];
    std::snprintf(numbers, sizeof numbers, "relative max differences: ps %.2e bs %.2e none %.2e tanh %.2e square %.2e",
                  ps, bs, linear, tanh, square);
    std::printf("# %s\n", numbers);
    check::ok(tanh > 1e-11, "degenerate frames: triplet features with f = tanh differ", numbers);
    // Each per-pair invariant of one frame is +- one of the other's, so an even f cannot tell
    // them apart (docs/science.md#triplet-features-and-completeness): f must be odd and non-linear.
    check::ok(square <= 1e-13, "degenerate frames: f = square (even) does not separate them", numbers);
}

// Result memory is recycled without zero fill: a value or gradient row the kernel skipped
// would differ between two identical calls after the cache is filled with NaN (as
// test_gradient_rows.cpp does for the other kinds). Carbon is a channel without atoms.
void test_rows_written() {
    hamd::result_memory::set_cache_limit(size_t(256) << 20);
    std::mt19937 rng(71);
    auto poison = [] {
        for (size_t megabytes : {1, 2, 4, 8}) {
            hamd::Values junk(megabytes << 17);
            for (double& x : junk) x = std::nan("");
        }
    };
    DescriptorOptions o = triplet_options("tanh", 1, 2);
    o.gradient_positions = true;
    o.species = {1, 6, 8};
    for (const System& system : {random_molecule(rng, {8, 1, 1, 8}), random_crystal(rng, {8, 1})}) {
        poison();
        const TensorMap first = compute({system}, o);
        poison();
        const TensorMap second = compute({system}, o);
        bool same = first.blocks.size() == second.blocks.size() && !first.blocks.empty();
        for (size_t b = 0; same && b < first.blocks.size(); ++b) {
            const Block& x = first.blocks[b];
            const Block& y = second.blocks[b];
            same = x.values.size() == y.values.size() && x.gradients.size() == 1 && y.gradients.size() == 1 &&
                   x.gradients[0].values.size() == y.gradients[0].values.size() &&
                   std::memcmp(x.values.data(), y.values.data(), x.values.size() * sizeof(double)) == 0 &&
                   std::memcmp(x.gradients[0].values.data(), y.gradients[0].values.data(),
                               x.gradients[0].values.size() * sizeof(double)) == 0;
            for (double v : x.values) same = same && std::isfinite(v);
            for (double v : x.gradients[0].values) same = same && std::isfinite(v);
        }
        check::ok(same, std::string(system.pbc[0] ? "crystal" : "molecule") +
                            ": values and gradient rows written in full (identical and finite across calls)");
    }
}

void test_options() {
    std::mt19937 rng(67);
    const System molecule = random_molecule(rng, {6, 1, 1});
    DescriptorOptions o = triplet_options("cosh");
    try {
        compute({molecule}, o);
        check::ok(false, "unknown nonlinearity is InvalidArgument");
    } catch (const hamd::InvalidArgument& error) {
        const std::string message = error.what();
        check::ok(message.find("cosh") != std::string::npos && message.find("\"none\", \"tanh\", \"square\"") != std::string::npos,
                  "unknown nonlinearity is InvalidArgument naming the known ones", message);
    }
    o.nonlinearity.reset();
    const TensorMap defaults = compute({molecule}, o);
    o.nonlinearity = "tanh";
    check::ok(relative_difference(defaults, compute({molecule}, o)) == 0.0, "unset nonlinearity is tanh");
    o.kind = DescriptorKind::Bispectrum;
    try {
        compute({molecule}, o);
        check::ok(false, "nonlinearity given to the bispectrum is InvalidArgument");
    } catch (const hamd::InvalidArgument& error) {
        check::ok(std::string(error.what()).find("\"triplet\"") != std::string::npos,
                  "nonlinearity given to the bispectrum is InvalidArgument naming triplet", error.what());
    }
}

}  // namespace

int main() {
    test_linear_limit();
    test_invariance();
    test_gradients();
    test_degenerate();
    test_rows_written();
    test_options();
    return check::finish();
}
