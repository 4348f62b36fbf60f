// Fetch-through and refresh against a stand-in upstream (a second PCCS on loopback): a miss
// is fetched, verified, stored and served; what does not verify is refused and not stored;
// items are refreshed before their nextUpdate by an injected clock; a failed refresh keeps the
// held item; readers during a refresh see the old or the new item, never anything else.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "attest/pck_cert.h"
#include "attest/pcs_response.h"
#include "attest/quote.h"
#include "common/clock.h"
#include "common/percent_encoding.h"
#include "net/testing/test_https_client.h"
#include "pccs/pccs_test_server.h"
#include "pccs/pck_cert_item.h"

namespace kms::pccs {
namespace {
using namespace kms::pccs::testing;
using namespace kms::attest::testing;
using net::testing::TestHttpsClient;

constexpr int64_t kMs = 1000;

ServiceOptions Through(const std::string& url, const Clock* clock, std::string api_key = "") {
  UpstreamOptions u;
  u.url = url;
  u.api_key = std::move(api_key);
  u.http.insecure = true;  // the stand-in's certificate is self-signed
  auto upstream = UpstreamPcs::New(std::move(u));
  EXPECT_TRUE(upstream.ok());
  ServiceOptions o;
  o.clock = clock;
  o.upstream = std::move(upstream).value();
  o.refresher_poll_ms = 5;
  return o;
}

class FetchThroughTest : public ::testing::Test {
 protected:
  crypto::testing::TempDir up_tmp_, down_tmp_;
  FakeClock clock_{kSgx.at * kMs};
};

TEST_F(FetchThroughTest, AMissIsFetchedVerifiedStoredAndServed) {
  TestPccs upstream(VectorStore(up_tmp_, {"sgx_quote", "tdx_quote"}));
  TestPccs pccs(VectorStore(down_tmp_, {}), Through(upstream.url(), &clock_));
  EXPECT_EQ(pccs.handler().Answer("GET", "/readyz").status, 200);  // an upstream can fill it
  TestHttpsClient client(pccs.port());
  auto r = client.Send("GET", "/sgx/certification/v4/tcb?fmspc=00A067110000", "", "");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->status, 200) << r->body;
  attest::Collateral c = LoadCollateral("sgx_quote");
  EXPECT_EQ(r->body, attest::PcsSignedJsonBody("tcbInfo", c.tcb_info, c.tcb_info_signature));
  EXPECT_EQ(upstream.requests(), 2);  // the root CA CRL first (nothing held), then the item
  // Held now: served without asking again, and kept in the file.
  ASSERT_EQ(client.Send("GET", "/sgx/certification/v4/tcb?fmspc=00A067110000", "", "")->status, 200);
  EXPECT_EQ(client.Send("GET", "/sgx/certification/v4/qe/identity", "", "")->status, 200);
  EXPECT_EQ(upstream.requests(), 3);
  auto reopened = SqliteCollateralStore::Open(down_tmp_.path("pccs.db"));
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ((*reopened)->List()->size(), 3u);  // root CA CRL, TCB info, QE identity
  EXPECT_EQ(pccs.metrics().upstream("ok"), 2);
  // What the upstream lacks is a 404 here too.
  EXPECT_EQ(client.Send("GET", "/sgx/certification/v4/tcb?fmspc=123456789ABC", "", "")->status, 404);
  EXPECT_EQ(pccs.metrics().upstream("not_found"), 1);
  // ... and not asked for again at once.
  const int asked = upstream.requests();
  EXPECT_EQ(client.Send("GET", "/sgx/certification/v4/tcb?fmspc=123456789ABC", "", "")->status, 404);
  EXPECT_EQ(upstream.requests(), asked);
  clock_.Advance(301 * kMs);
  EXPECT_EQ(client.Send("GET", "/sgx/certification/v4/tcb?fmspc=123456789ABC", "", "")->status, 404);
  EXPECT_EQ(upstream.requests(), asked + 1);
}

TEST_F(FetchThroughTest, WhatDoesNotVerifyIsRefusedAndNotStored) {
  TestPccs upstream(VectorStore(up_tmp_, {"sgx_quote"}));
  upstream.set_tamper([](const std::string& target, net::HttpResponse& r) {
    if (target.find("/tcb?") == std::string::npos) return;
    size_t at = r.body.find("\"pceId\":\"");
    if (at != std::string::npos) r.body[at + 9] = r.body[at + 9] == '0' ? '1' : '0';
  });
  TestPccs pccs(VectorStore(down_tmp_, {}), Through(upstream.url(), &clock_));
  TestHttpsClient client(pccs.port());
  auto r = client.Send("GET", "/sgx/certification/v4/tcb?fmspc=00A067110000", "", "");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 503);
  EXPECT_NE(r->body.find("TcbInfoSignatureInvalid"), std::string::npos) << r->body;
  EXPECT_EQ(pccs.service().View()->Find(ItemKind::kTcbInfo, "sgx-00a067110000"), nullptr);
  EXPECT_EQ(pccs.metrics().upstream("refused"), 1);
  // Expired at our clock: refused as well.
  clock_.Set(kSgx.window_end * kMs);
  upstream.set_tamper(nullptr);
  auto late = client.Send("GET", "/sgx/certification/v4/qe/identity", "", "");
  EXPECT_EQ(late->status, 503);
  EXPECT_NE(late->body.find("CollateralExpired"), std::string::npos) << late->body;
}

// The 2025 TDX items held, the 2026 ones upstream: the shared items (TD_QE identity, platform
// PCK CRL) are refreshed; the TCB info of the 2025 FMSPC, which the upstream lacks, is kept.
TEST_F(FetchThroughTest, RefreshBeforeNextUpdateKeepsWhatCannotBeRefreshed) {
  TestPccs upstream(VectorStore(up_tmp_, {"tdx_quote_outdated"}));
  clock_.Set(kTdx.at * kMs);
  TestPccs pccs(VectorStore(down_tmp_, {"tdx_quote"}), Through(upstream.url(), &clock_));
  const auto before = pccs.service().View();
  const CollateralItem* old_qe = before->Find(ItemKind::kEnclaveIdentity, "TD_QE");
  ASSERT_NE(old_qe, nullptr);
  EXPECT_EQ(pccs.service().RefreshDue(), 0);  // nothing is due yet
  EXPECT_EQ(upstream.requests(), 0);

  clock_.Set(kTdxOutdated.at * kMs);  // past every 2025 nextUpdate
  EXPECT_EQ(pccs.service().RefreshDue(), 2);
  const auto after = pccs.service().View();
  const CollateralItem* new_qe = after->Find(ItemKind::kEnclaveIdentity, "TD_QE");
  ASSERT_NE(new_qe, nullptr);
  EXPECT_GT(new_qe->issue_date, old_qe->issue_date);
  EXPECT_EQ(new_qe->body, LoadCollateral("tdx_quote_outdated").qe_identity);
  const CollateralItem* kept = after->Find(ItemKind::kTcbInfo, "tdx-b0c06f000000");
  ASSERT_NE(kept, nullptr);
  EXPECT_EQ(kept->body, LoadCollateral("tdx_quote").tcb_info);
  EXPECT_GE(pccs.metrics().upstream("not_found"), 1);
  // A failed item is not retried on every pass, only after retry_after_s.
  int asked = upstream.requests();
  EXPECT_EQ(pccs.service().RefreshDue(), 0);
  EXPECT_EQ(upstream.requests(), asked);
}

TEST_F(FetchThroughTest, AnUnreachableUpstreamKeepsTheHeldItem) {
  uint16_t gone_port = 0;
  {
    crypto::testing::TempDir tmp;
    TestPccs gone(VectorStore(tmp, {}));
    gone_port = gone.port();
  }
  clock_.Set(kTdx.at * kMs);
  TestPccs pccs(VectorStore(down_tmp_, {"tdx_quote"}),
                Through("https://127.0.0.1:" + std::to_string(gone_port), &clock_));
  clock_.Set(kTdx.window_end * kMs);
  EXPECT_EQ(pccs.service().RefreshDue(), 0);
  EXPECT_GE(pccs.metrics().upstream("unavailable"), 1);
  EXPECT_EQ(pccs.handler().Answer("GET", "/tdx/certification/v4/tcb?fmspc=B0C06F000000").status,
            200);
}

TEST_F(FetchThroughTest, ReadersDuringARefreshSeeTheOldOrTheNewItem) {
  TestPccs upstream(VectorStore(up_tmp_, {"tdx_quote_outdated"}));
  clock_.Set(kTdx.at * kMs);
  TestPccs pccs(VectorStore(down_tmp_, {"tdx_quote"}), Through(upstream.url(), &clock_));
  const std::string target = "/tdx/certification/v4/qe/identity";
  const std::string old_body = pccs.handler().Answer("GET", target).body;
  attest::Collateral next = LoadCollateral("tdx_quote_outdated");
  const std::string new_body =
      attest::PcsSignedJsonBody("enclaveIdentity", next.qe_identity, next.qe_identity_signature);
  ASSERT_NE(old_body, new_body);

  std::atomic<bool> done{false};
  std::atomic<int> bad{0}, saw_new{0}, reads{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&] {
      while (!done.load()) {
        net::HttpResponse r = pccs.handler().Answer("GET", target);
        ++reads;
        if (r.status != 200 || (r.body != old_body && r.body != new_body)) ++bad;
        if (r.body == new_body) ++saw_new;
      }
    });
  }
  // And one reader over HTTPS, as a client sees it.
  std::thread https_reader([&] {
    TestHttpsClient client(pccs.port());
    while (!done.load()) {
      auto r = client.Send("GET", target, "", "");
      if (!r.ok() || r->status != 200 || (r->body != old_body && r->body != new_body)) ++bad;
    }
  });
  clock_.Set(kTdxOutdated.at * kMs);
  pccs.service().StartRefresher();  // the background thread does the refresh
  while (pccs.handler().Answer("GET", target).body != new_body) std::this_thread::yield();
  pccs.service().StopRefresher();
  done = true;
  for (auto& r : readers) r.join();
  https_reader.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_GT(reads.load(), 0);
}

TEST_F(FetchThroughTest, AnImportByAnotherProcessIsServedWithoutARestart) {
  ServiceOptions o;
  o.clock = &clock_;
  o.refresher_poll_ms = 5;
  TestPccs pccs(VectorStore(down_tmp_, {}), std::move(o));
  const std::string target = "/sgx/certification/v4/tcb?fmspc=00A067110000";
  EXPECT_EQ(pccs.handler().Answer("GET", target).status, 404);
  EXPECT_FALSE(pccs.service().ReloadIfChanged());
  {
    auto other = SqliteCollateralStore::Open(down_tmp_.path("pccs.db"));  // as `import` does
    ASSERT_TRUE(other.ok());
    ImportVectors(up_tmp_, **other, {"sgx_quote"});
  }
  pccs.service().StartRefresher();
  while (pccs.handler().Answer("GET", target).status != 200) std::this_thread::yield();
  pccs.service().StopRefresher();
  EXPECT_EQ(pccs.handler().Answer("GET", "/readyz").status, 200);
  EXPECT_FALSE(pccs.service().ReloadIfChanged());
}

// The PCK certificate chain a quote carries (certification data type 5), as the PEM of the
// leaf and the PEM of its issuers (PCK CA, root): what a PCS answers for that platform.
struct PckChain {
  std::string leaf, issuers;
};
PckChain PckChainOf(const std::string& vector) {
  Bytes quote = QuoteBytes(vector);
  auto parsed = attest::ParseQuote(quote);
  EXPECT_TRUE(parsed.ok());
  if (!parsed.ok()) return {};
  EXPECT_EQ(parsed->cert_data_type, attest::kCertDataPckChain);
  std::string pem(AsChars(parsed->cert_data));
  pem = pem.substr(0, pem.find('\0'));  // the QE's trailing NUL
  constexpr std::string_view kEnd = "-----END CERTIFICATE-----\n";
  size_t end = pem.find(kEnd);
  EXPECT_NE(end, std::string::npos);
  return {pem.substr(0, end + kEnd.size()), pem.substr(end + kEnd.size())};
}

// A query of the PCK certificate API, and its target under `api`.
PckCertQuery Query(char ppid_digit, std::string qeid = "") {
  return {std::string(768, ppid_digit), std::string(32, '0'), "0b00", "0000", std::move(qeid)};
}
std::string PckCertTarget(const PckCertQuery& q, std::string_view api = "/sgx/certification/v4") {
  return std::string(api) + "/pckcert?encrypted_ppid=" + q.encrypted_ppid + "&cpusvn=" + q.cpusvn +
         "&pcesvn=" + q.pcesvn + "&pceid=" + q.pceid + (q.qeid.empty() ? "" : "&qeid=" + q.qeid);
}

// The stand-in upstream holding the sgx_quote collateral and, for `q`, the quote's PCK
// certificate (put straight into its store: what an upstream holds is its own business).
std::unique_ptr<CollateralStore> PcsWithPckCert(const crypto::testing::TempDir& tmp,
                                                const PckCertQuery& q) {
  auto store = VectorStore(tmp, {"sgx_quote"});
  PckChain chain = PckChainOf("sgx_quote");
  CollateralItem cert;
  cert.kind = ItemKind::kPckCert;
  cert.key = PckCertKey(q);
  cert.body = chain.leaf;
  cert.issuer_chain = chain.issuers;
  cert.issue_date = 1;
  cert.next_update = 4102444800;  // 2100
  std::vector<CollateralItem> items = {cert};
  EXPECT_TRUE(store->PutAll(items).ok());
  return store;
}

// GET pckcert with an upstream: a miss is fetched (with the CRLs its chain needs), verified
// to the pinned root, cached under its query and served with Intel's headers; then served
// from the cache, on v3 too, and without an upstream.
TEST_F(FetchThroughTest, APckCertificateIsFetchedVerifiedCachedAndServed) {
  const PckCertQuery q = Query('a');
  TestPccs upstream(PcsWithPckCert(up_tmp_, q));
  TestPccs pccs(VectorStore(down_tmp_, {}), Through(upstream.url(), &clock_));
  TestHttpsClient client(pccs.port());
  EXPECT_EQ(pccs.handler().Answer("GET", PckCertTarget(q)).status, 404);  // not held yet
  auto r = client.Send("GET", PckCertTarget(q), "", "");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->status, 200) << r->body;
  PckChain chain = PckChainOf("sgx_quote");
  EXPECT_EQ(r->body, chain.leaf);
  EXPECT_EQ(PercentDecode(r->header("SGX-PCK-Certificate-Issuer-Chain")), chain.issuers);
  EXPECT_EQ(r->header("SGX-FMSPC"), "00A067110000");  // the FMSPC of the vector's TCB info
  auto leaf = attest::ParsePemChain(chain.leaf, 1);
  ASSERT_TRUE(leaf.ok());
  auto ext = attest::ReadPckExtension(*(*leaf)[0]);
  ASSERT_TRUE(ext.ok());
  std::string tcbm = r->header("SGX-TCBm");
  ASSERT_EQ(tcbm.size(), 36u) << tcbm;
  EXPECT_TRUE(EqualsIgnoringCase(tcbm.substr(0, 32), HexEncode(ext->cpusvn))) << tcbm;
  const uint8_t pcesvn_le[] = {static_cast<uint8_t>(ext->pcesvn), static_cast<uint8_t>(ext->pcesvn >> 8)};
  EXPECT_TRUE(EqualsIgnoringCase(tcbm.substr(32), HexEncode(pcesvn_le))) << tcbm;
  const std::string ca = r->header("SGX-PCK-Certificate-CA-Type");
  EXPECT_TRUE(ca == "processor" || ca == "platform") << ca;
  EXPECT_EQ(upstream.requests(), 3);  // root CA CRL, the certificate, its CA's CRL
  // Cached: the same answer without asking again, on v3 too.
  auto again = client.Send("GET", PckCertTarget(q, "/sgx/certification/v3"), "", "");
  ASSERT_EQ(again->status, 200);
  EXPECT_EQ(again->body, r->body);
  EXPECT_EQ(again->header("SGX-TCBm"), tcbm);
  EXPECT_EQ(upstream.requests(), 3);
  auto reopened = SqliteCollateralStore::Open(down_tmp_.path("pccs.db"));
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ((*reopened)->List()->size(), 3u);  // root CA CRL, PCK CRL, the certificate
  // A platform the upstream does not know: 404 here too.
  EXPECT_EQ(client.Send("GET", PckCertTarget(Query('b')), "", "")->status, 404);
  EXPECT_EQ(upstream.requests(), 4);
  // Without an upstream, what is cached is still served, and the rest is 404.
  ServiceOptions offline;
  offline.clock = &clock_;
  TestPccs alone(std::move(reopened).value(), std::move(offline));
  EXPECT_EQ(alone.handler().Answer("GET", PckCertTarget(q)).status, 200);
  TestHttpsClient alone_client(alone.port());
  EXPECT_EQ(alone_client.Send("GET", PckCertTarget(Query('c')), "", "")->status, 404);
}

// With a qeid (as Intel's QPL sends), the certificate is cached by QE id: the platform's next
// request, with a freshly encrypted PPID, is a hit. The upstream gets the four values of
// Intel's PCS API, not the qeid.
TEST_F(FetchThroughTest, APckCertificateIsCachedByQeIdWhenTheQueryHasOne) {
  TestPccs upstream(PcsWithPckCert(up_tmp_, Query('a')));
  std::string forwarded;
  upstream.set_tamper([&](const std::string& target, net::HttpResponse&) {
    if (target.find("/pckcert?") != std::string::npos) forwarded = target;
  });
  TestPccs pccs(VectorStore(down_tmp_, {}), Through(upstream.url(), &clock_));
  TestHttpsClient client(pccs.port());
  const std::string qeid = "00112233445566778899AABBCCDDEEFF";
  auto first = client.Send("GET", PckCertTarget(Query('a', qeid)), "", "");
  ASSERT_EQ(first->status, 200) << first->body;
  EXPECT_EQ(forwarded, PckCertTarget(Query('a')));
  const int asked = upstream.requests();
  auto again = client.Send("GET", PckCertTarget(Query('b', qeid)), "", "");  // re-encrypted
  ASSERT_EQ(again->status, 200) << again->body;
  EXPECT_EQ(again->body, first->body);
  EXPECT_EQ(upstream.requests(), asked);
  // Cached under the canonical (lowercase) QE id, whatever the encrypted PPID.
  EXPECT_NE(pccs.service().View()->Find(
                ItemKind::kPckCert, PckCertKey(Query('z', "00112233445566778899aabbccddeeff"))),
            nullptr);
  // Another QE is another platform: asked for (and here unknown upstream).
  EXPECT_EQ(client.Send("GET", PckCertTarget(Query('b', std::string(32, '1'))), "", "")->status,
            404);
  EXPECT_EQ(upstream.requests(), asked + 1);
  EXPECT_EQ(client.Send("GET", PckCertTarget(Query('a', "00")), "", "")->status, 400);
}

TEST_F(FetchThroughTest, APckCertificateQueryIsCheckedBeforeTheUpstreamIsAsked) {
  const PckCertQuery q = Query('a');
  TestPccs upstream(PcsWithPckCert(up_tmp_, q));
  TestPccs pccs(VectorStore(down_tmp_, {}), Through(upstream.url(), &clock_));
  TestHttpsClient client(pccs.port());
  const std::string good = PckCertTarget(q);
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"cpusvn=" + q.cpusvn, "cpusvn=" + q.cpusvn.substr(1)},     // 31 digits
           {"pcesvn=0b00", "pcesvn=0b000"},                           // 5 digits
           {"pceid=0000", "pceid=00zz"},                               // not hex
           {"encrypted_ppid=a", "encrypted_ppid=g"},                   // not hex
           {"&pceid=0000", ""},                                        // missing
           {"encrypted_ppid=" + q.encrypted_ppid, "encrypted_ppid=aa"}}) {  // short
    std::string bad = good;
    bad.replace(bad.find(from), from.size(), to);
    auto r = client.Send("GET", bad, "", "");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 400) << bad;
  }
  EXPECT_EQ(upstream.requests(), 0);
  // Either case of hex is the same query.
  PckCertQuery upper = q;
  upper.encrypted_ppid = std::string(768, 'A');
  upper.pcesvn = "0B00";
  EXPECT_EQ(client.Send("GET", PckCertTarget(upper), "", "")->status, 200);
}

TEST_F(FetchThroughTest, APckCertificateThatDoesNotVerifyIsRefusedAndNotCached) {
  const PckCertQuery q = Query('a');
  TestPccs upstream(PcsWithPckCert(up_tmp_, q));
  PckChain chain = PckChainOf("sgx_quote");
  // The PCK CA's own certificate as the answer: it chains to the root, but is no PCK cert.
  const std::string ca_pem = chain.issuers.substr(
      0, chain.issuers.find("-----END CERTIFICATE-----\n") + 26);
  upstream.set_tamper([&](const std::string& target, net::HttpResponse& r) {
    if (target.find("/pckcert?") != std::string::npos) r.body = ca_pem;
  });
  TestPccs pccs(VectorStore(down_tmp_, {}), Through(upstream.url(), &clock_));
  TestHttpsClient client(pccs.port());
  auto r = client.Send("GET", PckCertTarget(q), "", "");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 503);
  EXPECT_NE(r->body.find("no SGX extension"), std::string::npos) << r->body;
  EXPECT_EQ(pccs.service().View()->Find(ItemKind::kPckCert, PckCertKey(q)), nullptr);
  // An SGX-FMSPC that is not the certificate's is refused too.
  upstream.set_tamper([](const std::string& target, net::HttpResponse& resp) {
    if (target.find("/pckcert?") == std::string::npos) return;
    for (auto& [name, value] : resp.headers) {
      if (name == "SGX-FMSPC") value = "00A067110001";
    }
  });
  clock_.Advance(301 * kMs);  // past the pause after a failure
  auto mismatched = client.Send("GET", PckCertTarget(q), "", "");
  EXPECT_EQ(mismatched->status, 503);
  EXPECT_NE(mismatched->body.find("SGX-FMSPC"), std::string::npos) << mismatched->body;
  // Expired at our clock (the PCK CRL's window is over, a month after the vector's): refused
  // as well.
  upstream.set_tamper(nullptr);
  clock_.Set((kSgx.window_end + 30 * 86400) * kMs);
  auto late = client.Send("GET", PckCertTarget(q), "", "");
  EXPECT_EQ(late->status, 503);
  EXPECT_NE(late->body.find("Expired"), std::string::npos) << late->body;
  EXPECT_EQ(pccs.service().View()->items().size(), 0u);
  // The encrypted PPID (a platform's identifier) is in no answer.
  EXPECT_EQ(late->body.find(q.encrypted_ppid), std::string::npos) << late->body;
}

// A plain-HTTP listener on loopback that records one request and answers 404.
class RecordingUpstream {
 public:
  RecordingUpstream() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(listen(fd_, 4), 0);
    socklen_t len = sizeof a;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] {
      int c = accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      char buf[4096];
      while (request_.find("\r\n\r\n") == std::string::npos) {
        ssize_t n = read(c, buf, sizeof buf);
        if (n <= 0) break;
        request_.append(buf, static_cast<size_t>(n));
      }
      const char reply[] = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
      (void)!write(c, reply, sizeof reply - 1);
      close(c);
    });
  }
  ~RecordingUpstream() {
    shutdown(fd_, SHUT_RDWR);
    thread_.join();
    close(fd_);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string Request() {
    thread_.join();
    thread_ = std::thread([] {});
    return request_;
  }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
  std::string request_;
  std::thread thread_;
};

TEST_F(FetchThroughTest, TheRootCaCrlCanComeFromItsDistributionPoint) {
  // Intel's PCS has no /rootcacrl; the root CA CRL then comes from another URL (here: the
  // stand-in's, while the upstream proper answers 404 to it).
  TestPccs crl_point(VectorStore(up_tmp_, {"sgx_quote"}, "crl.db"));
  crypto::testing::TempDir pcs_tmp;
  TestPccs pcs(VectorStore(pcs_tmp, {"sgx_quote"}));
  pcs.set_tamper([](const std::string& target, net::HttpResponse& r) {
    if (target.find("/rootcacrl") == std::string::npos) return;
    r.status = 404;
    r.body = "no root CA CRL here\n";
    r.headers.clear();
  });
  ServiceOptions o;
  o.clock = &clock_;
  UpstreamOptions u;
  u.url = pcs.url();
  u.http.insecure = true;
  u.root_ca_crl_url = crl_point.url() + "/sgx/certification/v4/rootcacrl";
  o.upstream = std::move(UpstreamPcs::New(std::move(u))).value();
  TestPccs pccs(VectorStore(down_tmp_, {}), std::move(o));
  EXPECT_EQ(pccs.handler().Answer("GET", "/sgx/certification/v4/tcb?fmspc=00A067110000").status,
            404);  // Answer never fetches
  TestHttpsClient client(pccs.port());
  EXPECT_EQ(client.Send("GET", "/sgx/certification/v4/tcb?fmspc=00A067110000", "", "")->status,
            200);
  EXPECT_EQ(crl_point.requests(), 1);
  EXPECT_EQ(pcs.requests(), 1);  // only the TCB info
}

TEST_F(FetchThroughTest, SendsTheApiKeyAsIntelsPcsWantsIt) {
  RecordingUpstream upstream;
  UpstreamOptions o;
  o.url = upstream.url();
  o.api_key = "k3y-for-pcs";
  auto u = UpstreamPcs::New(std::move(o));
  ASSERT_TRUE(u.ok());
  auto r = (*u)->Fetch(ItemKind::kTcbInfo, "sgx-00a067110000");
  EXPECT_EQ(r.status().code(), Code::kNotFound);
  std::string request = upstream.Request();
  EXPECT_NE(request.find("GET /sgx/certification/v4/tcb?fmspc=00a067110000 HTTP/1.1\r\n"),
            std::string::npos)
      << request;
  EXPECT_NE(request.find("\r\nOcp-Apim-Subscription-Key: k3y-for-pcs\r\n"), std::string::npos)
      << request;
}

}  // namespace
}  // namespace kms::pccs
