// Fuzz target: one request body through everything the server does before an action runs —
// JSON parsing, envelope authentication (with a verifier that accepts one fixed apikey),
// canonicalisation, payload validation and base64 decoding. Any crash, sanitizer report or
// uncaught exception is a bug.
//
// Built as a libFuzzer binary with -DKMS_FUZZ=ON (clang); always built as a corpus replay
// test (request_fuzzer_replay) so CI runs the corpus deterministically.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "api/payload_validator.h"
#include "api/replay_cache.h"
#include "api/request_auth.h"
#include "common/clock.h"
#include "crypto/base64.h"
#include "keys/key_spec.h"
#include "protocol/canonical.h"
#include "protocol/json_parse.h"
#include "protocol/request_sign.h"

namespace {

class FixedKeyVerifier final : public kms::api::RequestMacVerifier {
 public:
  kms::StatusOr<bool> Verify(const std::string& appid, std::string_view signing_string,
                             std::string_view sign) override {
    if (appid != "7a3c2b1e-0f4d-4e8a-9b6c-5d2e1f0a3b4c") return kms::Status::NotFound("appid");
    return kms::protocol::RequestSignMatches("Nb3kqhJ4sTcv7WmE9xPzQ2fRyL8aUdG6", signing_string,
                                             sign);
  }
};

const std::array kSpecs = {
    kms::api::UuidField("keyid", kms::api::Presence::kRequired),
    kms::api::Base64Field("plaintext", kms::api::Presence::kOptional, 1, 8192),
    kms::api::Base64Field("aad", kms::api::Presence::kOptional, std::nullopt, 8192),
    kms::api::IntField("keylen", kms::api::Presence::kOptional, 1, 1024),
    kms::api::ConstField("keyspec", kms::api::Presence::kOptional, kms::keys::KeySpecNames()),
    kms::api::StringField("secretName", kms::api::Presence::kOptional, 1, 64),
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static kms::FakeClock clock(1700000000000);
  static FixedKeyVerifier verifier;
  static auto replay = std::move(kms::api::ReplayCache::Create(clock, 100000)).value();
  static kms::api::RequestAuthenticator auth(clock, verifier, *replay);

  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = kms::protocol::ParseJson(text);
  if (!parsed.ok()) return 0;
  if (parsed->is_object()) {
    (void)kms::protocol::Canonicalize(parsed->get_object(), kms::protocol::EmptyValues::kDrop);
    (void)kms::protocol::Canonicalize(parsed->get_object(), kms::protocol::EmptyValues::kKeep);
  }
  for (bool payload_required : {false, true}) {
    kms::api::AuthOutcome outcome = auth.Authenticate(*parsed, payload_required);
    if (!outcome.ok()) continue;
    static const boost::json::object kEmpty;
    const boost::json::object& payload =
        outcome.result().payload ? *outcome.result().payload : kEmpty;
    if (kms::api::Validate(payload, kSpecs).ok()) {
      (void)kms::crypto::Base64Decode(kms::api::GetString(payload, "plaintext"));
      (void)kms::crypto::Base64Decode(kms::api::GetString(payload, "aad"));
    }
  }
  (void)kms::crypto::Base64Decode(text);
  return 0;
}
