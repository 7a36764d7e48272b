// The engine's interface: several structures per call, species channels, precomputed
// neighbour lists, threads, size limits, cancellation and bad input.
#include <cmath>
#include <limits>

#include "core/base/errors.hpp"
#include "core/systems/neighbors.hpp"
#include "descriptor_fixtures.hpp"

using namespace fixtures;

namespace {

using check::throws;

void test_bad_input() {
    std::mt19937 rng(1);
    const System good = random_molecule(rng, {6, 1, 8});
    const DescriptorOptions o = options(DescriptorKind::PowerSpectrum);
    auto invalid = [&](const std::string& name, const std::vector<System>& systems, const DescriptorOptions& opts) {
        std::string message;
        check::ok(throws<hamd::InvalidArgument>([&] { compute(systems, opts); }, &message), "InvalidArgument: " + name,
                  message);
    };
    System nan = good;
    nan.positions[4] = std::nan("");
    invalid("NaN position", {good, nan}, o);
    System inf = good;
    inf.positions[0] = INFINITY;
    invalid("infinite position", {inf}, o);
    System short_positions = good;
    short_positions.positions.pop_back();
    invalid("positions length does not match the atoms", {short_positions}, o);
    System unknown = good;
    unknown.types[1] = 119;
    invalid("unknown element 119", {unknown}, o);
    System singular = good;
    singular.pbc = {true, true, true};
    singular.cell = {1, 0, 0, 2, 0, 0, 0, 0, 3};
    invalid("singular periodic cell", {singular}, o);
    DescriptorOptions bad = o;
    bad.hypers.cutoff = -1;
    invalid("negative cutoff", {good}, bad);
    bad = o;
    bad.hypers.density_width = 0;
    invalid("zero density_width", {good}, bad);
    bad = o;
    bad.hypers.max_radial = -1;
    invalid("negative max_radial", {good}, bad);
    bad = o;
    bad.hypers.max_angular = 1000;
    invalid("absurd max_angular", {good}, bad);
    bad = o;
    bad.species = {1, 0};
    invalid("species channel 0", {good}, bad);
    bad = o;
    bad.kind = DescriptorKind::LambdaSoap;
    bad.max_lambda = 100;
    invalid("max_lambda beyond 2 max_angular", {good}, bad);
    bad = o;
    bad.gradient_cell = true;
    invalid("cell gradients of a non-periodic structure", {good}, bad);
    check::ok(throws<hamd::InvalidArgument>([] { hamd::parse_descriptor_kind("soap"); }), "InvalidArgument: unknown kind");
    check::ok(hamd::parse_descriptor_kind("lambda-soap") == DescriptorKind::LambdaSoap &&
                  hamd::parse_descriptor_kind("spherical-expansion") == DescriptorKind::SphericalExpansion &&
                  hamd::parse_descriptor_kind("power-spectrum") == DescriptorKind::PowerSpectrum &&
                  hamd::parse_descriptor_kind("bispectrum") == DescriptorKind::Bispectrum,
              "parse_descriptor_kind knows the four kinds");
    std::vector<hamd::NeighborList> lists(2);
    check::ok(throws<hamd::InvalidArgument>(
                  [&] { hamd::compute_descriptors_with_neighbors({good}, lists, o, pool()); }),
              "InvalidArgument: neighbour lists that do not match the structures");
}

void test_limits_and_cancel() {
    std::mt19937 rng(2);
    const System molecule = random_molecule(rng, {6, 1, 8, 1, 1});
    DescriptorOptions o = options(DescriptorKind::PowerSpectrum);
    o.gradient_positions = true;
    o.max_output_bytes = 1000;
    std::string message;
    check::ok(throws<hamd::ResourceExhausted>([&] { compute({molecule}, o); }, &message),
              "ResourceExhausted over max_output_bytes", message);
    o.max_output_bytes = 100u << 20;
    check::ok(!throws<std::exception>([&] { compute({molecule}, o); }), "the same request fits a larger limit");

    std::atomic<bool> cancel{true};
    check::ok(throws<hamd::Cancelled>([&] { hamd::compute_descriptors({molecule}, o, pool(), &cancel); }),
              "a cancelled request throws Cancelled");
    // Cancelled while running: a flag raised from another thread during a long request.
    // (values only: about a second of work on one core, a few MB of output)
    std::vector<System> many(300, random_crystal(rng, {8, 1, 1, 6, 7, 8, 1, 1}));
    DescriptorOptions heavy = options(DescriptorKind::Bispectrum, 3, 4);
    std::atomic<bool> late{false};
    std::thread canceller([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        late = true;
    });
    const auto start = std::chrono::steady_clock::now();
    const bool cancelled = throws<hamd::Cancelled>([&] { hamd::compute_descriptors(many, heavy, pool(), &late); });
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    canceller.join();
    check::ok(cancelled, "a flag raised during the computation stops it with Cancelled",
              "took " + std::to_string(seconds) + " s");
}

void test_requests() {
    std::mt19937 rng(3);
    const System a = random_molecule(rng, {6, 1, 1, 8});
    const System b = random_crystal(rng, {8, 1, 1});
    DescriptorOptions o = options(DescriptorKind::PowerSpectrum);
    o.species = {1, 6, 8};
    const TensorMap both = compute({a, b}, o);
    const TensorMap only_a = compute({a}, o), only_b = compute({b}, o);
    double diff = 0;
    bool samples_ok = true;
    for (size_t k = 0; k < both.blocks.size(); ++k) {
        const Block& block = both.blocks[k];
        const size_t width = row_width(block);
        for (size_t r = 0; r < block.samples.count(); ++r) {
            const int system = block.samples.values[2 * r], atom = block.samples.values[2 * r + 1];
            if (r > 0) samples_ok = samples_ok && std::make_pair(system, atom) > std::make_pair(block.samples.values[2 * r - 2],
                                                                                             block.samples.values[2 * r - 1]);
            const TensorMap& alone = system == 0 ? only_a : only_b;
            const int b_alone = find_block(alone, {0, 1, both.keys.values[3 * k + 2]});
            const int q = find_sample(alone.blocks.at(b_alone), 0, atom);
            for (size_t x = 0; x < width; ++x)
                diff = std::max(diff, std::fabs(block.values[r * width + x] - alone.blocks[b_alone].values[q * width + x]));
        }
    }
    size_t n_samples = 0;
    for (const Block& block : both.blocks) n_samples += block.samples.count();
    check::ok(n_samples == a.size() + b.size(), "every atom of every structure is a sample, once");
    check::ok(diff == 0.0, "structures computed together equal structures computed alone");
    check::ok(samples_ok, "samples (system, atom) ascending across structures");

    // Explicit species: an absent channel adds zero columns; a dropped one ignores its atoms.
    DescriptorOptions extra = o;
    extra.species = {1, 6, 7, 8};
    const TensorMap with_n = compute({a}, extra);
    double n_columns = 0;
    for (const Block& block : with_n.blocks)
        for (size_t p = 0; p < block.properties.count(); ++p)
            if (block.properties.values[5 * p] == 7 || block.properties.values[5 * p + 1] == 7)
                for (size_t r = 0; r < block.samples.count(); ++r)
                    n_columns = std::max(n_columns, std::fabs(block.values[r * block.properties.count() + p]));
    check::ok(n_columns == 0.0 && with_n.blocks[0].properties.count() == 10 * 5 * 16,
              "a species channel absent from the structure gives zero features");
    DescriptorOptions no_h = o;
    no_h.species = {6, 8};
    System stripped;  // the molecule without its H atoms
    for (size_t i = 0; i < a.size(); ++i)
        if (a.types[i] != 1) {
            stripped.types.push_back(a.types[i]);
            stripped.positions.insert(stripped.positions.end(), &a.positions[3 * i], &a.positions[3 * i + 3]);
        }
    const TensorMap x = compute({a}, no_h), y = compute({stripped}, no_h);
    const Block& cx = x.blocks.at(find_block(x, {0, 1, 6}));
    const Block& cy = y.blocks.at(find_block(y, {0, 1, 6}));
    check::ok(find_block(x, {0, 1, 1}) >= 0, "atoms outside the channels are still centres");
    check::ok(cx.values == cy.values, "atoms outside the channels are ignored as neighbours");

    // Precomputed neighbour lists (even with a longer cutoff) give the same result.
    DescriptorOptions og = o;
    og.gradient_positions = true;
    const TensorMap direct = compute({a, b}, og);
    std::vector<hamd::NeighborList> lists = {hamd::build_neighbor_list(a, 5.0), hamd::build_neighbor_list(b, 5.0)};
    const TensorMap reused = hamd::compute_descriptors_with_neighbors({a, b}, lists, og, pool());
    bool same = direct.keys.values == reused.keys.values;
    for (size_t k = 0; same && k < direct.blocks.size(); ++k)
        same = direct.blocks[k].values == reused.blocks[k].values &&
               direct.blocks[k].gradients[0].values == reused.blocks[k].gradients[0].values &&
               direct.blocks[k].gradients[0].samples.values == reused.blocks[k].gradients[0].samples.values;
    check::ok(same, "precomputed neighbour lists with a longer cutoff give identical results");

    // Reusing the storage of earlier results (bigger, smaller, another kind, garbage in it)
    // gives exactly the fresh result: every element is overwritten.
    {
        const System c = random_molecule(rng, {6, 1, 1, 8, 1, 1, 7});
        hamd::TensorMap reuse;
        bool identical = true;
        struct Step { std::vector<System> systems; DescriptorKind kind; bool cell; };
        const std::vector<Step> steps = {{{a, b}, DescriptorKind::PowerSpectrum, false},
                                         {{c}, DescriptorKind::PowerSpectrum, false},
                                         {{b}, DescriptorKind::PowerSpectrum, true},
                                         {{a, c}, DescriptorKind::SphericalExpansion, false},
                                         {{b}, DescriptorKind::SphericalExpansion, true},
                                         {{a}, DescriptorKind::LambdaSoap, false},
                                         {{c, a}, DescriptorKind::Bispectrum, false}};
        for (const Step& step : steps) {
            DescriptorOptions os = options(step.kind, 2, 3);
            os.gradient_positions = true;
            os.gradient_cell = step.cell;
            std::vector<hamd::NeighborList> nl;
            for (const auto& s : step.systems) nl.push_back(hamd::build_neighbor_list(s, os.hypers.cutoff));
            for (auto& block : reuse.blocks) {  // poison the recycled storage
                std::fill(block.values.begin(), block.values.end(), 1e300);
                for (auto& g : block.gradients) std::fill(g.values.begin(), g.values.end(), -7.0);
            }
            hamd::compute_descriptors_into(step.systems, nl, os, pool(), nullptr, reuse);
            const TensorMap fresh = compute(step.systems, os);
            identical = identical && reuse.keys.values == fresh.keys.values && reuse.blocks.size() == fresh.blocks.size();
            for (size_t k = 0; identical && k < fresh.blocks.size(); ++k) {
                identical = reuse.blocks[k].values == fresh.blocks[k].values &&
                            reuse.blocks[k].samples.values == fresh.blocks[k].samples.values &&
                            reuse.blocks[k].gradients.size() == fresh.blocks[k].gradients.size();
                for (size_t g = 0; identical && g < fresh.blocks[k].gradients.size(); ++g)
                    identical = reuse.blocks[k].gradients[g].values == fresh.blocks[k].gradients[g].values &&
                                reuse.blocks[k].gradients[g].samples.values == fresh.blocks[k].gradients[g].samples.values;
            }
        }
        check::ok(identical, "compute_descriptors_into over recycled (poisoned) storage equals fresh results");
    }

    // Thread counts do not change a single bit.
    hamd::ThreadPool four(3);
    DescriptorOptions one = og;
    one.max_threads = 1;
    const TensorMap serial = hamd::compute_descriptors({a, b}, one, four);
    const TensorMap parallel = hamd::compute_descriptors({a, b}, og, four);
    same = true;
    for (size_t k = 0; k < serial.blocks.size(); ++k)
        same = same && serial.blocks[k].values == parallel.blocks[k].values &&
               serial.blocks[k].gradients[0].values == parallel.blocks[k].gradients[0].values;
    check::ok(same, "1 thread and 4 threads give identical results");

    // An isolated atom: only its own density, no gradient samples.
    System lonely;
    lonely.types = {6};
    lonely.positions = {0, 0, 0};
    const TensorMap alone = compute({lonely}, og);
    check::ok(alone.blocks.size() == 1 && alone.blocks[0].gradients[0].samples.count() == 0 &&
                  max_abs(alone.blocks[0].values) > 0,
              "isolated atom: centre density only, no gradient samples");
    check::ok(compute({}, o).blocks.empty(), "no structures: no blocks");

    // Gradient labels: (sample, system, atom) rows sorted, the centre among them.
    const Block& hb = direct.blocks.at(find_block(direct, {0, 1, 1}));
    const auto& g = hb.gradients[0];
    bool rows_ok = g.samples.names == std::vector<std::string>({"sample", "system", "atom"}) &&
                   g.components.size() == 1 && g.components[0].names[0] == "xyz";
    for (size_t s = 1; s < g.samples.count(); ++s) {
        auto prev = std::make_tuple(g.samples.values[3 * s - 3], g.samples.values[3 * s - 2], g.samples.values[3 * s - 1]);
        auto here = std::make_tuple(g.samples.values[3 * s], g.samples.values[3 * s + 1], g.samples.values[3 * s + 2]);
        rows_ok = rows_ok && prev < here;
    }
    check::ok(rows_ok, "position gradient samples (sample, system, atom) strictly ascending");
}

}  // namespace

int main() {
    test_bad_input();
    test_limits_and_cancel();
    test_requests();
    return check::finish();
}
