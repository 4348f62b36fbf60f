#pragma once
// The node-local domain-key protocol between ehsm-kms (client) and ehsm-dkeycache (server) over
// the node's Unix socket; docs/dkey.md, "The node-local protocol", has the byte layout.
//
//   server -> client  HELLO    server nonce (32 random bytes, new per connection)
//   client -> server  REQUEST  the client's local report, targeted at the server nonce
//   server -> client  GRANT    the server's local report, targeted at the client nonce, and the
//                              domain key sealed under a key both derive for this connection
//                     or REFUSE with a one-line reason
//
// A local report (sim) is the process's identity and a nonce of its own, MACed with
// TeePlatform::DeriveLocalKey("report", target nonce): only a process holding the node's
// platform secret can make one, and one made for another connection's nonce does not verify
// (no replay). The grant key is DeriveLocalKey("grant", server nonce || client nonce).
//
// Pure functions over byte strings; the sockets are in local_dk_server.h / local_dk_client.h.

#include <array>
#include <cstdint>
#include <string>

#include "attest/quote_verifier.h"
#include "common/bytes.h"
#include "common/secret_bytes.h"
#include "common/status.h"
#include "tee/tee_platform.h"

namespace kms::dkey::local {

inline constexpr size_t kNonceSize = 32;
using Nonce = std::array<uint8_t, kNonceSize>;

// Every frame on the socket: a 4-byte big-endian body length, then the body. No message of the
// protocol is longer than this; a longer announced length drops the connection.
inline constexpr size_t kMaxFrameBody = 1024;
// Longest refusal reason sent to a client.
inline constexpr size_t kMaxReasonBytes = 200;

// A verified local report: the peer's identity and the nonce it chose.
struct VerifiedReport {
  attest::QuoteIdentity identity;  // tee "sim"; mrenclave, mrsigner, isvprodid, isvsvn, debug
  Nonce own_nonce{};
};

Status RandomNonce(Nonce& out);

Bytes MakeHello(const Nonce& server_nonce);
StatusOr<Nonce> ParseHello(ByteView body);

// The client's REQUEST: its report targeted at `server_nonce`, carrying `client_nonce`.
StatusOr<Bytes> MakeRequest(tee::TeePlatform& platform, const Nonce& server_nonce,
                            const Nonce& client_nonce);
// kInvalidArgument for a malformed body, kPermissionDenied when the MAC does not verify (made
// for another nonce, on another node, or altered).
StatusOr<VerifiedReport> ParseRequest(tee::TeePlatform& platform, ByteView body,
                                      const Nonce& server_nonce);

// GRANT: the server's report targeted at the client's nonce and `dk` (32 bytes) under the
// connection's grant key.
StatusOr<Bytes> MakeGrant(tee::TeePlatform& platform, const Nonce& server_nonce,
                          const Nonce& client_nonce, ByteView dk);
Bytes MakeRefuse(const std::string& reason);

struct Granted {
  attest::QuoteIdentity server;  // who granted it, for the client's policy check
  SecretBytes dk;
};
// Parses GRANT or REFUSE: a refusal is kPermissionDenied with the server's reason; a grant
// whose report or key does not verify is kPermissionDenied as well; malformed kInvalidArgument.
StatusOr<Granted> ParseGrant(tee::TeePlatform& platform, ByteView body, const Nonce& server_nonce,
                             const Nonce& client_nonce);

}  // namespace kms::dkey::local
