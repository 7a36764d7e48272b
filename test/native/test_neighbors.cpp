// Neighbour lists against an O(N^2 x images) brute force, for finite clouds and
// cubic, orthorhombic, skewed and partly periodic cells; symmetry, order, errors.
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <map>
#include <random>
#include <string>
#include <tuple>

#include "check.hpp"
#include "core/base/errors.hpp"
#include "core/systems/neighbors.hpp"

using namespace hamd;

namespace {

using Key = std::tuple<int, int, int, int, int>;  // i, j, S
using Vec = std::array<double, 3>;

Vec cross(const Vec& a, const Vec& b) {
    return {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
}
double norm(const Vec& a) { return std::sqrt(a[0] * a[0] + a[1] * a[1] + a[2] * a[2]); }
Vec row(const std::array<double, 9>& cell, int k) { return {cell[3 * k], cell[3 * k + 1], cell[3 * k + 2]}; }

// Every (i, j, S) with |r_j + S.cell - r_i| < cutoff. `bound_cell` is a non-singular
// 3D cell whose periodic rows equal the system's; it bounds |S_k| rigorously:
// S_k = (S.cell) . (b x c) / V and |S.cell| < cutoff + max |r_j - r_i|.
std::map<Key, Vec> brute_force(const System& s, double cutoff, const std::array<double, 9>& bound_cell) {
    size_t n = s.size();
    double max_separation = 0;
    for (size_t i = 0; i < n; ++i)
        for (size_t j = 0; j < n; ++j) {
            Vec d{s.positions[3 * j] - s.positions[3 * i], s.positions[3 * j + 1] - s.positions[3 * i + 1],
                  s.positions[3 * j + 2] - s.positions[3 * i + 2]};
            max_separation = std::max(max_separation, norm(d));
        }
    Vec a = row(bound_cell, 0), b = row(bound_cell, 1), c = row(bound_cell, 2);
    double volume = std::fabs(a[0] * cross(b, c)[0] + a[1] * cross(b, c)[1] + a[2] * cross(b, c)[2]);
    int bound[3];
    Vec crosses[3] = {cross(b, c), cross(c, a), cross(a, b)};
    for (int k = 0; k < 3; ++k)
        bound[k] = s.pbc[k] ? static_cast<int>(std::ceil((cutoff + max_separation) * norm(crosses[k]) / volume)) + 1 : 0;
    std::map<Key, Vec> result;
    for (size_t i = 0; i < n; ++i)
        for (size_t j = 0; j < n; ++j)
            for (int sa = -bound[0]; sa <= bound[0]; ++sa)
                for (int sb = -bound[1]; sb <= bound[1]; ++sb)
                    for (int sc = -bound[2]; sc <= bound[2]; ++sc) {
                        if (i == j && sa == 0 && sb == 0 && sc == 0) continue;
                        Vec v;
                        for (int d = 0; d < 3; ++d)
                            v[d] = s.positions[3 * j + d] - s.positions[3 * i + d] + sa * s.cell[d] +
                                   sb * s.cell[3 + d] + sc * s.cell[6 + d];
                        if (norm(v) < cutoff) result[Key(int(i), int(j), sa, sb, sc)] = v;
                    }
    return result;
}

// Pairs within 1e-9 of the cutoff could legitimately go either way; random data avoids them.
void compare_with_brute_force(const System& s, double cutoff, const std::array<double, 9>& bound_cell,
                              const std::string& name) {
    NeighborList list = build_neighbor_list(s, cutoff);
    auto expected = brute_force(s, cutoff, bound_cell);
    std::map<Key, Vec> found;
    bool duplicates = false;
    for (const Pair& p : list.pairs) {
        Key key(p.first, p.second, p.shift[0], p.shift[1], p.shift[2]);
        if (found.count(key)) duplicates = true;
        found[key] = {p.vector[0], p.vector[1], p.vector[2]};
    }
    check::ok(!duplicates, name + ": no duplicate pairs");
    check::ok(list.pairs.size() == expected.size(), name + ": pair count matches brute force",
              std::to_string(list.pairs.size()) + " vs " + std::to_string(expected.size()));
    bool same_keys = true;
    double worst = 0;
    for (const auto& [key, v] : expected) {
        auto it = found.find(key);
        if (it == found.end()) { same_keys = false; continue; }
        for (int d = 0; d < 3; ++d) worst = std::max(worst, std::fabs(it->second[d] - v[d]));
    }
    check::ok(same_keys, name + ": same (i, j, S) as brute force");
    check::ok(worst < 1e-10, name + ": same vectors as brute force", "max deviation " + std::to_string(worst));
    check::ok(!expected.empty(), name + ": test geometry has pairs at all");
}

System random_periodic(std::mt19937& rng, size_t n, const std::array<double, 9>& cell, std::array<bool, 3> pbc,
                       double spread = 1.0) {
    // Fractional coordinates partly outside [0, 1) to exercise wrapping.
    std::uniform_real_distribution<double> fraction(-0.5 * (spread - 1.0), 0.5 * (spread + 1.0));
    System s;
    s.cell = cell;
    s.pbc = pbc;
    for (size_t i = 0; i < n; ++i) {
        s.types.push_back(1 + int(i % 3));
        double f[3] = {fraction(rng), fraction(rng), fraction(rng)};
        for (int d = 0; d < 3; ++d) s.positions.push_back(f[0] * cell[d] + f[1] * cell[3 + d] + f[2] * cell[6 + d]);
    }
    return s;
}

System random_cloud(std::mt19937& rng, size_t n, double box) {
    std::uniform_real_distribution<double> coordinate(-box / 2, box / 2);
    System s;
    for (size_t i = 0; i < n; ++i) {
        s.types.push_back(6);
        for (int d = 0; d < 3; ++d) s.positions.push_back(coordinate(rng));
    }
    return s;
}

bool throws_invalid(const System& s, double cutoff, std::string* message = nullptr) {
    try {
        build_neighbor_list(s, cutoff);
    } catch (const InvalidArgument& e) {
        if (message) *message = e.what();
        return true;
    }
    return false;
}

void check_structure(const NeighborList& list, const System& s, double cutoff, const std::string& name) {
    size_t n = s.size();
    bool offsets_ok = list.centre_offsets.size() == n + 1 && list.centre_offsets[0] == 0 &&
                      list.centre_offsets[n] == list.pairs.size();
    bool grouped = true, sorted = true;
    for (size_t i = 0; offsets_ok && i < n; ++i) {
        for (size_t p = list.centre_offsets[i]; p < list.centre_offsets[i + 1]; ++p) {
            if (list.pairs[p].first != int(i)) grouped = false;
            if (p > list.centre_offsets[i]) {
                const Pair& a = list.pairs[p - 1];
                const Pair& b = list.pairs[p];
                auto ka = std::make_tuple(a.second, a.shift[0], a.shift[1], a.shift[2]);
                auto kb = std::make_tuple(b.second, b.shift[0], b.shift[1], b.shift[2]);
                if (!(ka < kb)) sorted = false;
            }
        }
    }
    check::ok(offsets_ok, name + ": centre offsets span the list");
    check::ok(grouped, name + ": pairs grouped by centre");
    check::ok(sorted, name + ": within a centre, sorted by j then shift");

    // Full list: (i, j, S, v) implies (j, i, -S, -v) exactly.
    std::map<Key, Vec> index;
    for (const Pair& p : list.pairs)
        index[Key(p.first, p.second, p.shift[0], p.shift[1], p.shift[2])] = {p.vector[0], p.vector[1], p.vector[2]};
    bool symmetric = true;
    for (const Pair& p : list.pairs) {
        auto it = index.find(Key(p.second, p.first, -p.shift[0], -p.shift[1], -p.shift[2]));
        if (it == index.end() || it->second[0] != -p.vector[0] || it->second[1] != -p.vector[1] ||
            it->second[2] != -p.vector[2])
            symmetric = false;
    }
    check::ok(symmetric, name + ": full list is symmetric with opposite vectors");

    // vector = r_j + S.cell - r_i with the original positions; 0 < distance < cutoff.
    double worst = 0;
    bool distances_ok = true;
    for (const Pair& p : list.pairs) {
        double squared = 0;
        for (int d = 0; d < 3; ++d) {
            double expected = s.positions[3 * p.second + d] - s.positions[3 * p.first + d];
            for (int k = 0; k < 3; ++k) expected += p.shift[k] * s.cell[3 * k + d];
            worst = std::max(worst, std::fabs(expected - p.vector[d]));
            squared += p.vector[d] * p.vector[d];
        }
        if (!(p.distance > 0 && p.distance < cutoff && std::fabs(p.distance - std::sqrt(squared)) < 1e-12))
            distances_ok = false;
        for (int k = 0; k < 3; ++k)
            if (!s.pbc[k] && p.shift[k] != 0) distances_ok = false;
    }
    check::ok(worst < 1e-10, name + ": vector = r_j + S.cell - r_i (original positions)");
    check::ok(distances_ok, name + ": 0 < distance = |vector| < cutoff, no shifts along open directions");
}

}  // namespace

int main() {
    std::mt19937 rng(20240611);

    // Finite clouds: bounding-box grid, no images.
    for (int trial = 0; trial < 3; ++trial) {
        System cloud = random_cloud(rng, 40 + 30 * trial, 9.0);
        std::array<double, 9> identity{1, 0, 0, 0, 1, 0, 0, 0, 1};
        compare_with_brute_force(cloud, 3.2, identity, "finite cloud " + std::to_string(trial));
        check_structure(build_neighbor_list(cloud, 3.2), cloud, 3.2, "finite cloud " + std::to_string(trial));
    }
    {
        // Sparse finite system: two molecules far apart must not explode the grid.
        System s;
        s.types = {1, 1, 1, 1};
        s.positions = {0, 0, 0, 0.74, 0, 0, 1e5, 2e5, -3e5, 1e5 + 0.74, 2e5, -3e5};
        NeighborList list = build_neighbor_list(s, 5.0);
        check::ok(list.pairs.size() == 4, "two far-apart dimers give exactly 4 pairs");
    }

    struct CellCase {
        std::string name;
        std::array<double, 9> cell;
        std::array<bool, 3> pbc;
        std::array<double, 9> bound_cell;
        size_t n_atoms;
        double cutoff;
        double spread;
    };
    const std::array<double, 9> skewed{5.0, 0, 0, 4.6, 1.8, 0, 3.9, 1.2, 1.6};
    std::vector<CellCase> cases = {
        {"cubic", {10, 0, 0, 0, 10, 0, 0, 0, 10}, {true, true, true}, {10, 0, 0, 0, 10, 0, 0, 0, 10}, 60, 4.0, 1.0},
        {"cubic, atoms outside the cell", {8, 0, 0, 0, 8, 0, 0, 0, 8}, {true, true, true},
         {8, 0, 0, 0, 8, 0, 0, 0, 8}, 40, 3.5, 4.0},
        {"orthorhombic, cutoff > half a cell length", {6, 0, 0, 0, 8, 0, 0, 0, 11}, {true, true, true},
         {6, 0, 0, 0, 8, 0, 0, 0, 11}, 30, 5.0, 1.0},
        {"strongly triclinic", skewed, {true, true, true}, skewed, 12, 4.5, 1.0},
        {"strongly triclinic, atoms outside", skewed, {true, true, true}, skewed, 10, 3.0, 3.0},
        {"triclinic, cutoff > several face distances", {3, 0, 0, 1, 2.5, 0, 0.5, -0.7, 2.2}, {true, true, true},
         {3, 0, 0, 1, 2.5, 0, 0.5, -0.7, 2.2}, 3, 6.5, 1.0},
        {"slab: a, b periodic, c open (c row zero)", {5, 0, 0, 2.5, 4, 0, 0, 0, 0}, {true, true, false},
         {5, 0, 0, 2.5, 4, 0, 0, 0, 1}, 15, 4.0, 1.0},
        {"slab: a, c periodic, b open (b row garbage)", {4, 0, 1, 3, 7, -2, 0, 1, 5}, {true, false, true},
         {4, 0, 1, 3, 7, -2, 0, 1, 5}, 14, 4.2, 1.5},
        {"wire: only a periodic", {0, 3, 0.5, 0, 0, 0, 0, 0, 0}, {false, true, false},
         {1, 0, 0, 0, 3, 0.5, 0, 0, 1}, 8, 5.0, 1.0},
    };
    // For wire: the cell's b row is periodic; fix the row layout (b = (0, 3, 0.5)).
    cases.back().cell = {0, 0, 0, 0, 3, 0.5, 0, 0, 0};
    // Positions of open directions come from the cell rows in random_periodic; give them extent.
    for (const auto& c : cases) {
        std::array<double, 9> placement = c.bound_cell;
        for (int k = 0; k < 3; ++k)
            if (!c.pbc[k]) {
                for (int d = 0; d < 3; ++d) placement[3 * k + d] = c.bound_cell[3 * k + d] * 6.0;
            }
        System s = random_periodic(rng, c.n_atoms, placement, c.pbc, c.spread);
        s.cell = c.cell;
        compare_with_brute_force(s, c.cutoff, c.bound_cell, c.name);
        check_structure(build_neighbor_list(s, c.cutoff), s, c.cutoff, c.name);
    }

    {
        // One atom in a cubic cell, cutoff 3x the cell length: only self images, and
        // their number is the count of lattice points within the cutoff.
        System s;
        s.types = {8};
        s.positions = {0.3, -0.2, 1.7};
        s.cell = {2, 0, 0, 0, 2, 0, 0, 0, 2};
        s.pbc = {true, true, true};
        NeighborList list = build_neighbor_list(s, 6.0);
        size_t lattice_points = 0;
        for (int a = -3; a <= 3; ++a)
            for (int b = -3; b <= 3; ++b)
                for (int c = -3; c <= 3; ++c)
                    if ((a || b || c) && 4.0 * (a * a + b * b + c * c) < 36.0) ++lattice_points;
        check::ok(list.pairs.size() == lattice_points, "1-atom cell, cutoff 3 cell lengths: all lattice images",
                  std::to_string(list.pairs.size()) + " vs " + std::to_string(lattice_points));
        check_structure(list, s, 6.0, "1-atom cell");
        compare_with_brute_force(s, 6.0, s.cell, "1-atom cell");
    }

    {
        // Translating everything leaves (i, j, S) and the vectors unchanged; moving one
        // atom by a lattice vector changes only its shifts.
        System s = random_periodic(rng, 20, skewed, {true, true, true});
        NeighborList reference = build_neighbor_list(s, 3.5);
        System moved = s;
        for (size_t i = 0; i < moved.size(); ++i) {
            moved.positions[3 * i] += 13.7;
            moved.positions[3 * i + 1] -= 21.2;
            moved.positions[3 * i + 2] += 5.5;
        }
        NeighborList translated = build_neighbor_list(moved, 3.5);
        bool same = translated.pairs.size() == reference.pairs.size();
        for (size_t p = 0; same && p < reference.pairs.size(); ++p) {
            const Pair &a = reference.pairs[p], &b = translated.pairs[p];
            same = a.first == b.first && a.second == b.second && a.shift[0] == b.shift[0] &&
                   a.shift[1] == b.shift[1] && a.shift[2] == b.shift[2] &&
                   std::fabs(a.vector[0] - b.vector[0]) < 1e-9 && std::fabs(a.distance - b.distance) < 1e-9;
        }
        check::ok(same, "rigid translation leaves the periodic list unchanged");

        System hopped = s;
        for (int d = 0; d < 3; ++d) hopped.positions[d] += 2 * skewed[d] - skewed[3 + d];  // atom 0 += 2a - b
        NeighborList after = build_neighbor_list(hopped, 3.5);
        bool consistent = after.pairs.size() == reference.pairs.size();
        std::map<Key, double> before;
        for (const Pair& p : reference.pairs)
            before[Key(p.first, p.second, p.shift[0], p.shift[1], p.shift[2])] = p.distance;
        for (const Pair& p : after.pairs) {
            int s0 = p.shift[0], s1 = p.shift[1], s2 = p.shift[2];
            if (p.second == 0) { s0 += 2; s1 -= 1; }  // image of the moved atom
            if (p.first == 0) { s0 -= 2; s1 += 1; }
            auto it = before.find(Key(p.first, p.second, s0, s1, s2));
            if (it == before.end() || std::fabs(it->second - p.distance) > 1e-9) consistent = false;
        }
        check::ok(consistent, "moving one atom by a lattice vector only changes its shifts");

        NeighborList again = build_neighbor_list(s, 3.5);
        bool identical = again.pairs.size() == reference.pairs.size() && again.centre_offsets == reference.centre_offsets;
        for (size_t p = 0; identical && p < again.pairs.size(); ++p) {
            identical = again.pairs[p].second == reference.pairs[p].second &&
                        again.pairs[p].vector[0] == reference.pairs[p].vector[0] &&
                        again.pairs[p].shift[2] == reference.pairs[p].shift[2];
        }
        check::ok(identical, "two builds give the same list in the same order");
    }

    {
        // Errors.
        System singular;
        singular.types = {1, 1};
        singular.positions = {0, 0, 0, 1, 1, 1};
        singular.cell = {3, 0, 0, 0, 3, 0, 3, 3, 0};  // c = a + b
        singular.pbc = {true, true, true};
        check::ok(throws_invalid(singular, 3.0), "singular cell raises InvalidArgument");
        System open = singular;
        open.pbc = {true, true, false};
        check::ok(!throws_invalid(open, 3.0), "the same cell with the dependent row open is fine");

        System overlap;
        overlap.types = {1, 8, 1, 1};
        overlap.positions = {0, 0, 0, 1, 0, 0, 2, 0, 0, 1, 0, 0};
        std::string message;
        check::ok(throws_invalid(overlap, 3.0, &message) && message.find("1 and 3") != std::string::npos,
                  "atoms at distance 0 raise InvalidArgument naming both", message);

        System image_overlap;
        image_overlap.types = {1, 1};
        image_overlap.positions = {0.5, 0.5, 0.5, 4.5, 0.5, 0.5};
        image_overlap.cell = {4, 0, 0, 0, 4, 0, 0, 0, 4};
        image_overlap.pbc = {true, true, true};
        check::ok(throws_invalid(image_overlap, 2.0), "an atom on another's periodic image raises InvalidArgument");
        check::ok(throws_invalid(overlap, 0.0) && throws_invalid(overlap, -1.0) &&
                      throws_invalid(overlap, std::nan("")),
                  "non-positive or NaN cutoff raises InvalidArgument");

        System empty;
        NeighborList none = build_neighbor_list(empty, 3.0);
        check::ok(none.pairs.empty() && none.centre_offsets.size() == 1, "empty system gives an empty list");
    }

    {
        // Speed: 192-atom periodic water-like box at 5 A and 100 small molecules.
        System water;
        double length = 12.42;  // 64 waters at ~1 g/cm^3
        water.cell = {length, 0, 0, 0, length, 0, 0, 0, length};
        water.pbc = {true, true, true};
        std::uniform_real_distribution<double> unit(0, 1);
        for (int m = 0; m < 64; ++m) {
            double o[3] = {(m % 4 + 0.3 * unit(rng)) * length / 4, (m / 4 % 4 + 0.3 * unit(rng)) * length / 4,
                           (m / 16 + 0.3 * unit(rng)) * length / 4};
            water.types.insert(water.types.end(), {8, 1, 1});
            water.positions.insert(water.positions.end(),
                                   {o[0], o[1], o[2], o[0] + 0.96, o[1], o[2], o[0] - 0.24, o[1] + 0.93, o[2]});
        }
        std::vector<System> molecules;
        for (int m = 0; m < 100; ++m) molecules.push_back(random_cloud(rng, 12 + m % 10, 4.0));
        size_t molecule_atoms = 0;
        for (const auto& m : molecules) molecule_atoms += m.size();

        const int repeats = 50;
        auto start = std::chrono::steady_clock::now();
        size_t total_pairs = 0;
        for (int r = 0; r < repeats; ++r) total_pairs += build_neighbor_list(water, 5.0).pairs.size();
        double water_us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count() /
                          (repeats * 192.0);
        start = std::chrono::steady_clock::now();
        for (int r = 0; r < repeats; ++r)
            for (const auto& m : molecules) total_pairs += build_neighbor_list(m, 5.0).pairs.size();
        double molecules_us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count() /
                              (repeats * double(molecule_atoms));
        std::printf("# water 192 atoms, 5 A: %.2f us/atom; 100 molecules: %.2f us/atom (%zu pairs)\n", water_us,
                    molecules_us, total_pairs);
        // Informational only: speed is measured by bench/, not asserted by unit tests.
    }
    return check::finish();
}
