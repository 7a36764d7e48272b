// A client's shared-memory region mapped read-write and shared (MAP_SHARED): the engine writes
// results into it and the client reads them without a copy (docs/shared-memory.md). Opening
// checks what makes writing into a file a client named safe: a regular file of this process's
// user, at least the declared size, and sealed against shrinking (a memfd with F_SEAL_SHRINK),
// so that no later truncation can fault the daemon's writes.
#pragma once
#include <cstddef>
#include <string>

namespace hamd {

class MappedRegion {
public:
    // InvalidArgument: missing, not a regular file, not sealed against shrinking, too small,
    // size 0; PermissionDenied: another user's file (or not openable); ResourceExhausted: mmap
    // failed.
    MappedRegion(const std::string& path, size_t byte_size);
    ~MappedRegion();
    MappedRegion(const MappedRegion&) = delete;
    MappedRegion& operator=(const MappedRegion&) = delete;

    char* data() const { return data_; }
    size_t size() const { return size_; }

private:
    char* data_ = nullptr;
    size_t size_ = 0;
};

}  // namespace hamd
