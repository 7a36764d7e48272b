#include "core/descriptors/layout.hpp"

#include <algorithm>
#include <numeric>
#include <set>
#include <string>

#include "core/base/errors.hpp"

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace hamd {

void check_cancel(const std::atomic<bool>* cancel) {
    if (cancel != nullptr && cancel->load(std::memory_order_relaxed)) throw Cancelled();
}

namespace {

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

// Bytes of the result (values, gradients and their labels), before anything is allocated.
double output_bytes(const DescriptorLayout& layout, const std::vector<BlockFamily>& families) {
    double bytes = 0;
    for (const auto& family : families) {
        const double width = static_cast<double>(family.width());
        bytes += 4.0 * family.properties.values.size();
        for (size_t t = 0; t < layout.centre_types.size(); ++t) {
            const double rows = static_cast<double>(layout.rows_per_type[t]);
            bytes += rows * (width * 8 + 8);
            if (layout.positions) {
                const double g = static_cast<double>(layout.gradient_total[t * layout.n_groups + DescriptorLayout::group_of(family)]);
                bytes += g * (3 * width * 8 + 12);
            }
            if (layout.cell) bytes += rows * (9 * width * 8 + 4);
        }
    }
    return bytes;
}

}  // namespace

DescriptorLayout plan_layout(const std::vector<System>& systems, const std::vector<NeighborList>& lists,
                             const ExpansionSetup& setup, const DescriptorKernel& kernel,
                             const DescriptorOptions& options, ThreadPool& pool, const std::atomic<bool>* cancel) {
    DescriptorLayout layout;
    layout.positions = options.gradient_positions;
    layout.cell = options.gradient_cell;

    // Centres: every atom, grouped into blocks by centre type.
    {
        std::set<int32_t> present;
        for (const auto& system : systems) present.insert(system.types.begin(), system.types.end());
        layout.centre_types.assign(present.begin(), present.end());
    }
    const size_t n_types = layout.centre_types.size();
    layout.rows_per_type.assign(n_types, 0);
    for (size_t s = 0; s < systems.size(); ++s) {
        for (size_t i = 0; i < systems[s].size(); ++i) {
            const auto& types = layout.centre_types;
            const int t = static_cast<int>(std::lower_bound(types.begin(), types.end(), systems[s].types[i]) - types.begin());
            layout.centres.push_back({static_cast<int32_t>(s), static_cast<int32_t>(i), t, layout.rows_per_type[t]++});
        }
    }
    const size_t n_centres = layout.centres.size();
    const size_t max_threads = options.max_threads;
    layout.n_chunks = std::min(n_centres, std::max<size_t>(1, (max_threads ? max_threads : pool.size() + 1) * 16));

    // Pre-pass: gradient samples per centre (needed to lay out the gradient blocks).
    const int S = setup.n_species();
    if (layout.positions && n_centres > 0) {
        layout.counts.resize(n_centres);
        pool.parallel_for(layout.n_chunks, [&](size_t chunk) {
            size_t begin, end;
            layout.chunk_range(chunk, begin, end);
            CentreNeighbourhood nh;
            for (size_t c = begin; c < end; ++c) {
                check_cancel(cancel);
                const auto& centre = layout.centres[c];
                collect_neighbourhood(setup, systems[centre.system], lists[centre.system], centre.atom, nh);
                auto& counts = layout.counts[c];
                counts.total = nh.n_slots();
                counts.by_channel.assign(S, 0);
                for (int s = 0; s < nh.n_slots(); ++s)
                    if (s != nh.centre_slot) ++counts.by_channel[nh.slot_channel[s]];
            }
        }, max_threads);
    }

    // Gradient row offsets per (centre, group). The centre joins a channel's rows when it has
    // neighbours of that channel.
    layout.n_groups = 1 + S;
    if (layout.positions) {
        layout.gradient_offset.resize(n_centres * layout.n_groups);
        layout.gradient_total.assign(n_types * layout.n_groups, 0);
        for (size_t c = 0; c < n_centres; ++c) {
            for (size_t g = 0; g < layout.n_groups; ++g) {
                size_t& total = layout.gradient_total[layout.centres[c].type_index * layout.n_groups + g];
                layout.gradient_offset[c * layout.n_groups + g] = total;
                const auto& counts = layout.counts[c];
                const size_t k = g == 0 ? counts.total : counts.by_channel[g - 1];
                total += g == 0 ? k : (k == 0 ? 0 : k + 1);
            }
        }
    }

    const double bytes = output_bytes(layout, kernel.families());
    if (options.max_output_bytes != 0 && bytes > static_cast<double>(options.max_output_bytes)) {
        throw ResourceExhausted("the result would take " + std::to_string(static_cast<long long>(bytes)) +
                                " bytes, over the limit of " + std::to_string(options.max_output_bytes) +
                                " bytes (fewer structures, smaller hypers, or no gradients)");
    }

    if (layout.cell) {
        layout.inverse_cells.resize(systems.size());
        for (size_t s = 0; s < systems.size(); ++s) invert_3x3(systems[s].cell.data(), layout.inverse_cells[s].data());
    }
    return layout;
}

std::vector<Block*> allocate_blocks(const DescriptorLayout& layout, const DescriptorKernel& kernel,
                                    const DescriptorOptions& options, ThreadPool& pool,
                                    const std::atomic<bool>* cancel, TensorMap& result,
                                    result_memory::OutputArena* arena) {
    const std::vector<BlockFamily>& families = kernel.families();
    const size_t n_types = layout.centre_types.size();

    // Blocks, ordered by their keys.
    struct BlockRef {
        size_t family;
        size_t type;
        std::vector<int32_t> key;
    };
    std::vector<BlockRef> refs;
    for (size_t f = 0; f < families.size(); ++f) {
        for (size_t t = 0; t < n_types; ++t) {
            BlockRef ref{f, t, families[f].key_prefix};
            ref.key.push_back(layout.centre_types[t]);
            ref.key.insert(ref.key.end(), families[f].key_suffix.begin(), families[f].key_suffix.end());
            refs.push_back(std::move(ref));
        }
    }
    std::stable_sort(refs.begin(), refs.end(), [](const BlockRef& a, const BlockRef& b) { return a.key < b.key; });

    // Storage of a previous result is reused block by block.
    std::vector<Block> previous = std::move(result.blocks);
    result.keys.names = kernel.key_names();
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

    // Allocation is spread over the pool: first touches of hundreds of MB are not free.
    pool.parallel_for(refs.size(), [&](size_t b) {
        check_cancel(cancel);
        const result_memory::ArenaScope in_arena(arena);  // this thread's allocations below
        const BlockFamily& family = families[refs[b].family];
        const size_t t = refs[b].type;
        Block& block = result.blocks[b];
        std::vector<GradientBlock> recycled = std::move(block.gradients);
        block.gradients.clear();
        auto recycle = [&](size_t index) { return index < recycled.size() ? std::move(recycled[index].values) : Values(); };
        const size_t rows = layout.rows_per_type[t], width = family.width();
        block.samples.names = {"system", "atom"};
        block.samples.values.reserve(rows * 2);
        for (const auto& centre : layout.centres) {
            if (static_cast<size_t>(centre.type_index) == t) {
                block.samples.values.push_back(centre.system);
                block.samples.values.push_back(centre.atom);
            }
        }
        if (family.components > 0) block.components.push_back(component_labels("o3_mu", (family.components - 1) / 2));
        block.properties = family.properties;
        allocate(block.values, rows * width);
        if (layout.positions) {
            GradientBlock gradient;
            gradient.parameter = "positions";
            gradient.samples.names = {"sample", "system", "atom"};
            const size_t g = layout.gradient_total[t * layout.n_groups + DescriptorLayout::group_of(family)];
            gradient.samples.values.resize(g * 3);  // written by the executor, in slot order
            gradient.components.push_back(xyz_labels("xyz"));
            gradient.components.insert(gradient.components.end(), block.components.begin(), block.components.end());
            gradient.values = recycle(0);
            allocate(gradient.values, g * 3 * width);
            block.gradients.push_back(std::move(gradient));
        }
        if (layout.cell) {
            GradientBlock gradient;
            gradient.parameter = "cell";
            gradient.samples.names = {"sample"};
            gradient.samples.values.resize(rows);
            std::iota(gradient.samples.values.begin(), gradient.samples.values.end(), 0);
            gradient.components.push_back(xyz_labels("cell_row"));
            gradient.components.push_back(xyz_labels("cell_column"));
            gradient.components.insert(gradient.components.end(), block.components.begin(), block.components.end());
            gradient.values = recycle(layout.positions ? 1 : 0);
            allocate(gradient.values, rows * 9 * width);
            block.gradients.push_back(std::move(gradient));
        }
    }, options.max_threads);
    return block_of;
}

}  // namespace hamd
