// Orchestration of a descriptor request: validation, neighbour lists, output layout and
// size check, then one parallel pass over all centres writing straight into the blocks.
//
// Every kind is a set of block "families" (one per (o3_lambda, o3_sigma[, neighbor_type]))
// repeated for each centre type. A family knows its components and properties; its
// per-centre kernel (descriptor_kernels.hpp) fills the centre's rows.
#include "core/descriptors/engine.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <set>

#include "core/descriptors/kernels.hpp"
#include "core/base/errors.hpp"
#include "core/systems/neighbors.hpp"

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace hamd {

DescriptorKind parse_descriptor_kind(const std::string& name) {
    if (name == "spherical-expansion") return DescriptorKind::SphericalExpansion;
    if (name == "power-spectrum") return DescriptorKind::PowerSpectrum;
    if (name == "lambda-soap") return DescriptorKind::LambdaSoap;
    if (name == "bispectrum") return DescriptorKind::Bispectrum;
    throw InvalidArgument("unknown descriptor kind '" + name +
                          "' (expected spherical-expansion, power-spectrum, lambda-soap or bispectrum)");
}

namespace {

struct Centre {
    int32_t system;
    int32_t atom;
    int type_index;  // into centre_types
    size_t row;      // row in the blocks of its centre type
};

// Slot counts of one centre: all slots, and per neighbour channel (excluding the centre).
struct SlotCounts {
    size_t total = 0;
    std::vector<uint32_t> by_channel;
};

// Storage for an output array of `count` elements. Fresh large arrays are reserved first and
// marked for transparent huge pages, which makes the first touch (page faults) far cheaper.
void allocate(Values& values, size_t count) {
    if (values.capacity() >= count) {  // reused storage: already mapped; kernels overwrite it all
        values.resize(count);
        return;
    }
    values = Values();
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (count * sizeof(double) >= (size_t(4) << 20)) {
        values.reserve(count);
        const uintptr_t page = uintptr_t(2) << 20;
        uintptr_t begin = (reinterpret_cast<uintptr_t>(values.data()) + page - 1) & ~(page - 1);
        uintptr_t end = (reinterpret_cast<uintptr_t>(values.data() + count)) & ~(page - 1);
        if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
    }
#endif
    values.resize(count);  // uninitialised: the kernels write every element
}

void check_cancel(const std::atomic<bool>* cancel) {
    if (cancel != nullptr && cancel->load(std::memory_order_relaxed)) throw Cancelled();
}

Labels component_labels(const std::string& name, int lambda) {
    Labels labels;
    labels.names = {name};
    for (int mu = -lambda; mu <= lambda; ++mu) labels.values.push_back(mu);
    return labels;
}

Labels xyz_labels(const std::string& name) {
    Labels labels;
    labels.names = {name};
    labels.values = {0, 1, 2};
    return labels;
}

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

void validate_request(const std::vector<System>& systems, const DescriptorOptions& options) {
    validate_hypers(options.hypers);
    for (size_t k = 0; k < systems.size(); ++k) validate_system(systems[k], k);
    if (options.gradient_cell) {
        for (size_t k = 0; k < systems.size(); ++k) {
            const auto& pbc = systems[k].pbc;
            if (!(pbc[0] && pbc[1] && pbc[2])) {
                throw InvalidArgument("structure " + std::to_string(k) +
                                      ": cell gradients need a structure periodic in all three directions");
            }
        }
    }
    if (options.kind == DescriptorKind::LambdaSoap &&
        (options.max_lambda < -1 || options.max_lambda > 2 * options.hypers.max_angular)) {
        throw InvalidArgument("max_lambda must be in [0, 2 max_angular = " +
                              std::to_string(2 * options.hypers.max_angular) + "] (or -1 for max_angular), got " +
                              std::to_string(options.max_lambda));
    }
}

}  // namespace

void compute_descriptors_into(const std::vector<System>& systems, const std::vector<NeighborList>& lists,
                              const DescriptorOptions& options, ThreadPool& pool, const std::atomic<bool>* cancel,
                              TensorMap& result) {
    validate_request(systems, options);
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
    check_cancel(cancel);

    const ExpansionSetup setup(options.hypers, resolve_species(systems, options.species));
    const auto kernel = make_descriptor_kernel(options.kind, setup, options.max_lambda);
    const std::vector<BlockFamily>& families = kernel->families();
    const bool positions = options.gradient_positions, cell = options.gradient_cell;
    const bool pair_data = positions || cell;
    if (positions && !kernel->supports_position_gradients()) {
        throw InvalidArgument("position gradients are not available for this descriptor kind");
    }
    if (cell && !kernel->supports_cell_gradients()) {
        throw InvalidArgument("cell gradients are not available for this descriptor kind");
    }
    const size_t max_threads = options.max_threads;

    // Centres: every atom, grouped into blocks by centre type.
    std::vector<int32_t> centre_types;
    {
        std::set<int32_t> present;
        for (const auto& system : systems) present.insert(system.types.begin(), system.types.end());
        centre_types.assign(present.begin(), present.end());
    }
    const size_t n_types = centre_types.size();
    std::vector<Centre> centres;
    std::vector<size_t> rows_per_type(n_types, 0);
    for (size_t s = 0; s < systems.size(); ++s) {
        for (size_t i = 0; i < systems[s].size(); ++i) {
            const int t = static_cast<int>(std::lower_bound(centre_types.begin(), centre_types.end(), systems[s].types[i]) -
                                           centre_types.begin());
            centres.push_back({static_cast<int32_t>(s), static_cast<int32_t>(i), t, rows_per_type[t]++});
        }
    }
    const size_t n_centres = centres.size();
    const int S = setup.n_species();
    const size_t n_chunks = std::min(n_centres, std::max<size_t>(1, (max_threads ? max_threads : pool.size() + 1) * 16));
    auto chunk_range = [&](size_t chunk, size_t& begin, size_t& end) {
        begin = chunk * n_centres / n_chunks;
        end = (chunk + 1) * n_centres / n_chunks;
    };

    // Pre-pass: gradient samples per centre (needed to lay out the gradient blocks).
    std::vector<SlotCounts> counts(positions ? n_centres : 0);
    if (positions && n_centres > 0) {
        pool.parallel_for(n_chunks, [&](size_t chunk) {
            size_t begin, end;
            chunk_range(chunk, begin, end);
            CentreNeighbourhood nh;
            for (size_t c = begin; c < end; ++c) {
                check_cancel(cancel);
                collect_neighbourhood(setup, systems[centres[c].system], lists[centres[c].system], centres[c].atom, nh);
                counts[c].total = nh.n_slots();
                counts[c].by_channel.assign(S, 0);
                for (int s = 0; s < nh.n_slots(); ++s)
                    if (s != nh.centre_slot) ++counts[c].by_channel[nh.slot_channel[s]];
            }
        }, max_threads);
    }
    auto gradient_rows = [&](size_t c, int channel) -> size_t {
        if (channel < 0) return counts[c].total;
        const size_t k = counts[c].by_channel[channel];
        return k == 0 ? 0 : k + 1;  // the centre joins when it has neighbours of this channel
    };

    // Layout: block (family f, type t); gradient row offsets per (centre, gradient group).
    // Gradient groups: 0 = all slots, 1 + a = slots of channel a.
    const size_t n_groups = 1 + S;
    std::vector<size_t> grad_offset(positions ? n_centres * n_groups : 0);
    std::vector<size_t> grad_total(n_types * n_groups, 0);
    if (positions) {
        for (size_t c = 0; c < n_centres; ++c) {
            for (size_t g = 0; g < n_groups; ++g) {
                size_t& total = grad_total[centres[c].type_index * n_groups + g];
                grad_offset[c * n_groups + g] = total;
                total += gradient_rows(c, static_cast<int>(g) - 1);
            }
        }
    }
    auto group_of = [](const BlockFamily& family) -> size_t { return family.gradient_channel < 0 ? 0 : 1 + family.gradient_channel; };

    // Size check before allocating anything big.
    {
        double bytes = 0;
        for (const auto& family : families) {
            const double width = static_cast<double>(family.width());
            bytes += 4.0 * family.properties.values.size();
            for (size_t t = 0; t < n_types; ++t) {
                const double rows = static_cast<double>(rows_per_type[t]);
                bytes += rows * (width * 8 + 8);
                if (positions) {
                    const double g = static_cast<double>(grad_total[t * n_groups + group_of(family)]);
                    bytes += g * (3 * width * 8 + 12);
                }
                if (cell) bytes += rows * (9 * width * 8 + 4);
            }
        }
        if (options.max_output_bytes != 0 && bytes > static_cast<double>(options.max_output_bytes)) {
            throw ResourceExhausted("the result would take " + std::to_string(static_cast<long long>(bytes)) +
                                    " bytes, over the limit of " + std::to_string(options.max_output_bytes) +
                                    " bytes (fewer structures, smaller hypers, or no gradients)");
        }
    }

    // Blocks, ordered by their keys.
    struct BlockRef { size_t family; size_t type; std::vector<int32_t> key; };
    std::vector<BlockRef> refs;
    for (size_t f = 0; f < families.size(); ++f) {
        for (size_t t = 0; t < n_types; ++t) {
            BlockRef ref{f, t, families[f].key_prefix};
            ref.key.push_back(centre_types[t]);
            ref.key.insert(ref.key.end(), families[f].key_suffix.begin(), families[f].key_suffix.end());
            refs.push_back(std::move(ref));
        }
    }
    std::stable_sort(refs.begin(), refs.end(), [](const BlockRef& a, const BlockRef& b) { return a.key < b.key; });

    // Storage of a previous result is reused block by block: no page faults, no zero fill
    // (every element is overwritten by the kernels).
    std::vector<Block> previous = std::move(result.blocks);
    result.keys.names = kernel->key_names();
    result.keys.values.clear();
    result.blocks.clear();
    result.blocks.resize(refs.size());
    for (size_t b = 0; b < refs.size() && b < previous.size(); ++b) {
        result.blocks[b].values = std::move(previous[b].values);
        for (auto& gradient : previous[b].gradients) result.blocks[b].gradients.push_back(std::move(gradient));
    }
    previous.clear();
    std::vector<Block*> block_of(families.size() * n_types);
    for (size_t b = 0; b < refs.size(); ++b) {
        result.keys.values.insert(result.keys.values.end(), refs[b].key.begin(), refs[b].key.end());
        block_of[refs[b].family * n_types + refs[b].type] = &result.blocks[b];
    }
    // Allocation is spread over the pool: zero-filling hundreds of MB is not free.
    pool.parallel_for(refs.size(), [&](size_t b) {
        check_cancel(cancel);
        const BlockFamily& family = families[refs[b].family];
        const size_t t = refs[b].type;
        Block& block = result.blocks[b];
        std::vector<GradientBlock> recycled = std::move(block.gradients);
        block.gradients.clear();
        auto recycle = [&](size_t index) {
            return index < recycled.size() ? std::move(recycled[index].values) : Values();
        };
        const size_t rows = rows_per_type[t], width = family.width();
        block.samples.names = {"system", "atom"};
        block.samples.values.reserve(rows * 2);
        for (const auto& centre : centres) {
            if (static_cast<size_t>(centre.type_index) == t) {
                block.samples.values.push_back(centre.system);
                block.samples.values.push_back(centre.atom);
            }
        }
        if (family.components > 0) block.components.push_back(component_labels("o3_mu", (family.components - 1) / 2));
        block.properties = family.properties;
        allocate(block.values, rows * width);
        if (positions) {
            GradientBlock gradient;
            gradient.parameter = "positions";
            gradient.samples.names = {"sample", "system", "atom"};
            const size_t g = grad_total[t * n_groups + group_of(family)];
            gradient.samples.values.resize(g * 3);
            gradient.components.push_back(xyz_labels("xyz"));
            gradient.components.insert(gradient.components.end(), block.components.begin(), block.components.end());
            gradient.values = recycle(0);
            allocate(gradient.values, g * 3 * width);
            block.gradients.push_back(std::move(gradient));
        }
        if (cell) {
            GradientBlock gradient;
            gradient.parameter = "cell";
            gradient.samples.names = {"sample"};
            gradient.samples.values.resize(rows);
            std::iota(gradient.samples.values.begin(), gradient.samples.values.end(), 0);
            gradient.components.push_back(xyz_labels("cell_row"));
            gradient.components.push_back(xyz_labels("cell_column"));
            gradient.components.insert(gradient.components.end(), block.components.begin(), block.components.end());
            gradient.values = recycle(positions ? 1 : 0);
            allocate(gradient.values, rows * 9 * width);
            block.gradients.push_back(std::move(gradient));
        }
    }, max_threads);

    std::vector<std::array<double, 9>> inverse_cells(systems.size());
    for (size_t s = 0; s < systems.size(); ++s) {
        if (cell) invert_3x3(systems[s].cell.data(), inverse_cells[s].data());
    }

    // Main pass.
    pool.parallel_for(n_chunks, [&](size_t chunk) {
        size_t begin, end;
        chunk_range(chunk, begin, end);
        CentreNeighbourhood nh;
        CentreExpansion expansion;
        auto workspace = kernel->make_workspace();
        CentreOutputs outputs;
        outputs.values.resize(families.size());
        outputs.positions.resize(families.size());
        outputs.cell.resize(families.size());
        for (size_t c = begin; c < end; ++c) {
            check_cancel(cancel);
            const Centre& centre = centres[c];
            collect_neighbourhood(setup, systems[centre.system], lists[centre.system], centre.atom, nh);
            compute_expansion(setup, nh, pair_data, expansion);
            for (size_t f = 0; f < families.size(); ++f) {
                Block& block = *block_of[f * n_types + centre.type_index];
                const size_t width = families[f].width();
                outputs.values[f] = block.values.data() + centre.row * width;
                if (positions) {
                    GradientBlock& gradient = block.gradients[0];
                    const size_t first = grad_offset[c * n_groups + group_of(families[f])];
                    outputs.positions[f] = gradient.values.data() + first * 3 * width;
                    // gradient sample labels of this centre, in slot (atom) order
                    const int channel = families[f].gradient_channel;
                    int32_t* label = gradient.samples.values.data() + first * 3;
                    for (int s = 0; s < nh.n_slots(); ++s) {
                        if (channel >= 0 && s != nh.centre_slot && nh.slot_channel[s] != channel) continue;
                        if (channel >= 0 && s == nh.centre_slot && counts[c].by_channel[channel] == 0) continue;
                        *label++ = static_cast<int32_t>(centre.row);
                        *label++ = centre.system;
                        *label++ = nh.slot_atoms[s];
                    }
                }
                if (cell) outputs.cell[f] = block.gradients[positions ? 1 : 0].values.data() + centre.row * 9 * width;
            }
            outputs.position_gradients = positions;
            outputs.inverse_cell = cell ? inverse_cells[centre.system].data() : nullptr;
            kernel->compute(nh, expansion, outputs, *workspace);
        }
    }, max_threads);
    check_cancel(cancel);
}

TensorMap compute_descriptors_with_neighbors(const std::vector<System>& systems, const std::vector<NeighborList>& lists,
                                             const DescriptorOptions& options, ThreadPool& pool,
                                             const std::atomic<bool>* cancel) {
    TensorMap result;
    compute_descriptors_into(systems, lists, options, pool, cancel, result);
    return result;
}

TensorMap compute_descriptors(const std::vector<System>& systems, const DescriptorOptions& options,
                              ThreadPool& pool, const std::atomic<bool>* cancel) {
    validate_request(systems, options);
    std::vector<NeighborList> lists(systems.size());
    pool.parallel_for(systems.size(), [&](size_t s) {
        check_cancel(cancel);
        lists[s] = build_neighbor_list(systems[s], options.hypers.cutoff);
    }, options.max_threads);
    return compute_descriptors_with_neighbors(systems, lists, options, pool, cancel);
}

}  // namespace hamd
