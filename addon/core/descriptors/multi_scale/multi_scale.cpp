#include "core/descriptors/multi_scale/multi_scale.hpp"

#include <algorithm>
#include <map>
#include <string>

#include "core/base/errors.hpp"
#include "core/math/clebsch_gordan.hpp"

namespace hamd {

namespace {

// The blocks of one expansion (keys (o3_lambda, o3_sigma, center_type, neighbor_type),
// components [o3_mu], properties (n)) regrouped per centre: dense [a][lm][n] rows and, per
// gradient block, where each sample's rows start.
class Expansion {
public:
    Expansion(TensorMap map, const ExpansionSetup& setup, const std::vector<int32_t>& centre_types)
        : map_(std::move(map)), S_(setup.n_species()), L_(setup.max_angular()), N_(setup.n_radial()) {
        block_.assign(centre_types.size() * (L_ + 1) * S_, -1);
        for (size_t b = 0; b < map_.blocks.size(); ++b) {
            const int32_t* key = &map_.keys.values[b * 4];
            const int l = key[0];
            const auto t = std::find(centre_types.begin(), centre_types.end(), key[2]) - centre_types.begin();
            const int a = setup.channel(key[3]);
            if (l > L_ || a < 0 || t == static_cast<long>(centre_types.size())) continue;
            block_[(t * (L_ + 1) + l) * S_ + a] = static_cast<int>(b);
        }
        for (Block& block : map_.blocks) {
            std::vector<std::vector<size_t>> starts;
            for (const GradientBlock& gradient : block.gradients) {
                // Rows of sample s: [starts[s], starts[s + 1]) (rows are grouped by sample, ascending).
                std::vector<size_t> first(block.samples.count() + 1, 0);
                const size_t width = gradient.samples.names.size();
                for (size_t r = 0; r < gradient.samples.count(); ++r) ++first[gradient.samples.values[r * width] + 1];
                for (size_t s = 0; s < block.samples.count(); ++s) first[s + 1] += first[s];
                starts.push_back(std::move(first));
            }
            gradient_starts_.push_back(std::move(starts));
        }
    }

    const Block* block(size_t type, int l, int a) const {
        const int b = block_[(type * (L_ + 1) + l) * S_ + a];
        return b < 0 ? nullptr : &map_.blocks[b];
    }
    int block_index(size_t type, int l, int a) const { return block_[(type * (L_ + 1) + l) * S_ + a]; }
    // Rows of gradient g of block b for sample s.
    std::pair<size_t, size_t> gradient_rows(int b, size_t g, size_t s) const {
        const auto& first = gradient_starts_[b][g];
        return {first[s], first[s + 1]};
    }
    // dense [a][lm][n] of sample s of centre type `type`
    void gather(size_t type, size_t s, double* out) const {
        const int n_lm = (L_ + 1) * (L_ + 1);
        std::fill(out, out + static_cast<size_t>(S_) * n_lm * N_, 0.0);
        for (int l = 0; l <= L_; ++l)
            for (int a = 0; a < S_; ++a)
                if (const Block* b = block(type, l, a)) {
                    const double* row = b->values.data() + s * (2 * l + 1) * N_;
                    std::copy(row, row + (2 * l + 1) * N_, out + (static_cast<size_t>(a) * n_lm + l * l) * N_);
                }
    }
    const Block& any_block_of_type(size_t type) const {
        for (int a = 0; a < S_; ++a)
            if (const Block* b = block(type, 0, a)) return *b;
        throw std::logic_error("multi-scale: an expansion has no l = 0 block for a centre type");
    }

private:
    TensorMap map_;
    int S_, L_, N_;
    std::vector<int> block_;                                       // (type, l, a) -> block
    std::vector<std::vector<std::vector<size_t>>> gradient_starts_;  // [block][gradient][sample]
};

// One (a1, a2, l1, l2) group of an output (lambda, sigma) block.
struct Group {
    int a1, a2, l1, l2;
    size_t offset;
    std::shared_ptr<const CGBlock> cg;
};
struct Family {
    int lambda, sigma;
    std::vector<Group> groups;
    Labels properties;
    size_t width = 0;
};

std::vector<Family> plan_families(const ExpansionSetup& setup, int max_lambda) {
    const int S = setup.n_species(), L = setup.max_angular(), N = setup.n_radial();
    std::vector<Family> families;
    for (int lambda = 0; lambda <= max_lambda; ++lambda) {
        for (int sigma : {-1, 1}) {
            Family family{lambda, sigma, {}, {}, 0};
            family.properties.names = {"neighbor_1_type", "neighbor_2_type", "l_1", "l_2", "n_1", "n_2"};
            for (int a1 = 0; a1 < S; ++a1)
                for (int a2 = 0; a2 < S; ++a2)
                    for (int l1 = 0; l1 <= L; ++l1)
                        for (int l2 = 0; l2 <= L; ++l2) {
                            if (lambda < std::abs(l1 - l2) || lambda > l1 + l2) continue;
                            if (((l1 + l2 + lambda) % 2 == 0 ? 1 : -1) != sigma) continue;
                            family.groups.push_back({a1, a2, l1, l2, family.width, real_clebsch_gordan(l1, l2, lambda)});
                            family.width += static_cast<size_t>(N) * N;
                            for (int n1 = 0; n1 < N; ++n1)
                                for (int n2 = 0; n2 < N; ++n2)
                                    family.properties.values.insert(family.properties.values.end(),
                                                                    {setup.species()[a1], setup.species()[a2], l1, l2, n1, n2});
                        }
            if (family.width > 0) families.push_back(std::move(family));
        }
    }
    return families;
}

// out[mu][property] += CG(c, v) over every group of the family; c and v dense [a][lm][n].
void couple(const Family& family, int n_lm, int N, const double* c, const double* v, double* out) {
    for (const Group& group : family.groups) {
        for (const auto& entry : group.cg->nonzero) {
            const double* x = c + (static_cast<size_t>(group.a1) * n_lm + group.l1 * group.l1 + entry.m1) * N;
            const double* y = v + (static_cast<size_t>(group.a2) * n_lm + group.l2 * group.l2 + entry.m2) * N;
            double* target = out + entry.mu * family.width + group.offset;
            for (int n1 = 0; n1 < N; ++n1) {
                const double xv = entry.value * x[n1];
                if (xv == 0.0) continue;
                for (int n2 = 0; n2 < N; ++n2) target[n1 * N + n2] += xv * y[n2];
            }
        }
    }
}

// Per-sample derivative data of one expansion: dense d[atom slot][xyz][a][lm][n] for position
// gradients over the sample's atoms, and d[ab][a][lm][n] for the cell.
void gather_position_gradient(const Expansion& e, size_t type, size_t s, int S, int L, int N,
                              const std::vector<int32_t>& atoms, double* out) {
    const int n_lm = (L + 1) * (L + 1);
    const size_t plane = static_cast<size_t>(S) * n_lm * N;
    std::fill(out, out + atoms.size() * 3 * plane, 0.0);
    for (int l = 0; l <= L; ++l)
        for (int a = 0; a < S; ++a) {
            const int b = e.block_index(type, l, a);
            if (b < 0) continue;
            const Block& block = *e.block(type, l, a);
            const GradientBlock& gradient = block.gradients[0];
            const auto [begin, end] = e.gradient_rows(b, 0, s);
            const size_t row = static_cast<size_t>(2 * l + 1) * N;
            for (size_t r = begin; r < end; ++r) {
                const int32_t atom = gradient.samples.values[r * 3 + 2];
                const size_t slot = std::lower_bound(atoms.begin(), atoms.end(), atom) - atoms.begin();
                for (int d = 0; d < 3; ++d) {
                    const double* from = gradient.values.data() + (r * 3 + d) * row;
                    std::copy(from, from + row, out + (slot * 3 + d) * plane + (static_cast<size_t>(a) * n_lm + l * l) * N);
                }
            }
        }
}

void gather_cell_gradient(const Expansion& e, size_t type, size_t s, int S, int L, int N, size_t cell_index, double* out) {
    const int n_lm = (L + 1) * (L + 1);
    const size_t plane = static_cast<size_t>(S) * n_lm * N;
    std::fill(out, out + 9 * plane, 0.0);
    for (int l = 0; l <= L; ++l)
        for (int a = 0; a < S; ++a) {
            const Block* block = e.block(type, l, a);
            if (block == nullptr) continue;
            const size_t row = static_cast<size_t>(2 * l + 1) * N;
            const double* from = block->gradients[cell_index].values.data() + s * 9 * row;
            for (int ab = 0; ab < 9; ++ab)
                std::copy(from + ab * row, from + (ab + 1) * row, out + ab * plane + (static_cast<size_t>(a) * n_lm + l * l) * N);
        }
}

// Atoms the sample's features depend on: those of either expansion's gradient rows, sorted.
std::vector<int32_t> sample_atoms(const Expansion& e1, const Expansion& e2, size_t type, size_t s, int S, int L) {
    std::vector<int32_t> atoms;
    for (const Expansion* e : {&e1, &e2})
        for (int l = 0; l <= L; ++l)
            for (int a = 0; a < S; ++a) {
                const int b = e->block_index(type, l, a);
                if (b < 0) continue;
                const auto [begin, end] = e->gradient_rows(b, 0, s);
                const GradientBlock& gradient = e->block(type, l, a)->gradients[0];
                for (size_t r = begin; r < end; ++r) atoms.push_back(gradient.samples.values[r * 3 + 2]);
            }
    std::sort(atoms.begin(), atoms.end());
    atoms.erase(std::unique(atoms.begin(), atoms.end()), atoms.end());
    return atoms;
}

}  // namespace

TensorMap compute_multi_scale(const std::vector<System>& systems, const std::vector<NeighborList>& lists,
                              const ExpansionSetup& setup, const DescriptorOptions& options, ThreadPool& pool,
                              const std::atomic<bool>* cancel) {
    const int S = setup.n_species(), L = setup.max_angular(), N = setup.n_radial(), n_lm = setup.n_lm();
    const int max_lambda = options.max_lambda < 0 ? 0 : options.max_lambda;
    const bool positions = options.gradient_positions, cell = options.gradient_cell;

    // The two expansions, with the same species, hypers and gradients.
    DescriptorOptions local = options;
    local.kind = DescriptorKind::SphericalExpansion;
    local.species = setup.species();
    local.max_lambda = -1;
    local.potential_exponent.reset();
    local.k_cutoff.reset();
    local.device = ComputeDevice::Cpu;
    DescriptorOptions lode = local;
    lode.kind = DescriptorKind::LodeSphericalExpansion;
    lode.potential_exponent = options.potential_exponent;
    lode.k_cutoff = options.k_cutoff;

    std::vector<int32_t> centre_types;
    for (const System& system : systems) centre_types.insert(centre_types.end(), system.types.begin(), system.types.end());
    std::sort(centre_types.begin(), centre_types.end());
    centre_types.erase(std::unique(centre_types.begin(), centre_types.end()), centre_types.end());

    const Expansion density(compute_descriptors_with_neighbors(systems, lists, local, pool, cancel), setup, centre_types);
    const Expansion potential(compute_descriptors_with_neighbors(systems, lists, lode, pool, cancel), setup, centre_types);
    const std::vector<Family> families = plan_families(setup, max_lambda);
    const size_t plane = static_cast<size_t>(S) * n_lm * N;

    TensorMap result;
    result.keys.names = {"o3_lambda", "o3_sigma", "center_type"};
    // Gradient rows (positions) of each centre type: the atoms of every sample.
    std::vector<std::vector<std::vector<int32_t>>> atoms(centre_types.size());
    size_t bytes = 0;
    for (size_t t = 0; t < centre_types.size(); ++t) {
        const size_t n_samples = density.any_block_of_type(t).samples.count();
        size_t rows = 0;
        if (positions) {
            atoms[t].resize(n_samples);
            for (size_t s = 0; s < n_samples; ++s) {
                atoms[t][s] = sample_atoms(density, potential, t, s, S, L);
                rows += atoms[t][s].size();
            }
        }
        for (const Family& f : families)
            bytes += 8 * (2 * f.lambda + 1) * f.width * (n_samples * (1 + (cell ? 9 : 0)) + 3 * rows);
    }
    if (options.max_output_bytes > 0 && bytes > options.max_output_bytes) {
        throw ResourceExhausted("multi-scale: the result would take " + std::to_string(bytes) + " bytes, over the limit of " +
                                std::to_string(options.max_output_bytes) + " (fewer structures, smaller hypers or max_lambda, or no gradients)");
    }

    // Keys in ascending order: (lambda, sigma) then centre type.
    for (const Family& family : families) {
        for (size_t t = 0; t < centre_types.size(); ++t) {
            result.keys.values.insert(result.keys.values.end(), {family.lambda, family.sigma, centre_types[t]});
            const Block& like = density.any_block_of_type(t);
            Block block;
            block.samples = like.samples;
            Labels mu;
            mu.names = {"o3_mu"};
            for (int m = -family.lambda; m <= family.lambda; ++m) mu.values.push_back(m);
            block.components = {mu};
            block.properties = family.properties;
            const size_t n_samples = block.samples.count(), row = (2 * family.lambda + 1) * family.width;
            block.values.assign(n_samples * row, 0.0);
            if (positions) {
                GradientBlock gradient;
                gradient.parameter = "positions";
                gradient.samples.names = {"sample", "system", "atom"};
                for (size_t s = 0; s < n_samples; ++s)
                    for (int32_t atom : atoms[t][s])
                        gradient.samples.values.insert(gradient.samples.values.end(),
                                                       {static_cast<int32_t>(s), block.samples.values[2 * s], atom});
                Labels xyz;
                xyz.names = {"xyz"};
                xyz.values = {0, 1, 2};
                gradient.components = {xyz, mu};
                gradient.values.assign(gradient.samples.count() * 3 * row, 0.0);
                block.gradients.push_back(std::move(gradient));
            }
            if (cell) {
                GradientBlock gradient;
                gradient.parameter = "cell";
                gradient.samples.names = {"sample"};
                for (size_t s = 0; s < n_samples; ++s) gradient.samples.values.push_back(static_cast<int32_t>(s));
                Labels rows, columns;
                rows.names = {"cell_row"};
                columns.names = {"cell_column"};
                rows.values = columns.values = {0, 1, 2};
                gradient.components = {rows, columns, mu};
                gradient.values.assign(n_samples * 9 * row, 0.0);
                block.gradients.push_back(std::move(gradient));
            }
            result.blocks.push_back(std::move(block));
        }
    }
    // keys sorted: families are (lambda, sigma) ascending and types ascending within each.

    const size_t cell_index = positions ? 1 : 0;
    for (size_t t = 0; t < centre_types.size(); ++t) {
        const size_t n_samples = density.any_block_of_type(t).samples.count();
        // first gradient row of each sample (positions)
        std::vector<size_t> first_row(n_samples + 1, 0);
        if (positions)
            for (size_t s = 0; s < n_samples; ++s) first_row[s + 1] = first_row[s] + atoms[t][s].size();
        pool.parallel_for(n_samples, [&](size_t s) {
            if (cancel && cancel->load()) throw Cancelled();
            std::vector<double> c(plane), v(plane), dc, dv;
            density.gather(t, s, c.data());
            potential.gather(t, s, v.data());
            if (positions) {
                const std::vector<int32_t>& around = atoms[t][s];
                dc.resize(around.size() * 3 * plane);
                dv.resize(around.size() * 3 * plane);
                gather_position_gradient(density, t, s, S, L, N, around, dc.data());
                gather_position_gradient(potential, t, s, S, L, N, around, dv.data());
            }
            std::vector<double> dc_cell, dv_cell;
            if (cell) {
                dc_cell.resize(9 * plane);
                dv_cell.resize(9 * plane);
                gather_cell_gradient(density, t, s, S, L, N, cell_index, dc_cell.data());
                gather_cell_gradient(potential, t, s, S, L, N, cell_index, dv_cell.data());
            }
            for (size_t f = 0; f < families.size(); ++f) {
                const Family& family = families[f];
                Block& block = result.blocks[f * centre_types.size() + t];
                const size_t row = (2 * family.lambda + 1) * family.width;
                couple(family, n_lm, N, c.data(), v.data(), block.values.data() + s * row);
                if (positions) {
                    double* g = block.gradients[0].values.data() + first_row[s] * 3 * row;
                    for (size_t k = 0; k < atoms[t][s].size(); ++k)
                        for (int d = 0; d < 3; ++d) {
                            double* target = g + (k * 3 + d) * row;
                            couple(family, n_lm, N, dc.data() + (k * 3 + d) * plane, v.data(), target);
                            couple(family, n_lm, N, c.data(), dv.data() + (k * 3 + d) * plane, target);
                        }
                }
                if (cell) {
                    double* g = block.gradients[cell_index].values.data() + s * 9 * row;
                    for (int ab = 0; ab < 9; ++ab) {
                        couple(family, n_lm, N, dc_cell.data() + ab * plane, v.data(), g + ab * row);
                        couple(family, n_lm, N, c.data(), dv_cell.data() + ab * plane, g + ab * row);
                    }
                }
            }
        }, options.max_threads);
    }
    if (cancel && cancel->load()) throw Cancelled();
    return result;
}

}  // namespace hamd
