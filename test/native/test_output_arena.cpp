// Results placed in caller-owned memory (result_memory::OutputArena, the daemon's shared-memory
// regions): the same numbers bitwise as on the heap, every array inside the arena when it is
// large enough (64-byte aligned, after a header), the arrays that do not fit on the heap, and
// needed() the size with which all fit. Then the checks of a region file (MappedRegion).
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "core/base/errors.hpp"
#include "core/io/mapped_region.hpp"
#include "native/descriptor_fixtures.hpp"

using namespace fixtures;
using hamd::result_memory::OutputArena;

namespace {

// Every bulk array of a result: block values, then each block's gradient values.
std::vector<const hamd::Values*> bulk_arrays(const TensorMap& map) {
    std::vector<const hamd::Values*> out;
    for (const auto& block : map.blocks) {
        out.push_back(&block.values);
        for (const auto& gradient : block.gradients) out.push_back(&gradient.values);
    }
    return out;
}

bool same_numbers(const TensorMap& a, const TensorMap& b) {
    const auto x = bulk_arrays(a), y = bulk_arrays(b);
    if (x.size() != y.size()) return false;
    for (size_t i = 0; i < x.size(); ++i) {
        if (x[i]->size() != y[i]->size() || std::memcmp(x[i]->data(), y[i]->data(), x[i]->size() * sizeof(double)) != 0) return false;
    }
    return true;
}

template <class F>
bool throws_with(F&& f, const std::string& part) {
    try {
        f();
    } catch (const std::exception& e) {
        return std::string(e.what()).find(part) != std::string::npos;
    }
    return false;
}

// A memfd of `bytes` bytes, sealed against shrinking when `seal`; its /proc path.
std::string memfd_path(size_t bytes, bool seal, int& fd) {
    fd = ::memfd_create("hamd-test-region", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (::ftruncate(fd, static_cast<off_t>(bytes)) != 0) std::perror("ftruncate");
    if (seal) ::fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW);
    return "/proc/self/fd/" + std::to_string(fd);
}

}  // namespace

int main() {
    std::mt19937 rng(11);
    const std::vector<System> systems = {random_molecule(rng, {1, 6, 8, 8, 1}), random_molecule(rng, {6, 1, 1, 7})};
    DescriptorOptions o = options(DescriptorKind::PowerSpectrum);
    o.gradient_positions = true;
    const TensorMap heap = compute(systems, o);

    // Room for everything: every array in the arena, the numbers bitwise those of the heap.
    std::vector<char> storage((size_t(8) << 20) + 64);
    char* base = storage.data() + (64 - reinterpret_cast<uintptr_t>(storage.data()) % 64) % 64;
    {
        OutputArena arena(base, size_t(8) << 20);
        const TensorMap placed = hamd::compute_descriptors(systems, o, pool(), nullptr, &arena);
        check::ok(same_numbers(placed, heap), "results in the arena equal those on the heap, bitwise");
        bool all_inside = true, aligned = true;
        size_t bytes = 0;
        for (const auto* values : bulk_arrays(placed)) {
            all_inside = all_inside && arena.contains(values->data());
            aligned = aligned && arena.offset_of(values->data()) % 64 == 0;
            bytes += 64 + (values->size() * sizeof(double) + 63) / 64 * 64;
        }
        check::ok(all_inside, "with room for all, every values and gradient array is in the arena");
        check::ok(aligned, "arrays start at 64-byte offsets");
        check::ok(arena.needed() == bytes, "needed() is the arrays' bytes plus a 64-byte header each, aligned");
    }

    // Too small for all: what fits is placed, the rest goes to the heap; same numbers; an arena of
    // needed() bytes then holds everything.
    size_t needed = 0;
    {
        OutputArena arena(base, 4096);
        const TensorMap placed = hamd::compute_descriptors(systems, o, pool(), nullptr, &arena);
        check::ok(same_numbers(placed, heap), "a partly placed result equals the heap result");
        size_t inside = 0, total = 0;
        for (const auto* values : bulk_arrays(placed)) {
            inside += arena.contains(values->data());
            ++total;
        }
        check::ok(inside < total, "arrays that do not fit are on the heap");
        needed = arena.needed();
    }
    {
        OutputArena arena(base, needed);
        const TensorMap placed = hamd::compute_descriptors(systems, o, pool(), nullptr, &arena);
        bool all_inside = true;
        for (const auto* values : bulk_arrays(placed)) all_inside = all_inside && arena.contains(values->data());
        check::ok(all_inside, "an arena of needed() bytes (from a too-small attempt) holds everything");
    }

    // Region files.
    int sealed_fd = -1, unsealed_fd = -1;
    const std::string sealed = memfd_path(1 << 20, true, sealed_fd);
    {
        hamd::MappedRegion region(sealed, 1 << 20);
        check::ok(region.size() == (1 << 20) && region.data() != nullptr, "a sealed memfd of the daemon's user maps");
        std::memset(region.data(), 7, region.size());
        char byte = 0;
        check::ok(::pread(sealed_fd, &byte, 1, 12345) == 1 && byte == 7, "writes through the mapping reach the client's file");
    }
    check::ok(throws_with([&] { hamd::MappedRegion(sealed, (1 << 20) + 1); }, "fewer than byte_size"), "a region larger than the file is refused");
    check::ok(throws_with([&] { hamd::MappedRegion(sealed, 0); }, "positive"), "byte_size 0 is refused");
    const std::string unsealed = memfd_path(1 << 20, false, unsealed_fd);
    check::ok(throws_with([&] { hamd::MappedRegion(unsealed, 1 << 20); }, "sealed against shrinking"),
              "a memfd that may shrink is refused (a truncation would fault the daemon)");
    char plain[] = "/tmp/hamd-region-XXXXXX";
    const int plain_fd = ::mkstemp(plain);
    if (::ftruncate(plain_fd, 1 << 20) != 0) std::perror("ftruncate");
    check::ok(throws_with([&] { hamd::MappedRegion(plain, 1 << 20); }, "sealed against shrinking"), "a plain file is refused");
    ::unlink(plain);
    ::close(plain_fd);
    check::ok(throws_with([&] { hamd::MappedRegion("/nonexistent/region", 4096); }, "No such file"), "a missing file is refused");
    check::ok(throws_with([&] { hamd::MappedRegion("/tmp", 4096); }, "/tmp"), "a directory is refused");
    ::close(sealed_fd);
    ::close(unsealed_fd);
    return check::finish();
}
