// Native benchmark of lode-spherical-expansion (no daemon), microseconds per atom, with the
// power spectrum at the same hypers in the same run for comparison (docs/science.md#lode).
//   finite:   random water-density clusters (0.1 atoms/A^3, 1/3 O and 2/3 H) of N atoms
//   periodic: data/bench/water64.xyz (192 atoms, 12.4 A cube) and its 2x2x2 supercell
// Hypers: cutoff 5, max_radial 7, max_angular 6, density_width 0.3 (issue 2's); no k_cutoff
// (periodic structures get the converged sum: through point multipoles for values,
// lode_multipole_split.hpp, the range-separated sum with gradients, lode_range_split.hpp). For
// periodic structures the range split of the values (the method before the multipoles) and the
// plain reciprocal sum at k_cutoff = 1.2 pi / sigma (the method before the split; --no-reference
// skips it) are timed in the same run, and with --eta-scan the method in use at every candidate
// width. The tables are built once before timing (build times reported separately). Values only
// unless --gradients.
//
//   bench_lode_native [--sizes 100,1000,10000] [--threads T] [--gradients] [--eta-scan]
//                     [--no-reference] [--supercells 1,2,4] [DATA_DIR]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "core/base/errors.hpp"
#include "core/descriptors/engine.hpp"
#include "core/descriptors/lode/lode_integrals.hpp"
#include "core/descriptors/lode/lode_multipole_split.hpp"
#include "core/descriptors/lode/lode_range_split.hpp"
#include "core/descriptors/lode/lode_spherical_expansion.hpp"
#include "core/io/xyz.hpp"
#include "core/systems/neighbors.hpp"
#include "native/timing.hpp"

using namespace hamd;

using benchnative::cluster;
using benchnative::now_seconds;
using benchnative::time_per_atom;

int main(int argc, char** argv) {
    std::string directory = "data/bench";
    std::vector<size_t> sizes = {100, 1000, 10000};
    size_t threads = 1;
    bool gradients = false, eta_scan = false, reference = true;
    std::vector<int> supercells = {1, 2};
    for (int k = 1; k < argc; ++k) {
        if (!std::strcmp(argv[k], "--sizes") && k + 1 < argc) {
            sizes.clear();
            for (long n : benchnative::comma_list(argv[++k])) sizes.push_back((size_t)n);
        } else if (!std::strcmp(argv[k], "--threads") && k + 1 < argc) {
            threads = std::stoul(argv[++k]);
        } else if (!std::strcmp(argv[k], "--gradients")) {
            gradients = true;
        } else if (!std::strcmp(argv[k], "--eta-scan")) {
            eta_scan = true;
        } else if (!std::strcmp(argv[k], "--no-reference")) {
            reference = false;
        } else if (!std::strcmp(argv[k], "--supercells") && k + 1 < argc) {
            supercells.clear();
            for (long m : benchnative::comma_list(argv[++k])) supercells.push_back((int)m);
        } else {
            directory = argv[k];
        }
    }
    DescriptorOptions options;
    options.hypers.cutoff = 5.0;
    options.hypers.cutoff_width = 0.5;
    options.hypers.max_radial = 7;
    options.hypers.max_angular = 6;
    options.hypers.density_width = 0.3;
    options.gradient_positions = gradients;
    options.max_output_bytes = size_t(16) << 30;
    options.max_threads = threads;
    ThreadPool pool(threads > 1 ? threads - 1 : 1);

    const RadialBasisSpec spec{5.0, 7, 6, 0.3};
    double t0 = now_seconds();
    cached_lode_potential_integral(spec);
    const double j_build = now_seconds() - t0;
    t0 = now_seconds();
    cached_lode_plane_wave_integral(spec, 1.2 * 3.14159265358979 / 0.3);
    const double p_build = now_seconds() - t0;
    t0 = now_seconds();
    const auto& candidates = lode_split_candidates(spec);
    const double scan = now_seconds() - t0;
    std::vector<double> split_build, multipole_build;
    for (const auto& candidate : candidates) {
        t0 = now_seconds();
        cached_lode_range_split(spec, candidate);
        split_build.push_back(now_seconds() - t0);
    }
    t0 = now_seconds();
    const auto& multipoles = lode_multipole_candidates(spec);
    const double multipole_scan = now_seconds() - t0;
    for (const auto& candidate : multipoles) {
        t0 = now_seconds();
        cached_lode_multipole_split(spec, candidate);
        multipole_build.push_back(now_seconds() - t0);
    }
    std::printf("# cutoff 5, max_radial 7, max_angular 6, density_width 0.3; %zu thread(s); gradients %s\n", threads,
                gradients ? "positions" : "none");
    std::printf("# table builds (once per hypers, cached): J_nl(d) %.3f s, P_nl(k) up to k = 12.6/A %.3f s\n", j_build,
                p_build);
    std::printf("# split: cutoff scans %.3f s; per width eta: real-space cutoff, k cutoff, table build\n", scan);
    for (size_t e = 0; e < candidates.size(); ++e)
        std::printf("#   [%zu] eta %.2f A: %.2f A, %.2f 1/A, %.3f s\n", e, candidates[e].eta, candidates[e].short_cutoff,
                    candidates[e].long_k_cutoff, split_build[e]);
    std::printf("# multipoles (values alone): cutoff scans %.3f s; per width eta: real-space cutoff, k cutoff, tables\n",
                multipole_scan);
    for (size_t e = 0; e < multipoles.size(); ++e)
        std::printf("#   [%zu] eta %.2f A: %.2f A, %.2f 1/A, %.3f s\n", e, multipoles[e].eta, multipoles[e].short_cutoff,
                    multipoles[e].long_k_cutoff, multipole_build[e]);
    std::printf("%-28s %8s %16s %16s %8s %18s %18s\n", "structure", "atoms", "LODE us/atom", "PS us/atom", "ratio",
                "split us/atom", "plain k<12.6 us/atom");
    std::mt19937 rng(42);
    std::vector<std::pair<std::string, System>> structures;
    for (size_t n : sizes) structures.push_back({"finite cluster", cluster(n, rng)});
    try {
        const std::vector<System> water = read_extended_xyz(directory + "/water64.xyz");
        for (int m : supercells) {
            const std::string name = m == 1 ? "periodic water64" : "periodic water64 " + std::to_string(m) + "x" +
                                                                        std::to_string(m) + "x" + std::to_string(m);
            structures.push_back({name, repeat_cell(water.at(0), m)});
        }
    } catch (const std::exception& e) {
        std::printf("# no periodic water box: %s\n", e.what());
    }
    for (const auto& entry : structures) {
        const System& system = entry.second;
        const int runs = system.size() >= 5000 ? 1 : 3;
        options.kind = DescriptorKind::LodeSphericalExpansion;
        double lode;
        try {
            lode = time_per_atom(system, options, pool, runs);
        } catch (const ResourceExhausted& e) {
            std::printf("%-28s %8zu   skipped: %s\n", entry.first.c_str(), system.size(), e.what());
            continue;
        }
        options.kind = DescriptorKind::PowerSpectrum;
        const double ps = time_per_atom(system, options, pool, runs);
        std::printf("%-28s %8zu %16.1f %16.1f %8.1f", entry.first.c_str(), system.size(), lode, ps, lode / ps);
        std::fflush(stdout);
        options.kind = DescriptorKind::LodeSphericalExpansion;
        if (system.periodic() && !gradients) {  // values: the range split that multipoles replaced
            set_lode_method_for_tests({LodePeriodicMethod::split});
            std::printf(" %18.1f", time_per_atom(system, options, pool, runs));
            set_lode_method_for_tests({});
        } else {
            std::printf(" %18s", "");
        }
        if (system.periodic() && reference && system.size() < 5000) {
            options.kind = DescriptorKind::LodeSphericalExpansion;
            DescriptorOptions plain = options;
            plain.k_cutoff = 1.2 * 3.14159265358979 / 0.3;
            set_lode_method_for_tests({LodePeriodicMethod::reference});
            std::printf(" %18.1f", time_per_atom(system, plain, pool, 1));
            set_lode_method_for_tests({});
        }
        std::printf("\n");
        std::fflush(stdout);
        if (system.periodic() && eta_scan) {
            options.kind = DescriptorKind::LodeSphericalExpansion;
            // the method the request gets: multipoles for values, the split with gradients
            const LodePeriodicMethod method = gradients ? LodePeriodicMethod::split : LodePeriodicMethod::multipole;
            for (size_t e = 0; e < candidates.size(); ++e) {
                set_lode_method_for_tests({method, (int)e});
                std::printf("#   eta %.2f A: %.1f us/atom\n", candidates[e].eta, time_per_atom(system, options, pool, 1));
                std::fflush(stdout);
            }
            set_lode_method_for_tests({});
        }
    }
    return 0;
}
