#include "kms/bigdl/key_resolver.h"

#include <algorithm>

#include "kms/bigdl/data_key.h"

namespace kms::bigdl {
namespace {

// The formats that slice the key text (the others decode it and check lengths themselves).
bool SlicesText(Format f) { return f == Format::kG3 || f == Format::kG2 || f == Format::kG1; }

}  // namespace

Error WithName(const Error& e, const std::string& name) {
  if (e.message().rfind(name, 0) == 0) return e;
  return Error(e.kind(), e.code(), name + ": " + e.message());
}

void KeyResolver::Warn(std::string w) {
  if (std::find(warnings_.begin(), warnings_.end(), w) == warnings_.end()) {
    warnings_.push_back(std::move(w));
  }
}

Result<const SecretBytes*> KeyResolver::Unwrap(const std::string& edk) {
  auto it = unwrapped_.find(edk);
  if (it != unwrapped_.end()) return &it->second;
  if (!holder_) {
    EHSM_ASSIGN_OR_RETURN(holder_, make_holder_());
  }
  ++unwrap_calls_;
  EHSM_ASSIGN_OR_RETURN(SecretBytes text, holder_->Unwrap(edk));
  return &unwrapped_.emplace(edk, std::move(text)).first->second;
}

Result<void> KeyResolver::CheckText(const SecretBytes& text, Format format) {
  if (!SlicesText(format)) return {};
  std::string warning;
  EHSM_RETURN_IF_ERROR(CheckDataKeyText(text, sources_.allow_short_key, &warning));
  if (!warning.empty()) Warn(warning);
  return {};
}

Result<KeyResolver::Resolved> KeyResolver::Resolve(const std::string& name, Format format,
                                                   const std::string& header_edk,
                                                   const std::optional<std::string>& meta_edk) {
  Resolved r;
  auto finish = [&](const SecretBytes* text, std::string source,
                    std::string edk) -> Result<Resolved> {
    auto checked = CheckText(*text, format);
    if (!checked.ok()) return WithName(checked.error(), name);
    r.text = text;
    r.source = std::move(source);
    r.edk = std::move(edk);
    return r;
  };
  auto unwrap = [&](const std::string& edk, std::string source) -> Result<Resolved> {
    auto text = Unwrap(edk);
    if (!text.ok()) return WithName(text.error(), name);
    return finish(*text, std::move(source), edk);
  };

  if (sources_.data_key_text) return finish(&*sources_.data_key_text, "--data-key-plaintext", "");
  if (!header_edk.empty()) {
    if (meta_edk && !meta_edk->empty() && *meta_edk != header_edk) {
      Warn(name +
           ": the header EDK differs from the folder's .meta (BigDL's append mode "
           "overwrites .meta); using the header's");
    }
    return unwrap(header_edk, "header EDK");
  }
  if (meta_edk && !meta_edk->empty()) return unwrap(*meta_edk, ".meta EDK");
  if (sources_.data_key_file_edk) return unwrap(*sources_.data_key_file_edk, "--data-key-file");
  if (format == Format::kNative && meta_edk && sources_.local_primary_key) {
    return finish(&*sources_.local_primary_key, "local primary key (native format)", "");
  }
  return Error::InvalidArgument(
      name + ": no data key: the file carries no EDK" +
      std::string(meta_edk ? " and .meta's is empty" : " and there is no .meta") +
      "; pass --data-key-file FILE or --data-key-plaintext TEXT");
}

}  // namespace kms::bigdl
