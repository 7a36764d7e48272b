// Checks shared by the kinds that compute per pair or per message (pair-features,
// message-passing): cancellation while running, and the same bits from any number of threads.
#pragma once
#include <algorithm>
#include <atomic>
#include <chrono>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "check.hpp"
#include "core/base/errors.hpp"
#include "descriptor_fixtures.hpp"

namespace fixtures {

// A flag raised from another thread while a long request runs stops it with Cancelled (the
// kind polls it between centres). Values only, max_lambda 1: uncancelled, pair-features on 100
// and message-passing on 300 of these crystals take 0.1-0.5 s on one core (neighbour lists:
// under 10 ms) and write about 50-150 MB.
inline void check_cancel_while_running(DescriptorKind kind, size_t n_structures) {
    std::mt19937 rng(31);
    const std::vector<System> many(n_structures, random_crystal(rng, {8, 1, 1, 6, 7, 8, 1, 1}));
    DescriptorOptions heavy = options(kind, 2, 2);
    heavy.hypers.cutoff = 3.0;
    heavy.max_lambda = 1;
    std::atomic<bool> late{false};
    std::thread canceller([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        late = true;
    });
    const auto start = std::chrono::steady_clock::now();
    const bool cancelled = check::throws<hamd::Cancelled>([&] { hamd::compute_descriptors(many, heavy, pool(), &late); });
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    canceller.join();
    check::ok(cancelled, "a flag raised during the computation stops it with Cancelled", "took " + std::to_string(seconds) + " s");
}

// Several threads write the same bits as one: every row (and its gradient rows) is computed by
// one thread, in a fixed order, whatever the chunking.
inline void check_threads_same_bits(DescriptorKind kind) {
    std::mt19937 rng(17);
    const std::vector<System> systems = {random_crystal(rng, {6, 1, 8}), random_molecule(rng, {6, 1, 8, 1, 7, 1}, 3.0)};
    DescriptorOptions o = options(kind, 2, 2);
    o.hypers.cutoff = 3.0;
    o.gradient_positions = true;
    hamd::ThreadPool threads(3);
    const TensorMap one = compute(systems, o), many = hamd::compute_descriptors(systems, o, threads);
    bool same = one.keys.values == many.keys.values && one.blocks.size() == many.blocks.size();
    for (size_t k = 0; same && k < one.blocks.size(); ++k) {
        const Block& a = one.blocks[k];
        const Block& b = many.blocks[k];
        same = a.samples.values == b.samples.values && a.values.size() == b.values.size() &&
               std::equal(a.values.begin(), a.values.end(), b.values.begin()) &&
               a.gradients.at(0).samples.values == b.gradients.at(0).samples.values &&
               std::equal(a.gradients[0].values.begin(), a.gradients[0].values.end(), b.gradients[0].values.begin(),
                          b.gradients[0].values.end());
    }
    check::ok(same, "four threads give the same bits as one (values, gradients, labels)");
}

}  // namespace fixtures
