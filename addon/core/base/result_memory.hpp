// Memory for result arrays. Descriptor results (gradients above all) are hundreds of
// megabytes that callers request again and again (MD steps, repeated requests). Fresh
// pages cost a page fault and a kernel zero-fill each, as much as computing the values;
// so large blocks released here are kept, up to a bound, and handed out again.
#pragma once
#include <cstddef>

namespace hamd::result_memory {

// At least `bytes` bytes, 64-byte aligned. Never returns null (throws std::bad_alloc).
void* acquire(size_t bytes);
// Gives back a block from acquire(); large blocks are cached while the cache has room.
void release(void* block) noexcept;

// Upper bound on cached bytes: default 1 GiB, or $HAMD_RESULT_CACHE_MB at first use;
// 0 disables caching and frees what is held.
void set_cache_limit(size_t bytes);
size_t cache_limit();
size_t cached_bytes();

}  // namespace hamd::result_memory
