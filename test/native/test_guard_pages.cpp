// Regression: no kernel reads past the end of a buffer.
//
// A read past the end of a heap buffer usually lands in other heap memory and goes
// unnoticed; it crashes only when the buffer happens to end right before an unmapped page,
// so heap layout decides (the daemon once crashed 2 runs in 10 this way: GCC 12 at -O3
// vectorised the k loop of the A^T B tile so that it loaded the next row of A into an unused
// vector lane). This binary replaces operator new so that every allocation ends exactly at
// a PROT_NONE guard page (8-byte granularity: a double array ends at the page end), then
//  1. runs gemm_tn and stream_copy on exact-size buffers over many shapes, against a naive
//     product, and
//  2. computes every descriptor kind with position (and cell) gradients for radial sizes
//     that select every specialised kernel (n_radial 1..13) and several angular sizes.
// A read past any std::vector the kernels touch is then a SIGSEGV: the test fails.
#include <sys/mman.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <random>
#include <string>
#include <vector>

#include "core/math/dense_kernels.hpp"
#include "core/descriptors/engine.hpp"
#include "native/check.hpp"

namespace {

constexpr uint64_t kMagic = 0x6775617264706167ULL;  // "guardpag"

struct Header {
    uint64_t magic;
    void* base;
    size_t length;
};

size_t page_size() {
    static const size_t size = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    return size;
}

// [header][data ... end of the last readable page][PROT_NONE page]. The data start is
// aligned to `alignment` and its end is within alignment - 8 bytes of the guard page:
// byte-exact for every size that is a multiple of the alignment or of 8 with alignment 8.
void* guarded_allocate(size_t bytes, size_t alignment) {
    if (alignment < 8) alignment = 8;
    if (bytes == 0) bytes = 1;
    const size_t page = page_size();
    const size_t payload = bytes + sizeof(Header) + alignment;
    const size_t readable = (payload + page - 1) / page * page;
    const size_t length = readable + page;
    void* base = mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) throw std::bad_alloc();
    char* guard = static_cast<char*>(base) + readable;
    if (mprotect(guard, page, PROT_NONE) != 0) std::abort();
    // 8-byte granularity where the caller asks for no more: double arrays end at the page end.
    const size_t granularity = alignment > 16 ? alignment : (bytes % 16 == 0 ? 16 : 8);
    uintptr_t start = reinterpret_cast<uintptr_t>(guard) - bytes;
    start -= start % granularity;
    Header* header = reinterpret_cast<Header*>(start) - 1;
    *header = Header{kMagic, base, length};
    return reinterpret_cast<void*>(start);
}

void guarded_release(void* p) noexcept {
    if (p == nullptr) return;
    Header* header = static_cast<Header*>(p) - 1;
    if (header->magic != kMagic) std::abort();  // not ours: a mismatched new/delete
    header->magic = 0;
    munmap(header->base, header->length);
}

}  // namespace

void* operator new(size_t bytes) { return guarded_allocate(bytes, 16); }
void* operator new[](size_t bytes) { return guarded_allocate(bytes, 16); }
void* operator new(size_t bytes, std::align_val_t a) { return guarded_allocate(bytes, static_cast<size_t>(a)); }
void* operator new[](size_t bytes, std::align_val_t a) { return guarded_allocate(bytes, static_cast<size_t>(a)); }
void* operator new(size_t bytes, const std::nothrow_t&) noexcept {
    try {
        return guarded_allocate(bytes, 16);
    } catch (...) {
        return nullptr;
    }
}
void operator delete(void* p) noexcept { guarded_release(p); }
void operator delete[](void* p) noexcept { guarded_release(p); }
void operator delete(void* p, size_t) noexcept { guarded_release(p); }
void operator delete[](void* p, size_t) noexcept { guarded_release(p); }
void operator delete(void* p, std::align_val_t) noexcept { guarded_release(p); }
void operator delete[](void* p, std::align_val_t) noexcept { guarded_release(p); }
void operator delete(void* p, size_t, std::align_val_t) noexcept { guarded_release(p); }
void operator delete[](void* p, size_t, std::align_val_t) noexcept { guarded_release(p); }

namespace {

using hamd::DescriptorKind;

// An exact-size array of `count` doubles whose last element ends at a guard page.
struct GuardedArray {
    explicit GuardedArray(size_t count) : data(static_cast<double*>(guarded_allocate(count * sizeof(double), 8))), size(count) {}
    ~GuardedArray() { guarded_release(data); }
    GuardedArray(const GuardedArray&) = delete;
    GuardedArray& operator=(const GuardedArray&) = delete;
    double* data;
    size_t size;
};

bool guard_page_faults() {
    // The allocator itself: the byte after an array of 3 doubles is unreadable.
    GuardedArray probe(3);
    const uintptr_t end = reinterpret_cast<uintptr_t>(probe.data + 3);
    const size_t page = page_size();
    return end % page == 0;
}

void check_dense_kernels() {
    std::mt19937 rng(11);
    std::uniform_real_distribution<double> uniform(-1, 1);
    double worst = 0;
    int shapes = 0;
    for (int m = 1; m <= 9; ++m)
        for (int n = 1; n <= 19; ++n)
            for (int k = 1; k <= 7; k += 2)
                for (int pad = 0; pad <= 1; ++pad) {
                    const size_t lda = m + pad, ldb = n + pad, ldo = n;
                    GuardedArray a((k - 1) * lda + m), b((k - 1) * ldb + n), out((m - 1) * ldo + n);
                    for (size_t i = 0; i < a.size; ++i) a.data[i] = uniform(rng);
                    for (size_t i = 0; i < b.size; ++i) b.data[i] = uniform(rng);
                    hamd::gemm_tn(m, n, k, 0.5, a.data, lda, b.data, ldb, out.data, ldo);
                    for (int i = 0; i < m; ++i)
                        for (int j = 0; j < n; ++j) {
                            double expected = 0;
                            for (int kk = 0; kk < k; ++kk) expected += a.data[kk * lda + i] * b.data[kk * ldb + j];
                            worst = std::fmax(worst, std::fabs(out.data[i * ldo + j] - 0.5 * expected));
                        }
                    ++shapes;
                }
    // Each entry is a sum of k <= 7 products of numbers in [-1, 1]: rounding <= 7 * 2 eps * 7.
    check::ok(worst < 1e-13, "gemm_tn on buffers that end at a guard page: " + std::to_string(shapes) +
                                 " shapes, no fault, equal to the naive product", "worst " + std::to_string(worst));

    bool copied = true;
    for (size_t n = 1; n <= 33; ++n) {
        GuardedArray source(n), target(n);
        for (size_t i = 0; i < n; ++i) source.data[i] = static_cast<double>(i) + 0.25;
        hamd::stream_copy(target.data, source.data, n);
        for (size_t i = 0; i < n; ++i) copied = copied && target.data[i] == source.data[i];
    }
    check::ok(copied, "stream_copy on buffers that end at a guard page: no fault, exact copy");
}

hamd::System random_molecule(std::mt19937& rng, int atoms, const std::vector<int32_t>& species) {
    std::uniform_real_distribution<double> coordinate(-2.2, 2.2);
    std::uniform_int_distribution<size_t> pick(0, species.size() - 1);
    hamd::System system;
    for (int i = 0; i < atoms; ++i) {
        system.types.push_back(species[pick(rng)]);
        for (int d = 0; d < 3; ++d) system.positions.push_back(coordinate(rng));
    }
    return system;
}

void check_descriptors() {
    std::mt19937 rng(7);
    hamd::ThreadPool pool(1);
    hamd::System box;
    box.types = {8, 1, 1, 8, 1, 1};
    box.positions = {0.0, 0.0, 0.0, 0.96, 0.0, 0.0, -0.24, 0.93, 0.0, 1.6, 1.5, 1.4, 2.5, 1.6, 1.4, 1.4, 2.4, 1.5};
    box.cell = {3.3, 0.0, 0.0, 0.0, 3.4, 0.0, 0.3, 0.0, 3.2};
    box.pbc = {true, true, true};
    const std::vector<hamd::System> molecules = {random_molecule(rng, 7, {1, 6, 8}), random_molecule(rng, 5, {1, 6})};
    int computed = 0;
    for (auto kind : {DescriptorKind::SphericalExpansion, DescriptorKind::PowerSpectrum, DescriptorKind::LambdaSoap,
                      DescriptorKind::Bispectrum}) {
        const bool cheap = kind == DescriptorKind::LambdaSoap || kind == DescriptorKind::Bispectrum;
        for (int n_radial = 1; n_radial <= 13; ++n_radial) {
            for (int max_angular : {0, 1, 3}) {
                if (cheap && max_angular > 1 && n_radial > 4) continue;  // keeps the run short
                hamd::DescriptorOptions options;
                options.kind = kind;
                options.hypers.cutoff = 3.0;
                options.hypers.max_radial = n_radial - 1;
                options.hypers.max_angular = max_angular;
                options.gradient_positions = true;
                options.gradient_cell = kind == DescriptorKind::SphericalExpansion || kind == DescriptorKind::PowerSpectrum;
                hamd::compute_descriptors({box}, options, pool);
                options.gradient_cell = false;
                hamd::compute_descriptors(molecules, options, pool);
                ++computed;
            }
        }
    }
    check::ok(computed > 100, "every descriptor kind with gradients, n_radial 1..13, max_angular 0..3, under guard pages",
              std::to_string(computed) + " configurations");
}

}  // namespace

int main() {
    check::ok(guard_page_faults(), "allocator: arrays end exactly at the guard page");
    check_dense_kernels();
    check_descriptors();
    return check::finish();
}
