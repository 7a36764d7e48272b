// A descriptor request: validation, neighbour lists, the layout (layout.cpp: the planner),
// then the executor below: one parallel pass over all centres writing straight into the
// blocks.
//
// Every kind is a set of block "families" (one per (o3_lambda, o3_sigma[, neighbor_type]))
// repeated for each centre type. A family knows its components and properties; its
// per-centre kernel (kernels.hpp, made by the registry) fills the centre's rows.
#include "core/descriptors/engine.hpp"

#include <algorithm>
#include <set>

#include "core/base/errors.hpp"
#include "core/descriptors/layout.hpp"
#include "core/descriptors/registry.hpp"
#include "core/systems/neighbors.hpp"

namespace hamd {

namespace {

std::vector<int32_t> resolve_species(const std::vector<System>& systems, const std::vector<int32_t>& requested) {
    std::vector<int32_t> species;
    if (requested.empty()) {
        std::set<int32_t> present;
        for (const auto& system : systems) present.insert(system.types.begin(), system.types.end());
        species.assign(present.begin(), present.end());
    } else {
        for (int32_t z : requested) {
            if (z < 1 || z > 118) {
                throw InvalidArgument("species: " + std::to_string(z) + " is not an atomic number in 1..118");
            }
        }
        species = requested;
        std::sort(species.begin(), species.end());
        species.erase(std::unique(species.begin(), species.end()), species.end());
    }
    return species;
}

// Names of the kinds that take option `bit`, for the message when another kind is given it.
std::string kinds_taking(unsigned bit) {
    std::string names;
    for (const auto& info : descriptor_kinds())
        if (info.options & bit) names += (names.empty() ? "\"" : ", \"") + info.name + "\"";
    return names.empty() ? "none in this build" : names;
}

// Kind-specific options: only for the kinds registered as taking them, within their ranges.
// (The triplet kind checks its nonlinearity name itself: it owns the list of functions.)
void validate_kind_options(const DescriptorOptions& options, const DescriptorKindInfo& info) {
    auto check_taken = [&](bool set, unsigned bit, const char* name) {
        if (set && !(info.options & bit)) {
            throw InvalidArgument(std::string(name) + ": not an option of kind \"" + info.name +
                                  "\" (kinds that take it: " + kinds_taking(bit) + ")");
        }
    };
    check_taken(options.potential_exponent.has_value(), kPotentialExponent, "potential_exponent");
    check_taken(options.correlation_order.has_value(), kCorrelationOrder, "correlation_order");
    check_taken(options.nonlinearity.has_value(), kNonlinearity, "nonlinearity");
    check_taken(options.k_cutoff.has_value(), kKCutoff, "k_cutoff");
    if (options.potential_exponent && !(*options.potential_exponent >= 1.0 && *options.potential_exponent <= 6.0)) {
        throw InvalidArgument("potential_exponent = " + std::to_string(*options.potential_exponent) + " is outside [1, 6]");
    }
    if (options.correlation_order && (*options.correlation_order < 1 || *options.correlation_order > 4)) {
        throw InvalidArgument("correlation_order = " + std::to_string(*options.correlation_order) + " is outside 1..4");
    }
    if (options.k_cutoff && !(*options.k_cutoff > 0.0 && *options.k_cutoff <= 100.0)) {
        throw InvalidArgument("k_cutoff = " + std::to_string(*options.k_cutoff) + " 1/Angstrom is outside (0, 100]");
    }
}

void validate_request(const std::vector<System>& systems, const DescriptorOptions& options) {
    validate_hypers(options.hypers);
    for (size_t k = 0; k < systems.size(); ++k) validate_system(systems[k], k);
    const DescriptorKindInfo& info = descriptor_kind_info(options.kind);
    if (options.gradient_positions && !info.position_gradients) {
        throw InvalidArgument("position gradients are not available for " + info.name);
    }
    if (options.gradient_cell && !info.cell_gradients) {
        throw InvalidArgument("cell gradients are not available for " + info.name);
    }
    if (options.gradient_cell) {
        for (size_t k = 0; k < systems.size(); ++k) {
            const auto& pbc = systems[k].pbc;
            if (!(pbc[0] && pbc[1] && pbc[2])) {
                throw InvalidArgument("structure " + std::to_string(k) +
                                      ": cell gradients need a structure periodic in all three directions");
            }
        }
    }
    validate_kind_options(options, info);
    if ((info.options & kMaxLambda) &&
        (options.max_lambda < -1 || options.max_lambda > 2 * options.hypers.max_angular)) {
        throw InvalidArgument("max_lambda = " + std::to_string(options.max_lambda) + " is outside 0..2*max_angular = " +
                              std::to_string(2 * options.hypers.max_angular) + " (-1: max_angular)");
    }
}

// Lists given by the caller must be the lists of these structures (pairs of existing atoms,
// grouped by centre in order).
void validate_neighbor_lists(const std::vector<System>& systems, const std::vector<NeighborList>& lists) {
    if (lists.size() != systems.size()) {
        throw InvalidArgument("got " + std::to_string(lists.size()) + " neighbour lists for " +
                              std::to_string(systems.size()) + " structures");
    }
    for (size_t k = 0; k < systems.size(); ++k) {
        const auto& offsets = lists[k].centre_offsets;
        bool consistent = offsets.size() == systems[k].size() + 1 && offsets.back() == lists[k].pairs.size();
        for (size_t i = 0; consistent && i < systems[k].size(); ++i) {
            consistent = offsets[i] <= offsets[i + 1];
            for (size_t p = offsets[i]; consistent && p < offsets[i + 1]; ++p) {
                const Pair& pair = lists[k].pairs[p];
                consistent = pair.first == static_cast<int32_t>(i) && pair.second >= 0 &&
                             static_cast<size_t>(pair.second) < systems[k].size();
            }
        }
        if (!consistent) {
            throw InvalidArgument("structure " + std::to_string(k) + ": neighbour list does not match the structure");
        }
    }
}

// The executor: each chunk of centres computes its neighbourhoods and expansions and lets the
// kernel write every family's rows, including the labels of its gradient rows.
void execute(const std::vector<System>& systems, const std::vector<NeighborList>& lists, const ExpansionSetup& setup,
             const DescriptorKernel& kernel, const DescriptorLayout& layout, const std::vector<Block*>& block_of,
             ThreadPool& pool, const std::atomic<bool>* cancel, size_t max_threads) {
    const std::vector<BlockFamily>& families = kernel.families();
    const size_t n_types = layout.centre_types.size();
    const bool positions = layout.positions, cell = layout.cell;
    pool.parallel_for(layout.n_chunks, [&](size_t chunk) {
        size_t begin, end;
        layout.chunk_range(chunk, begin, end);
        CentreNeighbourhood nh;
        CentreExpansion expansion;
        auto workspace = kernel.make_workspace();
        CentreOutputs outputs;
        outputs.values.resize(families.size());
        outputs.positions.resize(families.size());
        outputs.cell.resize(families.size());
        for (size_t c = begin; c < end; ++c) {
            check_cancel(cancel);
            const DescriptorLayout::Centre& centre = layout.centres[c];
            collect_neighbourhood(setup, systems[centre.system], lists[centre.system], centre.atom, nh);
            compute_expansion(setup, nh, positions || cell, expansion);
            for (size_t f = 0; f < families.size(); ++f) {
                Block& block = *block_of[f * n_types + centre.type_index];
                const size_t width = families[f].width();
                outputs.values[f] = block.values.data() + centre.row * width;
                if (positions) {
                    GradientBlock& gradient = block.gradients[0];
                    const size_t first = layout.gradient_offset[c * layout.n_groups + DescriptorLayout::group_of(families[f])];
                    outputs.positions[f] = gradient.values.data() + first * 3 * width;
                    // gradient sample labels of this centre, in slot (atom) order
                    const int channel = families[f].gradient_channel;
                    int32_t* label = gradient.samples.values.data() + first * 3;
                    for (int s = 0; s < nh.n_slots(); ++s) {
                        if (channel >= 0 && s != nh.centre_slot && nh.slot_channel[s] != channel) continue;
                        if (channel >= 0 && s == nh.centre_slot && layout.counts[c].by_channel[channel] == 0) continue;
                        *label++ = static_cast<int32_t>(centre.row);
                        *label++ = centre.system;
                        *label++ = nh.slot_atoms[s];
                    }
                }
                if (cell) outputs.cell[f] = block.gradients[positions ? 1 : 0].values.data() + centre.row * 9 * width;
            }
            outputs.position_gradients = positions;
            outputs.inverse_cell = cell ? layout.inverse_cells[centre.system].data() : nullptr;
            kernel.compute(nh, expansion, outputs, *workspace);
        }
    }, max_threads);
    check_cancel(cancel);
}

}  // namespace

void compute_descriptors_into(const std::vector<System>& systems, const std::vector<NeighborList>& lists,
                              const DescriptorOptions& options, ThreadPool& pool, const std::atomic<bool>* cancel,
                              TensorMap& result, result_memory::OutputArena* arena) {
    validate_request(systems, options);
    validate_neighbor_lists(systems, lists);
    check_cancel(cancel);
    const ExpansionSetup setup(options.hypers, resolve_species(systems, options.species));
    const DescriptorKindInfo& info = descriptor_kind_info(options.kind);
    if (info.compute) {
        result = info.compute(systems, lists, setup, options, pool, cancel);
        return;
    }
    const auto kernel = info.make(setup, options);
    const DescriptorLayout layout = plan_layout(systems, lists, setup, *kernel, options, pool, cancel);
    const std::vector<Block*> block_of = allocate_blocks(layout, *kernel, options, pool, cancel, result, arena);
    execute(systems, lists, setup, *kernel, layout, block_of, pool, cancel, options.max_threads);
}

TensorMap compute_descriptors_with_neighbors(const std::vector<System>& systems, const std::vector<NeighborList>& lists,
                                             const DescriptorOptions& options, ThreadPool& pool,
                                             const std::atomic<bool>* cancel, result_memory::OutputArena* arena) {
    TensorMap result;
    compute_descriptors_into(systems, lists, options, pool, cancel, result, arena);
    return result;
}

TensorMap compute_descriptors(const std::vector<System>& systems, const DescriptorOptions& options,
                              ThreadPool& pool, const std::atomic<bool>* cancel, result_memory::OutputArena* arena) {
    validate_request(systems, options);
    std::vector<NeighborList> lists(systems.size());
    pool.parallel_for(systems.size(), [&](size_t s) {
        check_cancel(cancel);
        lists[s] = build_neighbor_list(systems[s], options.hypers.cutoff);
    }, options.max_threads);
    return compute_descriptors_with_neighbors(systems, lists, options, pool, cancel, arena);
}

}  // namespace hamd
