#include "kms/client.h"

#include <string.h>

#include <thread>
#include <utility>

#include <boost/json.hpp>

#include "kms/signing.h"
#include "reply.h"
#include "wipe.h"

namespace kms::client {
namespace json = boost::json;

std::string_view ErrorKindName(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kNone: return "ok";
    case ErrorKind::kServer: return "server";
    case ErrorKind::kHttp: return "http";
    case ErrorKind::kTransport: return "transport";
    case ErrorKind::kProtocol: return "protocol";
    case ErrorKind::kInvalidArgument: return "invalid argument";
    case ErrorKind::kLocal: return "local";
  }
  return "unknown";
}

std::string Error::ToString() const {
  if (ok()) return "ok";
  std::string out(ErrorKindName(kind_));
  if (kind_ == ErrorKind::kServer || kind_ == ErrorKind::kHttp || kind_ == ErrorKind::kTransport) {
    out += ' ';
    out += std::to_string(code_);
  }
  out += ": ";
  // The one reply without a message is the server's answer to an unknown appid.
  out += message_.empty() && kind_ == ErrorKind::kServer ? "(no message; unknown appid?)"
                                                         : message_;
  return out;
}

Result<std::string> EndpointFromUrl(std::string_view url) {
  if (url.rfind("https://", 0) != 0 && url.rfind("http://", 0) != 0) {
    return Error::InvalidArgument("URL must start with https:// (got \"" + std::string(url) +
                                  "\")");
  }
  size_t host_begin = url.find("://") + 3;
  std::string base(url);
  while (base.size() > host_begin && base.back() == '/') base.pop_back();
  if (base.size() == host_begin || base[host_begin] == '/') {
    return Error::InvalidArgument("URL lacks a host");
  }
  constexpr std::string_view kPath = "/ehsm";
  if (base.size() < kPath.size() ||
      base.compare(base.size() - kPath.size(), kPath.size(), kPath) != 0) {
    base += kPath;
  }
  return base;
}

Result<std::unique_ptr<Client>> Client::New(Options options) {
  EHSM_ASSIGN_OR_RETURN(auto transport, NewCurlTransport(options.tls, options.timeouts));
  return New(std::move(options), std::move(transport));
}

Result<std::unique_ptr<Client>> Client::New(Options options,
                                            std::unique_ptr<Transport> transport) {
  if (transport == nullptr) return Error::InvalidArgument("no transport");
  if (options.max_retries < 0) return Error::InvalidArgument("max_retries must be >= 0");
  EHSM_ASSIGN_OR_RETURN(std::string endpoint, EndpointFromUrl(options.url));
  auto client = std::unique_ptr<Client>(new Client(std::move(options), std::move(transport)));
  client->endpoint_ = std::move(endpoint);
  return client;
}

Client::Client(Options options, std::unique_ptr<Transport> transport)
    : options_(std::move(options)), transport_(std::move(transport)) {
  if (options_.clock == nullptr) options_.clock = &SystemClock::Instance();
}

Client::~Client() { internal::WipeString(options_.apikey); }

namespace {

// One shared wiping allocator: replies may carry data keys and plaintexts.
json::storage_ptr ReplyStorage() {
  static json::storage_ptr sp = json::make_shared_resource<internal::WipingResource>();
  return sp;
}

}  // namespace

Result<json::object> Client::Call(std::string_view action, const json::object* payload,
                                  bool retry_safe) {
  if (options_.appid.empty() || options_.apikey.empty()) {
    return Error::InvalidArgument("appid and apikey are required for " + std::string(action));
  }
  HttpRequest request;
  request.post = true;
  request.url = endpoint_ + "?Action=" + std::string(action);
  auto backoff = options_.retry_backoff;
  const int attempts = retry_safe ? options_.max_retries + 1 : 1;
  for (int attempt = 1;; ++attempt) {
    {
      json::object body(ReplyStorage());
      if (payload != nullptr) body["payload"] = *payload;
      // A fresh timestamp and nonce per attempt: the server rejects a replayed (nonce, time).
      SignBody(body, options_.appid, options_.apikey, options_.clock->NowMs(), NewNonce());
      internal::WipeString(request.body);
      request.body = json::serialize(body);
    }
    auto response = transport_->Send(request);
    if (!response.ok()) {
      if (response.error().is_transport() && attempt < attempts) {
        std::this_thread::sleep_for(backoff);
        backoff *= 2;
        continue;
      }
      internal::WipeString(request.body);
      return response.error();
    }
    internal::WipeString(request.body);
    auto envelope = internal::ParseEnvelope(*response, ReplyStorage());
    internal::WipeString(response->body);
    if (!envelope.ok()) return envelope.error();
    last_message_ = std::move(envelope->message);
    return std::move(envelope->result);
  }
}

Result<json::object> Client::Get(std::string_view action) {
  HttpRequest request;
  request.post = false;
  request.url = endpoint_ + "?Action=" + std::string(action);
  // GetVersion is harmless to repeat; a repeated Enroll would create a second tenant.
  const int attempts = action == "GetVersion" ? options_.max_retries + 1 : 1;
  auto backoff = options_.retry_backoff;
  for (int attempt = 1;; ++attempt) {
    auto response = transport_->Send(request);
    if (!response.ok()) {
      if (response.error().is_transport() && attempt < attempts) {
        std::this_thread::sleep_for(backoff);
        backoff *= 2;
        continue;
      }
      return response.error();
    }
    auto envelope = internal::ParseEnvelope(*response, ReplyStorage());
    internal::WipeString(response->body);
    if (!envelope.ok()) return envelope.error();
    last_message_ = std::move(envelope->message);
    return std::move(envelope->result);
  }
}

}  // namespace kms::client
