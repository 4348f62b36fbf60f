#pragma once
// --concat: the decrypted parts of a folder one after another into one output. With
// `drop_repeated_header` the first line of the first non-empty part is kept and a later part's
// first line is dropped when it is identical (Spark repeats the CSV header in every part).
// Not thread-safe; borrows the output.

#include <string>

#include "kms/bigdl/byte_stream.h"

namespace kms::bigdl::internal {

class ConcatSink final : public ByteSink {
 public:
  ConcatSink(ByteSink& out, bool drop_repeated_header) : out_(out), dedup_(drop_repeated_header) {}

  void StartPart();
  Result<void> Write(ByteView data) override;
  // Settles a first line the part ended inside of.
  Result<void> EndPart();

 private:
  Result<void> SettleFirstLine();
  ByteSink& out_;
  const bool dedup_;
  std::string header_;  // the kept first line, once known
  bool have_header_ = false;
  bool in_first_line_ = false;  // still looking at the current part's first line
  std::string pending_;         // its bytes so far
};

}  // namespace kms::bigdl::internal
