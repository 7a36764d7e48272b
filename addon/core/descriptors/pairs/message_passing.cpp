// message-passing: samples (system, atom); keys (o3_lambda, o3_sigma, center_type);
// components [o3_mu]; properties (l_1, l_2, neighbor_1_type, n_1, neighbor_2_type, n_2):
//   m_i[l_1 l_2; a_1 n_1 a_2 n_2] = sum_{(j, S) kept, a_j = a_2} CG(c_j[a_1 n_1 l_1], g_ij^S[n_2 l_2]),
// l_1 / (neighbor_1_type, n_1) from the density c_j around the neighbour, l_2 / n_2 from the
// pair term, neighbor_2_type the neighbour's own species.
//
// Passes: every atom's density and neighbourhood atoms (parallel); for gradients, each
// centre's dependence set (its own slots and those of its neighbours, parallel); rows and the
// size check; values and gradients (parallel over centres, each writing its own rows).
// Cell gradients: one row per centre, fractional coordinates fixed.
#include "core/descriptors/pairs/message_passing.hpp"

#include <algorithm>

#include "core/descriptors/layout.hpp"
#include "core/descriptors/pairs/pair_blocks.hpp"
#include "core/descriptors/pairs/pair_term.hpp"

namespace hamd {

TensorMap compute_message_passing(const std::vector<System>& systems, const std::vector<NeighborList>& lists,
                                  const ExpansionSetup& setup, const DescriptorOptions& options, ThreadPool& pool,
                                  const std::atomic<bool>* cancel) {
    const std::vector<ProductFamily> families = product_families(setup, options);
    const std::vector<AtomRef> centres = request_atoms(systems);
    const std::vector<int32_t> types = present_types(systems);
    const size_t n_types = types.size();
    const bool gradients = options.gradient_positions, cell = options.gradient_cell;
    const int N = setup.n_radial(), row_size = setup.row_size();
    const size_t plane = static_cast<size_t>(setup.n_lm()) * row_size;
    std::vector<size_t> first_atom(systems.size() + 1, 0);  // global index of (system, 0)
    for (size_t s = 0; s < systems.size(); ++s) first_atom[s + 1] = first_atom[s] + systems[s].size();

    // Pass 1: every atom's density c_j (what it passes on) and its gradient slots.
    std::vector<double> density(centres.size() * plane);
    std::vector<std::vector<int32_t>> slots(centres.size());
    pool.parallel_for(centres.size(), [&](size_t c) {
        check_cancel(cancel);
        CentreNeighbourhood nh;
        CentreExpansion expansion;
        collect_neighbourhood(setup, systems[centres[c].system], lists[centres[c].system], centres[c].atom, nh);
        compute_expansion(setup, nh, false, expansion);
        std::copy(expansion.values.begin(), expansion.values.end(), density.begin() + c * plane);
        slots[c] = nh.slot_atoms;
    }, options.max_threads);
    check_cancel(cancel);

    // Pass 2 (gradients): the atoms m_i depends on: its own slots (through g_ij and i) and the
    // slots of every neighbour j (through c_j), sorted.
    std::vector<std::vector<int32_t>> depends(gradients ? centres.size() : 0);
    if (gradients) {
        pool.parallel_for(centres.size(), [&](size_t c) {
            check_cancel(cancel);
            const size_t base = first_atom[centres[c].system];
            std::vector<int32_t> atoms = slots[c];
            for (int32_t j : slots[c])
                if (j != centres[c].atom) atoms.insert(atoms.end(), slots[base + j].begin(), slots[base + j].end());
            std::sort(atoms.begin(), atoms.end());
            atoms.erase(std::unique(atoms.begin(), atoms.end()), atoms.end());
            depends[c] = std::move(atoms);
        }, options.max_threads);
        check_cancel(cancel);
    }

    // Rows per centre type, gradient rows, size.
    std::vector<size_t> row(centres.size()), gradient_first(centres.size(), 0);
    std::vector<size_t> rows(n_types, 0), gradient_rows(n_types, 0);
    std::vector<int> type_of(centres.size());
    for (size_t c = 0; c < centres.size(); ++c) {
        const int32_t z = systems[centres[c].system].types[centres[c].atom];
        const int t = static_cast<int>(std::lower_bound(types.begin(), types.end(), z) - types.begin());
        type_of[c] = t;
        row[c] = rows[t]++;
        if (gradients) {
            gradient_first[c] = gradient_rows[t];
            gradient_rows[t] += depends[c].size();
        }
    }
    Labels inner;
    inner.names = {"neighbor_1_type", "n_1", "neighbor_2_type", "n_2"};
    const int S = setup.n_species();
    for (int a1 = 0; a1 < S; ++a1)
        for (int n1 = 0; n1 < N; ++n1)
            for (int a2 = 0; a2 < S; ++a2)
                for (int n2 = 0; n2 < N; ++n2)
                    inner.values.insert(inner.values.end(), {setup.species()[a1], n1, setup.species()[a2], n2});
    check_product_output_bytes(families, {inner.count(), 6, 2, rows, gradient_rows, gradients, cell}, options);

    // Blocks in key order: (lambda, sigma) ascending, then centre type.
    TensorMap result;
    result.keys.names = {"o3_lambda", "o3_sigma", "center_type"};
    result.blocks.resize(families.size() * n_types);
    for (size_t f = 0; f < families.size(); ++f)
        for (size_t t = 0; t < n_types; ++t)
            result.keys.values.insert(result.keys.values.end(), {families[f].lambda, families[f].sigma, types[t]});
    pool.parallel_for(result.blocks.size(), [&](size_t b) {
        check_cancel(cancel);
        const ProductFamily& family = families[b / n_types];
        const size_t t = b % n_types;
        Block& block = result.blocks[b];
        block.samples.names = {"system", "atom"};
        for (size_t c = 0; c < centres.size(); ++c)
            if (static_cast<size_t>(type_of[c]) == t) block.samples.values.insert(block.samples.values.end(), {centres[c].system, centres[c].atom});
        block.components.push_back(mu_labels(family.lambda));
        block.properties = product_properties(family.groups, inner);
        const size_t width = static_cast<size_t>(family.components()) * block.properties.count();
        block.values.resize(rows[t] * width);  // every row is zeroed and filled below
        add_gradient_blocks(block, family.lambda, width, rows[t], gradient_rows[t], gradients, cell);
    }, options.max_threads);
    check_cancel(cancel);

    // Pass 3: values and gradients of each centre.
    const size_t g_size = static_cast<size_t>(setup.n_lm()) * N;
    pool.parallel_for(centres.size(), [&](size_t c) {
        check_cancel(cancel);
        const int32_t system_index = centres[c].system;
        const System& system = systems[system_index];
        const size_t base = first_atom[system_index];
        CentreNeighbourhood nh;
        collect_neighbourhood(setup, system, lists[system_index], centres[c].atom, nh);
        PairTermEvaluator pair_term(setup);
        const bool derivatives = gradients || cell;
        std::vector<double> g(g_size), dg(derivatives ? 3 * g_size : 0);
        double inverse_cell[9];
        if (cell) invert_3x3(system.cell.data(), inverse_cell);
        // Pair terms summed per neighbour atom (images of one atom share its density c_j).
        std::vector<int32_t> neighbours;        // distinct atoms j, in order of first appearance
        std::vector<int> neighbour_channel;
        std::vector<double> summed;             // [neighbour][lm][n]
        std::vector<double*> out(families.size()), gradient_base(families.size()), cell_base(families.size());
        std::vector<size_t> n_properties(families.size()), width(families.size());
        const std::vector<int32_t>* atoms = gradients ? &depends[c] : nullptr;
        for (size_t f = 0; f < families.size(); ++f) {
            Block& block = result.blocks[f * n_types + type_of[c]];
            n_properties[f] = block.properties.count();
            width[f] = static_cast<size_t>(families[f].components()) * n_properties[f];
            out[f] = block.values.data() + row[c] * width[f];
            std::fill(out[f], out[f] + width[f], 0.0);
            if (gradients) {
                GradientBlock& gradient = block.gradients[0];
                gradient_base[f] = gradient.values.data() + gradient_first[c] * 3 * width[f];
                std::fill(gradient_base[f], gradient_base[f] + atoms->size() * 3 * width[f], 0.0);
                int32_t* label = gradient.samples.values.data() + gradient_first[c] * 3;
                for (int32_t atom : *atoms) {
                    *label++ = static_cast<int32_t>(row[c]);
                    *label++ = system_index;
                    *label++ = atom;
                }
            }
            if (cell) {
                cell_base[f] = block.gradients[gradients ? 1 : 0].values.data() + row[c] * 9 * width[f];
                std::fill(cell_base[f], cell_base[f] + 9 * width[f], 0.0);
            }
        }
        auto local = [&](int32_t atom) {
            return static_cast<size_t>(std::lower_bound(atoms->begin(), atoms->end(), atom) - atoms->begin());
        };
        auto layout_for = [&](size_t f, int channel) {
            return ProductLayout{n_properties[f], static_cast<size_t>(row_size) * row_size, static_cast<size_t>(row_size),
                                 static_cast<size_t>(channel) * N};
        };
        for (size_t k = 0; k < nh.pairs.size(); ++k) {
            const Pair& pair = *nh.pairs[k];
            const int channel = nh.channel[k];
            const double* c_j = density.data() + (base + pair.second) * plane;
            pair_term.compute(pair.vector, pair.distance, g.data(), derivatives ? dg.data() : nullptr);
            for (size_t f = 0; f < families.size(); ++f)
                couple_products_add(families[f].groups, c_j, row_size, g.data(), N, 1.0, out[f], layout_for(f, channel));
            if (!derivatives) continue;
            const auto found = std::find(neighbours.begin(), neighbours.end(), pair.second);
            const size_t n = static_cast<size_t>(found - neighbours.begin());
            if (found == neighbours.end()) {
                neighbours.push_back(pair.second);
                neighbour_channel.push_back(channel);
                summed.resize(summed.size() + g_size, 0.0);
            }
            for (size_t q = 0; q < g_size; ++q) summed[n * g_size + q] += g[q];
            if (cell) {
                // the pair vector is u . cell with u = f_j - f_i + S: d vector_b / d cell[a][b] = u_a
                double u[3] = {0, 0, 0};
                for (int a = 0; a < 3; ++a)
                    for (int d = 0; d < 3; ++d) u[a] += pair.vector[d] * inverse_cell[d * 3 + a];
                for (int ab = 0; ab < 9; ++ab)
                    for (size_t f = 0; f < families.size(); ++f)
                        couple_products_add(families[f].groups, c_j, row_size, dg.data() + (ab % 3) * g_size, N, u[ab / 3],
                                            cell_base[f] + ab * width[f], layout_for(f, channel));
            }
            // CG(c_j, d g_ij / d r): +1 for r_j, -1 for r_i; images of i itself move with nothing.
            if (!gradients || nh.slot[k] < 0) continue;
            for (int d = 0; d < 3; ++d)
                for (size_t f = 0; f < families.size(); ++f) {
                    for (const auto& [atom, sign] : {std::pair<int32_t, double>{pair.second, 1.0}, {centres[c].atom, -1.0}}) {
                        double* target = gradient_base[f] + (local(atom) * 3 + d) * width[f];
                        couple_products_add(families[f].groups, c_j, row_size, dg.data() + d * g_size, N, sign, target,
                                            layout_for(f, channel));
                    }
                }
        }
        if (!derivatives) return;
        // CG(d c_j / d r_k, sum of g_ij over the images of j), for every slot k of j, and
        // CG(d c_j / d cell, the same sum).
        CentreNeighbourhood nh_j;
        CentreExpansion expansion_j;
        std::vector<double> dc(3 * plane), dcell(cell ? 9 * plane : 0), compact;
        for (size_t n = 0; n < neighbours.size(); ++n) {
            collect_neighbourhood(setup, system, lists[system_index], neighbours[n], nh_j);
            compute_expansion(setup, nh_j, true, expansion_j);
            if (cell) {
                cell_expansion_gradient(setup, nh_j, expansion_j, inverse_cell, dcell.data());
                for (int ab = 0; ab < 9; ++ab)
                    for (size_t f = 0; f < families.size(); ++f)
                        couple_products_add(families[f].groups, dcell.data() + ab * plane, row_size,
                                            summed.data() + n * g_size, N, 1.0, cell_base[f] + ab * width[f],
                                            layout_for(f, neighbour_channel[n]));
            }
            for (int s = 0; gradients && s < nh_j.n_slots(); ++s) {
                // a neighbour slot of j moves only its own channel of c_j
                const int channel = slot_expansion_gradient(setup, nh_j, expansion_j, s, compact, dc.data());
                const int k_begin = channel < 0 ? 0 : channel * N, k_end = channel < 0 ? row_size : k_begin + N;
                const size_t slot_row = local(nh_j.slot_atoms[s]);
                for (int d = 0; d < 3; ++d)
                    for (size_t f = 0; f < families.size(); ++f)
                        couple_products_add(families[f].groups, dc.data() + d * plane, row_size, summed.data() + n * g_size,
                                            N, 1.0, gradient_base[f] + (slot_row * 3 + d) * width[f],
                                            layout_for(f, neighbour_channel[n]), k_begin, k_end);
            }
        }
    }, options.max_threads);
    check_cancel(cancel);
    return result;
}

}  // namespace hamd
