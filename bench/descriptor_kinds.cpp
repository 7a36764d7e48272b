// Native benchmark of the newer descriptor kinds (issue 11, item 8): multi-scale,
// message-passing, pair-features and triplet, microseconds per atom, against the power spectrum
// at the same hypers in the same run (no daemon; best of 3 runs, 1 above 5000 atoms).
//   finite:   random water-density clusters (bench/native/timing.hpp) of the --sizes
//   periodic: data/bench/water64.xyz (192 atoms) and its m x m x m supercells (--supercells)
// Hypers: cutoff 5 A, max_radial 3, max_angular 3, density_width 0.3 A, max_lambda 2 (the pair and
// message-passing outputs grow as max_radial^2 max_angular^3; triplet only below 100 atoms, it is
// meant for small completeness studies). Values only unless --gradients (positions).
//
//   bench_descriptor_kinds [--sizes 100,1000] [--supercells 1,2] [--threads T] [--gradients]
//                          [--kinds multi-scale,message-passing,pair-features,triplet] [DATA_DIR]
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "core/base/errors.hpp"
#include "core/descriptors/engine.hpp"
#include "core/io/xyz.hpp"
#include "native/timing.hpp"

using namespace hamd;

int main(int argc, char** argv) {
    std::string directory = "data/bench";
    std::vector<size_t> sizes = {100, 1000};
    std::vector<int> supercells = {1, 2};
    std::vector<std::string> kinds = {"multi-scale", "message-passing", "pair-features", "triplet"};
    size_t threads = 1;
    bool gradients = false;
    auto split = [](char* list) {
        std::vector<std::string> out;
        for (char* p = std::strtok(list, ","); p; p = std::strtok(nullptr, ",")) out.push_back(p);
        return out;
    };
    for (int k = 1; k < argc; ++k) {
        if (!std::strcmp(argv[k], "--sizes") && k + 1 < argc) {
            sizes.clear();
            for (long n : benchnative::comma_list(argv[++k])) sizes.push_back((size_t)n);
        } else if (!std::strcmp(argv[k], "--supercells") && k + 1 < argc) {
            supercells.clear();
            for (long m : benchnative::comma_list(argv[++k])) supercells.push_back((int)m);
        } else if (!std::strcmp(argv[k], "--kinds") && k + 1 < argc) {
            kinds = split(argv[++k]);
        } else if (!std::strcmp(argv[k], "--threads") && k + 1 < argc) {
            threads = std::stoul(argv[++k]);
        } else if (!std::strcmp(argv[k], "--gradients")) {
            gradients = true;
        } else {
            directory = argv[k];
        }
    }
    DescriptorOptions base;
    base.hypers.cutoff = 5.0;
    base.hypers.cutoff_width = 0.5;
    base.hypers.max_radial = 3;
    base.hypers.max_angular = 3;
    base.hypers.density_width = 0.3;
    base.gradient_positions = gradients;
    base.max_threads = threads;
    ThreadPool pool(threads > 1 ? threads - 1 : 1);

    std::mt19937 rng(42);
    std::vector<std::pair<std::string, System>> structures;
    for (size_t n : sizes) structures.push_back({"finite cluster " + std::to_string(n), benchnative::cluster(n, rng)});
    try {
        const std::vector<System> water = read_extended_xyz(directory + "/water64.xyz");
        for (int m : supercells)
            structures.push_back({m == 1 ? "periodic water64" : "periodic water64 x" + std::to_string(m * m * m),
                                  repeat_cell(water.at(0), m)});
    } catch (const std::exception& e) {
        std::printf("# no periodic water box: %s\n", e.what());
    }
    std::printf("# cutoff 5, max_radial 3, max_angular 3, density_width 0.3, max_lambda 2; %zu thread(s); gradients %s\n",
                threads, gradients ? "positions" : "none");
    std::printf("%-28s %8s %-18s %14s %14s %8s\n", "structure", "atoms", "kind", "us/atom", "PS us/atom", "ratio");
    for (const auto& [name, system] : structures) {
        const int runs = system.size() > 5000 ? 1 : 3;
        DescriptorOptions ps = base;
        ps.kind = DescriptorKind::PowerSpectrum;
        const double reference = benchnative::time_per_atom(system, ps, pool, runs);
        for (const std::string& kind : kinds) {
            DescriptorOptions o = base;
            o.kind = parse_descriptor_kind(kind);
            if (o.kind != DescriptorKind::Triplet) o.max_lambda = 2;
            if (o.kind == DescriptorKind::Triplet && system.size() >= 100) {
                std::printf("%-28s %8zu %-18s %14s\n", name.c_str(), system.size(), kind.c_str(), "skipped (>= 100 atoms)");
                continue;
            }
            try {
                const double t = benchnative::time_per_atom(system, o, pool, runs);
                std::printf("%-28s %8zu %-18s %14.1f %14.1f %8.1f\n", name.c_str(), system.size(), kind.c_str(), t,
                            reference, t / reference);
            } catch (const std::exception& e) {
                std::printf("%-28s %8zu %-18s   refused: %s\n", name.c_str(), system.size(), kind.c_str(), e.what());
            }
            std::fflush(stdout);
        }
    }
    return 0;
}
