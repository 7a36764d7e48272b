// Same-host shared-memory transport of results (ComputeDescriptorsRequest.shared_memory):
// the bulk arrays of a TensorMap are written into a new private file (typically in
// /dev/shm) on the engine's worker thread, so that neither the event loop nor gRPC moves
// them. The core knows nothing of this; only the N-API layer calls it.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/base/tensor_map.hpp"
#include "core/base/thread_pool.hpp"

namespace hamd_napi {

// Where each array went: byte offsets into the file, in block order.
struct SharedMemoryLayout {
    std::vector<uint64_t> block_offsets;                  // values of block b
    std::vector<std::vector<uint64_t>> gradient_offsets;  // values of gradient g of block b
    uint64_t file_bytes = 0;
};

// Every array starts at a multiple of this (cache line; more than any dtype needs).
constexpr uint64_t kSharedMemoryAlignment = 64;

// Creates `path` (O_CREAT | O_EXCL | O_NOFOLLOW, mode 0600: never an existing file or a
// symlink planted there) and writes the values of every block and gradient block at
// aligned offsets, spread over `pool`. On success the written vectors are released and
// the layout returned; on failure the file is removed, `map` is left as it was and
// `error` says why (the caller then answers in the message).
bool write_shared_memory(const std::string& path, hamd::TensorMap& map, hamd::ThreadPool& pool,
                         SharedMemoryLayout& layout, std::string& error);

}  // namespace hamd_napi
