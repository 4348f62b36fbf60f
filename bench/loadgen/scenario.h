#pragma once
// Scenarios of the load generator: which actions a run sends, in which proportions, and the
// per-connection request builder (OpRunner) that signs each request freshly.
//
// Scenarios are data: a name and a weighted mix of operations. An operation the server does
// not offer (it answers "API Not Found", or refuses to create the key the operation needs) is
// reported at setup and dropped; a scenario left with no operation is skipped.

#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "https_conn.h"
#include "request_signer.h"

namespace kms::bench {

enum class Op {
  kGetVersion,
  kEncrypt,         // 1 KiB under AES-256-GCM
  kDecrypt,         // of a 1 KiB ciphertext made at setup
  kDataKeyDecrypt,  // GenerateDataKeyWithoutPlaintext, then Decrypt of its ciphertext
  kSignRsa3072,
  kSignEcP256,
  kSignSm2,
  kCreateKey,  // AES-256, internal
};
std::string_view OpName(Op op);

struct ScenarioDef {
  std::string name;
  std::string what;
  std::vector<std::pair<Op, int>> mix;  // operation and weight
};
const std::vector<ScenarioDef>& Scenarios();
const ScenarioDef* FindScenario(std::string_view name);

// Read-only state shared by every connection once setup is done.
struct Fixture {
  std::string appid;
  std::string apikey;
  std::vector<std::string> aes_keys;
  std::map<Op, std::string> sign_keys;  // keyid per signing operation
  std::vector<std::pair<std::string, std::string>> ciphertexts;  // keyid, base64 ciphertext
  std::string plaintext_b64;  // 1 KiB of random bytes
  std::string digest_b64;     // 32 random bytes
};

// One request on the wire.
struct WireRequest {
  bool post = true;
  std::string target;
  std::string body;
  std::string_view action;
};

// Builds requests for one connection and follows multi-step operations. Not thread-safe.
class OpRunner {
 public:
  OpRunner(const Fixture& fixture, RequestSigner& signer, uint64_t seed);

  // The next request for `op` (the second step of a pending two-step operation comes first).
  WireRequest Next(Op op);
  // Feeds the reply of the request Next() built; returns false if the reply is an error.
  bool OnReply(const HttpResult& reply);
  // True while a two-step operation waits for its second request.
  bool mid_operation() const { return pending_.has_value(); }

 private:
  WireRequest Signed(std::string_view action, std::vector<Field>& fields);
  const std::string& RandomAesKey();

  const Fixture& fx_;
  RequestSigner& signer_;
  std::mt19937_64 rng_;
  std::optional<Op> pending_;   // an operation whose next step is due
  bool expect_datakey_ = false;  // the last request was GenerateDataKeyWithoutPlaintext
  std::string datakey_keyid_;
  std::string datakey_ct_;
  std::vector<Field> encrypt_, decrypt_, datakey_, sign_, create_;
};

// True when the reply body says {"code":200,...}.
bool ReplyOk(const HttpResult& r);
// The `code` and `message` of a reply, for error reports ("404 API Not Found").
std::string ReplySummary(const HttpResult& r);
// The string value of `"name":"..."` in a flat reply body, or "".
std::string FindJsonString(std::string_view body, std::string_view name);

}  // namespace kms::bench
