// Shared helpers of the descriptor tests: structures, symmetry operations, block lookup,
// finite-difference gradients.
#pragma once
#include <cstdlib>
#include <fstream>
#include <algorithm>
#include <array>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "check.hpp"
#include "core/descriptors/engine.hpp"
#include "core/descriptors/density/spherical_expansion.hpp"
#include "wigner.hpp"

namespace fixtures {

// Locates data/<relative> (e.g. "degenerate/powerspectrum-degenerate.xyz"): $HAMD_DATA_DIR, else
// the repository's data/ (everything the tests read lives in the repository).
inline std::string data_file(const std::string& relative) {
    std::string source = __FILE__;
    std::string root = source.substr(0, source.rfind("test/native"));
    std::vector<std::string> candidates;
    if (const char* env = std::getenv("HAMD_DATA_DIR")) candidates.push_back(std::string(env) + "/" + relative);
    candidates.push_back(root + "data/" + relative);
    for (const auto& path : candidates)
        if (std::ifstream(path).good()) return path;
    return candidates.front();
}


using hamd::Block;
using hamd::DescriptorKind;
using hamd::DescriptorOptions;
using hamd::System;
using hamd::TensorMap;

inline hamd::ThreadPool& pool() {
    static hamd::ThreadPool instance(1);
    return instance;
}

// Small hypers so that the tests stay fast while exercising every l and several n.
inline DescriptorOptions options(DescriptorKind kind, int max_radial = 3, int max_angular = 4) {
    DescriptorOptions o;
    o.kind = kind;
    o.hypers.cutoff = 3.5;
    o.hypers.cutoff_width = 0.5;
    o.hypers.max_radial = max_radial;
    o.hypers.max_angular = max_angular;
    o.hypers.density_width = 0.4;
    o.hypers.center_atom_weight = 0.7;
    return o;
}

inline TensorMap compute(const std::vector<System>& systems, const DescriptorOptions& o) {
    return hamd::compute_descriptors(systems, o, pool());
}

// Random positions in a cube of side `box`, at least `min_distance` apart.
inline System random_molecule(std::mt19937& rng, const std::vector<int32_t>& types, double box = 3.0,
                              double min_distance = 0.8) {
    std::uniform_real_distribution<double> uniform(0.0, box);
    System system;
    system.types = types;
    while (system.positions.size() < 3 * types.size()) {
        double r[3] = {uniform(rng), uniform(rng), uniform(rng)};
        bool far = true;
        for (size_t k = 0; k < system.positions.size(); k += 3) {
            double d2 = 0;
            for (int d = 0; d < 3; ++d) d2 += std::pow(system.positions[k + d] - r[d], 2);
            if (d2 < min_distance * min_distance) far = false;
        }
        if (far) system.positions.insert(system.positions.end(), r, r + 3);
    }
    return system;
}

// A small triclinic periodic cell with `types` at random fractional positions.
inline System random_crystal(std::mt19937& rng, const std::vector<int32_t>& types,
                             std::array<double, 9> cell = {3.1, 0.0, 0.0, 0.6, 2.9, 0.0, -0.4, 0.5, 3.3}) {
    std::uniform_real_distribution<double> uniform(0.0, 1.0);
    for (int attempt = 0;; ++attempt) {
        System system;
        system.types = types;
        system.cell = cell;
        system.pbc = {true, true, true};
        for (size_t i = 0; i < types.size(); ++i) {
            double f[3] = {uniform(rng), uniform(rng), uniform(rng)};
            for (int d = 0; d < 3; ++d) system.positions.push_back(f[0] * cell[d] + f[1] * cell[3 + d] + f[2] * cell[6 + d]);
        }
        // keep atoms (and their images) apart
        bool ok = true;
        for (size_t i = 0; i < types.size() && ok; ++i)
            for (size_t j = 0; j < types.size() && ok; ++j)
                for (int s0 = -1; s0 <= 1; ++s0)
                    for (int s1 = -1; s1 <= 1; ++s1)
                        for (int s2 = -1; s2 <= 1; ++s2) {
                            if (i == j && s0 == 0 && s1 == 0 && s2 == 0) continue;
                            double d2 = 0;
                            for (int d = 0; d < 3; ++d) {
                                double v = system.positions[3 * j + d] - system.positions[3 * i + d] + s0 * cell[d] +
                                           s1 * cell[3 + d] + s2 * cell[6 + d];
                                d2 += v * v;
                            }
                            if (d2 < 0.8 * 0.8) ok = false;
                        }
        if (ok || attempt > 1000) return system;
    }
}

inline System transformed(const System& system, const double M[9], const double shift[3] = nullptr) {
    System out = system;
    for (size_t i = 0; i < system.size(); ++i) {
        wigner::rotate(M, &system.positions[3 * i], &out.positions[3 * i]);
        if (shift) for (int d = 0; d < 3; ++d) out.positions[3 * i + d] += shift[d];
    }
    for (int k = 0; k < 3; ++k) wigner::rotate(M, &system.cell[3 * k], &out.cell[3 * k]);
    return out;
}

inline const double kInversion[9] = {-1, 0, 0, 0, -1, 0, 0, 0, -1};

// Index of the block whose key equals `key`, or -1.
inline int find_block(const TensorMap& map, const std::vector<int32_t>& key) {
    const size_t width = map.keys.names.size();
    for (size_t b = 0; b < map.blocks.size(); ++b)
        if (std::equal(key.begin(), key.end(), map.keys.values.begin() + b * width)) return static_cast<int>(b);
    return -1;
}

// Row of sample (system, atom) in a block, or -1.
inline int find_sample(const Block& block, int32_t system, int32_t atom) {
    for (size_t r = 0; r < block.samples.count(); ++r)
        if (block.samples.values[2 * r] == system && block.samples.values[2 * r + 1] == atom) return static_cast<int>(r);
    return -1;
}

inline size_t row_width(const Block& block) { return block.samples.count() ? block.values.size() / block.samples.count() : 0; }

template <typename Vector>
inline double max_abs(const Vector& v) {
    double m = 0;
    for (double x : v) m = std::max(m, std::fabs(x));
    return m;
}

// Largest |a - b| over two maps with identical structure, relative to the largest |b|.
inline double relative_difference(const TensorMap& a, const TensorMap& b) {
    double diff = 0, scale = 0;
    if (a.blocks.size() != b.blocks.size() || a.keys.values != b.keys.values) return INFINITY;
    for (size_t k = 0; k < a.blocks.size(); ++k) {
        if (a.blocks[k].values.size() != b.blocks[k].values.size()) return INFINITY;
        for (size_t i = 0; i < a.blocks[k].values.size(); ++i) {
            diff = std::max(diff, std::fabs(a.blocks[k].values[i] - b.blocks[k].values[i]));
            scale = std::max(scale, std::fabs(b.blocks[k].values[i]));
        }
    }
    return scale > 0 ? diff / scale : INFINITY;  // nothing compared is a failure
}

// Equivariance of every block: values(R x) == D^lambda(R) values(x) per sample (components
// [o3_mu] with lambda = key column 0; invariants have no components). `sign(block)` extra factor.
template <class Sign>
inline double equivariance_error(const TensorMap& original, const TensorMap& rotated, const double R[9], Sign&& sign) {
    double diff = 0, scale = 0;
    for (size_t k = 0; k < original.blocks.size(); ++k) {
        const Block& a = original.blocks[k];
        const Block& b = rotated.blocks[k];
        const int lambda = original.keys.values[k * original.keys.names.size()];
        const int n_mu = a.components.empty() ? 1 : 2 * lambda + 1;
        std::vector<double> D = a.components.empty() ? std::vector<double>{1.0} : wigner::wigner_d_real(lambda, R);
        const size_t n_props = a.properties.count();
        const double s = sign(k);
        for (size_t r = 0; r < a.samples.count(); ++r)
            for (int mu = 0; mu < n_mu; ++mu)
                for (size_t p = 0; p < n_props; ++p) {
                    double expected = 0;
                    for (int nu = 0; nu < n_mu; ++nu) expected += D[mu * n_mu + nu] * a.values[(r * n_mu + nu) * n_props + p];
                    expected *= s;
                    diff = std::max(diff, std::fabs(b.values[(r * n_mu + mu) * n_props + p] - expected));
                    scale = std::max(scale, std::fabs(expected));
                }
    }
    return scale > 0 ? diff / scale : INFINITY;  // nothing compared is a failure
}

// Dense analytic position gradient: out[((block, sample row, atom), d, width)] from the
// sparse gradient blocks, zeros elsewhere (so that missing gradient samples show up).
struct DenseGradient {
    std::vector<double> values;  // per block: [row][atom][d][width]
    std::vector<size_t> offsets;
};

inline DenseGradient dense_position_gradient(const TensorMap& map, size_t n_atoms) {
    DenseGradient dense;
    size_t total = 0;
    for (const Block& block : map.blocks) {
        dense.offsets.push_back(total);
        total += block.samples.count() * n_atoms * 3 * row_width(block);
    }
    dense.values.assign(total, 0.0);
    for (size_t k = 0; k < map.blocks.size(); ++k) {
        const Block& block = map.blocks[k];
        const size_t width = row_width(block);
        for (const auto& gradient : block.gradients) {
            if (gradient.parameter != "positions") continue;
            for (size_t g = 0; g < gradient.samples.count(); ++g) {
                const size_t row = gradient.samples.values[3 * g], atom = gradient.samples.values[3 * g + 2];
                for (size_t x = 0; x < 3 * width; ++x)
                    dense.values[dense.offsets[k] + (row * n_atoms + atom) * 3 * width + x] += gradient.values[g * 3 * width + x];
            }
        }
    }
    return dense;
}

// Central finite differences (step h, Angstrom) of every position of system 0 of a
// one-system request, compared with the analytic gradient; returns the largest error
// relative to the largest analytic gradient entry.
inline double position_gradient_error(const System& system, DescriptorOptions o, double h = 1e-6) {
    o.gradient_positions = true;
    const TensorMap analytic = compute({system}, o);
    const DenseGradient dense = dense_position_gradient(analytic, system.size());
    o.gradient_positions = false;
    o.gradient_cell = false;
    double diff = 0, scale = max_abs(dense.values);
    for (size_t atom = 0; atom < system.size(); ++atom) {
        for (int d = 0; d < 3; ++d) {
            System plus = system, minus = system;
            plus.positions[3 * atom + d] += h;
            minus.positions[3 * atom + d] -= h;
            const TensorMap p = compute({plus}, o), m = compute({minus}, o);
            for (size_t k = 0; k < p.blocks.size(); ++k) {
                const size_t width = row_width(p.blocks[k]);
                for (size_t row = 0; row < p.blocks[k].samples.count(); ++row)
                    for (size_t x = 0; x < width; ++x) {
                        const double fd = (p.blocks[k].values[row * width + x] - m.blocks[k].values[row * width + x]) / (2 * h);
                        const double an = dense.values[dense.offsets[k] + ((row * system.size() + atom) * 3 + d) * width + x];
                        diff = std::max(diff, std::fabs(fd - an));
                    }
            }
        }
    }
    return scale > 0 ? diff / scale : INFINITY;  // nothing compared is a failure
}

// Same for the cell gradient (fractional coordinates fixed) of a periodic structure.
inline double cell_gradient_error(const System& system, DescriptorOptions o, double h = 1e-6) {
    o.gradient_cell = true;
    o.gradient_positions = false;
    const TensorMap analytic = compute({system}, o);
    o.gradient_cell = false;
    double inverse[9];
    hamd::invert_3x3(system.cell.data(), inverse);
    std::vector<double> fractional(system.positions.size());
    for (size_t i = 0; i < system.size(); ++i)
        for (int a = 0; a < 3; ++a) {
            fractional[3 * i + a] = 0;
            for (int b = 0; b < 3; ++b) fractional[3 * i + a] += system.positions[3 * i + b] * inverse[3 * b + a];
        }
    auto with_cell = [&](const std::array<double, 9>& cell) {
        System s = system;
        s.cell = cell;
        for (size_t i = 0; i < s.size(); ++i)
            for (int b = 0; b < 3; ++b) {
                s.positions[3 * i + b] = 0;
                for (int a = 0; a < 3; ++a) s.positions[3 * i + b] += fractional[3 * i + a] * cell[3 * a + b];
            }
        return s;
    };
    double diff = 0, scale = 0;
    for (const Block& block : analytic.blocks) scale = std::max(scale, max_abs(block.gradients.at(0).values));
    for (int ab = 0; ab < 9; ++ab) {
        auto plus_cell = system.cell, minus_cell = system.cell;
        plus_cell[ab] += h;
        minus_cell[ab] -= h;
        const TensorMap p = compute({with_cell(plus_cell)}, o), m = compute({with_cell(minus_cell)}, o);
        for (size_t k = 0; k < p.blocks.size(); ++k) {
            const size_t width = row_width(p.blocks[k]);
            const auto& gradient = analytic.blocks[k].gradients.at(0);
            for (size_t row = 0; row < p.blocks[k].samples.count(); ++row)
                for (size_t x = 0; x < width; ++x) {
                    const double fd = (p.blocks[k].values[row * width + x] - m.blocks[k].values[row * width + x]) / (2 * h);
                    diff = std::max(diff, std::fabs(fd - gradient.values[(row * 9 + ab) * width + x]));
                }
        }
    }
    return scale > 0 ? diff / scale : INFINITY;  // nothing compared is a failure
}

// A 2x2x2 supercell of a periodic system: atom i of image (u, v, w) is index ((u*2+v)*2+w)*n + i.
inline System supercell(const System& system) { return repeat_cell(system, 2); }

// Largest relative difference between the features of atom i of `small` and of each of its
// 8 copies in the supercell.
inline double supercell_difference(const System& small, DescriptorOptions o) {
    const System big = supercell(small);
    const TensorMap a = compute({small}, o), b = compute({big}, o);
    if (a.blocks.size() != b.blocks.size()) return INFINITY;
    double diff = 0, scale = 0;
    for (size_t k = 0; k < a.blocks.size(); ++k) {
        const size_t width = row_width(a.blocks[k]);
        for (size_t i = 0; i < small.size(); ++i) {
            const int r = find_sample(a.blocks[k], 0, static_cast<int32_t>(i));
            if (r < 0) continue;
            for (int copy = 0; copy < 8; ++copy) {
                const int q = find_sample(b.blocks[k], 0, static_cast<int32_t>(copy * small.size() + i));
                if (q < 0) return INFINITY;
                for (size_t x = 0; x < width; ++x) {
                    diff = std::max(diff, std::fabs(a.blocks[k].values[r * width + x] - b.blocks[k].values[q * width + x]));
                    scale = std::max(scale, std::fabs(a.blocks[k].values[r * width + x]));
                }
            }
        }
    }
    return scale > 0 ? diff / scale : INFINITY;  // nothing compared is a failure
}

}  // namespace fixtures
