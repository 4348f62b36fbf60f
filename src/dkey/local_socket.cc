#include "dkey/local_socket.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "dkey/local_protocol.h"

namespace kms::dkey::local {
namespace {

Status Errno(const std::string& what) {
  return Status::Unavailable(what + ": " + std::strerror(errno));
}

// Waits until `fd` is ready for `events` or the deadline passes.
Status WaitFor(int fd, short events, Deadline deadline) {
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return Status::Unavailable("timed out");
    pollfd p{.fd = fd, .events = events, .revents = 0};
    const int n = ::poll(&p, 1, static_cast<int>(left.count()));
    if (n > 0) return Status::Ok();
    if (n < 0 && errno != EINTR) return Errno("poll");
  }
}

Status ReadExactly(int fd, uint8_t* out, size_t n, Deadline deadline) {
  size_t got = 0;
  while (got < n) {
    KMS_RETURN_IF_ERROR(WaitFor(fd, POLLIN, deadline));
    const ssize_t r = ::recv(fd, out + got, n - got, 0);
    if (r == 0) return Status::Unavailable("peer closed the connection");
    if (r < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
      return Errno("recv");
    }
    got += static_cast<size_t>(r);
  }
  return Status::Ok();
}

Status WriteAll(int fd, const uint8_t* data, size_t n, Deadline deadline) {
  size_t sent = 0;
  while (sent < n) {
    KMS_RETURN_IF_ERROR(WaitFor(fd, POLLOUT, deadline));
    const ssize_t w = ::send(fd, data + sent, n - sent, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
      return Errno("send");
    }
    sent += static_cast<size_t>(w);
  }
  return Status::Ok();
}

StatusOr<sockaddr_un> Address(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(addr.sun_path)) {
    return Status::InvalidArgument("socket path must be 1.." +
                                   std::to_string(sizeof(addr.sun_path) - 1) + " bytes: " + path);
  }
  std::memcpy(addr.sun_path, path.data(), path.size());
  return addr;
}

StatusOr<UniqueFd> NewSocket() {
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (fd.get() < 0) return Errno("socket");
  return fd;
}

}  // namespace

void UniqueFd::Reset() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Status WriteFrame(int fd, ByteView body, Deadline deadline) {
  if (body.size() > kMaxFrameBody) return Status::InvalidArgument("frame too large");
  Bytes frame(4 + body.size());
  const uint32_t n = static_cast<uint32_t>(body.size());
  frame[0] = static_cast<uint8_t>(n >> 24);
  frame[1] = static_cast<uint8_t>(n >> 16);
  frame[2] = static_cast<uint8_t>(n >> 8);
  frame[3] = static_cast<uint8_t>(n);
  std::memcpy(frame.data() + 4, body.data(), body.size());
  return WriteAll(fd, frame.data(), frame.size(), deadline);
}

StatusOr<Bytes> ReadFrame(int fd, Deadline deadline) {
  uint8_t len[4];
  KMS_RETURN_IF_ERROR(ReadExactly(fd, len, 4, deadline));
  const uint32_t n = (uint32_t{len[0]} << 24) | (uint32_t{len[1]} << 16) |
                     (uint32_t{len[2]} << 8) | uint32_t{len[3]};
  if (n > kMaxFrameBody) {
    return Status::InvalidArgument("frame announces " + std::to_string(n) + " bytes (at most " +
                                   std::to_string(kMaxFrameBody) + ")");
  }
  Bytes body(n);
  KMS_RETURN_IF_ERROR(ReadExactly(fd, body.data(), n, deadline));
  return body;
}

StatusOr<UniqueFd> ConnectUnix(const std::string& path) {
  KMS_ASSIGN_OR_RETURN(sockaddr_un addr, Address(path));
  KMS_ASSIGN_OR_RETURN(UniqueFd fd, NewSocket());
  // A Unix-socket connect completes at once or fails (EAGAIN: backlog full).
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    return Errno("connect " + path);
  }
  return fd;
}

StatusOr<UniqueFd> ListenUnix(const std::string& path, int mode) {
  KMS_ASSIGN_OR_RETURN(sockaddr_un addr, Address(path));
  std::error_code ec;
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  if (!dir.empty() && !std::filesystem::exists(dir, ec)) {
    std::filesystem::create_directories(dir, ec);
    if (ec) return Status::Unavailable("cannot create " + dir.string() + ": " + ec.message());
    ::chmod(dir.c_str(), 0750);
  }
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      return Status::FailedPrecondition(path + " exists and is not a socket; not replacing it");
    }
    ::unlink(path.c_str());
  }
  KMS_ASSIGN_OR_RETURN(UniqueFd fd, NewSocket());
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    return Errno("bind " + path);
  }
  if (::chmod(path.c_str(), static_cast<mode_t>(mode)) != 0) return Errno("chmod " + path);
  if (::listen(fd.get(), 64) != 0) return Errno("listen " + path);
  return fd;
}

}  // namespace kms::dkey::local
