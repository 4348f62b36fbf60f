#include "kms/bigdl/decrypt_job.h"

#include <istream>
#include <map>
#include <memory>
#include <ostream>
#include <set>

#include "atomic_file.h"
#include "concat_sink.h"
#include "kms/bigdl/spark_folder.h"
#include "kms/bigdl/spark_meta.h"
#include "parallel_for.h"

namespace kms::bigdl {
namespace {

using client::internal::AtomicFile;

struct Part {
  std::string path;
  std::string name;      // inside the input folder (the base name for a single file)
  std::string out_name;  // inside OUT
  uint64_t size = 0;
  StreamInfo info;
  KeyResolver::Resolved key;
  DecryptResult result;
};

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string OutputName(const std::string& name) {
  for (std::string_view suffix : {".cbc", ".encrypted"}) {
    if (EndsWith(name, suffix) && name.size() > suffix.size()) {
      return name.substr(0, name.size() - suffix.size());
    }
  }
  return name;
}

bool HasMac(Format f) { return f != Format::kNative && f != Format::kEmpty; }

class Decryptor {
 public:
  Decryptor(const DecryptJob& job, KeyResolver& keys) : job_(job), keys_(keys) {}

  // Reads the header of the file at `path`.
  Result<Part> Scan(const std::string& path, const std::string& name) {
    EHSM_ASSIGN_OR_RETURN(auto src, FileSource::Open(path));
    EHSM_ASSIGN_OR_RETURN(auto d, StreamDecryptor::Open(*src, job_.format));
    Part p;
    p.path = path;
    p.name = name;
    p.out_name = OutputName(name);
    p.size = src->Size().value_or(0);
    p.info = d->info();
    return p;
  }

  Result<void> ResolveKey(Part& p, const std::optional<std::string>& meta_edk) {
    if (p.info.format == Format::kEmpty) return {};
    if (p.info.format == Format::kParquet) {
      return Error::Local(p.path +
                          ": is Parquet (Parquet Modular Encryption); this tool does "
                          "not decrypt Parquet: read it with Spark");
    }
    EHSM_ASSIGN_OR_RETURN(p.key, keys_.Resolve(p.path, p.info.format, p.info.edk, meta_edk));
    return {};
  }

  // One pass over part `p`: verify-only when `out` is null.
  Result<void> Pass(Part& p, ByteSink* out) {
    if (p.info.format == Format::kEmpty) return {};
    EHSM_ASSIGN_OR_RETURN(auto src, FileSource::Open(p.path));
    // After a first pass the format is known exactly (G1 or G2) and so is the G2 key.
    bool settled = p.result.format != Format::kEmpty;
    EHSM_ASSIGN_OR_RETURN(
        auto d, StreamDecryptor::Open(*src, settled ? ChoiceOf(p.result.format) : job_.format));
    if (d->info().edk != p.info.edk || d->info().iv != p.info.iv) {
      return Error::Local(p.path + ": changed while being read");
    }
    DecryptOptions opts = job_.stream;
    if (settled && p.result.g2_key != G2Key::kAuto) opts.g2_key = p.result.g2_key;
    // Progress counts ciphertext; the rest of the file (header, MAC, Fernet's base64
    // overhead) is added at the end so the passes add up to the total announced.
    uint64_t counted = 0;
    ProgressFn progress;
    if (job_.progress) {
      progress = [&](uint64_t n) {
        counted += n;
        job_.progress(n);
      };
    }
    EHSM_ASSIGN_OR_RETURN(p.result, d->Run(*p.key.text, opts, out, progress));
    if (job_.progress && p.size > counted) job_.progress(p.size - counted);
    return {};
  }

  bool verify_first() const { return job_.verify_first && job_.stream.verify_mac; }

 private:
  const DecryptJob& job_;
  KeyResolver& keys_;
};

DecryptedPart Report(const Part& p, std::string output) {
  DecryptedPart r;
  r.input = p.path;
  r.output = std::move(output);
  r.format = p.result.format == Format::kEmpty ? p.info.format : p.result.format;
  r.input_bytes = p.size;
  r.plaintext_bytes = p.result.plaintext_bytes;
  r.edk = p.key.edk;
  r.key_source = p.key.source;
  r.mac = p.result.mac;
  r.g2_key = p.result.g2_key;
  r.notes = p.result.notes;
  if (!p.info.filler_ok) r.notes.push_back("header filler is not all 0x80");
  return r;
}

Error Combine(const std::vector<internal::IndexedError>& errors, const std::string& what) {
  if (errors.size() == 1) return errors.front().error;
  std::string msg = std::to_string(errors.size()) + " parts failed " + what + ":";
  for (size_t i = 0; i < errors.size() && i < 5; ++i) msg += "\n  " + errors[i].error.message();
  if (errors.size() > 5) msg += "\n  ...";
  return Error(errors.front().error.kind(), errors.front().error.code(), msg);
}

// The output of one single stream: a file (temporary, renamed at the end) or standard output.
Result<DecryptSummary> DecryptSingle(const DecryptJob& job, KeyResolver& keys) {
  Decryptor dec(job, keys);
  DecryptSummary summary;
  Part p;
  if (job.in == "-") {
    // A pipe: one pass only; no .meta to look at.
    if (job.stdin_stream == nullptr) return Error::InvalidArgument("no standard input");
    IstreamSource src(*job.stdin_stream, "standard input");
    EHSM_ASSIGN_OR_RETURN(auto d, StreamDecryptor::Open(src, job.format));
    p.path = p.name = "standard input";
    p.info = d->info();
    EHSM_RETURN_IF_ERROR(dec.ResolveKey(p, std::nullopt));
    std::unique_ptr<AtomicFile> file;
    std::unique_ptr<OstreamSink> sink;
    if (job.out == "-") {
      sink = std::make_unique<OstreamSink>(*job.stdout_stream);
    } else {
      EHSM_ASSIGN_OR_RETURN(file, AtomicFile::Create(job.out));
      sink = std::make_unique<OstreamSink>(file->stream());
    }
    if (p.info.format != Format::kEmpty) {
      auto r = d->Run(*p.key.text, job.stream, sink.get(), job.progress);
      if (!r.ok() && job.out == "-") {
        return Error::Local(r.error().message() +
                            " (the output already written to standard output is untrusted)");
      }
      EHSM_RETURN_IF_ERROR(r);
      p.result = std::move(*r);
    }
    if (file) EHSM_RETURN_IF_ERROR(file->Commit());
    summary.parts.push_back(Report(p, job.out));
    summary.warnings = keys.warnings();
    return summary;
  }

  EHSM_ASSIGN_OR_RETURN(p, dec.Scan(job.in, BaseName(job.in)));
  // A part inside a Spark folder: its .meta holds the EDK when the header does not.
  auto meta = ReadMeta(DirName(job.in));
  if (meta.ok()) summary.meta_edk = *meta;
  EHSM_RETURN_IF_ERROR(dec.ResolveKey(p, summary.meta_edk));
  const bool two_passes = dec.verify_first() && HasMac(p.info.format);
  if (job.on_total) job.on_total(p.size * (two_passes ? 2 : 1));
  if (two_passes) EHSM_RETURN_IF_ERROR(dec.Pass(p, nullptr));
  if (job.out == "-") {
    OstreamSink sink(*job.stdout_stream);
    auto r = dec.Pass(p, &sink);
    if (!r.ok()) {
      return Error::Local(r.error().message() +
                          " (the output already written to standard output is untrusted)");
    }
  } else {
    EHSM_ASSIGN_OR_RETURN(auto file, AtomicFile::Create(job.out));
    OstreamSink sink(file->stream());
    EHSM_RETURN_IF_ERROR(dec.Pass(p, &sink));
    EHSM_RETURN_IF_ERROR(file->Commit());
  }
  summary.parts.push_back(Report(p, job.out));
  summary.warnings = keys.warnings();
  summary.distinct_edks = p.key.edk.empty() && p.info.edk.empty() ? 0 : 1;
  return summary;
}

// Which files of a listed folder are parts, read from their headers.
Result<std::vector<Part>> ScanFolder(const DecryptJob& job, Decryptor& dec,
                                     const FolderListing& listing, DecryptSummary& summary) {
  std::vector<Part> parts;
  std::set<std::string> out_names;
  for (const FolderFile& f : listing.files) {
    std::string path = JoinPath(job.in, f.name);
    bool named = EndsWith(f.name, ".cbc");
    auto p = dec.Scan(path, f.name);
    if (!p.ok()) {
      if (named || job.format != FormatChoice::kAuto) return p.error();
      summary.skipped.push_back(f.name + ": not encrypted in a recognised format");
      continue;
    }
    if (!out_names.insert(p->out_name).second) {
      return Error::Local(path + ": decrypts to the same name as another part (" + p->out_name +
                          ")");
    }
    parts.push_back(std::move(*p));
  }
  if (parts.empty()) return Error::Local(job.in + ": no encrypted parts found");
  return parts;
}

Result<DecryptSummary> DecryptFolder(const DecryptJob& job, KeyResolver& keys) {
  Decryptor dec(job, keys);
  DecryptSummary summary;
  summary.folder = true;
  EHSM_ASSIGN_OR_RETURN(FolderListing listing, ListFolder(job.in));
  EHSM_ASSIGN_OR_RETURN(summary.meta_edk, ReadMeta(job.in));
  EHSM_ASSIGN_OR_RETURN(std::vector<Part> parts, ScanFolder(job, dec, listing, summary));

  // Keys first, on this thread: one unwrap per distinct EDK.
  std::set<std::string> edks;
  uint64_t total = 0;
  bool two_passes = dec.verify_first();
  for (Part& p : parts) {
    EHSM_RETURN_IF_ERROR(dec.ResolveKey(p, summary.meta_edk));
    // The EDKs the parts carry (or were read with), whether or not they had to be unwrapped.
    const std::string& edk = !p.key.edk.empty() ? p.key.edk : p.info.edk;
    if (!edk.empty()) edks.insert(edk);
    total += p.size * (two_passes && HasMac(p.info.format) ? 2 : 1);
  }
  summary.distinct_edks = edks.size();
  if (job.on_total) job.on_total(total);

  if (two_passes) {
    auto errors = internal::ParallelFor(parts.size(), job.jobs, false, [&](size_t i) {
      return HasMac(parts[i].info.format) ? dec.Pass(parts[i], nullptr) : Result<void>();
    });
    if (!errors.empty()) return Combine(errors, "verification; nothing was written");
  }

  const std::string concat = !job.concat.empty() ? job.concat : job.out == "-" ? "-" : "";
  if (!concat.empty()) {
    std::unique_ptr<AtomicFile> file;
    std::unique_ptr<OstreamSink> out;
    if (concat == "-") {
      out = std::make_unique<OstreamSink>(*job.stdout_stream);
    } else {
      EHSM_ASSIGN_OR_RETURN(file, AtomicFile::Create(concat));
      out = std::make_unique<OstreamSink>(file->stream());
    }
    internal::ConcatSink sink(*out, job.csv_header);
    for (Part& p : parts) {
      sink.StartPart();
      auto r = dec.Pass(p, &sink);
      if (r.ok()) r = sink.EndPart();
      if (!r.ok() && concat == "-") {
        return Error::Local(r.error().message() +
                            " (the output already written to standard output is untrusted)");
      }
      EHSM_RETURN_IF_ERROR(r);
      summary.parts.push_back(Report(p, concat));
    }
    if (file) EHSM_RETURN_IF_ERROR(file->Commit());
  } else {
    EHSM_ASSIGN_OR_RETURN(auto staging, StagingFolder::Create(job.out, job.force));
    auto errors =
        internal::ParallelFor(parts.size(), job.jobs, true, [&](size_t i) -> Result<void> {
          Part& p = parts[i];
          std::string path = JoinPath(staging->path(), p.out_name);
          if (p.info.format == Format::kEmpty) return WriteEmptyFile(path);
          EHSM_ASSIGN_OR_RETURN(auto file, AtomicFile::Create(path));
          OstreamSink sink(file->stream());
          EHSM_RETURN_IF_ERROR(dec.Pass(p, &sink));
          return file->Commit();
        });
    if (!errors.empty()) return Combine(errors, "decryption; nothing was written");
    if (listing.has_success) {
      EHSM_RETURN_IF_ERROR(WriteEmptyFile(JoinPath(staging->path(), kSuccessFile)));
      summary.success_copied = true;
    }
    EHSM_RETURN_IF_ERROR(staging->Commit());
    for (const Part& p : parts) summary.parts.push_back(Report(p, p.out_name));
  }
  summary.warnings = keys.warnings();
  return summary;
}

}  // namespace

Result<DecryptSummary> RunDecrypt(const DecryptJob& job, KeyResolver& keys) {
  const bool folder = job.in != "-" && IsDirectory(job.in);
  if (job.out.empty() == job.concat.empty()) {
    return Error::InvalidArgument("give either OUT or --concat FILE");
  }
  if (!job.concat.empty() && !folder) return Error::InvalidArgument("--concat needs a folder");
  if (job.csv_header && job.concat.empty() && !(folder && job.out == "-")) {
    return Error::InvalidArgument("--csv-header goes with --concat");
  }
  if ((job.out == "-" || job.concat == "-") && job.stdout_stream == nullptr) {
    return Error::InvalidArgument("no standard output");
  }
  return folder ? DecryptFolder(job, keys) : DecryptSingle(job, keys);
}

}  // namespace kms::bigdl
