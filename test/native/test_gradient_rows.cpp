// Regression: every gradient row the engine allocates is written. Result memory is not
// zero-filled (and large blocks are recycled), so a row the kernels skip would show up
// as garbage that differs between two identical calls. Species channels without atoms
// leave some gradient blocks empty, which once switched off the spherical expansion's
// position gradients for the whole centre.
#include <cmath>
#include <cstring>

#include "core/descriptors/engine.hpp"
#include "core/base/result_memory.hpp"
#include "native/check.hpp"

using namespace hamd;

namespace {

// Fills the result cache with blocks of NaN so that recycled memory is visibly dirty.
void poison_result_cache() {
    for (size_t megabytes : {1, 2, 4, 8}) {
        Values junk(megabytes << 17);
        for (double& x : junk) x = std::nan("");
    }
}

bool identical_and_finite(const TensorMap& a, const TensorMap& b) {
    if (a.blocks.size() != b.blocks.size()) return false;
    for (size_t k = 0; k < a.blocks.size(); ++k) {
        const auto& ga = a.blocks[k].gradients;
        const auto& gb = b.blocks[k].gradients;
        if (ga.size() != gb.size()) return false;
        for (size_t g = 0; g < ga.size(); ++g) {
            if (ga[g].values.size() != gb[g].values.size()) return false;
            if (std::memcmp(ga[g].values.data(), gb[g].values.data(), ga[g].values.size() * sizeof(double)) != 0) return false;
            for (double x : ga[g].values) if (!std::isfinite(x)) return false;
        }
    }
    return true;
}

}  // namespace

int main() {
    result_memory::set_cache_limit(size_t(256) << 20);
    ThreadPool pool(2);
    System water;
    water.types = {8, 1, 1};
    water.positions = {0.0, 0.0, 0.0, 0.96, 0.0, 0.0, -0.24, 0.93, 0.0};
    water.cell = {3.0, 0.0, 0.0, 0.0, 3.2, 0.0, 0.3, 0.0, 3.1};
    water.pbc = {true, true, true};
    System molecule = water;
    molecule.pbc = {false, false, false};
    // Only oxygen: with channels (H, C, O) the first channels' blocks have no gradient rows.
    System oxygen = water;
    oxygen.types = {8, 8};
    oxygen.positions = {0.0, 0.0, 0.0, 1.21, 0.1, 0.0};

    for (auto kind : {DescriptorKind::SphericalExpansion, DescriptorKind::PowerSpectrum,
                      DescriptorKind::LambdaSoap, DescriptorKind::Bispectrum}) {
        for (const System* system : {&water, &molecule, &oxygen}) {
            DescriptorOptions options;
            options.kind = kind;
            options.gradient_positions = true;
            options.gradient_cell = system->periodic() &&
                                    (kind == DescriptorKind::SphericalExpansion || kind == DescriptorKind::PowerSpectrum);
            options.hypers.cutoff = 3.5;
            options.hypers.max_radial = 2;
            options.hypers.max_angular = 2;
            options.species = {1, 6, 8};  // carbon has no atoms: its gradient blocks are empty
            poison_result_cache();
            TensorMap first = compute_descriptors({*system}, options, pool);
            poison_result_cache();
            TensorMap second = compute_descriptors({*system}, options, pool);
            check::ok(identical_and_finite(first, second),
                      std::string("kind ") + std::to_string(static_cast<int>(kind)) +
                          (system == &oxygen ? " O2 cell" : system->periodic() ? " periodic" : " molecule") +
                          ": gradients are written in full (identical, finite across calls)");
        }
    }
    return check::finish();
}
