#include "dkey/ra_tls_upstream.h"

#include <openssl/ssl.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <optional>

#include "dkey/dk_channel.h"
#include "dkey/dk_protocol.h"

namespace kms::dkey {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

Status Unreachable(const std::string& step, const boost::system::error_code& ec) {
  return Status::Unavailable(step + " failed or timed out: " + ec.message());
}

// One exchange with a dkeyserver; every step ends in a Status (never an exception).
asio::awaitable<StatusOr<DkResponse>> ExchangeSteps(std::string host, std::string port, Role role,
                                               std::shared_ptr<asio::ssl::context> ctx,
                                               std::shared_ptr<const RaTlsVerifier> verifier) {
  auto ex = co_await asio::this_coro::executor;
  auto resolver = std::make_shared<tcp::resolver>(ex);
  auto stream = std::make_shared<DkTlsStream>(ex, *ctx);
  Deadline deadline(ex, kDkExchangeTimeout, [weak = std::weak_ptr(resolver), close = CloseOnExpiry(stream)] {
    if (auto r = weak.lock()) r->cancel();
    close();
  });
  auto [res_ec, endpoints] = co_await resolver->async_resolve(host, port, kNoThrow);
  if (res_ec) co_return Unreachable("resolving " + host, res_ec);
  auto [conn_ec, ep] = co_await asio::async_connect(stream->lowest_layer(), endpoints, kNoThrow);
  if (conn_ec) co_return Unreachable("connect", conn_ec);
  auto [hs_ec] = co_await stream->async_handshake(asio::ssl::stream_base::client, kNoThrow);
  if (hs_ec) co_return Unreachable("TLS handshake", hs_ec);

  const X509* cert = SSL_get0_peer_certificate(stream->native_handle());
  if (cert == nullptr) co_return Status::PermissionDenied("it presented no certificate");
  auto identity = verifier->Verify(*cert, Role::kDkeyServer, std::chrono::system_clock::now());
  if (!identity.ok()) {
    co_return Status::PermissionDenied("it failed our check: " + identity.status().message());
  }
  Bytes request = EncodeDkRequest(role);
  auto [w_ec, w_n] = co_await asio::async_write(*stream, asio::buffer(request), kNoThrow);
  if (w_ec) co_return Unreachable("sending the request", w_ec);

  SecretBytes frame(kDkResponseHeaderBytes);
  auto [h_ec, h_n] =
      co_await asio::async_read(*stream, asio::buffer(frame.data(), frame.size()), kNoThrow);
  if (h_ec) co_return Unreachable("reading the response", h_ec);
  auto header = ParseDkResponseHeader(frame.view());
  if (!header.ok()) co_return Status::Unavailable(header.status().message());
  SecretBytes whole(kDkResponseHeaderBytes + header->body_bytes);
  std::copy(frame.data(), frame.data() + kDkResponseHeaderBytes, whole.data());
  auto [b_ec, b_n] = co_await asio::async_read(
      *stream, asio::buffer(whole.data() + kDkResponseHeaderBytes, header->body_bytes), kNoThrow);
  if (b_ec) co_return Unreachable("reading the response", b_ec);
  auto response = ParseDkResponse(whole.view());
  if (!response.ok()) co_return Status::Unavailable(response.status().message());
  co_await stream->async_shutdown(kNoThrow);
  co_return std::move(response).value();
}

// co_spawn wants a default-constructible result; StatusOr is not, so it goes to `out`.
asio::awaitable<void> Exchange(std::string host, std::string port, Role role,
                               std::shared_ptr<asio::ssl::context> ctx,
                               std::shared_ptr<const RaTlsVerifier> verifier,
                               std::optional<StatusOr<DkResponse>>& out) {
  out.emplace(co_await ExchangeSteps(std::move(host), std::move(port), role, std::move(ctx),
                                     std::move(verifier)));
}

StatusOr<std::pair<std::string, std::string>> SplitHostPort(const std::string& s) {
  const size_t colon = s.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == s.size()) {
    return Status::InvalidArgument("source '" + s + "' is not HOST:PORT");
  }
  std::string host = s.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  const std::string port = s.substr(colon + 1);
  if (port.find_first_not_of("0123456789") != std::string::npos || port.size() > 5 ||
      std::stoi(port) == 0 || std::stoi(port) > 65535) {
    return Status::InvalidArgument("source '" + s + "' has no valid port");
  }
  return std::make_pair(host, port);
}

}  // namespace

StatusOr<std::unique_ptr<RaTlsUpstream>> RaTlsUpstream::New(RaTlsUpstreamOptions options,
                                                            tee::TeePlatform& platform,
                                                            Policy policy) {
  if (options.sources.empty()) return Status::InvalidArgument("no dkeyserver source given");
  if (options.role != Role::kDkeyCache && options.role != Role::kDkeyServer) {
    return Status::InvalidArgument("only a dkeycache or a dkeyserver fetches from a dkeyserver");
  }
  std::vector<Source> sources;
  for (const std::string& s : options.sources) {
    KMS_ASSIGN_OR_RETURN(auto hp, SplitHostPort(s));
    sources.push_back({s, hp.first, hp.second});
  }
  KMS_ASSIGN_OR_RETURN(auto verifier, RaTlsVerifier::New(std::move(policy), platform,
                                                          options.extra_sim_roots,
                                                          std::move(options.collateral)));
  return std::unique_ptr<RaTlsUpstream>(
      new RaTlsUpstream(std::move(sources), options.role,
                        std::make_shared<RaTlsContextSource>(platform), std::move(verifier)));
}

std::string RaTlsUpstream::Describe() const {
  std::string out = "dkeyserver ";
  for (size_t i = 0; i < sources_.size(); ++i) {
    if (i > 0) out += ",";
    out += sources_[i].name;
  }
  return out;
}

StatusOr<FetchedDomainKey> RaTlsUpstream::FetchFrom(const Source& source) {
  KMS_ASSIGN_OR_RETURN(std::shared_ptr<asio::ssl::context> ctx, tls_->Current());
  asio::io_context ioc(1);
  std::optional<StatusOr<DkResponse>> result;
  asio::co_spawn(ioc, Exchange(source.host, source.port, role_, ctx, verifier_, result),
                 [&result](std::exception_ptr e) {
                   if (e) result.emplace(Status::Internal("the exchange failed unexpectedly"));
                 });
  ioc.run();  // bounded: the exchange's Deadline closes the socket
  if (!result) return Status::Internal("the exchange did not finish");
  if (!result->ok()) return result->status();
  DkResponse& r = result->value();
  if (!r.granted) return Status::PermissionDenied("it refused us: " + r.reason);
  return FetchedDomainKey{.dk = std::move(r.dk), .dk_id = std::move(r.dk_id),
                          .served_by = source.name};
}

StatusOr<FetchedDomainKey> RaTlsUpstream::Fetch() {
  std::string errors;
  bool denied = false;
  for (const Source& s : sources_) {
    auto got = FetchFrom(s);
    if (got.ok()) return got;
    denied = denied || got.status().code() == Code::kPermissionDenied;
    if (!errors.empty()) errors += "; ";
    errors += "dkeyserver " + s.name + ": " + got.status().message();
  }
  if (denied) return Status::PermissionDenied(errors);
  return Status::Unavailable(errors);
}

}  // namespace kms::dkey
