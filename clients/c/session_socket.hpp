// The byte layer of the framed session transport (docs/sessions.md, "Framed transport"): a Unix
// stream socket on which every frame is a 4-byte little-endian length N and N bytes. Connects,
// writes a frame, reads a frame, each within a deadline (poll() with the time left); knows
// nothing of the messages (session_frames.hpp decodes the daemon's).
#pragma once
#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace hamd_c {

class FrameSocket {
 public:
  using Clock = std::chrono::steady_clock;
  // No deadline: wait as long as it takes.
  static constexpr Clock::time_point NO_DEADLINE = Clock::time_point::max();

  enum Status {
    OK,
    TIMEOUT,  // the deadline passed
    CLOSED,   // the peer closed the connection (end of stream, or a write to a closed one)
    FAILED,   // another error (error() says which)
  };

  FrameSocket() = default;
  ~FrameSocket() { close(); }
  FrameSocket(const FrameSocket &) = delete;
  FrameSocket &operator=(const FrameSocket &) = delete;

  // Connects to the socket at `path`; false with error() set when it cannot.
  bool connect(const std::string &path);
  bool is_open() const { return fd_ >= 0; }
  void close();

  // Writes one frame: the length header and `size` bytes at `data` (one sendmsg when the socket
  // takes it all, as it does for a session's frames).
  Status write_frame(const char *data, size_t size, Clock::time_point deadline);
  // Reads the next frame; on OK, *data and *size are its bytes, valid until the next read.
  Status read_frame(const char **data, size_t *size, Clock::time_point deadline);

  // What the last FAILED (or a failed connect) was.
  const std::string &error() const { return error_; }

 private:
  bool wait(short events, Clock::time_point deadline, Status *status);
  Status failed(const std::string &what);
  int fd_ = -1;
  // Bytes read and not yet handed out: [begin_, end_) of buffer_, reused from frame to frame.
  std::vector<char> buffer_;
  size_t begin_ = 0, end_ = 0;
  std::string error_;
};

}  // namespace hamd_c
