#pragma once
// Options shared by the `ehsm bigdl` subcommands and the key plumbing behind them: which CMK
// (--keyid, or BigDL's --primary-key file), offline keys (--data-key-plaintext, --edk,
// --primary-key-plaintext), legacy data-key files.

#include <memory>
#include <string>

#include "app.h"
#include "kms/bigdl/key_holder.h"
#include "kms/bigdl/key_resolver.h"
#include "kms/bigdl/stream_decryptor.h"

namespace CLI {
class App;
}

namespace ehsm_cli::bigdl {

struct BigdlArgs {
  std::string in, out;
  // Which key.
  std::string keyid;
  std::string primary_key_file;
  std::string data_key_plaintext;  // literal, @FILE or -
  std::string edk;
  std::string primary_key_plaintext;  // literal, @FILE or -
  std::string data_key_file;
  bool allow_short_key = false;
  // Shape of the data.
  std::string format;
  bool force = false;
  int jobs = 0;  // 0: one per core
  // encrypt
  bool raw = false;
  uint64_t split_bytes = 0;
  bool csv_header = false;
  // decrypt
  bool no_verify = false;
  bool verify_first = true;
  std::string concat;
  std::string g2_key = "auto";
};

// --keyid / --primary-key.
void AddCmkOptions(CLI::App& cmd, BigdlArgs& a);
// --data-key-plaintext, --primary-key-plaintext, --allow-short-key (and --data-key-file when
// `reading`).
void AddOfflineKeyOptions(CLI::App& cmd, BigdlArgs& a, bool reading);

// The CMK keyid from --keyid or the first line of the --primary-key file; empty when neither.
kms::client::Result<std::string> CmkKeyid(const BigdlArgs& a);

// The data key for writing: --data-key-plaintext (+ --edk), else a new one from the local
// primary key, else from the KMS (GenerateDataKey, keylen 32, aad "test").
kms::client::Result<kms::bigdl::NewDataKey> DataKeyForWriting(Context& ctx, const BigdlArgs& a,
                                                              kms::bigdl::Format format,
                                                              std::string* warning);

// The resolver for reading: offline sources from the options, EDKs unwrapped by the local
// primary key or, on first need, the KMS.
kms::client::Result<std::unique_ptr<kms::bigdl::KeyResolver>> KeyResolverFor(Context& ctx,
                                                                             const BigdlArgs& a);

int Jobs(const BigdlArgs& a);
kms::client::Result<kms::bigdl::G2Key> G2KeyChoice(const BigdlArgs& a);

}  // namespace ehsm_cli::bigdl
