#pragma once
// Policy: who may take part in domain-key provisioning. One TOML file for the whole deployment;
// each daemon checks a peer against the section of the role the peer claims:
//
//   allow_simulation = true        # default false: sim identities are refused
//   [[dkeyserver]]                 # who may serve the domain key
//   mrsigner = "<64 hex>"          # required
//   mrenclave = "<64 hex>"         # optional: any enclave of that signer when absent
//   isvprodid = 0                  # optional: any product when absent
//   min_isvsvn = 0                 # optional, default 0
//   allow_debug = false            # optional, default false
//   [[dkeycache]]                  # who may fetch it from a dkeyserver
//   [[kms]]                        # who may fetch it from a dkeycache
//
// A role may have several entries; an identity is allowed when one of them matches. A role
// without entries allows nobody. Unknown keys and sections are errors, so that a typo cannot
// silently widen or narrow the policy.
//
// Immutable after loading; thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "attest/quote_verifier.h"
#include "common/bytes.h"
#include "common/status.h"

namespace kms::dkey {

enum class Role { kDkeyServer, kDkeyCache, kKms };

// "dkeyserver", "dkeycache", "kms": the section names.
std::string_view RoleName(Role role);

// One [[role]] entry.
struct IdentityRule {
  Bytes mrsigner;                    // 32 bytes
  std::optional<Bytes> mrenclave;    // 32 bytes when set
  std::optional<uint16_t> isvprodid;
  uint16_t min_isvsvn = 0;
  bool allow_debug = false;
  int line = 0;  // where the entry starts in the file, for messages
};

class Policy {
 public:
  // Reads and parses `path`. kNotFound when the file is missing; kInvalidArgument naming the
  // file, the section (with the entry number) and the key for anything malformed.
  static StatusOr<Policy> LoadFile(const std::string& path);
  // As LoadFile, from text; `source` names it in messages.
  static StatusOr<Policy> Parse(std::string_view toml, const std::string& source);

  bool allow_simulation() const { return allow_simulation_; }
  const std::vector<IdentityRule>& rules(Role role) const;

  // OK when `identity` may act as `role`; otherwise kPermissionDenied whose message says why
  // (simulation not allowed, no entry for the role, or for each entry the first field that
  // differs), with the identity's fields, so the refusal can be logged as is.
  Status Check(Role role, const attest::QuoteIdentity& identity) const;

  // One line for the start-up log: the source and the number of entries per role.
  std::string Summary() const;

 private:
  Policy() = default;

  std::string source_;
  bool allow_simulation_ = false;
  std::vector<IdentityRule> rules_[3];
};

// `identity` as one line: tee, mrsigner, mrenclave, isvprodid, isvsvn, debug.
std::string DescribeIdentity(const attest::QuoteIdentity& identity);

}  // namespace kms::dkey
