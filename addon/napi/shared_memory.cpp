#include "napi/shared_memory.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>

namespace hamd_napi {

namespace {

// One contiguous piece of an array and where it goes in the file.
struct Segment {
    const char* data;
    size_t bytes;
    uint64_t offset;
};

// Large enough that a write costs more than dispatching it, small enough to spread
// hundreds of megabytes over the pool.
constexpr size_t kSegmentBytes = size_t(8) << 20;

uint64_t align_up(uint64_t value) {
    return (value + kSharedMemoryAlignment - 1) / kSharedMemoryAlignment * kSharedMemoryAlignment;
}

void add_segments(std::vector<Segment>& segments, const hamd::Values& values, uint64_t offset) {
    const char* data = reinterpret_cast<const char*>(values.data());
    size_t total = values.size() * sizeof(double);
    for (size_t done = 0; done < total; done += kSegmentBytes) {
        segments.push_back({data + done, std::min(kSegmentBytes, total - done), offset + done});
    }
}

// pwrite until done; false with errno set on failure.
bool write_all(int fd, const char* data, size_t bytes, uint64_t offset) {
    while (bytes > 0) {
        ssize_t written = ::pwrite(fd, data, bytes, static_cast<off_t>(offset));
        if (written < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        data += written;
        bytes -= static_cast<size_t>(written);
        offset += static_cast<uint64_t>(written);
    }
    return true;
}

}  // namespace

bool write_shared_memory(const std::string& path, hamd::TensorMap& map, hamd::ThreadPool& pool,
                         SharedMemoryLayout& layout, std::string& error) {
    layout = SharedMemoryLayout{};
    std::vector<Segment> segments;
    uint64_t end = 0;
    for (const hamd::Block& block : map.blocks) {
        uint64_t offset = align_up(end);
        layout.block_offsets.push_back(offset);
        add_segments(segments, block.values, offset);
        end = offset + block.values.size() * sizeof(double);
        std::vector<uint64_t> gradients;
        for (const hamd::GradientBlock& gradient : block.gradients) {
            offset = align_up(end);
            gradients.push_back(offset);
            add_segments(segments, gradient.values, offset);
            end = offset + gradient.values.size() * sizeof(double);
        }
        layout.gradient_offsets.push_back(std::move(gradients));
    }
    layout.file_bytes = end;

    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        error = "cannot create " + path + ": " + std::strerror(errno);
        return false;
    }
    std::atomic<int> failure{0};
    if (::ftruncate(fd, static_cast<off_t>(end)) != 0) failure = errno;
    if (failure == 0) {
        pool.parallel_for(segments.size(), [&](size_t i) {
            if (failure.load(std::memory_order_relaxed) != 0) return;
            const Segment& s = segments[i];
            if (!write_all(fd, s.data, s.bytes, s.offset)) failure = errno;
        });
    }
    if (::close(fd) != 0 && failure == 0) failure = errno;
    if (failure != 0) {
        ::unlink(path.c_str());
        error = "cannot write " + path + ": " + std::strerror(failure);
        return false;
    }
    // The file holds them now: give the memory back before JS sees the result.
    for (hamd::Block& block : map.blocks) {
        hamd::Values().swap(block.values);
        for (hamd::GradientBlock& gradient : block.gradients) hamd::Values().swap(gradient.values);
    }
    return true;
}

}  // namespace hamd_napi
