// Memory for result arrays. Descriptor results (gradients above all) are hundreds of
// megabytes that callers request again and again (MD steps, repeated requests). Fresh
// pages cost a page fault and a kernel zero-fill each, as much as computing the values;
// so large blocks released here are kept, up to a bound, and handed out again.
//
// Results can also be placed in memory the caller owns (an OutputArena: e.g. a client's
// shared-memory region, so the engine writes straight into it): while an ArenaScope is alive
// on a thread, acquire() on that thread takes blocks from the arena when they fit.
#pragma once
#include <atomic>
#include <cstddef>

namespace hamd::result_memory {

// At least `bytes` bytes, 64-byte aligned. Never returns null (throws std::bad_alloc).
void* acquire(size_t bytes);
// Gives back a block from acquire(); large blocks are cached while the cache has room.
void release(void* block) noexcept;

// Caller-owned memory that result blocks can be placed in. Blocks are 64-byte aligned, each
// after a 64-byte header (so offsets from the arena's start are multiples of 64); they are
// never freed one by one (release() of such a block does nothing): the arena is used for one
// result, and the caller must destroy that result before the memory goes away. Thread-safe.
class OutputArena {
public:
    OutputArena(void* base, size_t bytes) : base_(static_cast<char*>(base)), bytes_(bytes) {}
    OutputArena(const OutputArena&) = delete;
    OutputArena& operator=(const OutputArena&) = delete;

    // A block of at least `bytes` bytes, or nullptr when the arena has no room left for it.
    void* take(size_t bytes);
    bool contains(const void* p) const { return p >= base_ && p < base_ + bytes_; }
    size_t offset_of(const void* p) const { return static_cast<size_t>(static_cast<const char*>(p) - base_); }
    // Bytes that every take() so far asked for, headers included, whether it fitted or not:
    // the arena size with which all of them would have fitted.
    size_t needed() const { return needed_.load(); }

private:
    char* base_;
    size_t bytes_;
    std::atomic<size_t> used_{0};
    std::atomic<size_t> needed_{0};
};

// While alive, acquire() on this thread tries `arena` first (nullptr: no arena). Nests.
class ArenaScope {
public:
    explicit ArenaScope(OutputArena* arena);
    ~ArenaScope();
    ArenaScope(const ArenaScope&) = delete;
    ArenaScope& operator=(const ArenaScope&) = delete;

private:
    OutputArena* previous_;
};

// Upper bound on cached bytes: default 1 GiB, or $HAMD_RESULT_CACHE_MB at first use;
// 0 disables caching and frees what is held.
void set_cache_limit(size_t bytes);
size_t cache_limit();
size_t cached_bytes();

}  // namespace hamd::result_memory
