// Native benchmark of the descriptor engine (no daemon): microseconds per atom for the
// power spectrum at the hypers of issue 2 (cutoff 5, cutoff_width 0.5, max_radial 7,
// max_angular 6, density_width 0.3), with and without neighbour-list construction and
// position gradients, on 1 and 2 threads. Three timings per line:
//   with NL:  compute_descriptors (neighbour lists built inside), fresh output;
//   no NL:    compute_descriptors_with_neighbors (lists prebuilt), fresh output;
//   reused:   compute_descriptors_into (lists prebuilt) writing over the previous result's
//             storage, as an MD loop would: no page faults nor zero fill of the output.
// Each as best / median of repeated runs, microseconds per atom.
//
//   descriptors_native [DATA_DIR] [--kind KIND] [--seconds S]
// DATA_DIR holds water64.xyz and organics100.xyz (default data/bench, copies of shared/data/bench).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "core/descriptors/engine.hpp"
#include "core/base/errors.hpp"
#include "core/systems/neighbors.hpp"
#include "core/io/xyz.hpp"

using namespace hamd;

namespace {

double now_seconds() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

struct Timing { double best, median; };

Timing summarise(std::vector<double> times) {
    std::sort(times.begin(), times.end());
    return {times.front(), times[times.size() / 2]};
}

// Best and median wall time of repeated runs: at least 3 runs and about `budget` seconds.
// (On a shared machine the best run is the one least disturbed by other processes.)
}  // namespace

int main(int argc, char** argv) {
    std::string directory = "data/bench";
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
    options.max_output_bytes = size_t(6) << 30;  // lambda-soap / bispectrum gradients grow fast
    ThreadPool pool(1);  // one worker + the calling thread: up to 2 threads

    std::printf("# %s, cutoff 5 A, max_radial 7, max_angular 6, density_width 0.3 A; median of repeated runs\n",
                kind.c_str());
    std::printf("%-16s %7s %9s %20s %20s %20s\n", "structures", "threads", "gradients", "with NL best/median",
                "no NL best/median", "reused best/median");
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
                try {
                    compute_descriptors_with_neighbors(systems, lists, options, pool);
                } catch (const ResourceExhausted&) {
                    std::printf("%-16s %7zu %9s   output over 6 GiB, skipped\n", name, threads, gradients ? "positions" : "none");
                    continue;
                }
                // The three variants run interleaved, so that each sees the same state of the
                // allocator and caches (a variant timed alone after another inherits its heap).
                TensorMap output;
                std::vector<double> with_times, without_times, reused_times;
                const double start = now_seconds();
                while (with_times.size() < 3 || (now_seconds() - start < 3 * budget && with_times.size() < 200)) {
                    double t0 = now_seconds();
                    { TensorMap fresh = compute_descriptors(systems, options, pool); }
                    with_times.push_back(now_seconds() - t0);
                    t0 = now_seconds();
                    { TensorMap fresh = compute_descriptors_with_neighbors(systems, lists, options, pool); }
                    without_times.push_back(now_seconds() - t0);
                    t0 = now_seconds();
                    compute_descriptors_into(systems, lists, options, pool, nullptr, output);
                    reused_times.push_back(now_seconds() - t0);
                }
                const Timing with_lists = summarise(with_times), without = summarise(without_times),
                             reused = summarise(reused_times);
                const double scale = 1e6 / n_atoms;
                std::printf("%-16s %7zu %9s %9.1f / %8.1f %9.1f / %8.1f %9.1f / %8.1f\n", name, threads,
                            gradients ? "positions" : "none", scale * with_lists.best, scale * with_lists.median,
                            scale * without.best, scale * without.median, scale * reused.best, scale * reused.median);
                std::fflush(stdout);
            }
        }
    }
    return 0;
}
