#include "scenario.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <chrono>

namespace kms::bench {

std::string_view OpName(Op op) {
  switch (op) {
    case Op::kGetVersion: return "GetVersion";
    case Op::kEncrypt: return "Encrypt";
    case Op::kDecrypt: return "Decrypt";
    case Op::kDataKeyDecrypt: return "GenerateDataKeyWithoutPlaintext+Decrypt";
    case Op::kSignRsa3072: return "Sign(RSA-3072)";
    case Op::kSignEcP256: return "Sign(EC P-256)";
    case Op::kSignSm2: return "Sign(SM2)";
    case Op::kCreateKey: return "CreateKey(AES-256)";
  }
  return "?";
}

const std::vector<ScenarioDef>& Scenarios() {
  static const std::vector<ScenarioDef> kAll = {
      {"getversion", "GetVersion: the stack's ceiling (TLS + HTTP, no crypto, no store)",
       {{Op::kGetVersion, 1}}},
      {"encrypt", "Encrypt 1 KiB, AES-256-GCM", {{Op::kEncrypt, 1}}},
      {"decrypt", "Decrypt 1 KiB, AES-256-GCM", {{Op::kDecrypt, 1}}},
      {"datakey", "GenerateDataKeyWithoutPlaintext (32 B) then Decrypt of its ciphertext",
       {{Op::kDataKeyDecrypt, 1}}},
      {"sign-rsa3072", "Sign a SHA-256 digest, RSA-3072 PKCS#1 v1.5", {{Op::kSignRsa3072, 1}}},
      {"sign-ecp256", "Sign a SHA-256 digest, ECDSA P-256", {{Op::kSignEcP256, 1}}},
      {"sign-sm2", "Sign 32 bytes, SM2 with SM3", {{Op::kSignSm2, 1}}},
      {"createkey", "CreateKey AES-256 (each reply after the key is durable)",
       {{Op::kCreateKey, 1}}},
      {"mixed",
       "45% Encrypt, 30% Decrypt, 15% datakey flow, 4% Sign EC P-256, 1% Sign RSA-3072, "
       "5% GetVersion",
       {{Op::kEncrypt, 45},
        {Op::kDecrypt, 30},
        {Op::kDataKeyDecrypt, 15},
        {Op::kSignEcP256, 4},
        {Op::kSignRsa3072, 1},
        {Op::kGetVersion, 5}}},
  };
  return kAll;
}

const ScenarioDef* FindScenario(std::string_view name) {
  for (const auto& s : Scenarios()) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

bool ReplyOk(const HttpResult& r) {
  return r.transport_ok && r.status == 200 && r.body.starts_with("{\"code\":200,");
}

std::string FindJsonString(std::string_view body, std::string_view name) {
  std::string needle;
  needle.reserve(name.size() + 4);
  needle.append(1, '"').append(name).append("\":\"");
  size_t at = body.find(needle);
  if (at == std::string_view::npos) return "";
  at += needle.size();
  size_t end = body.find('"', at);
  if (end == std::string_view::npos) return "";
  return std::string(body.substr(at, end - at));
}

std::string ReplySummary(const HttpResult& r) {
  if (!r.transport_ok) return "transport: " + r.error;
  boost::system::error_code ec;
  auto v = boost::json::parse(r.body, ec);
  if (ec || !v.is_object()) return "HTTP " + std::to_string(r.status) + " (body is not JSON)";
  const auto& o = v.get_object();
  std::string code = o.contains("code") ? boost::json::serialize(o.at("code")) : "?";
  std::string msg = o.contains("message") && o.at("message").is_string()
                        ? std::string(o.at("message").get_string())
                        : "";
  return code + " " + msg;
}

OpRunner::OpRunner(const Fixture& fixture, RequestSigner& signer, uint64_t seed)
    : fx_(fixture), signer_(signer), rng_(seed) {
  encrypt_ = {{"keyid", ""}, {"plaintext", fx_.plaintext_b64}};
  decrypt_ = {{"ciphertext", ""}, {"keyid", ""}};
  datakey_ = {{"keyid", ""}, {"keylen", "32", true}};
  sign_ = {{"digest_mode", ""}, {"keyid", ""}, {"message", fx_.digest_b64},
           {"message_type", ""}, {"padding_mode", ""}};
  create_ = {{"keyspec", "EH_AES_GCM_256"}, {"origin", "EH_INTERNAL_KEY"}};
}

const std::string& OpRunner::RandomAesKey() {
  return fx_.aes_keys[fx_.aes_keys.size() == 1 ? 0 : rng_() % fx_.aes_keys.size()];
}

WireRequest OpRunner::Signed(std::string_view action, std::vector<Field>& fields) {
  int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  return {true, "/ehsm?Action=" + std::string(action), signer_.Body(fields, now), action};
}

WireRequest OpRunner::Next(Op op) {
  expect_datakey_ = false;
  if (pending_) {
    pending_.reset();
    decrypt_[0].value = datakey_ct_;
    decrypt_[1].value = datakey_keyid_;
    return Signed("Decrypt", decrypt_);
  }
  switch (op) {
    case Op::kGetVersion: return {false, "/ehsm?Action=GetVersion", "", "GetVersion"};
    case Op::kEncrypt:
      encrypt_[0].value = RandomAesKey();
      return Signed("Encrypt", encrypt_);
    case Op::kDecrypt: {
      const auto& [keyid, ct] = fx_.ciphertexts[rng_() % fx_.ciphertexts.size()];
      decrypt_[0].value = ct;
      decrypt_[1].value = keyid;
      return Signed("Decrypt", decrypt_);
    }
    case Op::kDataKeyDecrypt:
      expect_datakey_ = true;
      datakey_keyid_ = RandomAesKey();
      datakey_[0].value = datakey_keyid_;
      return Signed("GenerateDataKeyWithoutPlaintext", datakey_);
    case Op::kSignRsa3072:
    case Op::kSignEcP256:
    case Op::kSignSm2: {
      bool sm2 = op == Op::kSignSm2, rsa = op == Op::kSignRsa3072;
      sign_[0].value = sm2 ? "EH_SM3" : "EH_SHA_256";
      sign_[1].value = fx_.sign_keys.at(op);
      sign_[3].value = sm2 ? "EH_RAW" : "EH_DIGEST";
      sign_[4].value = rsa ? "EH_RSA_PKCS1" : "EH_PAD_NONE";
      return Signed("Sign", sign_);
    }
    case Op::kCreateKey: return Signed("CreateKey", create_);
  }
  return {false, "/ehsm?Action=GetVersion", "", "GetVersion"};
}

bool OpRunner::OnReply(const HttpResult& reply) {
  bool ok = ReplyOk(reply);
  if (expect_datakey_ && ok) {
    datakey_ct_ = FindJsonString(reply.body, "ciphertext");
    if (datakey_ct_.empty()) return false;
    pending_ = Op::kDataKeyDecrypt;
  }
  expect_datakey_ = false;
  return ok;
}

}  // namespace kms::bench
