// The process-wide caches of LODE's tables (integrals, scans, splits): immutable objects shared
// between requests, found by a predicate, built outside the lock (the tables take seconds; two
// threads may build the same one, and the first stored is kept), most recently used last, the
// least recently used dropped beyond `capacity` (0: never, for objects callers keep references
// to). One class for the seven caches that were written out by hand.
#pragma once
#include <memory>
#include <mutex>
#include <vector>

namespace hamd {

template <class T>
class TableCache {
public:
    explicit TableCache(size_t capacity) : capacity_(capacity) {}

    template <class Match, class Build>
    std::shared_ptr<const T> get(Match&& match, Build&& build) {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (auto found = take(match)) return found;
        }
        std::shared_ptr<const T> built = build();
        std::lock_guard<std::mutex> lock(mutex_);
        if (auto found = take(match)) return found;
        if (capacity_ != 0 && entries_.size() >= capacity_) entries_.erase(entries_.begin());
        entries_.push_back(built);
        return built;
    }

private:
    // The matching entry, moved to the back (most recently used); null if none. Under the lock.
    template <class Match>
    std::shared_ptr<const T> take(Match& match) {
        for (auto it = entries_.begin(); it != entries_.end(); ++it) {
            if (!match(**it)) continue;
            std::shared_ptr<const T> found = *it;
            entries_.erase(it);
            entries_.push_back(found);
            return found;
        }
        return nullptr;
    }

    size_t capacity_;
    std::mutex mutex_;
    std::vector<std::shared_ptr<const T>> entries_;
};

}  // namespace hamd
