#pragma once
// Input and output conventions of the CLI.
//
// Inputs: an argument is taken literally, "@path" reads the file, "-" reads standard input.
// Binary inputs the user got from this tool (ciphertexts, signatures, wrapped keys) are base64
// when given literally; from a file or stdin they may be raw bytes or base64 text.
// Outputs: binary results are printed as base64 (or written raw with --out FILE), plaintexts
// are written raw; --json prints one JSON object per command.

#include <iosfwd>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/secret_bytes.h"
#include "kms/result.h"

namespace ehsm_cli {

enum class LiteralIs { kText, kBase64 };

// Resolves `spec` ("@file", "-", or a literal) to bytes.
kms::client::Result<kms::SecretBytes> ReadInput(std::string_view spec, LiteralIs literal,
                                                std::istream& stdin_stream);

// Writes `data` to `path` with mode 0600, replacing it atomically.
kms::client::Result<void> WriteOutputFile(const std::string& path, kms::ByteView data);

// Maps user-friendly names to the API's enum names ("aes-gcm-256" -> "EH_AES_GCM_256",
// "oaep" -> "EH_RSA_PKCS1_OAEP", "sha256" -> "EH_SHA_256", "internal" -> "EH_INTERNAL_KEY").
// Names already in EH_ form pass through upper-cased. Empty on an unknown name.
std::string KeySpecName(std::string_view s);
std::string OriginName(std::string_view s);
std::string UsageName(std::string_view s);
std::string PaddingName(std::string_view s);
std::string DigestName(std::string_view s);

// "2024-01-02 03:04:05Z" for ms since the epoch (UTC).
std::string FormatTimeMs(int64_t ms);

}  // namespace ehsm_cli
