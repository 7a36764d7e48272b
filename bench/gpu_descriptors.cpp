// GPU against CPU on one machine, in one run (issue 12): microseconds per atom of the power
// spectrum (values; gradients run on the CPU in this build) for periodic water of 192, 1536,
// 12288 and 98304 atoms (water64.xyz repeated 1, 2, 4 and 8 times along each axis), with
// device "cpu" on every core of the machine and device "cuda"; best of repeated runs, the
// neighbour lists built beforehand (both paths use the same CPU lists). Prints the ratio.
//
//   bench_gpu_descriptors [DATA_DIR]     (DATA_DIR holds water64.xyz; default data/bench)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "core/base/cuda_status.hpp"
#include "core/base/errors.hpp"
#include "core/descriptors/engine.hpp"
#include "core/io/xyz.hpp"
#include "core/systems/neighbors.hpp"

using namespace hamd;

namespace {

double now_seconds() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// The cell repeated k times along each lattice vector.
System repeated(const System& unit, int k) {
    System out = unit;
    out.positions.clear();
    out.types.clear();
    for (int a = 0; a < k; ++a)
        for (int b = 0; b < k; ++b)
            for (int c = 0; c < k; ++c)
                for (size_t i = 0; i < unit.size(); ++i) {
                    out.types.push_back(unit.types[i]);
                    for (int d = 0; d < 3; ++d)
                        out.positions.push_back(unit.positions[3 * i + d] + a * unit.cell[d] + b * unit.cell[3 + d] +
                                                c * unit.cell[6 + d]);
                }
    for (double& x : out.cell) x *= k;
    return out;
}

double best_seconds(const std::vector<System>& systems, const std::vector<NeighborList>& lists,
                    const DescriptorOptions& options, ThreadPool& pool) {
    double best = 1e30;
    const double start = now_seconds();
    for (int run = 0; run < 3 || (now_seconds() - start < 5.0 && run < 50); ++run) {
        const double t0 = now_seconds();
        TensorMap result = compute_descriptors_with_neighbors(systems, lists, options, pool);
        best = std::min(best, now_seconds() - t0);
    }
    return best;
}

}  // namespace

int main(int argc, char** argv) {
    const std::string directory = argc > 1 ? argv[1] : "data/bench";
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    ThreadPool pool(cores - 1);  // the caller is the last thread
    std::printf("# %s; CPU: %u threads\n", describe_cuda_status(cuda_status()).c_str(), cores);
    std::printf("# power spectrum, cutoff 5 A, max_radial 7, max_angular 6, density_width 0.3 A, values only\n");
    std::printf("%8s %14s %14s %8s\n", "atoms", "cpu us/atom", "cuda us/atom", "cpu/cuda");
    const System unit = read_extended_xyz(directory + "/water64.xyz").front();
    DescriptorOptions options;
    options.kind = DescriptorKind::PowerSpectrum;
    options.max_output_bytes = size_t(64) << 30;
    for (int k : {1, 2, 4, 8}) {
        const std::vector<System> systems = {repeated(unit, k)};
        const std::vector<NeighborList> lists = {build_neighbor_list(systems[0], options.hypers.cutoff)};
        const double atoms = static_cast<double>(systems[0].size());
        options.device = ComputeDevice::Cpu;
        const double cpu = best_seconds(systems, lists, options, pool);
        double gpu = 0;
        if (cuda_status().usable()) {
            options.device = ComputeDevice::Cuda;
            gpu = best_seconds(systems, lists, options, pool);
        }
        std::printf("%8.0f %14.2f %14s %8s\n", atoms, 1e6 * cpu / atoms,
                    gpu > 0 ? std::to_string(1e6 * gpu / atoms).c_str() : "-",
                    gpu > 0 ? std::to_string(cpu / gpu).c_str() : "-");
        std::fflush(stdout);
    }
    return 0;
}
