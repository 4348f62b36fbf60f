#pragma once
// Spark output folders as BigDL reads and writes them: part files, hidden names (Spark skips
// names starting with '.' or '_': .meta, _SUCCESS, Hadoop's .crc files), and whole folders that
// appear complete or not at all.
//
// Not thread-safe per object; distinct objects may be used from distinct threads.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "kms/bigdl/result.h"

namespace kms::bigdl {

// True for names Spark's file listing skips.
bool IsHiddenName(std::string_view name);
// "dir/name" without doubling a trailing '/'.
std::string JoinPath(std::string_view dir, std::string_view name);
// The last path component ("a/b.csv" -> "b.csv").
std::string BaseName(std::string_view path);
std::string DirName(std::string_view path);
bool IsDirectory(const std::string& path);

struct FolderFile {
  std::string name;
  uint64_t size = 0;
};

struct FolderListing {
  std::vector<FolderFile> files;    // regular files with visible names, sorted by name
  std::vector<std::string> hidden;  // hidden names present (sorted)
  bool has_success = false;         // _SUCCESS is present
};

// Lists `dir` (not recursively; subfolders are reported in `hidden` as "name/" and skipped).
Result<FolderListing> ListFolder(const std::string& dir);

// A folder built in a hidden sibling of its destination and moved into place by Commit, so
// readers (and BigDL) never see half of it. Files inside are written directly: the staging
// folder itself is the temporary.
class StagingFolder {
 public:
  // Fails (kLocal) when `final_dir` exists and is not an empty directory, unless `replace`;
  // even then a non-directory is never replaced.
  static Result<std::unique_ptr<StagingFolder>> Create(const std::string& final_dir, bool replace);
  ~StagingFolder();  // removes the staging folder (and whatever it holds) unless committed
  StagingFolder(const StagingFolder&) = delete;
  StagingFolder& operator=(const StagingFolder&) = delete;

  const std::string& path() const { return path_; }
  // fsyncs the folder, swaps it into place (an existing folder goes away atomically) and
  // fsyncs the parent.
  Result<void> Commit();

 private:
  StagingFolder(std::string path, std::string final_dir, bool replace)
      : path_(std::move(path)), final_(std::move(final_dir)), replace_(replace) {}
  std::string path_;
  std::string final_;
  bool replace_;
  bool committed_ = false;
};

// Creates an empty file `path` (mode 0600), fsynced.
Result<void> WriteEmptyFile(const std::string& path);

}  // namespace kms::bigdl
