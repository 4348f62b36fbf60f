// Item names and keys: the PCK certificate query as the API takes it, and its key both ways.

#include "pccs/collateral_item.h"

#include <gtest/gtest.h>

namespace kms::pccs {
namespace {

TEST(PckCertQuery, TakesHexOfIntelsLengthsInEitherCase) {
  const std::string ppid(768, 'A');
  auto q = ParsePckCertQuery(ppid, std::string(32, 'F'), "0B00", "0000");
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_EQ(q->encrypted_ppid, std::string(768, 'a'));
  EXPECT_EQ(q->cpusvn, std::string(32, 'f'));
  EXPECT_EQ(q->pcesvn, "0b00");
  const std::string key = PckCertKey(*q);
  EXPECT_EQ(key, std::string(768, 'a') + "-" + std::string(32, 'f') + "-0b00-0000");
  auto back = PckCertQueryOfKey(key);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(PckCertKey(*back), key);
  // Named without the whole encrypted PPID.
  EXPECT_EQ(Describe(ItemKind::kPckCert, key),
            "PCK certificate pceid 0000 cpusvn " + std::string(32, 'f') +
                " pcesvn 0b00 ppid aaaaaaaa...");
  EXPECT_EQ(KindFromName(KindName(ItemKind::kPckCert)), ItemKind::kPckCert);

  // With a QE id, the key names the platform by it, not by the encrypted PPID.
  auto by_qe = ParsePckCertQuery(ppid, std::string(32, 'F'), "0B00", "0000", std::string(32, 'E'));
  ASSERT_TRUE(by_qe.ok()) << by_qe.status().ToString();
  const std::string qe_key = PckCertKey(*by_qe);
  EXPECT_EQ(qe_key, "qe" + std::string(32, 'e') + "-" + std::string(32, 'f') + "-0b00-0000");
  auto qe_back = PckCertQueryOfKey(qe_key);
  ASSERT_TRUE(qe_back.has_value());
  EXPECT_EQ(qe_back->qeid, std::string(32, 'e'));
  EXPECT_TRUE(qe_back->encrypted_ppid.empty());
  EXPECT_NE(Describe(ItemKind::kPckCert, qe_key).find("qeid " + std::string(32, 'e')),
            std::string::npos);
}

TEST(PckCertQuery, RefusesEveryOtherValueNamingIt) {
  const std::string ppid(768, 'a'), cpusvn(32, '0');
  struct Case {
    std::string ppid, cpusvn, pcesvn, pceid, named;
  } cases[] = {
      {"", cpusvn, "0000", "0000", "encrypted_ppid"},
      {ppid.substr(1), cpusvn, "0000", "0000", "encrypted_ppid"},
      {ppid + "aa", cpusvn, "0000", "0000", "encrypted_ppid"},
      {std::string(767, 'a') + "g", cpusvn, "0000", "0000", "encrypted_ppid"},
      {ppid, cpusvn.substr(2), "0000", "0000", "cpusvn"},
      {ppid, cpusvn, "000", "0000", "pcesvn"},
      {ppid, cpusvn, "0000", "00 0", "pceid"},
  };
  EXPECT_EQ(ParsePckCertQuery(ppid, cpusvn, "0000", "0000", "00").status().code(),
            Code::kInvalidArgument);
  for (const Case& c : cases) {
    auto q = ParsePckCertQuery(c.ppid, c.cpusvn, c.pcesvn, c.pceid);
    EXPECT_EQ(q.status().code(), Code::kInvalidArgument) << c.named;
    EXPECT_EQ(q.status().message().rfind(c.named, 0), 0u) << q.status().message();
  }
  // Keys: only the canonical form.
  EXPECT_FALSE(PckCertQueryOfKey("sgx-00a067110000").has_value());
  EXPECT_FALSE(PckCertQueryOfKey(std::string(768, 'A') + "-" + cpusvn + "-0000-0000"));
  EXPECT_FALSE(PckCertQueryOfKey(ppid + "-" + cpusvn + "-0000-0000-0000"));
}

}  // namespace
}  // namespace kms::pccs
