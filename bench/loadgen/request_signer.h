#pragma once
// RequestSigner: builds signed eHSM request bodies for the load generator without a JSON
// library on the hot path. Every body carries a fresh timestamp and a nonce that is unique for
// the life of the signer, so the server's replay protection stays on during benchmarks.
//
// Payload values must be flat: strings made of base64, UUID or enum characters (nothing that
// JSON would escape) or integers. The canonical string follows the server's rule for such
// payloads (keys sorted, `k=v` joined by `&`, nested payload inline); a unit test checks it
// against the server's own canonicaliser.
//
// Thread-safety: Body() is const but uses per-signer HMAC state; use one signer per thread.

#include <openssl/evp.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kms::bench {

struct Field {
  std::string key;
  std::string value;
  bool number = false;  // sent as a JSON number, e.g. keylen
};

// Sorts `fields` by key in place (the order the canonical string needs).
void SortFields(std::vector<Field>& fields);

class RequestSigner {
 public:
  // `nonce_prefix` makes nonces of distinct signers distinct; `apikey` is kept only as an HMAC
  // key schedule.
  RequestSigner(std::string appid, std::string_view apikey, std::string nonce_prefix);
  ~RequestSigner();
  RequestSigner(const RequestSigner&) = delete;
  RequestSigner& operator=(const RequestSigner&) = delete;

  // The complete JSON body for `payload` (sorted by key; see SortFields) at `timestamp_ms`.
  std::string Body(std::span<const Field> payload, int64_t timestamp_ms);

  // The string that was signed for the last Body() call (for tests).
  const std::string& last_signing_string() const { return canonical_; }

 private:
  std::string Sign(std::string_view message);

  std::string appid_;
  std::string nonce_prefix_;
  uint64_t counter_ = 0;
  EVP_MAC_CTX* mac_template_ = nullptr;  // keyed once; duplicated into work_
  EVP_MAC_CTX* work_ = nullptr;          // restarted per request
  std::string canonical_;
};

}  // namespace kms::bench
