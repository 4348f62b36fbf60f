#pragma once
// Small file helpers with the durability the KMS needs for its own files (sealed domain key,
// platform secret, TLS pair).

#include <string>

#include "common/bytes.h"
#include "common/status.h"

namespace kms {

// kNotFound if the file does not exist; kInternal with errno text on other failures.
StatusOr<Bytes> ReadFileBytes(const std::string& path);
bool FileExists(const std::string& path);

// Writes `data` to `path` atomically and durably: a temp file in the same directory with
// `mode`, fsync, rename over `path`, fsync of the directory. A crash leaves either the old
// file or the new one, never a torn one. With `exclusive`, fails with kAlreadyExists instead
// of replacing an existing file.
Status WriteFileAtomic(const std::string& path, ByteView data, int mode, bool exclusive = false);

// Creates `dir` (and parents) with mode 0700 if missing.
Status EnsureDirectory(const std::string& dir);

}  // namespace kms
