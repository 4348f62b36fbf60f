#include "net/testing/plain_connection.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace kms::net::testing {

PlainConnection::PlainConnection(uint16_t port, int recv_timeout_ms) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  timeval tv{.tv_sec = recv_timeout_ms / 1000, .tv_usec = (recv_timeout_ms % 1000) * 1000};
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
}

PlainConnection::~PlainConnection() {
  if (fd_ >= 0) ::close(fd_);
}

bool PlainConnection::Send(const std::string& data) {
  return ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL) ==
         static_cast<ssize_t>(data.size());
}

std::string PlainConnection::ReadAll(bool* closed) {
  std::string out;
  char buf[4096];
  while (true) {
    ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n > 0) {
      out.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (closed) *closed = n == 0 || errno == ECONNRESET;
    return out;
  }
}

PlainReply ParsePlainReply(const std::string& raw) {
  PlainReply r;
  if (raw.rfind("HTTP/1.1 ", 0) == 0 && raw.size() >= 12) r.status = std::stoi(raw.substr(9, 3));
  const size_t split = raw.find("\r\n\r\n");
  r.head = raw.substr(0, split);
  if (split != std::string::npos) r.body = raw.substr(split + 4);
  return r;
}

PlainReply PlainRequest(uint16_t port, const std::string& request) {
  PlainConnection c(port);
  if (!c.connected() || !c.Send(request)) return {};
  return ParsePlainReply(c.ReadAll());
}

PlainReply PlainGet(uint16_t port, const std::string& target) {
  return PlainRequest(port, "GET " + target + " HTTP/1.1\r\nHost: localhost\r\n\r\n");
}

}  // namespace kms::net::testing
