// pair-features: samples (system, first_atom, second_atom, cell_shift_a, cell_shift_b,
// cell_shift_c), one per kept pair of the neighbour list (both orders; periodic images of the
// first atom itself included, the pair (i, i, 0) not); keys (o3_lambda, o3_sigma,
// first_atom_type, second_atom_type); components [o3_mu]; properties
// (l_1, l_2, neighbor_type, n_1, n_2), l_1 / (neighbor_type, n_1) those of the first atom's
// density c_i, l_2 / n_2 those of the pair term g_ij.
//
// Three passes: neighbourhoods (parallel), rows and gradient rows (sequential counting, then
// the size check), values and gradients (parallel over first atoms, each writing its own rows).
// Position gradient samples of a pair row: the first atom's slots (its distinct neighbours and
// itself). Cell gradients: one row per pair, fractional coordinates fixed.
#include "core/descriptors/pairs/pair_features.hpp"

#include <algorithm>

#include "core/descriptors/layout.hpp"
#include "core/descriptors/pairs/pair_blocks.hpp"
#include "core/descriptors/pairs/pair_term.hpp"

namespace hamd {

namespace {

// A first atom's kept pairs and where their rows go.
struct CentrePlan {
    std::vector<const Pair*> pairs;
    std::vector<int> type_pair;      // per pair: index of (first type, second type)
    std::vector<size_t> row;         // per pair: row in the blocks of its type pair
    std::vector<size_t> gradient;    // per pair: first gradient row (n_slots rows each)
    int n_slots = 0;
};

}  // namespace

TensorMap compute_pair_features(const std::vector<System>& systems, const std::vector<NeighborList>& lists,
                                const ExpansionSetup& setup, const DescriptorOptions& options, ThreadPool& pool,
                                const std::atomic<bool>* cancel) {
    const std::vector<ProductFamily> families = product_families(setup, options);
    const std::vector<AtomRef> centres = request_atoms(systems);
    const std::vector<int32_t> first_types = present_types(systems);
    std::vector<int32_t> second_types;  // present and a neighbour channel
    for (int32_t z : first_types)
        if (setup.channel(z) >= 0) second_types.push_back(z);
    const size_t n_first = first_types.size(), n_second = second_types.size(), n_type_pairs = n_first * n_second;
    auto type_index = [](const std::vector<int32_t>& types, int32_t z) {
        return static_cast<int>(std::lower_bound(types.begin(), types.end(), z) - types.begin());
    };
    const bool gradients = options.gradient_positions, cell = options.gradient_cell;
    const int S = setup.n_species(), N = setup.n_radial(), row_size = setup.row_size();

    // Pass 1: kept pairs of every first atom.
    std::vector<CentrePlan> plans(centres.size());
    pool.parallel_for(centres.size(), [&](size_t c) {
        check_cancel(cancel);
        CentreNeighbourhood nh;
        const System& system = systems[centres[c].system];
        collect_neighbourhood(setup, system, lists[centres[c].system], centres[c].atom, nh);
        CentrePlan& plan = plans[c];
        plan.pairs = nh.pairs;
        plan.n_slots = nh.n_slots();
        const int t1 = type_index(first_types, system.types[centres[c].atom]);
        for (const Pair* pair : nh.pairs)
            plan.type_pair.push_back(t1 * static_cast<int>(n_second) + type_index(second_types, system.types[pair->second]));
    }, options.max_threads);
    check_cancel(cancel);

    // Pass 2: rows in (system, first atom, second atom, shift) order, gradient rows, size.
    std::vector<size_t> rows(n_type_pairs, 0), gradient_rows(n_type_pairs, 0);
    for (CentrePlan& plan : plans)
        for (size_t k = 0; k < plan.pairs.size(); ++k) {
            const int tp = plan.type_pair[k];
            plan.row.push_back(rows[tp]++);
            plan.gradient.push_back(gradient_rows[tp]);
            gradient_rows[tp] += plan.n_slots;
        }
    Labels inner;
    inner.names = {"neighbor_type", "n_1", "n_2"};
    for (int a = 0; a < S; ++a)
        for (int n1 = 0; n1 < N; ++n1)
            for (int n2 = 0; n2 < N; ++n2) inner.values.insert(inner.values.end(), {setup.species()[a], n1, n2});
    check_product_output_bytes(families, {inner.count(), 5, 6, rows, gradient_rows, gradients, cell}, options);

    // Blocks: (lambda, sigma) ascending, then (first type, second type): already key order.
    TensorMap result;
    result.keys.names = {"o3_lambda", "o3_sigma", "first_atom_type", "second_atom_type"};
    result.blocks.resize(families.size() * n_type_pairs);
    std::vector<std::vector<int32_t>> samples(n_type_pairs);
    for (size_t tp = 0; tp < n_type_pairs; ++tp) samples[tp].resize(rows[tp] * 6);
    for (size_t c = 0; c < centres.size(); ++c)
        for (size_t k = 0; k < plans[c].pairs.size(); ++k) {
            const Pair& pair = *plans[c].pairs[k];
            int32_t* label = samples[plans[c].type_pair[k]].data() + plans[c].row[k] * 6;
            const int32_t values[6] = {centres[c].system, pair.first, pair.second, pair.shift[0], pair.shift[1], pair.shift[2]};
            std::copy(values, values + 6, label);
        }
    for (size_t f = 0; f < families.size(); ++f)
        for (size_t tp = 0; tp < n_type_pairs; ++tp)
            result.keys.values.insert(result.keys.values.end(), {families[f].lambda, families[f].sigma,
                                                                 first_types[tp / n_second], second_types[tp % n_second]});
    pool.parallel_for(result.blocks.size(), [&](size_t b) {
        check_cancel(cancel);
        const ProductFamily& family = families[b / n_type_pairs];
        const size_t tp = b % n_type_pairs;
        Block& block = result.blocks[b];
        block.samples.names = {"system", "first_atom", "second_atom", "cell_shift_a", "cell_shift_b", "cell_shift_c"};
        block.samples.values = samples[tp];
        block.components.push_back(mu_labels(family.lambda));
        block.properties = product_properties(family.groups, inner);
        const size_t width = static_cast<size_t>(family.components()) * block.properties.count();
        block.values.resize(rows[tp] * width);  // every row is zeroed and filled below
        add_gradient_blocks(block, family.lambda, width, rows[tp], gradient_rows[tp], gradients, cell);
    }, options.max_threads);
    check_cancel(cancel);

    // Pass 3: values and gradients, one first atom at a time.
    const size_t g_size = static_cast<size_t>(setup.n_lm()) * N, plane = static_cast<size_t>(setup.n_lm()) * row_size;
    pool.parallel_for(centres.size(), [&](size_t c) {
        check_cancel(cancel);
        const CentrePlan& plan = plans[c];
        if (plan.pairs.empty()) return;
        const System& system = systems[centres[c].system];
        CentreNeighbourhood nh;
        CentreExpansion expansion;
        collect_neighbourhood(setup, system, lists[centres[c].system], centres[c].atom, nh);
        compute_expansion(setup, nh, gradients || cell, expansion);
        // d c_i / d r_slot, dense: [slot][xyz][lm][a n]
        std::vector<double> dc, compact;
        if (gradients) {
            dc.resize(static_cast<size_t>(nh.n_slots()) * 3 * plane);
            for (int s = 0; s < nh.n_slots(); ++s)
                slot_expansion_gradient(setup, nh, expansion, s, compact, dc.data() + s * 3 * plane);
        }
        // d c_i / d cell[a][b] (fractional coordinates fixed), dense: [3 a + b][lm][a' n]
        double inverse_cell[9];
        std::vector<double> dcell;
        if (cell) {
            invert_3x3(system.cell.data(), inverse_cell);
            dcell.resize(9 * plane);
            cell_expansion_gradient(setup, nh, expansion, inverse_cell, dcell.data());
        }
        PairTermEvaluator pair_term(setup);
        std::vector<double> g(g_size), dg(gradients || cell ? 3 * g_size : 0);
        for (size_t k = 0; k < plan.pairs.size(); ++k) {
            const Pair& pair = *plan.pairs[k];
            pair_term.compute(pair.vector, pair.distance, g.data(), gradients || cell ? dg.data() : nullptr);
            // the pair vector is u . cell with u = f_j - f_i + S: d vector_b / d cell[a][b] = u_a
            double u[3] = {0, 0, 0};
            if (cell)
                for (int a = 0; a < 3; ++a)
                    for (int d = 0; d < 3; ++d) u[a] += pair.vector[d] * inverse_cell[d * 3 + a];
            const int own_slot = nh.slot[k];  // -1: an image of the first atom (moves with nothing)
            for (size_t f = 0; f < families.size(); ++f) {
                Block& block = result.blocks[f * n_type_pairs + plan.type_pair[k]];
                const size_t n_properties = block.properties.count();
                const size_t width = static_cast<size_t>(families[f].components()) * n_properties;
                const ProductLayout layout{n_properties, static_cast<size_t>(row_size) * N, static_cast<size_t>(N)};
                double* out = block.values.data() + plan.row[k] * width;
                std::fill(out, out + width, 0.0);
                couple_products_add(families[f].groups, expansion.values.data(), row_size, g.data(), N, 1.0, out, layout);
                if (cell) {
                    double* base = block.gradients[gradients ? 1 : 0].values.data() + plan.row[k] * 9 * width;
                    std::fill(base, base + 9 * width, 0.0);
                    for (int ab = 0; ab < 9; ++ab) {
                        couple_products_add(families[f].groups, dcell.data() + ab * plane, row_size, g.data(), N, 1.0,
                                            base + ab * width, layout);
                        couple_products_add(families[f].groups, expansion.values.data(), row_size,
                                            dg.data() + (ab % 3) * g_size, N, u[ab / 3], base + ab * width, layout);
                    }
                }
                if (!gradients) continue;
                GradientBlock& gradient = block.gradients[0];
                int32_t* label = gradient.samples.values.data() + plan.gradient[k] * 3;
                double* base = gradient.values.data() + plan.gradient[k] * 3 * width;
                std::fill(base, base + static_cast<size_t>(plan.n_slots) * 3 * width, 0.0);
                for (int s = 0; s < nh.n_slots(); ++s) {
                    // d c_i / d r_s: every channel for the first atom, only its own for a neighbour
                    const int channel = s == nh.centre_slot ? -1 : nh.slot_channel[s];
                    const int k_begin = channel < 0 ? 0 : channel * N, k_end = channel < 0 ? row_size : k_begin + N;
                    *label++ = static_cast<int32_t>(plan.row[k]);
                    *label++ = centres[c].system;
                    *label++ = nh.slot_atoms[s];
                    for (int d = 0; d < 3; ++d) {
                        double* target = base + (static_cast<size_t>(s) * 3 + d) * width;
                        // d rho_ij / d r_s = CG(d c_i / d r_s, g_ij) + CG(c_i, d g_ij / d r_s)
                        couple_products_add(families[f].groups, dc.data() + (s * 3 + d) * plane, row_size, g.data(), N,
                                            1.0, target, layout, k_begin, k_end);
                        if (own_slot < 0) continue;
                        const double sign = s == own_slot ? 1.0 : (s == nh.centre_slot ? -1.0 : 0.0);
                        if (sign != 0.0)
                            couple_products_add(families[f].groups, expansion.values.data(), row_size,
                                                dg.data() + d * g_size, N, sign, target, layout);
                    }
                }
            }
        }
    }, options.max_threads);
    check_cancel(cancel);
    return result;
}

}  // namespace hamd
