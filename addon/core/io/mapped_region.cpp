#include "core/io/mapped_region.hpp"

#include <fcntl.h>  // F_GET_SEALS, F_SEAL_SHRINK (glibc, _GNU_SOURCE)
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/base/errors.hpp"

namespace hamd {

namespace {

struct Descriptor {
    int fd;
    ~Descriptor() {
        if (fd >= 0) ::close(fd);
    }
};

}  // namespace

MappedRegion::MappedRegion(const std::string& path, size_t byte_size) {
    if (byte_size == 0) throw InvalidArgument("shared-memory region: byte_size must be positive");
    // O_NONBLOCK: a FIFO named there must not hang the daemon (it is refused below).
    const Descriptor file{::open(path.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC)};
    if (file.fd < 0) {
        const int error = errno;
        if (error == EACCES || error == EPERM) throw PermissionDenied("shared-memory region " + path + ": " + std::strerror(error));
        throw InvalidArgument("shared-memory region " + path + ": " + std::strerror(error));
    }
    struct stat info {};
    if (::fstat(file.fd, &info) != 0) throw InvalidArgument("shared-memory region " + path + ": " + std::strerror(errno));
    if (!S_ISREG(info.st_mode)) throw InvalidArgument("shared-memory region " + path + ": not a regular file");
    if (info.st_uid != ::geteuid()) throw PermissionDenied("shared-memory region " + path + ": owned by another user");
    // A mapping of a file that shrinks afterwards faults (SIGBUS) where the engine writes: the
    // daemon would die. A memfd sealed against shrinking cannot, whatever its owner does later.
    const int seals = ::fcntl(file.fd, F_GET_SEALS);
    if (seals < 0 || (seals & F_SEAL_SHRINK) == 0) {
        throw InvalidArgument("shared-memory region " + path +
                              ": not a memfd sealed against shrinking (create it with memfd_create(MFD_ALLOW_SEALING), "
                              "size it, add F_SEAL_SHRINK, and register /proc/<pid>/fd/<fd>)");
    }
    if (static_cast<unsigned long long>(info.st_size) < byte_size) {
        throw InvalidArgument("shared-memory region " + path + ": the file has " + std::to_string(info.st_size) +
                              " bytes, fewer than byte_size " + std::to_string(byte_size));
    }
    void* mapped = ::mmap(nullptr, byte_size, PROT_READ | PROT_WRITE, MAP_SHARED, file.fd, 0);
    if (mapped == MAP_FAILED) throw ResourceExhausted("shared-memory region " + path + ": mmap failed: " + std::strerror(errno));
    data_ = static_cast<char*>(mapped);
    size_ = byte_size;
}

MappedRegion::~MappedRegion() {
    if (data_ != nullptr) ::munmap(data_, size_);
}

}  // namespace hamd
