// Cell-list neighbour search. Periodic systems: atoms are wrapped into the cell, every
// image that can lie within the cutoff of the cell is made explicit (pruned in
// fractional coordinates), and a Cartesian bin grid of width >= cutoff is searched.
// Vectors and shifts are then recomputed from the ORIGINAL positions, which keeps the
// list exactly antisymmetric: (i, j, S) and (j, i, -S) have opposite vectors.
#include "core/systems/neighbors.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/systems/cell_geometry.hpp"
#include "core/base/errors.hpp"

namespace hamd {
namespace {

using cell_geometry::Vec3;

// A point of the search: an atom (wrapped) or one of its periodic images.
struct SearchPoint {
    double position[3];
    int32_t atom;
    int32_t image_shift[3];  // relative to the wrapped atom
};

// Relative margin so that rounding in wrapping/binning never loses a pair; the final
// decision uses the exact distance from the original positions.
constexpr double kMargin = 1e-8;
// Refuse absurd image counts (tiny cells with huge cutoffs) instead of exhausting memory.
constexpr double kMaxSearchPoints = 5e7;
constexpr int kReach = 2;

struct BinGrid {
    double origin[3];
    double width[3];
    int dims[3];
    std::vector<uint32_t> bin_start;  // CSR: points of bin b are order[bin_start[b] .. bin_start[b+1])
    std::vector<uint32_t> order;

    bool locate(const double* r, int* bin) const {
        for (int d = 0; d < 3; ++d) {
            double x = (r[d] - origin[d]) / width[d];
            if (!(x >= 0.0) || x >= dims[d] + 1e-9) return false;
            bin[d] = std::min(dims[d] - 1, static_cast<int>(x));
        }
        return true;
    }
    size_t flat(int bx, int by, int bz) const {
        return (static_cast<size_t>(bx) * dims[1] + by) * dims[2] + bz;
    }
};

// Grid covering [low, high] with bins at least `min_width` wide, at most ~max_bins bins.
BinGrid make_grid(const double* low, const double* high, double min_width, size_t max_bins) {
    BinGrid grid;
    double width = min_width;
    for (;;) {
        double total = 1.0;
        for (int d = 0; d < 3; ++d) {
            double extent = high[d] - low[d];
            double n = std::max(1.0, std::floor(extent / width));
            total *= n;
        }
        if (total <= static_cast<double>(max_bins)) break;
        width *= 1.25;
    }
    for (int d = 0; d < 3; ++d) {
        double extent = high[d] - low[d];
        grid.dims[d] = static_cast<int>(std::max(1.0, std::floor(extent / width)));
        grid.origin[d] = low[d];
        grid.width[d] = std::max(extent / grid.dims[d], min_width);
    }
    return grid;
}

void fill_grid(BinGrid& grid, const std::vector<SearchPoint>& points, std::vector<int32_t>& bin_of_point) {
    size_t n_bins = static_cast<size_t>(grid.dims[0]) * grid.dims[1] * grid.dims[2];
    grid.bin_start.assign(n_bins + 1, 0);
    bin_of_point.assign(points.size(), -1);
    for (size_t p = 0; p < points.size(); ++p) {
        int b[3];
        if (!grid.locate(points[p].position, b)) continue;
        size_t flat = grid.flat(b[0], b[1], b[2]);
        bin_of_point[p] = static_cast<int32_t>(flat);
        ++grid.bin_start[flat + 1];
    }
    for (size_t b = 0; b < n_bins; ++b) grid.bin_start[b + 1] += grid.bin_start[b];
    grid.order.resize(grid.bin_start[n_bins]);
    std::vector<uint32_t> fill(grid.bin_start.begin(), grid.bin_start.end() - 1);
    for (size_t p = 0; p < points.size(); ++p) {
        if (bin_of_point[p] >= 0) grid.order[fill[bin_of_point[p]]++] = static_cast<uint32_t>(p);
    }
}

}  // namespace

NeighborList build_neighbor_list(const System& system, double cutoff) {
    if (!(cutoff > 0.0) || !std::isfinite(cutoff)) {
        throw InvalidArgument("neighbour list: the cutoff must be positive and finite, got " + std::to_string(cutoff));
    }
    const size_t n_atoms = system.size();
    if (system.positions.size() != 3 * n_atoms) {
        throw InvalidArgument("neighbour list: " + std::to_string(n_atoms) + " atoms but " +
                              std::to_string(system.positions.size()) + " position components");
    }
    const double* r = system.positions.data();
    for (size_t k = 0; k < 3 * n_atoms; ++k) {
        if (!std::isfinite(r[k])) {
            throw InvalidArgument("neighbour list: atom " + std::to_string(k / 3) + " has a non-finite position");
        }
    }

    NeighborList list;
    list.centre_offsets.assign(n_atoms + 1, 0);
    if (n_atoms == 0) return list;

    const auto geometry = cell_geometry::analyse_cell(system.cell, system.pbc);
    if (system.periodic() && geometry.singular) {
        throw InvalidArgument("neighbour list: the cell is singular along periodic directions");
    }
    const double search_cutoff = cutoff * (1.0 + kMargin) + kMargin;

    // Centres: atoms wrapped into the cell along periodic directions; wrap[i] is the
    // integer n_i with wrapped_i = r_i - n_i . cell.
    std::vector<SearchPoint> centres(n_atoms);
    std::vector<std::array<int32_t, 3>> wrap(n_atoms, {0, 0, 0});
    std::vector<Vec3> fractional(n_atoms);
    for (size_t i = 0; i < n_atoms; ++i) {
        Vec3 position = {r[3 * i], r[3 * i + 1], r[3 * i + 2]};
        Vec3 wrapped = position;
        for (int k = 0; k < 3; ++k) {
            if (!system.pbc[k]) continue;
            double f = cell_geometry::dot(geometry.inverse_columns[k], position);
            double n = std::floor(f);
            if (std::fabs(n) > 1e9) throw InvalidArgument("neighbour list: atom " + std::to_string(i) + " lies absurdly far outside the cell");
            wrap[i][k] = static_cast<int32_t>(n);
            fractional[i][k] = f - n;
            for (int d = 0; d < 3; ++d) wrapped[d] -= n * geometry.rows[k][d];
        }
        centres[i] = SearchPoint{{wrapped[0], wrapped[1], wrapped[2]}, static_cast<int32_t>(i), {0, 0, 0}};
    }

    // Search points: every image whose fractional coordinate lies within the cutoff of
    // the cell, i.e. in [-c_k, 1 + c_k] with c_k = cutoff / face distance.
    std::vector<SearchPoint> points;
    if (!system.periodic()) {
        points = centres;
    } else {
        int reach[3] = {0, 0, 0};
        double fraction[3] = {0, 0, 0};
        double estimate = static_cast<double>(n_atoms);
        for (int k = 0; k < 3; ++k) {
            if (!system.pbc[k]) continue;
            fraction[k] = search_cutoff / geometry.face_distance[k];
            reach[k] = static_cast<int>(std::ceil(fraction[k])) + 1;  // the filter below trims it
            estimate *= 1.0 + 2.0 * fraction[k];
        }
        if (estimate > kMaxSearchPoints) {
            throw ResourceExhausted("neighbour list: the cutoff spans too many periodic images of the cell");
        }
        points.reserve(static_cast<size_t>(estimate * 1.1) + 16);
        for (size_t i = 0; i < n_atoms; ++i) {
            for (int sa = -reach[0]; sa <= reach[0]; ++sa) {
                if (system.pbc[0] && (fractional[i][0] + sa < -fraction[0] || fractional[i][0] + sa > 1.0 + fraction[0])) continue;
                for (int sb = -reach[1]; sb <= reach[1]; ++sb) {
                    if (system.pbc[1] && (fractional[i][1] + sb < -fraction[1] || fractional[i][1] + sb > 1.0 + fraction[1])) continue;
                    for (int sc = -reach[2]; sc <= reach[2]; ++sc) {
                        if (system.pbc[2] && (fractional[i][2] + sc < -fraction[2] || fractional[i][2] + sc > 1.0 + fraction[2])) continue;
                        SearchPoint p = centres[i];
                        p.image_shift[0] = sa;
                        p.image_shift[1] = sb;
                        p.image_shift[2] = sc;
                        for (int d = 0; d < 3; ++d) {
                            p.position[d] += sa * geometry.rows[0][d] + sb * geometry.rows[1][d] + sc * geometry.rows[2][d];
                        }
                        points.push_back(p);
                    }
                }
            }
        }
    }

    // Bin grid over the centres' bounding box grown by the cutoff.
    double low[3], high[3];
    for (int d = 0; d < 3; ++d) { low[d] = centres[0].position[d]; high[d] = low[d]; }
    for (const auto& c : centres) {
        for (int d = 0; d < 3; ++d) {
            low[d] = std::min(low[d], c.position[d]);
            high[d] = std::max(high[d], c.position[d]);
        }
    }
    for (int d = 0; d < 3; ++d) { low[d] -= search_cutoff; high[d] += search_cutoff; }
    // Bins of width >= cutoff / kReach, searched kReach bins either side: smaller bins
    // than the cutoff cut the number of distance checks by about two.
    BinGrid grid = make_grid(low, high, search_cutoff / kReach, std::max<size_t>(64, 2 * points.size()));
    std::vector<int32_t> bin_of_point;
    fill_grid(grid, points, bin_of_point);

    const double cutoff_squared = cutoff * cutoff;
    const double search_squared = search_cutoff * search_cutoff;
    // Expected pairs from the mean density of search points (one growth step at most).
    double box_volume = 1.0;
    for (int d = 0; d < 3; ++d) box_volume *= std::max(high[d] - low[d], 1e-3);
    const double sphere = 4.0 / 3.0 * M_PI * cutoff * cutoff * cutoff;
    const double expected = static_cast<double>(n_atoms) * std::min(static_cast<double>(points.size()),
                                                                     points.size() / box_volume * sphere);
    list.pairs.reserve(static_cast<size_t>(1.3 * expected) + 16);
    // Points are generated in (atom, image shift) order and S = T - n_j + n_i grows with
    // T, so sorting candidate point indices sorts the centre's pairs by (j, S).
    std::vector<uint32_t> candidates;
    candidates.reserve(256);
    for (size_t i = 0; i < n_atoms; ++i) {
        candidates.clear();
        const SearchPoint& centre = centres[i];
        int b[3];
        grid.locate(centre.position, b);  // centres lie inside the grid by construction
        for (int bx = std::max(0, b[0] - kReach); bx <= std::min(grid.dims[0] - 1, b[0] + kReach); ++bx) {
            for (int by = std::max(0, b[1] - kReach); by <= std::min(grid.dims[1] - 1, b[1] + kReach); ++by) {
                size_t first = grid.flat(bx, by, std::max(0, b[2] - kReach));
                size_t last = grid.flat(bx, by, std::min(grid.dims[2] - 1, b[2] + kReach));
                for (uint32_t o = grid.bin_start[first]; o < grid.bin_start[last + 1]; ++o) {
                    const SearchPoint& p = points[grid.order[o]];
                    double dx = p.position[0] - centre.position[0];
                    double dy = p.position[1] - centre.position[1];
                    double dz = p.position[2] - centre.position[2];
                    if (dx * dx + dy * dy + dz * dz < search_squared) candidates.push_back(grid.order[o]);
                }
            }
        }
        std::sort(candidates.begin(), candidates.end());
        for (uint32_t index : candidates) {
            const SearchPoint& p = points[index];
            const size_t j = static_cast<size_t>(p.atom);
            Pair pair;
            pair.first = static_cast<int32_t>(i);
            pair.second = p.atom;
            for (int k = 0; k < 3; ++k) pair.shift[k] = p.image_shift[k] - wrap[j][k] + wrap[i][k];
            if (j == i && pair.shift[0] == 0 && pair.shift[1] == 0 && pair.shift[2] == 0) continue;
            // Exact vector from the original positions: (r_j - r_i) + S . cell.
            for (int d = 0; d < 3; ++d) {
                double lattice = 0.0;
                for (int k = 0; k < 3; ++k) {
                    if (pair.shift[k] != 0) lattice += pair.shift[k] * geometry.rows[k][d];
                }
                pair.vector[d] = (r[3 * j + d] - r[3 * i + d]) + lattice;
            }
            double squared = pair.vector[0] * pair.vector[0] + pair.vector[1] * pair.vector[1] +
                             pair.vector[2] * pair.vector[2];
            if (squared >= cutoff_squared) continue;
            if (!(squared > 0.0)) {
                throw InvalidArgument("atoms " + std::to_string(std::min(i, j)) + " and " +
                                      std::to_string(std::max(i, j)) + " are at the same position (distance 0)");
            }
            pair.distance = std::sqrt(squared);
            list.pairs.push_back(pair);
        }
        list.centre_offsets[i + 1] = list.pairs.size();
    }
    return list;
}

void require_separated(const NeighborList& list, size_t index) {
    for (const Pair& pair : list.pairs) {
        if (pair.distance < kMinimumSeparation) {
            const bool image = pair.first == pair.second;
            throw InvalidArgument("structure " + std::to_string(index) + ": atom " + std::to_string(pair.first) +
                                  (image ? " and its own periodic image are " : " and atom " + std::to_string(pair.second) + " are ") +
                                  std::to_string(pair.distance) + " Angstrom apart (closer than 0.3 Angstrom)");
        }
    }
}

}  // namespace hamd
