#include "dkey/listen.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>

#include "common/log.h"

namespace kms::dkey {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

TcpListener::~TcpListener() {
  asio::post(ioc_, [this] {
    boost::system::error_code ec;
    acceptor_.close(ec);
    ioc_.stop();
  });
  if (thread_.joinable()) thread_.join();
}

Status TcpListener::Start(const std::string& host, uint16_t port, std::string_view what,
                          std::string accept_failed_event, OnAccept on_accept) {
  boost::system::error_code ec;
  asio::ip::address address = asio::ip::make_address(host, ec);
  if (ec) return Status::InvalidArgument("invalid " + std::string(what) + " address '" + host + "'");
  const tcp::endpoint ep(address, port);
  acceptor_.open(ep.protocol(), ec);
  if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(ep, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status::Unavailable("cannot listen for " + std::string(what) + " on " + host + ":" +
                               std::to_string(port) + ": " + ec.message());
  }
  port_ = acceptor_.local_endpoint().port();
  accept_failed_event_ = std::move(accept_failed_event);
  on_accept_ = std::move(on_accept);
  asio::co_spawn(ioc_, AcceptLoop(), asio::detached);
  thread_ = std::thread([this] { ioc_.run(); });
  return Status::Ok();
}

asio::awaitable<void> TcpListener::AcceptLoop() {
  constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
  while (true) {
    auto [ec, socket] = co_await acceptor_.async_accept(kNoThrow);
    if (!acceptor_.is_open()) co_return;
    if (ec) {
      // Typically EMFILE: back off instead of spinning on the error.
      log::Warn(accept_failed_event_, {{"error", ec.message()}});
      asio::steady_timer backoff(ioc_, std::chrono::milliseconds(50));
      co_await backoff.async_wait(kNoThrow);
      continue;
    }
    on_accept_(std::move(socket));
  }
}

bool ValidHostPort(const std::string& address) {
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == address.size()) return false;
  const std::string port = address.substr(colon + 1);
  if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos) return false;
  const int n = std::stoi(port);
  return n >= 1 && n <= 65535;
}

}  // namespace kms::dkey
