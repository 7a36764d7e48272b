// Native benchmark of the descriptor engine (no daemon): microseconds per atom for the
// power spectrum at the hypers of issue 2 (cutoff 5, cutoff_width 0.5, max_radial 7,
// max_angular 6, density_width 0.3), with and without neighbour-list construction and
// position gradients, on 1 and 2 threads.
//
//   descriptors_native [DATA_DIR] [--kind KIND] [--seconds S]
// DATA_DIR holds water64.xyz and organics100.xyz (default ../shared/data/bench).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "core/descriptors.hpp"
#include "core/neighbors.hpp"
#include "core/xyz.hpp"

using namespace hamd;

namespace {

double now_seconds() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Median time of repeated runs, at least 3 runs and about `budget` seconds.
template <class F>
double median_time(F&& run, double budget) {
    std::vector<double> times;
    const double start = now_seconds();
    while (times.size() < 3 || (now_seconds() - start < budget && times.size() < 200)) {
        const double t0 = now_seconds();
        run();
        times.push_back(now_seconds() - t0);
    }
    std::sort(times.begin(), times.end());
    return times[times.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    std::string directory = "../shared/data/bench";
    std::string kind = "power-spectrum";
    double budget = 2.0;
    for (int k = 1; k < argc; ++k) {
        if (!std::strcmp(argv[k], "--kind") && k + 1 < argc) {
            kind = argv[++k];
        } else if (!std::strcmp(argv[k], "--seconds") && k + 1 < argc) {
            budget = std::atof(argv[++k]);
        } else {
            directory = argv[k];
        }
    }
    DescriptorOptions options;
    options.kind = parse_descriptor_kind(kind);
    options.hypers.cutoff = 5.0;
    options.hypers.cutoff_width = 0.5;
    options.hypers.max_radial = 7;
    options.hypers.max_angular = 6;
    options.hypers.density_width = 0.3;
    ThreadPool pool(1);  // one worker + the calling thread: up to 2 threads

    std::printf("# %s, cutoff 5 A, max_radial 7, max_angular 6, density_width 0.3 A; median of repeated runs\n",
                kind.c_str());
    std::printf("%-12s %7s %9s %18s %18s\n", "structures", "threads", "gradients", "us/atom (with NL)",
                "us/atom (no NL)");
    for (const char* name : {"water64.xyz", "organics100.xyz"}) {
        const std::vector<System> systems = read_extended_xyz(directory + "/" + name);
        size_t n_atoms = 0;
        for (const auto& s : systems) n_atoms += s.size();
        std::vector<NeighborList> lists;
        for (const auto& s : systems) lists.push_back(build_neighbor_list(s, options.hypers.cutoff));
        for (bool gradients : {false, true}) {
            for (size_t threads : {1, 2}) {
                options.gradient_positions = gradients;
                options.max_threads = threads;
                const double with_lists = median_time([&] { compute_descriptors(systems, options, pool); }, budget);
                const double without =
                    median_time([&] { compute_descriptors_with_neighbors(systems, lists, options, pool); }, budget);
                std::printf("%-12s %7zu %9s %18.2f %18.2f\n", name, threads, gradients ? "positions" : "none",
                            1e6 * with_lists / n_atoms, 1e6 * without / n_atoms);
                std::fflush(stdout);
            }
        }
    }
    return 0;
}
