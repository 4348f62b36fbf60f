#pragma once
// Whole-file writes that appear complete or not at all (temporary file in the same directory,
// fsync, rename). The file gets mode 0600: outputs of this library are keys and plaintexts.

#include <string>

#include "common/bytes.h"
#include "kms/result.h"

namespace kms::client {

Result<void> WriteFileAtomically(const std::string& path, ByteView data);

}  // namespace kms::client
