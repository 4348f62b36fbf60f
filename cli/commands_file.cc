// file encrypt|decrypt|info: envelope encryption of files (docs/file-format.md).

#include <fstream>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include "app.h"
#include "kms/encoding.h"
#include "kms/file_envelope.h"
#include "progress_bar.h"

namespace ehsm_cli {
namespace json = boost::json;
using kms::client::Error;

namespace {

struct FileArgs {
  std::string keyid, in, out;
  uint32_t chunk_kib = kms::client::kDefaultChunkSize / 1024;
};

}  // namespace

void AddFileCommands(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<FileArgs>();
  CLI::App* file = app.add_subcommand(
      "file", "Envelope encryption of files of any size (one data key per file)");
  file->require_subcommand(1);

  CLI::App* enc = file->add_subcommand("encrypt", "Encrypt IN into OUT with a fresh data key");
  enc->add_option("--key,-k", a->keyid, "CMK that wraps the data key (AES-GCM, internal)")
      ->required();
  enc->add_option("in", a->in, "Input file, or - for stdin")->required();
  enc->add_option("out", a->out, "Output file (written atomically, mode 0600)")->required();
  enc->add_option("--chunk-kib", a->chunk_kib, "Chunk size in KiB")
      ->check(CLI::Range(1, 65536))->capture_default_str();
  enc->footer("Example:\n  ehsm file encrypt --key KEYID backup.tar backup.tar.ehsm");
  enc->callback([&ctx, a] {
    ctx.run = [&ctx, a]() -> int {
      auto client = ctx.MakeClient(true);
      if (!client.ok()) return ctx.Fail(client.error());
      kms::client::KmsDataKeySource keys(**client);
      kms::client::EnvelopeOptions o;
      o.chunk_size = a->chunk_kib * 1024;
      o.progress = FileProgressBar(ctx);
      auto r = kms::client::EncryptFile(keys, a->keyid, a->in, a->out, o);
      if (!r.ok()) return ctx.Fail(r.error());
      return ctx.Emit({{"in", a->in}, {"out", a->out}, {"keyid", a->keyid}},
                      [&](std::ostream& out) {
                        if (!ctx.quiet) out << "encrypted " << a->in << " -> " << a->out << "\n";
                      });
    };
  });

  CLI::App* dec = file->add_subcommand(
      "decrypt", "Decrypt IN into OUT; fails without output if anything was altered");
  dec->add_option("in", a->in, "Encrypted file, or - for stdin")->required();
  dec->add_option("out", a->out, "Output file (written atomically, mode 0600)")->required();
  dec->footer("Example:\n  ehsm file decrypt backup.tar.ehsm backup.tar");
  dec->callback([&ctx, a] {
    ctx.run = [&ctx, a]() -> int {
      auto client = ctx.MakeClient(true);
      if (!client.ok()) return ctx.Fail(client.error());
      kms::client::KmsDataKeySource keys(**client);
      kms::client::EnvelopeOptions o;
      o.progress = FileProgressBar(ctx);
      auto r = kms::client::DecryptFile(keys, a->in, a->out, o);
      if (!r.ok()) return ctx.Fail(r.error());
      return ctx.Emit({{"in", a->in}, {"out", a->out}}, [&](std::ostream& out) {
        if (!ctx.quiet) out << "decrypted " << a->in << " -> " << a->out << "\n";
      });
    };
  });

  CLI::App* info = file->add_subcommand("info", "Show the header of an encrypted file (offline)");
  info->add_option("in", a->in, "Encrypted file")->required();
  info->footer("Example:\n  ehsm file info backup.tar.ehsm");
  info->callback([&ctx, a] {
    ctx.run = [&ctx, a]() -> int {
      std::ifstream in(a->in, std::ios::binary);
      if (!in) return ctx.Fail(Error::Local("cannot open " + a->in));
      auto h = kms::client::ReadEnvelopeHeader(in);
      if (!h.ok()) return ctx.Fail(h.error());
      return ctx.Emit({{"version", h->version},
                       {"keyid", h->keyid},
                       {"chunk_size", h->chunk_size},
                       {"wrapped_key", kms::client::Base64Encode(h->wrapped_key)}});
    };
  });
}

}  // namespace ehsm_cli
