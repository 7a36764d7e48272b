// The planner of a descriptor request: every atom is a centre; which block row it fills,
// how many position-gradient rows it owns (its neighbourhood decides), the size check
// against the caller's limit, and the blocks in key order with their labels and storage
// (reusing a previous result's). The executor (engine.cpp) then fills the rows in one
// parallel pass over the centres, without any further allocation or bookkeeping.
#pragma once
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/base/result_memory.hpp"
#include "core/base/tensor_map.hpp"
#include "core/base/thread_pool.hpp"
#include "core/descriptors/engine.hpp"
#include "core/descriptors/kernels.hpp"

namespace hamd {

struct DescriptorLayout {
    struct Centre {
        int32_t system;
        int32_t atom;
        int type_index;  // into centre_types
        size_t row;      // row in the blocks of its centre type
    };
    // Neighbour slots of one centre: all of them, and per neighbour channel (centre excluded).
    struct SlotCounts {
        size_t total = 0;
        std::vector<uint32_t> by_channel;
    };

    std::vector<int32_t> centre_types;  // ascending atomic numbers present
    std::vector<Centre> centres;        // (system, atom) in ascending order
    std::vector<size_t> rows_per_type;
    bool positions = false, cell = false;
    std::vector<SlotCounts> counts;     // per centre, when positions
    // Position-gradient groups: 0 = every slot, 1 + a = the slots of channel a. First gradient
    // row of each (centre, group) in the blocks of the centre's type.
    size_t n_groups = 0;
    std::vector<size_t> gradient_offset;  // centre * n_groups + group
    std::vector<size_t> gradient_total;   // type * n_groups + group
    std::vector<std::array<double, 9>> inverse_cells;  // per system, when cell

    // Work is split into chunks of consecutive centres, a few per thread.
    size_t n_chunks = 0;
    void chunk_range(size_t chunk, size_t& begin, size_t& end) const {
        begin = chunk * centres.size() / n_chunks;
        end = (chunk + 1) * centres.size() / n_chunks;
    }
    static size_t group_of(const BlockFamily& family) {
        return family.gradient_channel < 0 ? 0 : 1 + static_cast<size_t>(family.gradient_channel);
    }
};

// Centres, gradient row counts (a parallel pre-pass over the neighbourhoods) and offsets;
// ResourceExhausted when the output would exceed options.max_output_bytes.
DescriptorLayout plan_layout(const std::vector<System>& systems, const std::vector<NeighborList>& lists,
                             const ExpansionSetup& setup, const DescriptorKernel& kernel,
                             const DescriptorOptions& options, ThreadPool& pool, const std::atomic<bool>* cancel);

// The blocks of `result` in key order, labelled and with storage for every value (taken
// from the blocks `result` held before where they are large enough: no page faults, no zero
// fill; else from `arena` when given and there is room, else fresh). Returns the block of
// (family f, centre type t) at f * centre_types.size() + t.
std::vector<Block*> allocate_blocks(const DescriptorLayout& layout, const DescriptorKernel& kernel,
                                    const DescriptorOptions& options, ThreadPool& pool,
                                    const std::atomic<bool>* cancel, TensorMap& result,
                                    result_memory::OutputArena* arena = nullptr);

// Throws Cancelled when the flag is set (polled between centres and between stages).
void check_cancel(const std::atomic<bool>* cancel);

}  // namespace hamd
