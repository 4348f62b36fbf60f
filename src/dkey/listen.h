#pragma once
// Binding the daemons' TCP ports (domain-key port, health port).

#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace kms::dkey {

// Opens `acceptor` on host:port (SO_REUSEADDR, so a restart does not wait for TIME_WAIT; a port
// someone listens on still fails) and listens. kInvalidArgument for a host that is not an IP
// address; kUnavailable, naming `what` and the address, when it cannot be bound.
Status ListenOn(boost::asio::ip::tcp::acceptor& acceptor, const std::string& host, uint16_t port,
                std::string_view what);

}  // namespace kms::dkey
