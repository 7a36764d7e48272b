// The result-memory cache: alignment, reuse of large blocks, the bound, and no reuse of
// blocks that are too large for a request.
#include <cstdint>
#include <cstring>

#include "core/base/result_memory.hpp"
#include "core/base/tensor_map.hpp"
#include "native/check.hpp"

using namespace hamd;

int main() {
    result_memory::set_cache_limit(64 << 20);
    void* small = result_memory::acquire(100);
    check::ok(reinterpret_cast<uintptr_t>(small) % 64 == 0, "small blocks are 64-byte aligned");
    result_memory::release(small);
    check::ok(result_memory::cached_bytes() == 0, "small blocks are not cached");

    void* large = result_memory::acquire(8 << 20);
    check::ok(reinterpret_cast<uintptr_t>(large) % 64 == 0, "large blocks are 64-byte aligned");
    std::memset(large, 1, 8 << 20);
    result_memory::release(large);
    check::ok(result_memory::cached_bytes() >= (size_t(8) << 20), "a released large block is cached");
    void* again = result_memory::acquire(6 << 20);
    check::ok(again == large, "a fitting request reuses the cached block");
    check::ok(result_memory::cached_bytes() == 0, "the reused block left the cache");
    result_memory::release(again);

    void* tiny_request = result_memory::acquire(2 << 20);
    check::ok(tiny_request != large, "a block more than twice the request is not handed out");
    result_memory::release(tiny_request);

    void* a = result_memory::acquire(40 << 20);
    void* b = result_memory::acquire(40 << 20);
    result_memory::release(a);
    result_memory::release(b);
    check::ok(result_memory::cached_bytes() <= (size_t(64) << 20), "the cache never holds more than its limit");

    result_memory::set_cache_limit(0);
    check::ok(result_memory::cached_bytes() == 0, "limit 0 frees everything cached");

    // Values (the result arrays) go through the same allocator and leave memory uninitialised.
    result_memory::set_cache_limit(64 << 20);
    {
        Values values(3 << 20, 7.0);
        check::ok(values[0] == 7.0 && values[values.size() - 1] == 7.0, "Values honours an explicit fill value");
    }
    check::ok(result_memory::cached_bytes() >= (size_t(24) << 20), "a destroyed Values returns its block to the cache");
    return check::finish();
}
