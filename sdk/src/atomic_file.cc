#include "atomic_file.h"

#include "kms/atomic_write.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cstring>
#include <vector>

namespace kms::client::internal {
namespace {

std::string DirOf(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string BaseOf(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

}  // namespace

bool AtomicFile::FdBuf::WriteAll(const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd_, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      failed_ = true;
      return false;
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

int AtomicFile::FdBuf::sync() {
  size_t n = static_cast<size_t>(pptr() - pbase());
  if (n > 0 && !WriteAll(pbase(), n)) return -1;
  setp(buf_, buf_ + sizeof(buf_));
  return 0;
}

AtomicFile::FdBuf::int_type AtomicFile::FdBuf::overflow(int_type c) {
  if (sync() != 0) return traits_type::eof();
  if (!traits_type::eq_int_type(c, traits_type::eof())) {
    *pptr() = traits_type::to_char_type(c);
    pbump(1);
  }
  return traits_type::not_eof(c);
}

std::streamsize AtomicFile::FdBuf::xsputn(const char* s, std::streamsize n) {
  // Large writes (whole chunks) bypass the buffer.
  if (n >= static_cast<std::streamsize>(sizeof(buf_))) {
    if (sync() != 0 || !WriteAll(s, static_cast<size_t>(n))) return 0;
    return n;
  }
  return std::streambuf::xsputn(s, n);
}

Result<std::unique_ptr<AtomicFile>> AtomicFile::Create(const std::string& final_path) {
  std::string tmpl = DirOf(final_path) + "/." + BaseOf(final_path) + ".tmp-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  int fd = ::mkostemp(buf.data(), O_CLOEXEC);  // mode 0600
  if (fd < 0) return Error::Local(Errno("cannot create a temporary file next to " + final_path));
  return std::unique_ptr<AtomicFile>(new AtomicFile(fd, std::string(buf.data()), final_path));
}

AtomicFile::AtomicFile(int fd, std::string tmp, std::string final_path)
    : fd_(fd), tmp_path_(std::move(tmp)), final_path_(std::move(final_path)), buf_(fd),
      stream_(&buf_) {}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_) ::unlink(tmp_path_.c_str());
}

Result<void> AtomicFile::Commit() {
  stream_.flush();
  if (!stream_ || buf_.failed()) return Error::Local(Errno("write to " + tmp_path_ + " failed"));
  if (::fsync(fd_) != 0) return Error::Local(Errno("fsync of " + tmp_path_ + " failed"));
  int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) return Error::Local(Errno("close of " + tmp_path_ + " failed"));
  if (::rename(tmp_path_.c_str(), final_path_.c_str()) != 0) {
    return Error::Local(Errno("rename to " + final_path_ + " failed"));
  }
  committed_ = true;
  // Makes the rename itself durable.
  int dir = ::open(DirOf(final_path_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return {};
}

}  // namespace kms::client::internal

namespace kms::client {

Result<void> WriteFileAtomically(const std::string& path, ByteView data) {
  EHSM_ASSIGN_OR_RETURN(auto file, internal::AtomicFile::Create(path));
  file->stream().write(reinterpret_cast<const char*>(data.data()),
                       static_cast<std::streamsize>(data.size()));
  return file->Commit();
}

}  // namespace kms::client
