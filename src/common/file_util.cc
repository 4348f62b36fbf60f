#include "common/file_util.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <system_error>

namespace kms {
namespace {

std::string Errno(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + strerror(errno);
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int release() {
    int f = fd_;
    fd_ = -1;
    return f;
  }

 private:
  int fd_;
};

}  // namespace

bool FileExists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

StatusOr<Bytes> ReadFileBytes(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) return Status::NotFound("no such file: " + path);
    return Status::Internal(Errno("cannot open", path));
  }
  Bytes out;
  uint8_t buf[8192];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::Internal(Errno("cannot read", path));
    }
    if (n == 0) break;
    out.insert(out.end(), buf, buf + n);
  }
  explicit_bzero(buf, sizeof(buf));
  return out;
}

Status WriteFileAtomic(const std::string& path, ByteView data, int mode, bool exclusive) {
  if (exclusive && FileExists(path)) return Status::AlreadyExists("file exists: " + path);
  std::filesystem::path p(path);
  std::string dir = p.has_parent_path() ? p.parent_path().string() : ".";
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
    if (fd.get() < 0) return Status::Internal(Errno("cannot create", tmp));
    if (::fchmod(fd.get(), mode) != 0) return Status::Internal(Errno("cannot chmod", tmp));
    size_t off = 0;
    while (off < data.size()) {
      ssize_t n = ::write(fd.get(), data.data() + off, data.size() - off);
      if (n < 0) {
        if (errno == EINTR) continue;
        Status s = Status::Internal(Errno("cannot write", tmp));
        ::unlink(tmp.c_str());
        return s;
      }
      off += static_cast<size_t>(n);
    }
    if (::fsync(fd.get()) != 0) {
      Status s = Status::Internal(Errno("cannot fsync", tmp));
      ::unlink(tmp.c_str());
      return s;
    }
  }
  if (exclusive) {
    // link() fails if the target exists, so two racing writers cannot both win.
    if (::link(tmp.c_str(), path.c_str()) != 0) {
      Status s = errno == EEXIST ? Status::AlreadyExists("file exists: " + path)
                                 : Status::Internal(Errno("cannot link", path));
      ::unlink(tmp.c_str());
      return s;
    }
    ::unlink(tmp.c_str());
  } else if (::rename(tmp.c_str(), path.c_str()) != 0) {
    Status s = Status::Internal(Errno("cannot rename onto", path));
    ::unlink(tmp.c_str());
    return s;
  }
  Fd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dfd.get() >= 0) ::fsync(dfd.get());
  return Status::Ok();
}

Status EnsureDirectory(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::Internal("cannot create directory " + dir + ": " + ec.message());
  if (!std::filesystem::is_directory(dir, ec)) {
    return Status::InvalidArgument("not a directory: " + dir);
  }
  return Status::Ok();
}

}  // namespace kms
