#pragma once
// Output files that appear complete or not at all: data goes to a temporary file in the same
// directory (so rename is atomic), which is fsynced and renamed on Commit and removed otherwise.

#include <memory>
#include <ostream>
#include <streambuf>
#include <string>

#include "kms/result.h"

namespace kms::client::internal {

class AtomicFile {
 public:
  // Creates the temporary file with mode 0600.
  static Result<std::unique_ptr<AtomicFile>> Create(const std::string& final_path);
  ~AtomicFile();  // removes the temporary file unless committed
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  std::ostream& stream() { return stream_; }
  // Flushes, fsyncs, renames over the final path and fsyncs the directory.
  Result<void> Commit();

 private:
  class FdBuf : public std::streambuf {
   public:
    explicit FdBuf(int fd) : fd_(fd) { setp(buf_, buf_ + sizeof(buf_)); }
    int sync() override;
    bool failed() const { return failed_; }

   protected:
    int_type overflow(int_type c) override;
    std::streamsize xsputn(const char* s, std::streamsize n) override;

   private:
    bool WriteAll(const char* p, size_t n);
    int fd_;
    bool failed_ = false;
    char buf_[1 << 16];
  };

  AtomicFile(int fd, std::string tmp, std::string final_path);
  int fd_;
  std::string tmp_path_;
  std::string final_path_;
  FdBuf buf_;
  std::ostream stream_;
  bool committed_ = false;
};

}  // namespace kms::client::internal
