// The multi-scale kind: the CG product of the local expansion with the LODE expansion.
// Checks: equal to an explicit contraction of the two expansions computed separately (cg_couple_add
// per (m1, m2), no shared code with the kind's coupling loop); rotation equivariance and inversion
// (sigma (-1)^lambda, both factors are proper tensors); permutation and translation; finite
// differences of positions (molecule) and of the cell (crystal); an atom beyond the cutoff changes
// the multi-scale features but not the power spectrum; kind options.
//
// Tolerances: equality with the explicit contraction is the same sums in another order
// (1e-12 relative). Finite differences: central, h = 1e-5 A; the truncation error h^2/6 f''' is
// ~1e-10 of the scale and rounding eps |f| / h ~ 1e-11; both expansions are splined to ~1e-9
// relative, whose derivative error (the splines' own derivatives are used analytically, the
// differences see the interpolated values) is ~1e-7 of the gradient scale: 1e-6 leaves a factor 10.
#include <random>

#include "check.hpp"
#include "core/base/errors.hpp"
#include "core/math/clebsch_gordan.hpp"
#include "descriptor_fixtures.hpp"

using namespace hamd;
using namespace fixtures;

namespace {

DescriptorOptions multi_scale(int max_lambda = 2) {
    DescriptorOptions o = options(DescriptorKind::MultiScale, 2, 3);
    o.hypers.cutoff = 3.0;
    o.hypers.cutoff_width = 0.5;
    o.max_lambda = max_lambda;
    return o;
}

// The (l, centre type, neighbour type) block of a spherical-expansion-like map, row `s`.
const double* expansion_row(const TensorMap& map, int l, int type, int neighbour, size_t s) {
    const int k = find_block(map, {l, 1, type, neighbour});
    if (k < 0) return nullptr;
    return map.blocks[k].values.data() + s * (2 * l + 1) * map.blocks[k].properties.count();
}

}  // namespace

int main() {
    std::mt19937 rng(11);
    const System molecule = random_molecule(rng, {8, 1, 1, 6, 1, 1, 8}, 3.0);
    const DescriptorOptions o = multi_scale();

    // 1. Explicit contraction of separately computed expansions.
    {
        const TensorMap ms = compute({molecule}, o);
        DescriptorOptions local = options(DescriptorKind::SphericalExpansion, 2, 3);
        local.hypers = o.hypers;
        DescriptorOptions lode = local;
        lode.kind = DescriptorKind::LodeSphericalExpansion;
        const TensorMap c = compute({molecule}, local), v = compute({molecule}, lode);
        const std::vector<int32_t> species = {1, 6, 8};
        double diff = 0, scale = 0;
        for (size_t k = 0; k < ms.blocks.size(); ++k) {
            const int lambda = ms.keys.values[3 * k], type = ms.keys.values[3 * k + 2];
            const Block& block = ms.blocks[k];
            const size_t width = block.properties.count();
            for (size_t s = 0; s < block.samples.count(); ++s)
                for (size_t p = 0; p < width; ++p) {
                    const int32_t* label = &block.properties.values[p * 6];
                    const int a1 = label[0], a2 = label[1], l1 = label[2], l2 = label[3], n1 = label[4], n2 = label[5];
                    const double* x = expansion_row(c, l1, type, a1, s);
                    const double* y = expansion_row(v, l2, type, a2, s);
                    std::vector<double> xm(2 * l1 + 1), ym(2 * l2 + 1), out(2 * lambda + 1, 0.0);
                    for (int m = 0; m < 2 * l1 + 1; ++m) xm[m] = x[m * 3 + n1];
                    for (int m = 0; m < 2 * l2 + 1; ++m) ym[m] = y[m * 3 + n2];
                    cg_couple_add(*real_clebsch_gordan(l1, l2, lambda), xm.data(), ym.data(), 1.0, out.data());
                    for (int mu = 0; mu < 2 * lambda + 1; ++mu) {
                        diff = std::max(diff, std::fabs(block.values[(s * (2 * lambda + 1) + mu) * width + p] - out[mu]));
                        scale = std::max(scale, std::fabs(out[mu]));
                    }
                }
        }
        check::ok(scale > 0 && diff <= 1e-12 * scale, "values equal the explicit CG contraction of spherical expansion x LODE",
                  "relative difference " + std::to_string(diff / scale));
        check::ok(find_block(ms, {0, 1, 8}) >= 0 && find_block(ms, {1, -1, 8}) >= 0 && find_block(ms, {2, 1, 1}) >= 0,
                  "keys (o3_lambda, o3_sigma, center_type) with both parities");
    }

    // 2. Symmetries.
    {
        const TensorMap original = compute({molecule}, o);
        const double R[9] = {0.36, 0.48, -0.8, -0.8, 0.6, 0.0, 0.48, 0.64, 0.6};
        const double shift[3] = {0.3, -1.2, 2.0};
        const TensorMap rotated = compute({transformed(molecule, R, shift)}, o);
        const double rotation = equivariance_error(original, rotated, R, [](size_t) { return 1.0; });
        check::ok(rotation < 1e-10, "rotation and translation: D^lambda(R) X", "error " + std::to_string(rotation));
        const TensorMap inverted = compute({transformed(molecule, kInversion)}, o);
        const double identity[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
        const double inversion = equivariance_error(original, inverted, identity, [&](size_t k) {
            const int lambda = original.keys.values[3 * k], sigma = original.keys.values[3 * k + 1];
            return sigma * (lambda % 2 ? -1.0 : 1.0);
        });
        check::ok(inversion < 1e-10, "inversion multiplies each block by sigma (-1)^lambda", "error " + std::to_string(inversion));
    }

    // 3. Finite differences.
    {
        const double positions = position_gradient_error(molecule, o, 1e-5);
        check::ok(positions < 1e-6, "position gradients = central differences", "error " + std::to_string(positions));
        const System crystal = random_crystal(rng, {8, 1, 1}, {4.2, 0.0, 0.0, 0.3, 4.0, 0.0, -0.2, 0.4, 4.4});
        DescriptorOptions small = multi_scale(1);
        small.hypers.max_angular = 2;
        const double crystal_positions = position_gradient_error(crystal, small, 1e-5);
        check::ok(crystal_positions < 1e-6, "periodic: position gradients = central differences",
                  "error " + std::to_string(crystal_positions));
        const double cell = cell_gradient_error(crystal, small, 1e-5);
        check::ok(cell < 1e-6, "periodic: cell gradients = central differences", "error " + std::to_string(cell));
    }

    // 4. Beyond the cutoff: a far atom changes the multi-scale features, not the power spectrum.
    {
        System near = molecule;
        near.types.push_back(8);
        near.positions.insert(near.positions.end(), {9.0, 0.0, 0.0});
        System far = near;
        far.positions[far.positions.size() - 3] = 12.0;
        DescriptorOptions power = options(DescriptorKind::PowerSpectrum, 2, 3);
        power.hypers = o.hypers;
        power.species = {1, 6, 8};
        DescriptorOptions ms = o;
        ms.species = {1, 6, 8};
        auto centre_rows = [](const TensorMap& map) {  // rows of the molecule's atoms (not the far one)
            std::vector<double> rows;
            for (const Block& block : map.blocks) {
                const size_t width = row_width(block);
                for (size_t s = 0; s < block.samples.count(); ++s)
                    if (block.samples.values[2 * s + 1] < 7)
                        rows.insert(rows.end(), block.values.begin() + s * width, block.values.begin() + (s + 1) * width);
            }
            return rows;
        };
        const auto p1 = centre_rows(compute({near}, power)), p2 = centre_rows(compute({far}, power));
        const auto m1 = centre_rows(compute({near}, ms)), m2 = centre_rows(compute({far}, ms));
        double dp = 0, dm = 0, sm = 0;
        for (size_t i = 0; i < p1.size(); ++i) dp = std::max(dp, std::fabs(p1[i] - p2[i]));
        for (size_t i = 0; i < m1.size(); ++i) {
            dm = std::max(dm, std::fabs(m1[i] - m2[i]));
            sm = std::max(sm, std::fabs(m1[i]));
        }
        check::ok(dp == 0.0, "an atom moved from 9 to 12 A leaves the power spectrum of the others unchanged");
        check::ok(dm > 1e-4 * sm, "... and changes their multi-scale features", "relative change " + std::to_string(dm / sm));
    }

    // 5. Options.
    {
        DescriptorOptions bad = o;
        bad.nonlinearity = "tanh";
        bool refused = false;
        try {
            compute({molecule}, bad);
        } catch (const InvalidArgument&) {
            refused = true;
        }
        check::ok(refused, "nonlinearity is not an option of multi-scale");
        DescriptorOptions p = o;
        p.potential_exponent = 1.0;
        check::ok(relative_difference(compute({molecule}, p), compute({molecule}, o)) == 0.0,
                  "potential_exponent 1 is the default");
        // p = 2 (finite structures): other values, the same layout, rotation-equivariant
        p.potential_exponent = 2.0;
        const TensorMap two = compute({molecule}, p);
        const TensorMap one = compute({molecule}, o);
        check::ok(two.keys.values == one.keys.values && relative_difference(two, one) > 1e-3,
                  "potential_exponent 2: the same blocks, other values");
        double R2[9];
        std::mt19937 spin(5);
        wigner::random_rotation(spin, R2);
        const double no_shift[3] = {0.0, 0.0, 0.0};
        const double rotation_error =
            equivariance_error(two, compute({transformed(molecule, R2, no_shift)}, p), R2, [](size_t) { return 1.0; });
        check::ok(rotation_error < 1e-10, "potential_exponent 2: equivariant under rotation", std::to_string(rotation_error));
        DescriptorOptions invariants = o;
        invariants.max_lambda = -1;
        const TensorMap only = compute({molecule}, invariants);
        bool all_zero = !only.blocks.empty();
        for (size_t k = 0; k < only.blocks.size(); ++k) all_zero = all_zero && only.keys.values[3 * k] == 0;
        check::ok(all_zero, "max_lambda unset: invariants only (lambda = 0)");
    }
    return check::finish();
}
