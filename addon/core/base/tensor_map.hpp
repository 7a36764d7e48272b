// Labelled blocks of results, after metatensor: keys select blocks; each block has
// samples (rows), components (symmetry axes, e.g. o3_mu) and properties (columns).
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/base/result_memory.hpp"

namespace hamd {

// An allocator whose resize() leaves new doubles uninitialised: result arrays are written
// in full by the kernels, and a zero-fill pass over hundreds of megabytes of gradients
// would cost as much as computing them. Memory comes from result_memory, which keeps
// large released blocks (already mapped) for the next result.
template <typename T>
struct UninitializedAllocator : std::allocator<T> {
    using value_type = T;
    template <typename U> struct rebind { using other = UninitializedAllocator<U>; };
    UninitializedAllocator() = default;
    template <typename U> UninitializedAllocator(const UninitializedAllocator<U>&) noexcept {}
    T* allocate(size_t n) { return static_cast<T*>(result_memory::acquire(n * sizeof(T))); }
    void deallocate(T* p, size_t) noexcept { result_memory::release(p); }
    template <typename U>
    void construct(U* p) noexcept(std::is_nothrow_default_constructible<U>::value) {
        ::new (static_cast<void*>(p)) U;
    }
    template <typename U, typename... Args>
    void construct(U* p, Args&&... args) {
        ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
    }
    template <typename U> bool operator==(const UninitializedAllocator<U>&) const noexcept { return true; }
    template <typename U> bool operator!=(const UninitializedAllocator<U>&) const noexcept { return false; }
};

// Bulk result values. Use assign(n, 0.0) where zeros are needed.
using Values = std::vector<double, UninitializedAllocator<double>>;

struct Labels {
    std::vector<std::string> names;
    std::vector<int32_t> values;  // count() x names.size(), row-major
    size_t count() const { return names.empty() ? 0 : values.size() / names.size(); }
};

// Gradient of a block with respect to a parameter ("positions" or "cell").
// positions: samples (sample, system, atom); components [xyz] + block components;
//   values[grad_sample][xyz][block components...][property].
// cell: samples (sample); components [cell_row, cell_column] (derivative with respect
//   to cell[row][column], fractional coordinates fixed) + block components.
struct GradientBlock {
    std::string parameter;
    Labels samples;
    std::vector<Labels> components;
    Values values;
};

struct Block {
    Labels samples;                  // (system, atom)
    std::vector<Labels> components;  // e.g. [o3_mu]; empty for invariants
    Labels properties;
    Values values;                   // samples x components... x properties, row-major
    std::vector<GradientBlock> gradients;
};

struct TensorMap {
    Labels keys;                     // one row per block
    std::vector<Block> blocks;
};

}  // namespace hamd
