#include "kms/bigdl/encrypt_job.h"

#include <cstdio>
#include <ctime>

#include "atomic_file.h"
#include "kms/atomic_write.h"
#include "kms/bigdl/key_resolver.h"
#include "kms/bigdl/spark_folder.h"
#include "kms/bigdl/spark_meta.h"
#include "kms/bigdl/stream_encryptor.h"
#include "line_splitter.h"
#include "parallel_for.h"

namespace kms::bigdl {
namespace {

using client::internal::AtomicFile;

struct Input {
  std::string path;
  std::string name;  // output names derive from it
  uint64_t size = 0;
};

class Encryptor {
 public:
  Encryptor(const EncryptJob& job, const NewDataKey& key) : job_(job), key_(key) {}

  // One stream from `src` into the file `path`, complete or absent.
  Result<uint64_t> WriteStream(ByteSource& src, const std::string& path) {
    EHSM_ASSIGN_OR_RETURN(Bytes iv, job_.make_iv ? job_.make_iv() : RandomIv());
    EncryptSpec spec;
    spec.format = job_.format;
    spec.edk = key_.edk;
    spec.iv = std::move(iv);
    spec.time = job_.now ? job_.now() : static_cast<int64_t>(std::time(nullptr));
    EHSM_ASSIGN_OR_RETURN(auto file, AtomicFile::Create(path));
    OstreamSink sink(file->stream());
    auto n = EncryptStream(src, sink, key_.text, spec, job_.progress);
    if (!n.ok()) return WithName(n.error(), src.name());
    EHSM_RETURN_IF_ERROR(file->Commit());
    return *n;
  }

  // Every part made from `input` inside `dir`.
  Result<std::vector<EncryptedPart>> EncryptInput(const Input& input, const std::string& dir) {
    const std::string suffix = job_.format == Format::kFernet ? ".encrypted" : ".cbc";
    EHSM_ASSIGN_OR_RETURN(auto src, FileSource::Open(input.path));
    std::vector<EncryptedPart> parts;
    if (job_.split_bytes == 0) {
      std::string name = input.name + suffix;
      EHSM_ASSIGN_OR_RETURN(uint64_t n, WriteStream(*src, JoinPath(dir, name)));
      parts.push_back({input.path, name, n});
      return parts;
    }
    internal::LineSplitter pieces(*src, job_.split_bytes, job_.csv_header);
    for (int index = 0;; ++index) {
      EHSM_ASSIGN_OR_RETURN(bool more, pieces.NextPiece());
      if (!more) break;
      char number[16];
      std::snprintf(number, sizeof(number), "-%05d", index);
      std::string name = input.name + number + suffix;
      EHSM_ASSIGN_OR_RETURN(uint64_t n, WriteStream(pieces, JoinPath(dir, name)));
      parts.push_back({input.path, name, n});
    }
    return parts;
  }

 private:
  const EncryptJob& job_;
  const NewDataKey& key_;
};

Result<std::vector<Input>> ListInputs(const std::string& in, bool in_is_dir) {
  std::vector<Input> inputs;
  if (!in_is_dir) {
    EHSM_ASSIGN_OR_RETURN(auto src, FileSource::Open(in));
    inputs.push_back({in, BaseName(in), src->Size().value_or(0)});
    return inputs;
  }
  EHSM_ASSIGN_OR_RETURN(FolderListing listing, ListFolder(in));
  for (const FolderFile& f : listing.files)
    inputs.push_back({JoinPath(in, f.name), f.name, f.size});
  if (inputs.empty()) return Error::Local(in + ": no visible files to encrypt");
  return inputs;
}

Result<EncryptSummary> EncryptToFolder(const EncryptJob& job, const NewDataKey& key,
                                       bool in_is_dir) {
  EHSM_ASSIGN_OR_RETURN(std::vector<Input> inputs, ListInputs(job.in, in_is_dir));
  if (job.on_total) {
    uint64_t total = 0;
    for (const Input& i : inputs) total += i.size;
    job.on_total(total);
  }
  EHSM_ASSIGN_OR_RETURN(auto staging, StagingFolder::Create(job.out, job.force));
  Encryptor enc(job, key);
  std::vector<std::vector<EncryptedPart>> parts(inputs.size());
  auto errors = internal::ParallelFor(inputs.size(), job.jobs, true, [&](size_t i) -> Result<void> {
    EHSM_ASSIGN_OR_RETURN(parts[i], enc.EncryptInput(inputs[i], staging->path()));
    return {};
  });
  if (!errors.empty()) return errors.front().error;
  if (job.format != Format::kFernet) {
    EHSM_RETURN_IF_ERROR(client::WriteFileAtomically(JoinPath(staging->path(), kMetaFile),
                                                     AsBytes(EncodeMeta(key.edk))));
    EHSM_RETURN_IF_ERROR(WriteEmptyFile(JoinPath(staging->path(), kSuccessFile)));
  }
  EHSM_RETURN_IF_ERROR(staging->Commit());
  EncryptSummary summary;
  summary.out = job.out;
  summary.folder = true;
  for (auto& p : parts) summary.parts.insert(summary.parts.end(), p.begin(), p.end());
  return summary;
}

}  // namespace

Result<EncryptSummary> RunEncrypt(const EncryptJob& job, const NewDataKey& key) {
  if (job.format != Format::kG3 && job.format != Format::kNative && job.format != Format::kFernet) {
    return Error::InvalidArgument("--format must be g3, native or fernet for encryption");
  }
  const bool from_stdin = job.in == "-";
  const bool in_is_dir = !from_stdin && IsDirectory(job.in);
  const bool single_stream = job.raw || (job.format == Format::kFernet && !in_is_dir);
  if (in_is_dir && job.raw) return Error::InvalidArgument("--raw needs a single input file");
  if (single_stream && job.split_bytes > 0) {
    return Error::InvalidArgument("--split-bytes writes a folder; drop --raw");
  }
  if (from_stdin && !single_stream) {
    return Error::InvalidArgument("standard input has no name for a part: pass --raw");
  }
  if (job.csv_header && job.split_bytes == 0) {
    return Error::InvalidArgument("--csv-header goes with --split-bytes");
  }
  if (!single_stream) return EncryptToFolder(job, key, in_is_dir);

  std::unique_ptr<ByteSource> src;
  if (from_stdin) {
    if (job.stdin_stream == nullptr) return Error::InvalidArgument("no standard input");
    src = std::make_unique<IstreamSource>(*job.stdin_stream, "standard input");
  } else {
    EHSM_ASSIGN_OR_RETURN(src, FileSource::Open(job.in));
  }
  if (job.on_total && src->Size()) job.on_total(*src->Size());
  Encryptor enc(job, key);
  EHSM_ASSIGN_OR_RETURN(uint64_t n, enc.WriteStream(*src, job.out));
  EncryptSummary summary;
  summary.out = job.out;
  summary.parts.push_back({job.in, job.out, n});
  return summary;
}

}  // namespace kms::bigdl
