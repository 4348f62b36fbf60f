// bigdl primary-key create | data-key create: the key files BigDL's configuration points at.

#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include "bigdl/bigdl_commands.h"
#include "bigdl/bigdl_options.h"
#include "io.h"
#include "kms/bigdl/data_key.h"
#include "kms/bigdl/key_holder.h"
#include "kms/client.h"
#include "kms/encoding.h"

namespace ehsm_cli::bigdl {
namespace kb = kms::bigdl;
using kms::client::Error;
using kms::client::Result;

namespace {

struct KeyFileArgs {
  BigdlArgs key;
  std::string file;
  bool force = false;
};

// A key file must not silently replace another: the data it protects would be lost.
Result<void> WriteKeyFile(const std::string& path, const std::string& line, bool force) {
  struct stat st;
  if (!force && ::stat(path.c_str(), &st) == 0) {
    return Error::Local(path + " exists; pass --force to replace it");
  }
  return WriteOutputFile(path, kms::AsBytes(line + "\n"));
}

int CreatePrimaryKey(Context& ctx, const KeyFileArgs& a) {
  auto client = ctx.MakeClient(true);
  if (!client.ok()) return ctx.Fail(client.error());
  // BigDL's own request: no keyusage (the KMS then assumes encrypt/decrypt).
  auto keyid = (*client)->CreateKey("EH_AES_GCM_128", "EH_INTERNAL_KEY", "");
  if (!keyid.ok()) return ctx.Fail(keyid.error());
  auto w = WriteKeyFile(a.file, *keyid, a.force);
  if (!w.ok()) return ctx.Fail(w.error());
  return ctx.Emit({{"keyid", *keyid}, {"file", a.file}},
                  [&](std::ostream& out) { out << *keyid << "\n"; });
}

int CreateDataKey(Context& ctx, const KeyFileArgs& a) {
  auto keyid = CmkKeyid(a.key);
  if (!keyid.ok()) return ctx.Fail(keyid.error());
  if (keyid->empty()) {
    return ctx.Fail(Error::InvalidArgument("pass --primary-key FILE or --keyid ID"));
  }
  auto client = ctx.MakeClient(true);
  if (!client.ok()) return ctx.Fail(client.error());
  auto dk = (*client)->GenerateDataKeyWithoutPlaintext(*keyid, kb::kDataKeyBytes, kb::BigdlAad());
  if (!dk.ok()) return ctx.Fail(dk.error());
  std::string edk = kms::client::Base64Encode(dk->ciphertext);
  auto w = WriteKeyFile(a.file, edk, a.force);
  if (!w.ok()) return ctx.Fail(w.error());
  return ctx.Emit({{"keyid", *keyid}, {"file", a.file}, {"edk", edk}}, [&](std::ostream& out) {
    if (!ctx.quiet) out << "wrote the wrapped data key to " << a.file << "\n";
  });
}

}  // namespace

void AddBigdlKeyCommands(CLI::App& bigdl, Context& ctx) {
  auto a = std::make_shared<KeyFileArgs>();
  CLI::App* pk = bigdl.add_subcommand("primary-key", "BigDL primary-key files (a CMK keyid)");
  pk->require_subcommand(1);
  CLI::App* pk_create = pk->add_subcommand(
      "create", "Create a CMK as BigDL does (EH_AES_GCM_128) and write its keyid to FILE");
  pk_create->add_option("file", a->file, "Primary-key file to write (mode 0600)")->required();
  pk_create->add_flag("--force", a->force, "Replace an existing FILE");
  pk_create->footer(
      "Example:\n  ehsm bigdl primary-key create primary.key\n"
      "Spark: spark.bigdl.primaryKey.k.material=primary.key (with .kms.type, .ip, .port, "
      ".appId, .apiKey)");
  pk_create->callback([&ctx, a] { ctx.run = [&ctx, a] { return CreatePrimaryKey(ctx, *a); }; });

  CLI::App* dk = bigdl.add_subcommand("data-key", "Legacy BigDL data-key files (an EDK)");
  dk->require_subcommand(1);
  CLI::App* dk_create = dk->add_subcommand(
      "create", "Generate a data key wrapped by the CMK (keylen 32, aad \"test\") into FILE");
  dk_create->add_option("file", a->file, "Data-key file to write (mode 0600)")->required();
  AddCmkOptions(*dk_create, a->key);
  dk_create->add_flag("--force", a->force, "Replace an existing FILE");
  dk_create->footer("Example:\n  ehsm bigdl data-key create --primary-key primary.key data.key");
  dk_create->callback([&ctx, a] { ctx.run = [&ctx, a] { return CreateDataKey(ctx, *a); }; });
}

}  // namespace ehsm_cli::bigdl
