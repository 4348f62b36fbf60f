#include "dkey/listen.h"

namespace kms::dkey {

Status ListenOn(boost::asio::ip::tcp::acceptor& acceptor, const std::string& host, uint16_t port,
                std::string_view what) {
  namespace asio = boost::asio;
  using tcp = asio::ip::tcp;
  boost::system::error_code ec;
  asio::ip::address address = asio::ip::make_address(host, ec);
  if (ec) return Status::InvalidArgument("invalid " + std::string(what) + " address '" + host + "'");
  const tcp::endpoint ep(address, port);
  acceptor.open(ep.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(ep, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status::Unavailable("cannot listen for " + std::string(what) + " on " + host + ":" +
                               std::to_string(port) + ": " + ec.message());
  }
  return Status::Ok();
}

}  // namespace kms::dkey
