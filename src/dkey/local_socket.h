#pragma once
// Blocking Unix-socket I/O with deadlines, for the node-local domain-key protocol: framed
// messages (4-byte big-endian length, then at most local::kMaxFrameBody bytes), connect and
// listen. Every read and write waits at most until the deadline, so a peer that stalls or
// sends garbage costs one bounded wait.

#include <chrono>
#include <string>

#include "common/bytes.h"
#include "common/status.h"

namespace kms::dkey::local {

using Deadline = std::chrono::steady_clock::time_point;

// Owns a file descriptor; closes it on destruction.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() { Reset(); }
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    if (this != &o) {
      Reset();
      fd_ = o.fd_;
      o.fd_ = -1;
    }
    return *this;
  }
  int get() const { return fd_; }
  void Reset();

 private:
  int fd_ = -1;
};

// kUnavailable when the deadline passes or the peer goes away; kInvalidArgument when a frame
// announces more than local::kMaxFrameBody bytes (nothing more is read).
Status WriteFrame(int fd, ByteView body, Deadline deadline);
StatusOr<Bytes> ReadFrame(int fd, Deadline deadline);

// Connects to the socket at `path` (non-blocking fd). kUnavailable when nothing listens there.
StatusOr<UniqueFd> ConnectUnix(const std::string& path);

// Creates the directory of `path` when missing (mode 0750), removes a stale socket file left by
// a previous process (only a socket, never another kind of file), binds, sets the socket file's
// mode to `mode` and listens. kInvalidArgument for a path too long for a socket address.
StatusOr<UniqueFd> ListenUnix(const std::string& path, int mode);

}  // namespace kms::dkey::local
