#pragma once
// TcpListener: the daemons' TCP ports (domain-key port, health port). One thread and one
// io_context accept on host:port until the listener is destroyed; each accepted socket is handed
// to `on_accept` on that thread, which may co_spawn work for it on context().
//
// Thread-safety: Start and destruction from one thread. Destruction closes the port, stops the
// io_context, joins the thread and then destroys whatever still runs on it (so state those
// coroutines touch must outlive the listener).

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <thread>

#include "common/status.h"

namespace kms::dkey {

// HOST:PORT or [V6]:PORT with a port of 1..65535 (a peer address given on the command line).
bool ValidHostPort(const std::string& address);

class TcpListener {
 public:
  using OnAccept = std::function<void(boost::asio::ip::tcp::socket)>;

  TcpListener() = default;
  ~TcpListener();
  TcpListener(const TcpListener&) = delete;
  TcpListener& operator=(const TcpListener&) = delete;

  // Binds host:port (SO_REUSEADDR, so a restart does not wait for TIME_WAIT; a port someone
  // listens on still fails) and starts accepting. kInvalidArgument for a host that is not an IP
  // address; kUnavailable, naming `what` and the address, when it cannot be bound. Accept
  // errors (EMFILE) are logged as `accept_failed_event` and retried after 50 ms.
  Status Start(const std::string& host, uint16_t port, std::string_view what,
               std::string accept_failed_event, OnAccept on_accept);

  uint16_t port() const { return port_; }
  boost::asio::io_context& context() { return ioc_; }

 private:
  boost::asio::awaitable<void> AcceptLoop();

  uint16_t port_ = 0;
  std::string accept_failed_event_;
  OnAccept on_accept_;
  boost::asio::io_context ioc_{1};
  boost::asio::ip::tcp::acceptor acceptor_{ioc_};
  std::thread thread_;
};

}  // namespace kms::dkey
