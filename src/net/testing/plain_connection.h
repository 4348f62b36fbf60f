#pragma once
// PlainConnection: a loopback TCP connection for tests of plain-HTTP servers (the daemons'
// health ports), with blocking I/O bounded by a receive timeout, so tests can send exactly the
// bytes they want (garbage, pipelined or trickled requests) and see when the server closes.

#include <cstdint>
#include <string>

namespace kms::net::testing {

class PlainConnection {
 public:
  explicit PlainConnection(uint16_t port, int recv_timeout_ms = 5000);
  ~PlainConnection();
  PlainConnection(const PlainConnection&) = delete;
  PlainConnection& operator=(const PlainConnection&) = delete;

  bool connected() const { return connected_; }
  bool Send(const std::string& data);
  // Everything until the peer closes; `closed` says whether it did (false: receive timeout).
  std::string ReadAll(bool* closed = nullptr);

 private:
  int fd_ = -1;
  bool connected_ = false;
};

struct PlainReply {
  int status = 0;     // 0 when the answer is not HTTP/1.1
  std::string head;   // status line and headers
  std::string body;
};
PlainReply ParsePlainReply(const std::string& raw);

// One request on a fresh connection; the reply read until the server closes.
PlainReply PlainRequest(uint16_t port, const std::string& request);
// GET `target` with a Host header.
PlainReply PlainGet(uint16_t port, const std::string& target);

}  // namespace kms::net::testing
