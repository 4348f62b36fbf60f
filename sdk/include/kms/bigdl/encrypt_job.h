#pragma once
// `ehsm bigdl encrypt`: a file or a folder into what BigDL reads (docs/bigdl.md).
//
//   G3 / native: OUT is a Spark folder: <name>.cbc per input file (or <name>-00000.cbc, ...
//                with split_bytes), .meta with the EDK, and an empty _SUCCESS. With `raw` and
//                a single input file, OUT is the bare stream instead.
//   Fernet:      a single input gives the token file OUT (as the Python tool writes it); a
//                folder gives OUT/<name>.encrypted per file, without .meta.
//
// One data key for the whole call, as BigDL uses one per write; every file gets its own IV.
// Outputs appear complete or not at all: folders are built in a hidden sibling and swapped
// into place, single files are written to a temporary file and renamed.
// Thread-safe (no shared state); uses up to `jobs` threads for folders.

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "kms/bigdl/byte_stream.h"
#include "kms/bigdl/format.h"
#include "kms/bigdl/key_holder.h"

namespace kms::bigdl {

struct EncryptJob {
  std::string in;  // a file, a folder, or "-" (stdin, with raw or Fernet output)
  std::string out;
  Format format = Format::kG3;  // kG3, kNative or kFernet
  bool raw = false;
  uint64_t split_bytes = 0;  // 0: one part per input file
  bool csv_header = false;   // with split_bytes: repeat the first line in every part
  bool force = false;        // replace an existing OUT folder
  int jobs = 1;
  std::istream* stdin_stream = nullptr;
  // Each part's IV; tests pass a fixed one to reproduce known bytes.
  std::function<Result<Bytes>()> make_iv;        // empty: RandomIv
  std::function<int64_t()> now;                  // Fernet token time; empty: the clock
  std::function<void(uint64_t total)> on_total;  // told the input size before work starts
  ProgressFn progress;
};

struct EncryptedPart {
  std::string input;   // input file path
  std::string output;  // output file name (inside OUT for folders)
  uint64_t plaintext_bytes = 0;
};

struct EncryptSummary {
  std::string out;
  bool folder = false;  // OUT is a Spark folder
  std::vector<EncryptedPart> parts;
};

// Encrypts under `key` (its EDK goes into the headers and .meta).
Result<EncryptSummary> RunEncrypt(const EncryptJob& job, const NewDataKey& key);

}  // namespace kms::bigdl
