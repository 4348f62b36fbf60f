// encrypt, decrypt, datakey, sign, verify, asym-encrypt, asym-decrypt, import.

#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include "app.h"
#include "io.h"
#include "kms/byok.h"
#include "kms/encoding.h"
#include "recipient.h"

namespace ehsm_cli {
namespace json = boost::json;
using kms::ByteView;
using kms::SecretBytes;
using kms::client::Error;
using kms::client::Result;

namespace {

struct CryptoArgs {
  std::string keyid, data, in, out, aad, padding, digest, signature, to, material;
  std::string wrapping_spec = "rsa-3072";
  int keylen = 32;
  bool no_plaintext = false;
  bool digest_input = false;
  RecipientArgs recipient;  // decrypt, datakey generate: attestation-gated release
};

// The data argument: --in FILE, else the positional (literal, @FILE or -), else stdin.
Result<SecretBytes> Data(Context& ctx, const CryptoArgs& a, LiteralIs literal) {
  if (!a.in.empty()) return ReadInput("@" + a.in, literal, ctx.in);
  if (!a.data.empty()) return ReadInput(a.data, literal, ctx.in);
  return ReadInput("-", literal, ctx.in);
}

Result<SecretBytes> Aad(Context& ctx, const CryptoArgs& a) {
  if (a.aad.empty()) return SecretBytes();
  return ReadInput(a.aad, LiteralIs::kText, ctx.in);
}

// Ciphertexts, signatures, wrapped keys: base64 on stdout, raw bytes with --out.
int EmitBinary(Context& ctx, const char* field, ByteView data, const std::string& out_path,
               json::object o) {
  if (!out_path.empty()) {
    auto w = WriteOutputFile(out_path, data);
    if (!w.ok()) return ctx.Fail(w.error());
    o["out"] = out_path;
  }
  o[field] = kms::client::Base64Encode(data);
  return ctx.Emit(o, [&](std::ostream& out) {
    if (out_path.empty()) out << o[field].as_string().c_str() << "\n";
  });
}

// Plaintexts: raw bytes on stdout (or --out FILE); base64 in JSON.
int EmitPlain(Context& ctx, const SecretBytes& data, const std::string& out_path) {
  if (!out_path.empty()) {
    auto w = WriteOutputFile(out_path, data.view());
    if (!w.ok()) return ctx.Fail(w.error());
    return ctx.Emit({{"out", out_path}, {"bytes", data.size()}}, [](std::ostream&) {});
  }
  if (ctx.json) {
    std::string b64 = kms::client::Base64Encode(data.view());
    int rc = ctx.Emit({{"plaintext", b64}});
    explicit_bzero(b64.data(), b64.size());
    return rc;
  }
  ctx.out.write(reinterpret_cast<const char*>(data.data()),
                static_cast<std::streamsize>(data.size()));
  ctx.out.flush();
  return ctx.out ? kExitOk : kExitLocal;
}

// Decrypt with a recipient block: the plaintext comes back encrypted to the recipient's key.
Result<SecretBytes> RecipientDecrypt(kms::client::Client& client, const CryptoArgs& a,
                                     ByteView ciphertext, ByteView aad) {
  EHSM_ASSIGN_OR_RETURN(auto recipient, Recipient::New(a.recipient));
  json::object p{{"keyid", a.keyid}, {"ciphertext", kms::client::Base64Encode(ciphertext)}};
  if (!aad.empty()) p["aad"] = kms::client::Base64Encode(aad);
  SecretBytes plaintext;
  EHSM_ASSIGN_OR_RETURN(json::object r,
                        recipient->Call(client, "Decrypt", std::move(p), &plaintext));
  return plaintext;
}

// GenerateDataKey with a recipient block: the wrapped key as usual, the plaintext key
// encrypted to the recipient's key.
Result<kms::client::DataKey> RecipientDataKey(kms::client::Client& client, const CryptoArgs& a,
                                              ByteView aad) {
  if (a.no_plaintext) {
    return Error::InvalidArgument("--recipient-policy and --no-plaintext exclude each other");
  }
  EHSM_ASSIGN_OR_RETURN(auto recipient, Recipient::New(a.recipient));
  json::object p{{"keyid", a.keyid}, {"keylen", a.keylen}};
  if (!aad.empty()) p["aad"] = kms::client::Base64Encode(aad);
  kms::client::DataKey k;
  EHSM_ASSIGN_OR_RETURN(json::object r,
                        recipient->Call(client, "GenerateDataKey", std::move(p), &k.plaintext));
  const json::value* ct = r.if_contains("ciphertext");
  auto wrapped = ct != nullptr && ct->is_string()
                     ? kms::client::Base64Decode(std::string_view(ct->get_string()))
                     : std::nullopt;
  if (!wrapped) return Error::Protocol("reply lacks base64 field `ciphertext`");
  k.ciphertext = std::move(*wrapped);
  return k;
}

void AddDataOptions(CLI::App* c, CryptoArgs& a, const char* data_help) {
  c->add_option("data", a.data, data_help);
  c->add_option("--in,-i", a.in, "Read the input from this file (raw bytes)");
  c->add_option("--out,-o", a.out, "Write the result (raw bytes) to this file, mode 0600");
}

// Fills digest/padding defaults from the key type when the user gave none.
Result<kms::client::SignRequest> SignParams(kms::client::Client& client, const CryptoArgs& a,
                                           SecretBytes message) {
  kms::client::SignRequest req;
  req.keyid = a.keyid;
  req.message.assign(message.view().begin(), message.view().end());
  req.message_type = a.digest_input ? "EH_DIGEST" : "EH_RAW";
  std::string digest = a.digest.empty() ? "" : DigestName(a.digest);
  std::string padding = a.padding.empty() ? "" : PaddingName(a.padding);
  if (!a.digest.empty() && digest.empty()) return Error::InvalidArgument("unknown digest");
  if (!a.padding.empty() && padding.empty()) return Error::InvalidArgument("unknown padding");
  if (digest.empty() || padding.empty()) {
    std::string spec;
    auto keys = client.ListKey();
    if (!keys.ok()) return keys.error();
    for (const auto& k : *keys) {
      if (k.keyid == a.keyid) spec = k.keyspec;
    }
    bool rsa = spec.rfind("EH_RSA", 0) == 0, sm2 = spec == "EH_SM2";
    if (digest.empty()) digest = sm2 ? "EH_SM3" : "EH_SHA_256";
    if (padding.empty()) padding = rsa ? "EH_RSA_PKCS1_PSS" : "EH_PAD_NONE";
  }
  req.digest_mode = digest;
  req.padding_mode = padding;
  return req;
}

void AddSignOptions(CLI::App* c, CryptoArgs& a) {
  c->add_option("--key,-k", a.keyid, "Signing key id")->required();
  c->add_option("--digest", a.digest,
                "sha224|sha256|sha384|sha512|sm3 (default: sm3 for SM2 keys, else sha256)");
  c->add_option("--padding", a.padding,
                "RSA: pss (default) or pkcs1; EC/SM2: none (default)");
  c->add_flag("--digest-input", a.digest_input,
              "The message is already a digest of the chosen algorithm");
}

}  // namespace

void AddCryptoCommands(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<CryptoArgs>();

  CLI::App* enc = app.add_subcommand("encrypt", "Encrypt up to 6 KiB with a symmetric CMK");
  enc->add_option("--key,-k", a->keyid, "Key id (AES-GCM or SM4 CMK)")->required();
  enc->add_option("--aad", a->aad, "Additional authenticated data (text, @FILE)");
  AddDataOptions(enc, *a, "Plaintext: text, @FILE or - (default: stdin)");
  enc->footer("Example:\n  ehsm encrypt --key KEYID 'attack at dawn'\n"
              "  ehsm encrypt --key KEYID --in secret.bin --out secret.ct");
  enc->callback([&ctx, a] {
    ctx.run = [&ctx, a]() -> int {
      auto pt = Data(ctx, *a, LiteralIs::kText);
      if (!pt.ok()) return ctx.Fail(pt.error());
      auto aad = Aad(ctx, *a);
      if (!aad.ok()) return ctx.Fail(aad.error());
      auto client = ctx.MakeClient(true);
      if (!client.ok()) return ctx.Fail(client.error());
      auto ct = (*client)->Encrypt(a->keyid, pt->view(), aad->view());
      if (!ct.ok()) return ctx.Fail(ct.error());
      return EmitBinary(ctx, "ciphertext", *ct, a->out, {{"keyid", a->keyid}});
    };
  });

  CLI::App* dec = app.add_subcommand("decrypt", "Decrypt what `ehsm encrypt` produced");
  dec->add_option("--key,-k", a->keyid, "Key id used to encrypt")->required();
  dec->add_option("--aad", a->aad, "The additional authenticated data used to encrypt");
  AddDataOptions(dec, *a, "Ciphertext: base64, @FILE (raw) or - (raw stdin)");
  AddRecipientOptions(dec, a->recipient);
  dec->footer("Example:\n  ehsm decrypt --key KEYID L2e6d6rF...\n"
              "  ehsm decrypt --key KEYID --in secret.ct --out secret.bin\n"
              "Attestation-gated (sim; docs/attestation.md): the plaintext travels encrypted to\n"
              "an ephemeral key bound into a sim quote:\n"
              "  ehsm decrypt --key KEYID --in secret.ct --recipient-policy POLICYID \\\n"
              "      --sim-platform-secret data/platform.secret");
  dec->callback([&ctx, a] {
    ctx.run = [&ctx, a]() -> int {
      auto ct = Data(ctx, *a, LiteralIs::kBase64);
      if (!ct.ok()) return ctx.Fail(ct.error());
      auto aad = Aad(ctx, *a);
      if (!aad.ok()) return ctx.Fail(aad.error());
      auto client = ctx.MakeClient(true);
      if (!client.ok()) return ctx.Fail(client.error());
      auto pt = a->recipient.requested()
                    ? RecipientDecrypt(**client, *a, ct->view(), aad->view())
                    : (*client)->Decrypt(a->keyid, ct->view(), aad->view());
      if (!pt.ok()) return ctx.Fail(pt.error());
      return EmitPlain(ctx, *pt, a->out);
    };
  });

  CLI::App* dk = app.add_subcommand("datakey", "Generate or export data keys");
  dk->require_subcommand(1);
  CLI::App* gen = dk->add_subcommand("generate", "Generate a data key wrapped by a CMK");
  gen->add_option("--key,-k", a->keyid, "Wrapping CMK (AES-GCM or SM4, internal)")->required();
  gen->add_option("--len", a->keylen, "Key length in bytes")->check(CLI::Range(1, 1024))
      ->capture_default_str();
  gen->add_option("--aad", a->aad, "Additional authenticated data bound into the wrap");
  gen->add_flag("--no-plaintext", a->no_plaintext,
                "Return only the wrapped key (GenerateDataKeyWithoutPlaintext)");
  AddRecipientOptions(gen, a->recipient);
  gen->footer("Example:\n  ehsm datakey generate --key KEYID --len 32\n"
              "  ehsm --json datakey generate --key KEYID --no-plaintext\n"
              "Attestation-gated (sim; docs/attestation.md): the plaintext key travels encrypted\n"
              "to an ephemeral key bound into a sim quote:\n"
              "  ehsm datakey generate --key KEYID --recipient-policy POLICYID \\\n"
              "      --sim-platform-secret data/platform.secret");
  gen->callback([&ctx, a] {
    ctx.run = [&ctx, a]() -> int {
      auto aad = Aad(ctx, *a);
      if (!aad.ok()) return ctx.Fail(aad.error());
      auto client = ctx.MakeClient(true);
      if (!client.ok()) return ctx.Fail(client.error());
      auto k = a->recipient.requested() ? RecipientDataKey(**client, *a, aad->view())
               : a->no_plaintext
                   ? (*client)->GenerateDataKeyWithoutPlaintext(a->keyid, a->keylen, aad->view())
                   : (*client)->GenerateDataKey(a->keyid, a->keylen, aad->view());
      if (!k.ok()) return ctx.Fail(k.error());
      json::object o{{"keyid", a->keyid},
                     {"ciphertext", kms::client::Base64Encode(k->ciphertext)}};
      if (!a->no_plaintext) o["plaintext"] = kms::client::Base64Encode(k->plaintext.view());
      int rc = ctx.Emit(o, [&](std::ostream& out) {
        if (!a->no_plaintext) out << "plaintext: " << o["plaintext"].as_string().c_str() << "\n";
        out << "ciphertext: " << o["ciphertext"].as_string().c_str() << "\n";
      });
      if (auto* p = o.if_contains("plaintext")) {
        auto& s = p->as_string();
        explicit_bzero(s.data(), s.size());
      }
      return rc;
    };
  });

  CLI::App* exp = dk->add_subcommand(
      "export", "Re-wrap a data key under an asymmetric CMK (RSA-OAEP or SM2) for a recipient");
  exp->add_option("--key,-k", a->keyid, "The symmetric CMK that wrapped the data key")
      ->required();
  exp->add_option("--to", a->to, "The asymmetric CMK (encrypt usage) to wrap it for")
      ->required();
  exp->add_option("--aad", a->aad, "The aad used when the data key was generated");
  AddDataOptions(exp, *a, "Wrapped data key: base64, @FILE (raw) or -");
  exp->footer("Example:\n  ehsm datakey export --key AESKEY --to RSAKEY WRAPPED_B64");
  exp->callback([&ctx, a] {
    ctx.run = [&ctx, a]() -> int {
      auto wrapped = Data(ctx, *a, LiteralIs::kBase64);
      if (!wrapped.ok()) return ctx.Fail(wrapped.error());
      auto aad = Aad(ctx, *a);
      if (!aad.ok()) return ctx.Fail(aad.error());
      auto client = ctx.MakeClient(true);
      if (!client.ok()) return ctx.Fail(client.error());
      auto nk = (*client)->ExportDataKey(a->keyid, a->to, wrapped->view(), aad->view());
      if (!nk.ok()) return ctx.Fail(nk.error());
      return EmitBinary(ctx, "newdatakey", *nk, a->out, {{"ukeyid", a->to}});
    };
  });

  CLI::App* sign = app.add_subcommand("sign", "Sign a message with an RSA, EC or SM2 CMK");
  AddSignOptions(sign, *a);
  AddDataOptions(sign, *a, "Message: text, @FILE or - (default: stdin)");
  sign->footer("Example:\n  ehsm sign --key KEYID @contract.pdf --out contract.sig");
  sign->callback([&ctx, a] {
    ctx.run = [&ctx, a]() -> int {
      auto msg = Data(ctx, *a, LiteralIs::kText);
      if (!msg.ok()) return ctx.Fail(msg.error());
      auto client = ctx.MakeClient(true);
      if (!client.ok()) return ctx.Fail(client.error());
      auto req = SignParams(**client, *a, std::move(*msg));
      if (!req.ok()) return ctx.Fail(req.error());
      auto sig = (*client)->Sign(*req);
      if (!sig.ok()) return ctx.Fail(sig.error());
      return EmitBinary(ctx, "signature", *sig, a->out,
                        {{"keyid", a->keyid}, {"digest_mode", req->digest_mode},
                         {"padding_mode", req->padding_mode}});
    };
  });

  CLI::App* verify = app.add_subcommand("verify", "Verify a signature (exit 5 when invalid)");
  AddSignOptions(verify, *a);
  verify->add_option("--signature", a->signature, "Signature: base64 or @FILE (raw)")
      ->required();
  verify->add_option("data", a->data, "Message: text, @FILE or - (default: stdin)");
  verify->add_option("--in,-i", a->in, "Read the message from this file");
  verify->footer(
      "Example:\n  ehsm verify --key KEYID --signature @contract.sig @contract.pdf");
  verify->callback([&ctx, a] {
    ctx.run = [&ctx, a]() -> int {
      auto msg = Data(ctx, *a, LiteralIs::kText);
      if (!msg.ok()) return ctx.Fail(msg.error());
      auto sig = ReadInput(a->signature, LiteralIs::kBase64, ctx.in);
      if (!sig.ok()) return ctx.Fail(sig.error());
      auto client = ctx.MakeClient(true);
      if (!client.ok()) return ctx.Fail(client.error());
      auto req = SignParams(**client, *a, std::move(*msg));
      if (!req.ok()) return ctx.Fail(req.error());
      auto valid = (*client)->Verify(*req, sig->view());
      if (!valid.ok()) return ctx.Fail(valid.error());
      int rc = ctx.Emit({{"keyid", a->keyid}, {"valid", *valid}}, [&](std::ostream& out) {
        out << (*valid ? "signature valid\n" : "signature INVALID\n");
      });
      return rc != kExitOk ? rc : (*valid ? kExitOk : kExitInvalidSignature);
    };
  });

  CLI::App* aenc = app.add_subcommand("asym-encrypt", "Encrypt with an RSA or SM2 CMK");
  aenc->add_option("--key,-k", a->keyid, "Key id (RSA or SM2, encrypt usage)")->required();
  aenc->add_option("--padding", a->padding, "RSA: oaep (default) or pkcs1; ignored for SM2");
  AddDataOptions(aenc, *a, "Plaintext: text, @FILE or - (default: stdin)");
  aenc->footer("Example:\n  ehsm asym-encrypt --key RSAKEY 'short secret'");
  CLI::App* adec = app.add_subcommand("asym-decrypt", "Decrypt with an RSA or SM2 CMK");
  adec->add_option("--key,-k", a->keyid, "Key id")->required();
  adec->add_option("--padding", a->padding, "The padding used to encrypt (default oaep)");
  AddDataOptions(adec, *a, "Ciphertext: base64, @FILE (raw) or -");
  adec->footer("Example:\n  ehsm asym-decrypt --key RSAKEY CIPHERTEXT_B64");
  auto padding_or_oaep = [](const std::string& p) {
    return p.empty() ? std::string("EH_RSA_PKCS1_OAEP") : PaddingName(p);
  };
  aenc->callback([&ctx, a, padding_or_oaep] {
    ctx.run = [&ctx, a, padding_or_oaep]() -> int {
      std::string padding = padding_or_oaep(a->padding);
      if (padding.empty()) return ctx.Fail(Error::InvalidArgument("unknown padding"));
      auto pt = Data(ctx, *a, LiteralIs::kText);
      if (!pt.ok()) return ctx.Fail(pt.error());
      auto client = ctx.MakeClient(true);
      if (!client.ok()) return ctx.Fail(client.error());
      auto ct = (*client)->AsymmetricEncrypt(a->keyid, pt->view(), padding);
      if (!ct.ok()) return ctx.Fail(ct.error());
      return EmitBinary(ctx, "ciphertext", *ct, a->out, {{"keyid", a->keyid}});
    };
  });
  adec->callback([&ctx, a, padding_or_oaep] {
    ctx.run = [&ctx, a, padding_or_oaep]() -> int {
      std::string padding = padding_or_oaep(a->padding);
      if (padding.empty()) return ctx.Fail(Error::InvalidArgument("unknown padding"));
      auto ct = Data(ctx, *a, LiteralIs::kBase64);
      if (!ct.ok()) return ctx.Fail(ct.error());
      auto client = ctx.MakeClient(true);
      if (!client.ok()) return ctx.Fail(client.error());
      auto pt = (*client)->AsymmetricDecrypt(a->keyid, ct->view(), padding);
      if (!pt.ok()) return ctx.Fail(pt.error());
      return EmitPlain(ctx, *pt, a->out);
    };
  });

  CLI::App* imp = app.add_subcommand(
      "import", "Bring your own key: import raw key material into an external CMK");
  imp->add_option("--key,-k", a->keyid,
                  "CMK created with `ehsm key create --origin external`")->required();
  imp->add_option("--material,-m", a->material,
                  "File with the raw key (16, 24 or 32 bytes; not base64)")->required();
  imp->add_option("--padding", a->padding, "Wrapping padding: oaep (default) or pkcs1");
  imp->add_option("--wrapping-spec", a->wrapping_spec,
                  "RSA size of the one-time wrapping key: rsa-2048|rsa-3072|rsa-4096")
      ->capture_default_str();
  imp->footer(
      "Example:\n  head -c 32 /dev/urandom > aes.key\n"
      "  KEY=$(ehsm key create --spec aes-gcm-256 --origin external)\n"
      "  ehsm import --key $KEY --material aes.key && shred -u aes.key");
  imp->callback([&ctx, a, padding_or_oaep] {
    ctx.run = [&ctx, a, padding_or_oaep]() -> int {
      std::string padding = padding_or_oaep(a->padding);
      std::string wrap_spec = KeySpecName(a->wrapping_spec);
      if (padding != "EH_RSA_PKCS1_OAEP" && padding != "EH_RSA_PKCS1") {
        return ctx.Fail(Error::InvalidArgument("padding must be oaep or pkcs1"));
      }
      if (wrap_spec.rfind("EH_RSA_", 0) != 0) {
        return ctx.Fail(Error::InvalidArgument("wrapping spec must be rsa-2048|3072|4096"));
      }
      auto raw = ReadInput("@" + a->material, LiteralIs::kText, ctx.in);
      if (!raw.ok()) return ctx.Fail(raw.error());
      auto client = ctx.MakeClient(true);
      if (!client.ok()) return ctx.Fail(client.error());
      auto params = (*client)->GetParametersForImport(a->keyid, wrap_spec);
      if (!params.ok()) return ctx.Fail(params.error());
      auto wrapped = kms::client::WrapKeyMaterial(params->pubkey_pem, raw->view(), padding);
      if (!wrapped.ok()) return ctx.Fail(wrapped.error());
      auto r = (*client)->ImportKeyMaterial(a->keyid, padding, *wrapped, params->import_token);
      if (!r.ok()) return ctx.Fail(r.error());
      return ctx.Emit({{"keyid", a->keyid}, {"imported", true}}, [&](std::ostream& out) {
        out << "key material imported into " << a->keyid << "\n";
      });
    };
  });
}

}  // namespace ehsm_cli
