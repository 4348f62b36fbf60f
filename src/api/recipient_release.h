#pragma once
// Attestation-gated key release: the optional `recipient` block of Decrypt, GenerateDataKey and
// GetSecretValue (docs/attestation.md, "Attestation-gated key release").
//
//   "recipient": {"quote": "<base64 quote>", "policyId": "<the caller's quote policy>",
//                 "publicKey": "<base64 DER SubjectPublicKeyInfo, RSA-3072 or EC P-256>"}
//
// With it the plaintext leaves the KMS only encrypted to publicKey (crypto/recipient_wrap.h),
// and only when the quote verifies, its enclave matches the policy, and its report data is
// SHA-256 of the publicKey text as sent followed by 32 zero bytes — exactly what
// GenerateQuote binds for a challenge, so an enclave can get such a quote from its platform.

#include <boost/json/object.hpp>
#include <optional>
#include <string>

#include "api/action.h"
#include "common/bytes.h"
#include "common/status.h"

namespace kms::api {

struct Recipient {
  Bytes public_key_der;
};

// nullopt when the payload has no `recipient` (or it is null); the recipient when it is
// well-formed and trusted. kInvalidArgument for a malformed block, a key that is not RSA-3072
// or P-256, an unknown policy or a broken quote; kPermissionDenied when the quote does not
// verify, does not match the policy or does not bind the key (messages are for the client);
// other codes for store failures.
StatusOr<std::optional<Recipient>> CheckRecipient(KmsContext& ctx, const ActionRequest& r);

// The reply's `recipient` object: {algorithm, ciphertext, ephemeralPublicKey (P-256 only)},
// base64. kInvalidArgument when the plaintext is too long for an RSA recipient.
StatusOr<boost::json::object> SealForRecipient(const Recipient& recipient, ByteView plaintext);

}  // namespace kms::api
