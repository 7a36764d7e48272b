// Verlet lists with a skin (core/systems/verlet_neighbors.hpp): over a random walk of the atoms,
// the pairs closer than the cutoff in the reused list are exactly those of a fresh list, with
// the same vectors; rebuilds happen only when some atom moved more than skin / 2 (or the cell
// changed), and at every step with skin 0.
#include <cmath>
#include <map>
#include <random>
#include <string>
#include <tuple>

#include "check.hpp"
#include "core/base/errors.hpp"
#include "core/systems/verlet_neighbors.hpp"

using namespace hamd;

namespace {

using Key = std::tuple<int, int, int, int, int>;  // i, j, shift

std::map<Key, std::array<double, 4>> within(const NeighborList& list, double cutoff) {
    std::map<Key, std::array<double, 4>> pairs;
    for (const Pair& p : list.pairs)
        if (p.distance < cutoff)
            pairs[{p.first, p.second, p.shift[0], p.shift[1], p.shift[2]}] = {p.vector[0], p.vector[1], p.vector[2], p.distance};
    return pairs;
}

// Same pairs; vectors equal to rounding (both are r_j - r_i + S.h, summed in a different
// order at most: a few ulps of the largest coordinate, far below 1e-9 Angstrom).
bool same(const std::map<Key, std::array<double, 4>>& a, const std::map<Key, std::array<double, 4>>& b, std::string& why) {
    if (a.size() != b.size()) {
        why = std::to_string(a.size()) + " pairs vs " + std::to_string(b.size());
        return false;
    }
    for (const auto& [key, v] : a) {
        auto it = b.find(key);
        if (it == b.end()) {
            why = "a pair is missing";
            return false;
        }
        for (int x = 0; x < 4; ++x)
            if (std::fabs(v[x] - it->second[x]) > 1e-9) {
                why = "vector differs";
                return false;
            }
    }
    return true;
}

System random_system(std::mt19937& rng, bool periodic) {
    System s;
    std::uniform_real_distribution<double> u(0.0, 9.0);
    // A jittered grid: no two atoms closer than ~1.2 A at the start.
    for (int a = 0; a < 4; ++a)
        for (int b = 0; b < 4; ++b)
            for (int c = 0; c < 3; ++c) {
                s.types.push_back(1 + (a + b + c) % 3);
                s.positions.push_back(2.2 * a + 0.3 * (u(rng) / 9.0));
                s.positions.push_back(2.2 * b + 0.3 * (u(rng) / 9.0));
                s.positions.push_back(2.9 * c + 0.3 * (u(rng) / 9.0));
            }
    if (periodic) {
        s.cell = {8.8, 0, 0, 0.7, 8.8, 0, 0.4, -0.3, 8.7};
        s.pbc = {true, true, true};
    }
    return s;
}

void walk(bool periodic, double skin) {
    std::mt19937 rng(periodic ? 7 : 3);
    std::normal_distribution<double> step(0.0, 0.04);
    System s = random_system(rng, periodic);
    const double cutoff = 3.5;
    VerletNeighbors verlet(cutoff, skin);
    std::vector<double> at_build;
    size_t expected_rebuilds = 0, mismatches = 0;
    bool rebuild_rule = true;
    std::string why;
    for (int t = 0; t < 200; ++t) {
        for (double& x : s.positions) x += step(rng);
        // Expected decision: rebuild iff first step, skin 0, or an atom moved > skin / 2.
        bool expect = at_build.empty() || skin == 0.0;
        for (size_t k = 0; !expect && k < s.positions.size(); k += 3) {
            double d2 = 0;
            for (int x = 0; x < 3; ++x) d2 += std::pow(s.positions[k + x] - at_build[k + x], 2);
            expect = d2 > 0.25 * skin * skin;
        }
        const NeighborList& list = verlet.update(s);
        if (verlet.rebuilt_last_update() != expect) rebuild_rule = false;
        if (expect) {
            at_build = s.positions;
            ++expected_rebuilds;
        }
        if (!same(within(list, cutoff), within(build_neighbor_list(s, cutoff), cutoff), why)) ++mismatches;
    }
    const std::string name = std::string(periodic ? "periodic" : "finite") + ", skin " + std::to_string(skin);
    check::ok(mismatches == 0, name + ": reused lists hold exactly the pairs within the cutoff", why);
    check::ok(rebuild_rule, name + ": rebuilt exactly when an atom moved more than skin / 2");
    check::ok(verlet.rebuilds() == expected_rebuilds, name + ": rebuild count " + std::to_string(verlet.rebuilds()));
    if (skin >= 0.5) check::ok(verlet.rebuilds() < 200, name + ": the skin saves rebuilds (" + std::to_string(verlet.rebuilds()) + " of 200 steps)");
}

}  // namespace

int main() {
    for (bool periodic : {false, true})
        for (double skin : {0.0, 0.3, 1.0}) walk(periodic, skin);

    // A cell change rebuilds even when no atom moved.
    std::mt19937 rng(11);
    System s = random_system(rng, true);
    VerletNeighbors verlet(3.5, 1.0);
    verlet.update(s);
    verlet.update(s);
    check::ok(!verlet.rebuilt_last_update(), "no motion, same cell: list reused");
    s.cell[0] *= 1.01;
    const NeighborList& list = verlet.update(s);
    check::ok(verlet.rebuilt_last_update(), "changed cell: list rebuilt");
    std::string why;
    check::ok(same(within(list, 3.5), within(build_neighbor_list(s, 3.5), 3.5), why), "changed cell: pairs of the new cell", why);
    s.positions.resize(s.positions.size() - 3);
    s.types.pop_back();
    verlet.update(s);
    check::ok(verlet.rebuilt_last_update(), "changed atom count: list rebuilt");

    bool threw = false;
    try {
        VerletNeighbors bad(3.0, -0.1);
    } catch (const InvalidArgument&) {
        threw = true;
    }
    check::ok(threw, "negative skin is InvalidArgument");
    return check::finish();
}
