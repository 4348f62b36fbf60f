#include "kms/bigdl/byte_stream.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <istream>
#include <ostream>

namespace kms::bigdl {

Result<void> ByteSource::ReadAt(uint64_t, std::span<uint8_t>) {
  return Error::Local(name() + ": positioned reads need a regular file");
}

Result<std::unique_ptr<FileSource>> FileSource::Open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Error::Local("cannot open " + path + ": " + std::strerror(errno));
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int e = errno;
    ::close(fd);
    return Error::Local("cannot stat " + path + ": " + std::strerror(e));
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    return Error::Local(path + " is a directory");
  }
  std::optional<uint64_t> size;
  if (S_ISREG(st.st_mode)) size = static_cast<uint64_t>(st.st_size);
  // The whole file is read once, front to back.
  if (size) ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  return std::unique_ptr<FileSource>(new FileSource(fd, path, size));
}

FileSource::~FileSource() { ::close(fd_); }

Result<size_t> FileSource::Read(std::span<uint8_t> buf) {
  for (;;) {
    ssize_t n = ::read(fd_, buf.data(), buf.size());
    if (n >= 0) return static_cast<size_t>(n);
    if (errno != EINTR) return Error::Local("cannot read " + path_ + ": " + std::strerror(errno));
  }
}

Result<void> FileSource::ReadAt(uint64_t offset, std::span<uint8_t> buf) {
  if (!size_) return ByteSource::ReadAt(offset, buf);
  size_t done = 0;
  while (done < buf.size()) {
    ssize_t n =
        ::pread(fd_, buf.data() + done, buf.size() - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::Local("cannot read " + path_ + ": " + std::strerror(errno));
    if (n == 0) return Error::Local(path_ + ": file shrank while being read");
    done += static_cast<size_t>(n);
  }
  return {};
}

Result<size_t> IstreamSource::Read(std::span<uint8_t> buf) {
  in_.read(reinterpret_cast<char*>(buf.data()), static_cast<std::streamsize>(buf.size()));
  if (in_.bad()) return Error::Local("cannot read " + name_);
  return static_cast<size_t>(in_.gcount());
}

Result<size_t> PrefixedSource::Read(std::span<uint8_t> buf) {
  if (used_ < prefix_.size()) {
    size_t n = std::min(buf.size(), prefix_.size() - used_);
    std::memcpy(buf.data(), prefix_.data() + used_, n);
    used_ += n;
    return n;
  }
  return rest_.Read(buf);
}

Result<void> OstreamSink::Write(ByteView data) {
  out_.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
  if (!out_) return Error::Local("write failed");
  return {};
}

Result<size_t> ReadFull(ByteSource& in, std::span<uint8_t> buf) {
  size_t done = 0;
  while (done < buf.size()) {
    EHSM_ASSIGN_OR_RETURN(size_t n, in.Read(buf.subspan(done)));
    if (n == 0) break;
    done += n;
  }
  return done;
}

}  // namespace kms::bigdl
