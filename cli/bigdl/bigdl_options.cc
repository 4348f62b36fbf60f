#include "bigdl/bigdl_options.h"

#include <string.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <thread>

#include "io.h"
#include "kms/bigdl/data_key.h"
#include "kms/bigdl/local_primary_key.h"

namespace ehsm_cli::bigdl {
namespace kb = kms::bigdl;
using kms::SecretBytes;
using kms::client::Error;
using kms::client::Result;

namespace {

void TrimLineEnd(std::string& s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
}

// The first line of `path`, without its line end (BigDL's KeyReaderWriter reads it so).
Result<std::string> FirstLine(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return Error::Local("cannot open " + std::string(what) + " " + path + ": " +
                        std::strerror(errno));
  std::string line;
  std::getline(in, line);
  TrimLineEnd(line);
  if (line.empty()) return Error::Local(std::string(what) + " " + path + " is empty");
  return line;
}

// Key text from a literal, @FILE or -, without a trailing line end.
Result<SecretBytes> KeyText(Context& ctx, const std::string& spec) {
  EHSM_ASSIGN_OR_RETURN(SecretBytes raw, ReadInput(spec, LiteralIs::kText, ctx.in));
  size_t n = raw.size();
  while (n > 0 && (raw.data()[n - 1] == '\n' || raw.data()[n - 1] == '\r')) --n;
  raw.Truncate(n);
  return raw;
}

Result<kb::LocalPrimaryKey> LocalKey(Context& ctx, const BigdlArgs& a) {
  EHSM_ASSIGN_OR_RETURN(SecretBytes text, KeyText(ctx, a.primary_key_plaintext));
  return kb::LocalPrimaryKey::Parse(kms::AsChars(text.view()));
}

// A KMS key holder that owns its client.
class OwningKmsHolder final : public kb::KeyHolder {
 public:
  OwningKmsHolder(std::unique_ptr<kms::client::Client> c, std::string keyid)
      : client_(std::move(c)), inner_(kb::NewKmsKeyHolder(*client_, std::move(keyid))) {}
  Result<kb::NewDataKey> Generate() override { return inner_->Generate(); }
  Result<SecretBytes> Unwrap(std::string_view edk) override { return inner_->Unwrap(edk); }
  std::string Describe() const override { return inner_->Describe(); }

 private:
  std::unique_ptr<kms::client::Client> client_;
  std::unique_ptr<kb::KeyHolder> inner_;
};

Result<std::unique_ptr<kb::KeyHolder>> KmsHolder(Context& ctx, const std::string& keyid) {
  EHSM_ASSIGN_OR_RETURN(auto client, ctx.MakeClient(true));
  return std::unique_ptr<kb::KeyHolder>(new OwningKmsHolder(std::move(client), keyid));
}

}  // namespace

void AddCmkOptions(CLI::App& cmd, BigdlArgs& a) {
  cmd.add_option("--keyid", a.keyid, "The KMS CMK (keyid) that wraps the data keys");
  cmd.add_option("--primary-key", a.primary_key_file,
                 "BigDL primary-key file: its first line is the CMK keyid "
                 "(`ehsm bigdl primary-key create` makes one)");
}

void AddOfflineKeyOptions(CLI::App& cmd, BigdlArgs& a, bool reading) {
  cmd.add_option("--data-key-plaintext", a.data_key_plaintext,
                 "The data key itself, as BigDL's base64 text (literal, @FILE or -). Offline; "
                 "a literal is visible in process listings, prefer @FILE");
  cmd.add_option("--primary-key-plaintext", a.primary_key_plaintext,
                 "BigDL local primary key (base64 AES key; literal, @FILE or -): wraps the data "
                 "key into the EDK without a KMS");
  cmd.add_flag("--allow-short-key", a.allow_short_key,
               "Accept data-key text of 16-31 characters (BigDL local primary keys, SimpleKMS); "
               "their AES keys are partly zero");
  if (reading) {
    cmd.add_option("--data-key-file", a.data_key_file,
                   "Legacy BigDL data-key file (EDK on its first line), for files whose header "
                   "and folder carry no EDK");
  }
}

Result<std::string> CmkKeyid(const BigdlArgs& a) {
  if (!a.keyid.empty() && !a.primary_key_file.empty()) {
    return Error::InvalidArgument("give --keyid or --primary-key, not both");
  }
  if (!a.keyid.empty()) return a.keyid;
  if (!a.primary_key_file.empty()) return FirstLine(a.primary_key_file, "primary-key file");
  return std::string();
}

Result<kb::NewDataKey> DataKeyForWriting(Context& ctx, const BigdlArgs& a, kb::Format format,
                                         std::string* warning) {
  EHSM_ASSIGN_OR_RETURN(std::string keyid, CmkKeyid(a));
  int sources = !a.data_key_plaintext.empty() + !a.primary_key_plaintext.empty() + !keyid.empty();
  if (sources > 1) {
    return Error::InvalidArgument(
        "give one key source: --keyid/--primary-key, --primary-key-plaintext or "
        "--data-key-plaintext");
  }
  if (!a.edk.empty() && a.data_key_plaintext.empty()) {
    return Error::InvalidArgument("--edk goes with --data-key-plaintext");
  }
  kb::NewDataKey key;
  if (!a.data_key_plaintext.empty()) {
    EHSM_ASSIGN_OR_RETURN(key.text, KeyText(ctx, a.data_key_plaintext));
    key.edk = a.edk;
    if (key.edk.empty() && format != kb::Format::kFernet && warning != nullptr) {
      *warning =
          "no --edk: the headers and .meta carry no EDK, so readers need the data key "
          "from elsewhere";
    }
  } else if (!a.primary_key_plaintext.empty()) {
    EHSM_ASSIGN_OR_RETURN(kb::LocalPrimaryKey pk, LocalKey(ctx, a));
    if (format == kb::Format::kNative) {
      // BigDL's native writer uses the local primary key itself and records an empty EDK.
      key.text = pk.text().Clone();
    } else {
      EHSM_ASSIGN_OR_RETURN(key, kb::NewLocalKeyHolder(std::move(pk))->Generate());
    }
  } else if (!keyid.empty()) {
    EHSM_ASSIGN_OR_RETURN(auto holder, KmsHolder(ctx, keyid));
    EHSM_ASSIGN_OR_RETURN(key, holder->Generate());
  } else {
    return Error::InvalidArgument(
        "no key: pass --keyid ID or --primary-key FILE (KMS), --primary-key-plaintext B64, or "
        "--data-key-plaintext TEXT --edk EDK");
  }
  // Fail before any output exists when the key cannot serve the format.
  if (format == kb::Format::kG3) {
    std::string w;
    EHSM_RETURN_IF_ERROR(kb::CheckDataKeyText(key.text, a.allow_short_key, &w));
    if (!w.empty() && warning != nullptr) *warning = w;
  } else if (format == kb::Format::kFernet) {
    auto k = kb::DeriveFernetKeys(key.text);
    if (!k.ok()) return Error::InvalidArgument(k.error().message());
  } else if (format == kb::Format::kNative) {
    auto k = kb::DeriveNativeKeys(key.text);
    if (!k.ok()) return Error::InvalidArgument(k.error().message());
  }
  return key;
}

Result<std::unique_ptr<kb::KeyResolver>> KeyResolverFor(Context& ctx, const BigdlArgs& a) {
  EHSM_ASSIGN_OR_RETURN(std::string keyid, CmkKeyid(a));
  if (!keyid.empty() && !a.primary_key_plaintext.empty()) {
    return Error::InvalidArgument(
        "give --keyid/--primary-key (KMS) or --primary-key-plaintext (local), not both");
  }
  kb::KeySources sources;
  sources.allow_short_key = a.allow_short_key;
  if (!a.data_key_plaintext.empty()) {
    EHSM_ASSIGN_OR_RETURN(sources.data_key_text, KeyText(ctx, a.data_key_plaintext));
  }
  if (!a.data_key_file.empty()) {
    EHSM_ASSIGN_OR_RETURN(sources.data_key_file_edk, FirstLine(a.data_key_file, "data-key file"));
  }
  std::shared_ptr<kb::LocalPrimaryKey> local;
  if (!a.primary_key_plaintext.empty()) {
    EHSM_ASSIGN_OR_RETURN(kb::LocalPrimaryKey pk, LocalKey(ctx, a));
    sources.local_primary_key = pk.text().Clone();
    local = std::make_shared<kb::LocalPrimaryKey>(std::move(pk));
  }
  kb::KeyHolderFactory factory = [&ctx, keyid, local]() -> Result<std::unique_ptr<kb::KeyHolder>> {
    if (local) return kb::NewLocalKeyHolder(std::move(*local));
    if (keyid.empty()) {
      return Error::InvalidArgument(
          "the data key is wrapped by the KMS (an EDK), and neither the files nor .meta record "
          "which key wrapped it: pass --keyid ID or --primary-key FILE");
    }
    return KmsHolder(ctx, keyid);
  };
  return std::make_unique<kb::KeyResolver>(std::move(sources), std::move(factory));
}

int Jobs(const BigdlArgs& a) {
  if (a.jobs > 0) return a.jobs;
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

Result<kb::G2Key> G2KeyChoice(const BigdlArgs& a) {
  if (a.g2_key == "auto") return kb::G2Key::kAuto;
  if (a.g2_key == "aes128" || a.g2_key == "g2c") return kb::G2Key::kAes128;
  if (a.g2_key == "aes256" || a.g2_key == "g2b") return kb::G2Key::kAes256;
  return Error::InvalidArgument("--g2-key must be auto, aes128 or aes256");
}

}  // namespace ehsm_cli::bigdl
