#pragma once
// The domain-key protocol inside the attested TLS channel (docs/dkey.md, "The attested
// channel"). One request and one response per connection; all integers big-endian.
//
//   request  (client -> server, 8 bytes):
//     0  4  magic "EDKQ"
//     4  1  version (1)
//     5  1  role the client acts as: 1 = dkeycache, 2 = dkeyserver (a replica)
//     6  2  reserved, 0
//   response (server -> client, 8-byte header + body):
//     0  4  magic "EDKA"
//     4  1  version (1)
//     5  1  status: 0 = granted, 1 = refused
//     6  2  body length: granted exactly 48; refused 1..kMaxRefusalBytes
//     8  n  granted: the 32-byte domain key, then its dk_id as 16 lowercase hex digits;
//           refused: a one-line reason (printable ASCII)
//
// Anything else (other magic, version, role, status, a length out of range, a dk_id that is not
// the key's fingerprint, trailing bytes) is a protocol error: the connection is dropped.

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/bytes.h"
#include "common/secret_bytes.h"
#include "common/status.h"
#include "dkey/policy.h"

namespace kms::dkey {

inline constexpr size_t kDkRequestBytes = 8;
inline constexpr size_t kDkResponseHeaderBytes = 8;
inline constexpr size_t kDkGrantBodyBytes = 48;
inline constexpr size_t kMaxRefusalBytes = 512;

Bytes EncodeDkRequest(Role role);
// The role a request asks for: kDkeyCache or kDkeyServer. kInvalidArgument otherwise.
StatusOr<Role> ParseDkRequest(ByteView frame);

// The response frames. `reason` is cut to kMaxRefusalBytes and anything unprintable replaced.
SecretBytes EncodeDkGrant(ByteView dk, const std::string& dk_id);
Bytes EncodeDkRefusal(const std::string& reason);

struct DkResponseHeader {
  bool granted = false;
  size_t body_bytes = 0;
};
// kInvalidArgument for a header that breaks the rules above.
StatusOr<DkResponseHeader> ParseDkResponseHeader(ByteView header);

struct DkResponse {
  bool granted = false;
  SecretBytes dk;      // granted: 32 bytes
  std::string dk_id;   // granted: DomainKeyId(dk)
  std::string reason;  // refused
};
// A whole response (header and body, nothing after). kInvalidArgument for a malformed frame or
// a grant whose dk_id is not the key's fingerprint.
StatusOr<DkResponse> ParseDkResponse(ByteView frame);

}  // namespace kms::dkey
