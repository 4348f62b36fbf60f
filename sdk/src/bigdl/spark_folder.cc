#include "kms/bigdl/spark_folder.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "kms/bigdl/spark_meta.h"

namespace kms::bigdl {
namespace {

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

void FsyncPath(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

bool IsEmptyDirectory(const std::string& path) {
  std::error_code ec;
  return std::filesystem::is_directory(path, ec) && std::filesystem::is_empty(path, ec);
}

}  // namespace

bool IsHiddenName(std::string_view name) {
  return !name.empty() && (name[0] == '.' || name[0] == '_');
}

std::string JoinPath(std::string_view dir, std::string_view name) {
  std::string out(dir);
  if (!out.empty() && out.back() != '/') out.push_back('/');
  out += name;
  return out;
}

std::string BaseName(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  size_t slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

std::string DirName(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return ".";
  if (slash == 0) return "/";
  return std::string(path.substr(0, slash));
}

bool IsDirectory(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

Result<FolderListing> ListFolder(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return Error::Local(Errno("cannot list " + dir));
  FolderListing out;
  errno = 0;
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    struct stat st;
    if (::stat(JoinPath(dir, name).c_str(), &st) != 0) continue;  // a dangling link
    if (S_ISDIR(st.st_mode)) {
      out.hidden.push_back(name + "/");
    } else if (!S_ISREG(st.st_mode) || IsHiddenName(name)) {
      if (name == kSuccessFile) out.has_success = true;
      out.hidden.push_back(name);
    } else {
      out.files.push_back({name, static_cast<uint64_t>(st.st_size)});
    }
  }
  ::closedir(d);
  std::sort(out.files.begin(), out.files.end(),
            [](const FolderFile& a, const FolderFile& b) { return a.name < b.name; });
  std::sort(out.hidden.begin(), out.hidden.end());
  return out;
}

Result<std::unique_ptr<StagingFolder>> StagingFolder::Create(const std::string& final_dir,
                                                             bool replace) {
  struct stat st;
  if (::stat(final_dir.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) return Error::Local(final_dir + " exists and is not a folder");
    if (!replace && !IsEmptyDirectory(final_dir)) {
      return Error::Local(final_dir + " exists and is not empty; pass --force to replace it");
    }
  }
  std::string tmpl = JoinPath(DirName(final_dir), "." + BaseName(final_dir) + ".tmp-XXXXXX");
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr) {  // mode 0700
    return Error::Local(Errno("cannot create a folder next to " + final_dir));
  }
  return std::unique_ptr<StagingFolder>(new StagingFolder(buf.data(), final_dir, replace));
}

StagingFolder::~StagingFolder() {
  if (committed_) return;
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

Result<void> StagingFolder::Commit() {
  FsyncPath(path_);
  struct stat st;
  bool exists = ::stat(final_.c_str(), &st) == 0;
  if (exists && !IsEmptyDirectory(final_) && !replace_) {
    return Error::Local(final_ + " appeared meanwhile; pass --force to replace it");
  }
  if (exists) {
    // One atomic swap: readers see the old folder or the new one, never neither.
    if (::renameat2(AT_FDCWD, path_.c_str(), AT_FDCWD, final_.c_str(), RENAME_EXCHANGE) != 0) {
      return Error::Local(Errno("cannot replace " + final_));
    }
    committed_ = true;
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);  // now the old folder
  } else {
    if (::rename(path_.c_str(), final_.c_str()) != 0) {
      return Error::Local(Errno("cannot move the output into " + final_));
    }
    committed_ = true;
  }
  FsyncPath(DirName(final_));
  return {};
}

Result<void> WriteEmptyFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Error::Local(Errno("cannot create " + path));
  ::fsync(fd);
  ::close(fd);
  return {};
}

}  // namespace kms::bigdl
