#include "kms/bigdl/inspect.h"

#include "kms/bigdl/spark_folder.h"
#include "kms/bigdl/spark_meta.h"

namespace kms::bigdl {
namespace {

void CheckMac(InspectedPart& part, const std::string& path, FormatChoice format, KeyResolver& keys,
              const std::optional<std::string>& meta_edk, const DecryptOptions& options) {
  Format f = part.info.format;
  if (f == Format::kEmpty || f == Format::kParquet) return;
  auto key = keys.Resolve(path, f, part.info.edk, meta_edk);
  if (!key.ok()) {
    part.mac = "not checked: " + key.error().message();
    return;
  }
  part.key_source = key->source;
  auto src = FileSource::Open(path);
  if (!src.ok()) {
    part.mac = "not checked: " + src.error().message();
    return;
  }
  auto d = StreamDecryptor::Open(**src, format);
  if (!d.ok()) {
    part.mac = "not checked: " + d.error().message();
    return;
  }
  DecryptOptions verify = options;
  verify.verify_mac = true;
  auto r = (*d)->Run(*key->text, verify, nullptr);
  if (!r.ok()) {
    part.mac = "mismatch: " + r.error().message();
    return;
  }
  part.resolved_format = r->format;
  part.mac = r->mac == MacStatus::kVerified ? "verified" : "none (the format has no MAC)";
}

InspectedPart InspectFile(const std::string& path, const std::string& name, FormatChoice format) {
  InspectedPart part;
  part.name = name;
  auto src = FileSource::Open(path);
  if (!src.ok()) {
    part.error = src.error().message();
    return part;
  }
  part.size = (*src)->Size().value_or(0);
  auto d = StreamDecryptor::Open(**src, format);
  if (!d.ok()) {
    part.error = d.error().message();
    return part;
  }
  part.info = (*d)->info();
  part.resolved_format = part.info.format;
  return part;
}

}  // namespace

Result<InspectReport> Inspect(const std::string& path, FormatChoice format, KeyResolver* keys,
                              const DecryptOptions& options) {
  InspectReport report;
  std::string dir = path;
  std::vector<std::pair<std::string, std::string>> files;  // path, name
  if (IsDirectory(path)) {
    report.folder = true;
    EHSM_ASSIGN_OR_RETURN(FolderListing listing, ListFolder(path));
    report.hidden = listing.hidden;
    report.has_success = listing.has_success;
    for (const FolderFile& f : listing.files) files.emplace_back(JoinPath(path, f.name), f.name);
  } else {
    dir = DirName(path);
    files.emplace_back(path, BaseName(path));
  }
  auto meta = ReadMeta(dir);
  if (meta.ok()) {
    report.meta_edk = *meta;
  } else {
    report.meta_error = meta.error().message();
  }
  for (const auto& [file, name] : files) {
    InspectedPart part = InspectFile(file, name, format);
    bool is_part = name.size() > 4 && name.substr(name.size() - 4) == ".cbc";
    if (!part.error.empty() && report.folder && !is_part && format == FormatChoice::kAuto) {
      report.other_files.push_back(name);
      continue;
    }
    if (part.error.empty() && keys != nullptr) {
      CheckMac(part, file, format, *keys, report.meta_edk, options);
    }
    report.parts.push_back(std::move(part));
  }
  if (!report.folder && !report.parts.front().error.empty()) {
    return Error::Local(report.parts.front().error);
  }
  return report;
}

}  // namespace kms::bigdl
