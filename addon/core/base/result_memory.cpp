#include "core/base/result_memory.hpp"

#include <cstdint>
#include <cstdlib>
#include <map>
#include <mutex>
#include <new>

namespace hamd::result_memory {

namespace {

constexpr size_t kAlignment = 64;
constexpr size_t kHeader = 64;               // holds the block's usable size; keeps alignment
constexpr size_t kCacheFrom = size_t(1) << 20;  // smaller blocks go straight back to malloc

struct Cached {
    void* raw;
    uint64_t stamp;  // release order: the oldest blocks are evicted first
};

struct Cache {
    std::mutex mutex;
    std::multimap<size_t, Cached> blocks;  // usable size -> block
    uint64_t clock = 0;
    size_t bytes = 0;
    size_t limit = 0;
};

// Default bound: 1 GiB, or HAMD_RESULT_CACHE_MB from the environment.
size_t default_limit() {
    const char* text = std::getenv("HAMD_RESULT_CACHE_MB");
    if (text != nullptr && *text != '\0') {
        char* end = nullptr;
        const unsigned long long megabytes = std::strtoull(text, &end, 10);
        if (end != nullptr && *end == '\0') return static_cast<size_t>(megabytes) << 20;
    }
    return size_t(1) << 30;
}

Cache& cache() {
    static Cache* instance = [] {  // never destroyed: results may outlive static destruction
        Cache* c = new Cache();
        c->limit = default_limit();
        return c;
    }();
    return *instance;
}

size_t& usable_size(void* raw) { return *static_cast<size_t*>(raw); }

void free_raw(void* raw) { std::free(raw); }

// Frees the least recently released block. The caller holds the mutex.
void evict_oldest(Cache& c) {
    auto oldest = c.blocks.begin();
    for (auto it = c.blocks.begin(); it != c.blocks.end(); ++it) {
        if (it->second.stamp < oldest->second.stamp) oldest = it;
    }
    c.bytes -= oldest->first;
    free_raw(oldest->second.raw);
    c.blocks.erase(oldest);
}

void* user_pointer(void* raw) { return static_cast<char*>(raw) + kHeader; }
void* raw_pointer(void* user) { return static_cast<char*>(user) - kHeader; }

// The header's size of a block placed in an OutputArena: release() leaves it alone.
constexpr size_t kInArena = ~size_t(0);

size_t aligned(size_t bytes) { return ((bytes + kAlignment - 1) / kAlignment) * kAlignment; }

thread_local OutputArena* current_arena = nullptr;

}  // namespace

void* OutputArena::take(size_t bytes) {
    const size_t need = kHeader + aligned(bytes);
    needed_.fetch_add(need);
    size_t used = used_.load();
    do {
        if (need > bytes_ || used > bytes_ - need) return nullptr;
    } while (!used_.compare_exchange_weak(used, used + need));
    void* raw = base_ + used;
    usable_size(raw) = kInArena;
    return user_pointer(raw);
}

ArenaScope::ArenaScope(OutputArena* arena) : previous_(current_arena) { current_arena = arena; }

ArenaScope::~ArenaScope() { current_arena = previous_; }

void* acquire(size_t bytes) {
    if (current_arena != nullptr) {
        if (void* block = current_arena->take(bytes)) return block;
    }
    if (bytes >= kCacheFrom) {
        Cache& c = cache();
        std::lock_guard<std::mutex> lock(c.mutex);
        // Smallest cached block that fits and wastes at most half of itself.
        auto it = c.blocks.lower_bound(bytes);
        if (it != c.blocks.end() && it->first <= 2 * bytes) {
            void* raw = it->second.raw;
            c.bytes -= it->first;
            c.blocks.erase(it);
            return user_pointer(raw);
        }
    }
    size_t total = kHeader + aligned(bytes);
    void* raw = std::aligned_alloc(kAlignment, total);
    if (raw == nullptr) throw std::bad_alloc();
    usable_size(raw) = total - kHeader;
    return user_pointer(raw);
}

void release(void* block) noexcept {
    if (block == nullptr) return;
    void* raw = raw_pointer(block);
    const size_t size = usable_size(raw);
    if (size == kInArena) return;  // the arena's owner frees its memory
    if (size >= kCacheFrom) {
        Cache& c = cache();
        std::lock_guard<std::mutex> lock(c.mutex);
        // Make room by dropping the least recently released blocks.
        while (c.bytes + size > c.limit && !c.blocks.empty()) evict_oldest(c);
        if (c.bytes + size <= c.limit) {
            try {
                c.blocks.emplace(size, Cached{raw, ++c.clock});
                c.bytes += size;
                return;
            } catch (...) {
                // no room for the map node: just free the block
            }
        }
    }
    free_raw(raw);
}

void set_cache_limit(size_t bytes) {
    Cache& c = cache();
    std::lock_guard<std::mutex> lock(c.mutex);
    c.limit = bytes;
    while (c.bytes > c.limit && !c.blocks.empty()) evict_oldest(c);
}

size_t cache_limit() {
    Cache& c = cache();
    std::lock_guard<std::mutex> lock(c.mutex);
    return c.limit;
}

size_t cached_bytes() {
    Cache& c = cache();
    std::lock_guard<std::mutex> lock(c.mutex);
    return c.bytes;
}

}  // namespace hamd::result_memory
