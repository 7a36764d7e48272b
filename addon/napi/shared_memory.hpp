// The per-response shared-memory file transport was removed (hamd.proto reserves its fields;
// registered regions will replace it). What is left here is only the layout type that
// addon/napi/convert.{hpp,cpp} still names (tensor_map_to_js's optional `layout`, always null
// now); delete this header together with those lines of convert.*.
#pragma once
#include <cstdint>
#include <vector>

namespace hamd_napi {

struct SharedMemoryLayout {
    std::vector<uint64_t> block_offsets;
    std::vector<std::vector<uint64_t>> gradient_offsets;
    uint64_t file_bytes = 0;
};

}  // namespace hamd_napi
