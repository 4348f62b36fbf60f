#pragma once
// Pieces both ends of the attested channel share: the time bound of one exchange and the
// TLS stream type.

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>

namespace kms::dkey {

using DkTlsStream = boost::asio::ssl::stream<boost::asio::ip::tcp::socket>;

// How long one connection may take from accept (or connect) to the last byte: a peer that stalls
// or trickles is dropped after this, whatever step it is in.
inline constexpr std::chrono::seconds kDkExchangeTimeout{5};

// Runs `on_expiry` (on the timer's executor) when `timeout` passes, unless destroyed first. The
// caller's on_expiry closes the socket, which makes every pending operation on it fail.
class Deadline {
 public:
  Deadline(const boost::asio::any_io_executor& ex, std::chrono::steady_clock::duration timeout,
           std::function<void()> on_expiry)
      : timer_(ex, timeout) {
    timer_.async_wait([f = std::move(on_expiry)](const boost::system::error_code& ec) {
      if (!ec) f();
    });
  }
  ~Deadline() { timer_.cancel(); }
  Deadline(const Deadline&) = delete;
  Deadline& operator=(const Deadline&) = delete;

 private:
  boost::asio::steady_timer timer_;
};

// Closes the stream's socket; for Deadline.
inline std::function<void()> CloseOnExpiry(const std::shared_ptr<DkTlsStream>& stream) {
  return [weak = std::weak_ptr<DkTlsStream>(stream)] {
    if (auto s = weak.lock()) {
      boost::system::error_code ignored;
      s->lowest_layer().close(ignored);
    }
  };
}

}  // namespace kms::dkey
