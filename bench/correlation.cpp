// Native benchmark of the "correlation" kind (no daemon): microseconds per atom of nu = 3 and
// nu = 4 invariants (max_lambda 0), without and with the PCA contraction of the intermediate
// levels, values only and with position gradients, plus the number of properties and the
// time to fit the contraction.
// Hypers: cutoff 5 A, cutoff_width 0.5, max_radial 3, max_angular 3, density_width 0.3 (the
// defaults, max_radial 7 and max_angular 6, make nu = 4 exceed the property limit without a
// contraction). Contraction: fitted on the first structure of the file, variance fraction
// 0.9999, at most 16 components per block.
//
//   bench_correlation [DATA_DIR] [--file water64.xyz] [--seconds S] [--threads T]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "core/base/errors.hpp"
#include "core/descriptors/correlation/contraction.hpp"
#include "core/descriptors/engine.hpp"
#include "core/io/xyz.hpp"
#include "core/systems/neighbors.hpp"

using namespace hamd;

namespace {

double now_seconds() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Best and median of at least 3 runs and about `budget` seconds, microseconds per atom.
std::pair<double, double> time_per_atom(const std::vector<System>& systems, const std::vector<NeighborList>& lists,
                                        const DescriptorOptions& options, ThreadPool& pool, double budget, size_t atoms,
                                        size_t& properties) {
    std::vector<double> times;
    const double start = now_seconds();
    while (times.size() < 3 || (now_seconds() - start < budget && times.size() < 100)) {
        const double t0 = now_seconds();
        const TensorMap result = compute_descriptors_with_neighbors(systems, lists, options, pool);
        times.push_back(now_seconds() - t0);
        properties = 0;
        for (const auto& block : result.blocks) properties = std::max(properties, block.properties.count());
    }
    std::sort(times.begin(), times.end());
    return {1e6 * times.front() / atoms, 1e6 * times[times.size() / 2] / atoms};
}

}  // namespace

int main(int argc, char** argv) {
    std::string directory = "data/bench", file = "water64.xyz";
    double budget = 2.0;
    size_t threads = 1;
    for (int k = 1; k < argc; ++k) {
        if (!std::strcmp(argv[k], "--file") && k + 1 < argc) file = argv[++k];
        else if (!std::strcmp(argv[k], "--seconds") && k + 1 < argc) budget = std::atof(argv[++k]);
        else if (!std::strcmp(argv[k], "--threads") && k + 1 < argc) threads = std::strtoul(argv[++k], nullptr, 10);
        else directory = argv[k];
    }
    const std::vector<System> systems = read_extended_xyz(directory + "/" + file);
    size_t atoms = 0;
    for (const auto& s : systems) atoms += s.size();
    DescriptorOptions options;
    options.kind = DescriptorKind::Correlation;
    options.hypers.cutoff = 5.0;
    options.hypers.cutoff_width = 0.5;
    options.hypers.max_radial = 3;
    options.hypers.max_angular = 3;
    options.hypers.density_width = 0.3;
    options.max_lambda = 0;
    options.max_threads = threads;
    options.max_output_bytes = size_t(8) << 30;
    ThreadPool pool(threads > 1 ? threads - 1 : 1);
    std::vector<NeighborList> lists;
    for (const auto& s : systems) lists.push_back(build_neighbor_list(s, options.hypers.cutoff));

    std::printf("# correlation, %s (%zu structures, %zu atoms), cutoff 5 A, max_radial 3, max_angular 3, max_lambda 0, "
                "%zu thread(s)\n", file.c_str(), systems.size(), atoms, threads);
    std::printf("%3s %-28s %9s %10s %22s\n", "nu", "contraction", "gradients", "properties", "us/atom best/median");
    for (int order : {3, 4}) {
        options.correlation_order = order;
        std::shared_ptr<const CorrelationContraction> contraction;
        double fit_seconds = 0;
        {
            DescriptorOptions fit = options;
            const double t0 = now_seconds();
            contraction = std::make_shared<CorrelationContraction>(
                fit_correlation_contraction({systems.front()}, fit, ContractionSettings{0.9999, 16}, pool));
            fit_seconds = now_seconds() - t0;
        }
        for (bool contracted : {false, true}) {
            for (bool gradients : {false, true}) {
                DescriptorOptions o = options;
                o.contraction = contracted ? contraction : nullptr;
                o.gradient_positions = gradients;
                const char* label = contracted ? "PCA (0.9999, <= 16 / block)" : "none";
                try {
                    size_t properties = 0;
                    const auto [best, median] = time_per_atom(systems, lists, o, pool, budget, atoms, properties);
                    std::printf("%3d %-28s %9s %10zu %10.1f / %9.1f\n", order, label, gradients ? "positions" : "none",
                                properties, best, median);
                } catch (const ResourceExhausted& e) {
                    std::printf("%3d %-28s %9s   refused: %s\n", order, label, gradients ? "positions" : "none", e.what());
                }
                std::fflush(stdout);
            }
        }
        std::printf("# nu = %d: fitting the contraction on %zu atoms took %.2f s\n", order, systems.front().size(), fit_seconds);
    }
    return 0;
}
