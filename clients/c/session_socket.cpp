// The framed session socket's bytes (session_socket.hpp).
#include "session_socket.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

namespace hamd_c {

namespace {
constexpr size_t HEADER_BYTES = 4;
constexpr size_t INITIAL_BUFFER_BYTES = 1 << 16;
#ifdef MSG_NOSIGNAL
constexpr int SEND_FLAGS = MSG_NOSIGNAL;  // a closed peer is EPIPE, not SIGPIPE
#else
constexpr int SEND_FLAGS = 0;  // SO_NOSIGPIPE below
#endif
}  // namespace

bool FrameSocket::connect(const std::string &path) {
  close();
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(address.sun_path)) {
    error_ = "the socket path is empty or longer than " + std::to_string(sizeof(address.sun_path) - 1) + " bytes";
    return false;
  }
  std::memcpy(address.sun_path, path.data(), path.size());
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  if (fd < 0) {
    error_ = std::string("socket: ") + std::strerror(errno);
    return false;
  }
  fcntl(fd, F_SETFD, FD_CLOEXEC);
#ifdef SO_NOSIGPIPE
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one);
#endif
  int result;
  do {
    result = ::connect(fd, reinterpret_cast<sockaddr *>(&address), sizeof address);
  } while (result != 0 && errno == EINTR);
  if (result != 0 || fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0) {
    error_ = std::strerror(errno);
    ::close(fd);
    return false;
  }
  fd_ = fd;
  begin_ = end_ = 0;
  if (buffer_.size() < INITIAL_BUFFER_BYTES) buffer_.resize(INITIAL_BUFFER_BYTES);
  return true;
}

void FrameSocket::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  begin_ = end_ = 0;
}

FrameSocket::Status FrameSocket::failed(const std::string &what) {
  error_ = what + ": " + std::strerror(errno);
  return FAILED;
}

// Waits until the socket is ready for `events` or the deadline passes (false, *status TIMEOUT).
bool FrameSocket::wait(short events, Clock::time_point deadline, Status *status) {
  for (;;) {
    int timeout_ms = -1;
    if (deadline != NO_DEADLINE) {
      auto left = deadline - Clock::now();
      if (left <= Clock::duration::zero()) {
        *status = TIMEOUT;
        return false;
      }
      // Rounded up: poll() never returns before the deadline, so a step is not cut short.
      auto ms = std::chrono::ceil<std::chrono::milliseconds>(left).count();
      timeout_ms = static_cast<int>(std::min<decltype(ms)>(ms, 1 << 30));
    }
    pollfd entry{fd_, events, 0};
    int ready = ::poll(&entry, 1, timeout_ms);
    if (ready > 0) return true;  // readable, writable, or hung up / in error: the next call says
    if (ready < 0 && errno != EINTR) {
      *status = failed("poll");
      return false;
    }
  }
}

FrameSocket::Status FrameSocket::write_frame(const char *data, size_t size, Clock::time_point deadline) {
  if (fd_ < 0) return CLOSED;
  if (size > UINT32_MAX) {
    errno = EMSGSIZE;
    return failed("write");
  }
  const uint32_t length = static_cast<uint32_t>(size);
  unsigned char header[HEADER_BYTES] = {static_cast<unsigned char>(length), static_cast<unsigned char>(length >> 8),
                                        static_cast<unsigned char>(length >> 16),
                                        static_cast<unsigned char>(length >> 24)};
  iovec parts[2] = {{header, HEADER_BYTES}, {const_cast<char *>(data), size}};
  iovec *part = parts;
  int count = size > 0 ? 2 : 1;
  while (count > 0) {
    msghdr message{};
    message.msg_iov = part;
    message.msg_iovlen = static_cast<decltype(message.msg_iovlen)>(count);
    ssize_t sent = ::sendmsg(fd_, &message, SEND_FLAGS);
    if (sent < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        Status status;
        if (!wait(POLLOUT, deadline, &status)) return status;
        continue;
      }
      if (errno == EPIPE || errno == ECONNRESET) return CLOSED;
      return failed("write");
    }
    size_t done = static_cast<size_t>(sent);
    while (count > 0 && done >= part->iov_len) {  // whole parts sent
      done -= part->iov_len;
      ++part;
      --count;
    }
    if (count > 0) {
      part->iov_base = static_cast<char *>(part->iov_base) + done;
      part->iov_len -= done;
    }
  }
  return OK;
}

FrameSocket::Status FrameSocket::read_frame(const char **data, size_t *size, Clock::time_point deadline) {
  if (fd_ < 0) return CLOSED;
  for (;;) {
    size_t have = end_ - begin_;
    size_t needed = HEADER_BYTES;
    if (have >= HEADER_BYTES) {
      const unsigned char *h = reinterpret_cast<const unsigned char *>(buffer_.data() + begin_);
      uint32_t length = static_cast<uint32_t>(h[0]) | static_cast<uint32_t>(h[1]) << 8 |
                        static_cast<uint32_t>(h[2]) << 16 | static_cast<uint32_t>(h[3]) << 24;
      needed = HEADER_BYTES + length;
      if (have >= needed) {
        *data = buffer_.data() + begin_ + HEADER_BYTES;
        *size = length;
        begin_ += needed;  // the bytes stay in place until the next read moves or overwrites them
        return OK;
      }
    }
    // Room for the rest of this frame after the bytes already read, at the buffer's start.
    if (begin_ > 0) {
      std::memmove(buffer_.data(), buffer_.data() + begin_, have);
      begin_ = 0;
      end_ = have;
    }
    if (buffer_.size() < needed) {
      try {
        buffer_.resize(std::max(needed, 2 * buffer_.size()));
      } catch (const std::bad_alloc &) {
        errno = ENOMEM;
        return failed("a frame of " + std::to_string(needed) + " bytes");
      }
    }
    ssize_t got = ::recv(fd_, buffer_.data() + end_, buffer_.size() - end_, 0);
    if (got > 0) {
      end_ += static_cast<size_t>(got);
    } else if (got == 0) {
      return CLOSED;
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      Status status;
      if (!wait(POLLIN, deadline, &status)) return status;
    } else if (errno == ECONNRESET) {
      return CLOSED;
    } else if (errno != EINTR) {
      return failed("read");
    }
  }
}

}  // namespace hamd_c
