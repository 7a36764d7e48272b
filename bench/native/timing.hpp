// Shared by the native descriptor benchmarks (bench/lode/lode_native.cpp,
// bench/descriptor_kinds.cpp): the random water-density cluster and best-of-N timing per atom.
#pragma once
#include <algorithm>
#include <chrono>
#include <random>
#include <string>
#include <vector>

#include "core/descriptors/engine.hpp"

namespace benchnative {

inline double now_seconds() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// n atoms at water density (0.1 atoms/A^3) in a cube, one third O and two thirds H, uniformly
// random (no minimum distance: the descriptors do not mind, and the cost is what is measured).
inline hamd::System cluster(size_t n, std::mt19937& rng) {
    const double side = std::cbrt(n / 0.1);
    std::uniform_real_distribution<double> uniform(0.0, side);
    hamd::System s;
    for (size_t i = 0; i < n; ++i) {
        s.types.push_back(i % 3 == 0 ? 8 : 1);
        for (int d = 0; d < 3; ++d) s.positions.push_back(uniform(rng));
    }
    return s;
}

// "100,1000" -> {100, 1000}: the list arguments of the benchmarks.
inline std::vector<long> comma_list(const char* text) {
    std::vector<long> out;
    std::string item;
    for (const char* c = text;; ++c) {
        if (*c == ',' || *c == '\0') {
            if (!item.empty()) out.push_back(std::stol(item));
            item.clear();
            if (*c == '\0') break;
        } else {
            item += *c;
        }
    }
    return out;
}

// Best of `runs` wall times, microseconds per atom.
inline double time_per_atom(const hamd::System& system, const hamd::DescriptorOptions& options, hamd::ThreadPool& pool,
                            int runs) {
    double best = 1e300;
    for (int r = 0; r < runs; ++r) {
        const double t0 = now_seconds();
        { hamd::TensorMap result = hamd::compute_descriptors({system}, options, pool); }
        best = std::min(best, now_seconds() - t0);
    }
    return 1e6 * best / system.size();
}

}  // namespace benchnative
