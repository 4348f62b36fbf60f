#include "dkey/dk_service.h"

#include <openssl/ssl.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "common/log.h"
#include "dkey/dk_channel.h"
#include "dkey/dk_protocol.h"

namespace kms::dkey {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

std::string PeerName(const tcp::socket& socket) {
  boost::system::error_code ec;
  const tcp::endpoint ep = socket.remote_endpoint(ec);
  if (ec) return "?";
  return ep.address().to_string() + ":" + std::to_string(ep.port());
}

// What the client is told: enough to know where to look, nothing of the policy's contents (the
// detailed reason is in our log).
std::string RefusalFor(Code code) {
  if (code == Code::kUnavailable) return "this dkeyserver holds no domain key yet";
  return "refused: your identity or evidence is not allowed for that role (see the server log)";
}

}  // namespace

void DkService::Serve(tcp::socket socket) {
  if (active_.load() >= kMaxDkConnections) {
    log::Warn(prefix_ + ".connection_dropped",
              {{"peer", PeerName(socket)}, {"reason", "too many connections"}});
    boost::system::error_code ignored;
    socket.close(ignored);
    return;
  }
  auto ex = socket.get_executor();
  asio::co_spawn(ex, Run(std::move(socket)), asio::detached);
}

asio::awaitable<void> DkService::Run(tcp::socket socket) {
  ++active_;
  struct Release {
    std::atomic<int>& n;
    ~Release() { --n; }
  } release{active_};
  const std::string peer = PeerName(socket);
  auto dropped = [&](const std::string& reason) {
    log::Warn(prefix_ + ".connection_dropped", {{"peer", peer}, {"reason", reason}});
  };
  auto ctx = tls_->Current();
  if (!ctx.ok()) {
    dropped("cannot make our attestation evidence: " + ctx.status().message());
    co_return;
  }
  auto stream = std::make_shared<DkTlsStream>(std::move(socket), **ctx);
  Deadline deadline(stream->get_executor(), kDkExchangeTimeout, CloseOnExpiry(stream));

  auto [hs_ec] = co_await stream->async_handshake(asio::ssl::stream_base::server, kNoThrow);
  if (hs_ec) {
    dropped("TLS handshake failed or timed out: " + hs_ec.message());
    co_return;
  }
  Bytes request(kDkRequestBytes);
  auto [read_ec, n] = co_await asio::async_read(*stream, asio::buffer(request), kNoThrow);
  if (read_ec) {
    dropped("no request (closed, timed out or short): " + read_ec.message());
    co_return;
  }
  auto role = ParseDkRequest(request);
  if (!role.ok()) {
    dropped(role.status().message());
    co_return;
  }

  // From here every outcome is a release or a refusal of a request for `role`.
  const X509* cert = SSL_get0_peer_certificate(stream->native_handle());
  StatusOr<attest::QuoteIdentity> evidence =
      cert == nullptr ? StatusOr<attest::QuoteIdentity>(
                            Status::PermissionDenied("the peer presented no certificate"))
                      : verifier_->VerifyEvidence(*cert, std::chrono::system_clock::now());
  const std::string who = evidence.ok() ? DescribeIdentity(*evidence) : std::string("-");
  const Status allowed =
      evidence.ok() ? verifier_->policy().Check(*role, *evidence) : evidence.status();
  StatusOr<HeldDomainKey> key = allowed.ok() ? keys_() : StatusOr<HeldDomainKey>(allowed);
  if (!key.ok()) {
    log::Warn(prefix_ + ".dk_refused", {{"peer", peer},
                                        {"role", RoleName(*role)},
                                        {"identity", who},
                                        {"reason", key.status().message()}});
    Bytes refusal = EncodeDkRefusal(RefusalFor(key.status().code()));
    co_await asio::async_write(*stream, asio::buffer(refusal), kNoThrow);
    co_await stream->async_shutdown(kNoThrow);
    co_return;
  }
  SecretBytes grant = EncodeDkGrant(key->dk.view(), key->dk_id);
  auto [write_ec, written] =
      co_await asio::async_write(*stream, asio::buffer(grant.data(), grant.size()), kNoThrow);
  if (write_ec) {
    dropped("the grant could not be sent: " + write_ec.message());
    co_return;
  }
  log::Info(prefix_ + ".dk_released", {{"peer", peer},
                                       {"role", RoleName(*role)},
                                       {"identity", who},
                                       {"dk_id", key->dk_id}});
  co_await stream->async_shutdown(kNoThrow);
}

}  // namespace kms::dkey
