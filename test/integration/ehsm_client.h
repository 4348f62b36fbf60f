#pragma once
// A minimal eHSM client for integration tests, written from the REST contract: it signs
// requests with the canonical string and HMAC-SHA256, and lets tests break every part of a
// request on purpose. It signs with kms_protocol, the server's own code, so
// ehsm_client_signing_test.cc pins what it signs to strings computed by the reference
// JavaScript (test/vectors/canonical/) and to the contract's signatures.

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <optional>
#include <string>

#include "net/testing/test_https_client.h"

namespace kms::testing {

struct Credentials {
  std::string appid;
  std::string apikey;
};

struct CallOptions {
  std::optional<std::string> nonce;  // default: a fresh one per request
  bool no_nonce = false;             // send none, as BigDL's client does
  std::optional<std::string> timestamp;  // default: now in ms
  std::optional<std::string> sign;       // default: computed
  bool keep_empty_values = false;        // sign as the Python SDK does ("k=")
  bool omit_payload = false;
};

class EhsmClient {
 public:
  explicit EhsmClient(uint16_t port);

  // GET /ehsm?Action=<action>; returns the parsed body (or a JSON null on transport failure).
  boost::json::value Get(const std::string& action, const std::string& path = "/ehsm");
  // Enroll and remember the credentials.
  Credentials Enroll();
  // Signed POST of `payload` as the current credentials.
  boost::json::value Call(const std::string& action, const boost::json::object& payload,
                          const CallOptions& options = {});
  boost::json::value CallAs(const Credentials& who, const std::string& action,
                            const boost::json::object& payload, const CallOptions& options = {});
  // Raw POST of `body`; returns {HTTP status, body}.
  std::pair<int, std::string> PostRaw(const std::string& action, const std::string& body);

  // The signed request body (for tests that tamper with it).
  std::string SignedBody(const Credentials& who, const boost::json::object& payload,
                         const CallOptions& options);

  Credentials& credentials() { return creds_; }
  // The string signed by the last SignedBody() (also when options.sign replaced the MAC).
  const std::string& last_signing_string() const { return last_signing_string_; }

 private:
  static net::testing::TestHttpsClientOptions Options(uint16_t port);
  net::testing::TestHttpsClient http_;
  Credentials creds_;
  uint64_t nonce_counter_ = 0;
  std::string last_signing_string_;
};

// Convenience accessors for replies.
int CodeOf(const boost::json::value& reply);
std::string MessageOf(const boost::json::value& reply);
std::string ResultString(const boost::json::value& reply, const std::string& field);
std::string NowMs();

}  // namespace kms::testing
