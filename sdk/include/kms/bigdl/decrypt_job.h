#pragma once
// `ehsm bigdl decrypt`: a BigDL part file or a whole encrypted Spark folder back to plaintext
// (docs/bigdl.md).
//
// Folders: every *.cbc file, plus any other visible file whose header is recognised (outputs
// of BigDL's textFile path and of the Python tool), becomes OUT/<name without .cbc>; _SUCCESS
// is copied, .meta, .crc and hidden files are not, so OUT is a plain Spark folder. A 0-byte
// part (Spark's empty partition) gives a 0-byte file. With `concat`, the parts go in name order
// into one file (or standard output) instead.
//
// Integrity: with verify_first (the default) every MAC of the input is checked before any
// output is created; the decrypting pass checks each MAC again (the input may have changed)
// and only then moves the output into place. Folders are built in a hidden sibling and swapped
// in whole; files are written to a temporary file and renamed. On failure nothing is left. A
// pipe cannot be read twice: to a file that still means nothing is left, but to standard
// output the bytes before the failure have been written, and the error says so.
//
// Thread-safe apart from `keys` (resolved on the calling thread before any worker starts).

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "kms/bigdl/byte_stream.h"
#include "kms/bigdl/format.h"
#include "kms/bigdl/key_resolver.h"
#include "kms/bigdl/stream_decryptor.h"

namespace kms::bigdl {

struct DecryptJob {
  std::string in;           // a part file, a folder, or "-" (standard input)
  std::string out;          // a file, a folder, or "-" (standard output); empty with `concat`
  std::string concat;       // one output for all parts ("-": standard output)
  bool csv_header = false;  // with concat: keep only the first part's header line
  FormatChoice format = FormatChoice::kAuto;
  DecryptOptions stream;
  bool verify_first = true;
  bool force = false;  // replace an existing OUT folder
  int jobs = 1;
  std::istream* stdin_stream = nullptr;
  std::ostream* stdout_stream = nullptr;
  std::function<void(uint64_t total)> on_total;  // bytes the passes will read in all
  ProgressFn progress;
};

struct DecryptedPart {
  std::string input;   // path
  std::string output;  // name inside OUT, or the output path
  Format format = Format::kEmpty;
  uint64_t input_bytes = 0;
  uint64_t plaintext_bytes = 0;
  std::string edk;         // the EDK whose key was used; empty when none
  std::string key_source;  // "header EDK", ".meta EDK", ...
  MacStatus mac = MacStatus::kNone;
  G2Key g2_key = G2Key::kAuto;
  std::vector<std::string> notes;
};

struct DecryptSummary {
  bool folder = false;
  std::optional<std::string> meta_edk;  // the input folder's .meta, when it has one
  std::vector<DecryptedPart> parts;
  std::vector<std::string> skipped;  // "name: why"
  std::vector<std::string> warnings;
  size_t distinct_edks = 0;
  bool success_copied = false;
};

Result<DecryptSummary> RunDecrypt(const DecryptJob& job, KeyResolver& keys);

}  // namespace kms::bigdl
