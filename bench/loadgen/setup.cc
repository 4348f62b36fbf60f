#include "setup.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <openssl/rand.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <set>

#include "crypto/base64.h"

namespace kms::bench {
namespace {

namespace asio = boost::asio;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string RandomBase64(size_t n) {
  Bytes b(n);
  RAND_bytes(b.data(), static_cast<int>(n));
  return crypto::Base64Encode(b);
}

std::string RandomHex(size_t n) {
  Bytes b(n);
  RAND_bytes(b.data(), static_cast<int>(n));
  return HexEncode(b);
}

struct Caller {
  HttpsConn conn;
  RequestSigner signer;

  asio::awaitable<HttpResult> Call(std::string_view action, std::vector<Field> fields) {
    std::string body = signer.Body(fields, NowMs());
    co_return co_await conn.Send(true, "/ehsm?Action=" + std::string(action), std::move(body));
  }
};

// Runs `fn` as coroutines until all of them finish.
template <typename Fn>
void RunPhase(asio::io_context& io, int n, Fn fn) {
  for (int i = 0; i < n; ++i) asio::co_spawn(io, fn(i), asio::detached);
  io.run();
  io.restart();
}

// Field lists are built outside coroutines: g++ 12 rejects braced initializer lists that
// live across a co_await ("array used as initializer").
std::vector<Field> CreateKeyFields(const char* keyspec, bool sign) {
  std::vector<Field> f = {{"keyspec", keyspec}, {"origin", "EH_INTERNAL_KEY"}};
  if (sign) f.push_back({"keyusage", "EH_KEYUSAGE_SIGN_VERIFY"});
  return f;
}

std::vector<Field> EncryptFields(const std::string& keyid, const std::string& plaintext) {
  return {{"keyid", keyid}, {"plaintext", plaintext}};
}

bool NeedsAes(Op op) {
  return op == Op::kEncrypt || op == Op::kDecrypt || op == Op::kDataKeyDecrypt;
}

struct SignKeySpec {
  Op op;
  const char* keyspec;
};
constexpr SignKeySpec kSignKeys[] = {{Op::kSignRsa3072, "EH_RSA_3072"},
                                     {Op::kSignEcP256, "EH_EC_P256"},
                                     {Op::kSignSm2, "EH_SM2"}};

}  // namespace

SetupResult RunSetup(const asio::ip::tcp::endpoint& server, const ScenarioDef& scenario,
                     const SetupOptions& options, Fixture& fx) {
  SetupResult out;
  asio::io_context io;
  auto tls = MakeClientTls();
  fx.plaintext_b64 = RandomBase64(1024);
  fx.digest_b64 = RandomBase64(32);
  std::string run_tag = RandomHex(4);

  // Credentials.
  if (!options.keys_file.empty()) {
    std::ifstream in(options.keys_file);
    std::getline(in, fx.appid);
    std::getline(in, fx.apikey);
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) fx.aes_keys.push_back(line);
      if (options.keys_file_limit && fx.aes_keys.size() >= options.keys_file_limit) break;
    }
    if (fx.appid.empty() || fx.apikey.empty() || fx.aes_keys.empty()) {
      out.error = "keys file " + options.keys_file + " has no credentials or no keys";
      return out;
    }
  } else {
    HttpsConn conn(io, tls, server);
    HttpResult enrolled;
    RunPhase(io, 1, [&](int) -> asio::awaitable<void> {
      enrolled = co_await conn.Send(false, "/ehsm?Action=Enroll", "");
    });
    if (!ReplyOk(enrolled)) {
      out.error = "Enroll failed: " + ReplySummary(enrolled);
      return out;
    }
    fx.appid = FindJsonString(enrolled.body, "appid");
    fx.apikey = FindJsonString(enrolled.body, "apikey");
  }

  std::set<Op> ops;
  for (const auto& [op, w] : scenario.mix) ops.insert(op);
  bool aes = std::any_of(ops.begin(), ops.end(), NeedsAes);

  // AES keys, created concurrently (each CreateKey waits for its commit).
  if (aes && options.keys_file.empty()) {
    std::atomic<int> left{options.aes_keys};
    std::string error;
    int parallel = std::min(options.parallel, options.aes_keys);
    RunPhase(io, parallel, [&](int i) -> asio::awaitable<void> {
      Caller c{HttpsConn(io, tls, server),
               RequestSigner(fx.appid, fx.apikey, run_tag + "k" + std::to_string(i) + "-")};
      while (left.fetch_sub(1) > 0 && error.empty()) {
        HttpResult r = co_await c.Call("CreateKey", CreateKeyFields("EH_AES_GCM_256", false));
        if (!ReplyOk(r)) {
          error = "CreateKey AES-256 failed: " + ReplySummary(r);
          co_return;
        }
        fx.aes_keys.push_back(FindJsonString(r.body, "keyid"));
      }
    });
    if (!error.empty()) {
      out.error = error;
      return out;
    }
  }

  // Signing keys, sample ciphertexts and one probe per operation.
  Caller c{HttpsConn(io, tls, server), RequestSigner(fx.appid, fx.apikey, run_tag + "s-")};
  std::set<Op> dropped;
  RunPhase(io, 1, [&](int) -> asio::awaitable<void> {
    for (const auto& sk : kSignKeys) {
      if (!ops.contains(sk.op)) continue;
      HttpResult r = co_await c.Call("CreateKey", CreateKeyFields(sk.keyspec, true));
      if (!ReplyOk(r)) {
        out.notes.push_back(std::string(OpName(sk.op)) + " skipped: CreateKey " + sk.keyspec +
                            " answered " + ReplySummary(r));
        dropped.insert(sk.op);
        continue;
      }
      fx.sign_keys[sk.op] = FindJsonString(r.body, "keyid");
    }
    if (aes) {
      size_t n = std::min<size_t>(fx.aes_keys.size(), 16);
      for (size_t i = 0; i < n; ++i) {
        HttpResult r = co_await c.Call("Encrypt", EncryptFields(fx.aes_keys[i], fx.plaintext_b64));
        if (!ReplyOk(r)) {
          out.error = "Encrypt at setup failed: " + ReplySummary(r);
          co_return;
        }
        fx.ciphertexts.emplace_back(fx.aes_keys[i], FindJsonString(r.body, "ciphertext"));
      }
    }
    OpRunner probe(fx, c.signer, 1);
    for (Op op : ops) {
      if (dropped.contains(op)) continue;
      do {
        WireRequest w = probe.Next(op);
        HttpResult r = co_await c.conn.Send(w.post, w.target, std::move(w.body));
        if (!probe.OnReply(r)) {
          std::string why = ReplySummary(r);
          out.notes.push_back(std::string(OpName(op)) + " skipped: " + std::string(w.action) +
                              " answered " + why);
          dropped.insert(op);
          break;
        }
      } while (probe.mid_operation());
    }
  });
  if (!out.error.empty()) return out;
  for (const auto& [op, w] : scenario.mix) {
    if (!dropped.contains(op)) out.mix.emplace_back(op, w);
  }
  out.ok = true;
  return out;
}

}  // namespace kms::bench
