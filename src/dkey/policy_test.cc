#include "dkey/policy.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace kms::dkey {
namespace {

using ::testing::HasSubstr;

const std::string kSigner(64, 'a');
const std::string kOtherSigner(64, 'b');
const std::string kEnclave(64, 'c');
const std::string kOtherEnclave(64, 'd');

attest::QuoteIdentity Identity(const std::string& signer = kSigner,
                               const std::string& enclave = kEnclave) {
  attest::QuoteIdentity id;
  id.tee = "sim";
  id.mrsigner = *HexDecode(signer);
  id.mrenclave = *HexDecode(enclave);
  id.isvprodid = 1;
  id.isvsvn = 3;
  return id;
}

Policy MustParse(const std::string& text) {
  auto p = Policy::Parse(text, "policy.toml");
  EXPECT_TRUE(p.ok()) << p.status().message();
  return std::move(p).value();
}

std::string ParseError(const std::string& text) {
  auto p = Policy::Parse(text, "policy.toml");
  EXPECT_FALSE(p.ok()) << text;
  if (p.ok()) return "";
  EXPECT_EQ(p.status().code(), Code::kInvalidArgument);
  return p.status().message();
}

std::string Refusal(const Policy& p, Role role, const attest::QuoteIdentity& id) {
  Status s = p.Check(role, id);
  EXPECT_EQ(s.code(), Code::kPermissionDenied) << s.message();
  return s.message();
}

// --- parsing

TEST(PolicyParse, FullFileWithDefaults) {
  Policy p = MustParse("allow_simulation = true\n"
                       "[[dkeyserver]]\n"
                       "mrsigner = \"" + kSigner + "\"\n"
                       "[[dkeycache]]\n"
                       "mrsigner = \"" + kSigner + "\"\n"
                       "mrenclave = \"" + kEnclave + "\"\n"
                       "isvprodid = 7\n"
                       "min_isvsvn = 2\n"
                       "allow_debug = true\n"
                       "[[kms]]\n"
                       "mrsigner = \"" + kSigner + "\"\n"
                       "[[kms]]\n"
                       "mrsigner = \"" + kOtherSigner + "\"\n");
  EXPECT_TRUE(p.allow_simulation());
  ASSERT_EQ(p.rules(Role::kDkeyServer).size(), 1u);
  const IdentityRule& server = p.rules(Role::kDkeyServer)[0];
  EXPECT_EQ(server.mrsigner, *HexDecode(kSigner));
  EXPECT_FALSE(server.mrenclave);
  EXPECT_FALSE(server.isvprodid);
  EXPECT_EQ(server.min_isvsvn, 0);
  EXPECT_FALSE(server.allow_debug);
  EXPECT_EQ(server.line, 2);
  const IdentityRule& cache = p.rules(Role::kDkeyCache)[0];
  EXPECT_EQ(cache.mrenclave, HexDecode(kEnclave));
  EXPECT_EQ(cache.isvprodid, 7);
  EXPECT_EQ(cache.min_isvsvn, 2);
  EXPECT_TRUE(cache.allow_debug);
  EXPECT_EQ(p.rules(Role::kKms).size(), 2u);
  EXPECT_EQ(p.Summary(), "policy=policy.toml allow_simulation=true dkeyserver=1 dkeycache=1 kms=2");
}

TEST(PolicyParse, EmptyFileAllowsNothingAndNoSimulation) {
  Policy p = MustParse("");
  EXPECT_FALSE(p.allow_simulation());
  EXPECT_TRUE(p.rules(Role::kKms).empty());
}

TEST(PolicyParse, UppercaseHexIsAccepted) {
  Policy p = MustParse("[[kms]]\nmrsigner = \"" + std::string(64, 'A') + "\"\n");
  EXPECT_EQ(p.rules(Role::kKms)[0].mrsigner, Bytes(32, 0xaa));
}

TEST(PolicyParse, MissingMrsignerNamesSectionEntryAndKey) {
  EXPECT_EQ(ParseError("[[kms]]\nmrsigner = \"" + kSigner + "\"\n[[kms]]\nisvprodid = 1\n"),
            "policy file policy.toml: [[kms]] entry 2 (line 3): key mrsigner: missing (required "
            "in every entry)");
}

TEST(PolicyParse, BadMeasurements) {
  EXPECT_THAT(ParseError("[[dkeycache]]\nmrsigner = \"abcd\"\n"),
              HasSubstr("[[dkeycache]] entry 1 (line 1): key mrsigner: must be 64 hex digits"));
  EXPECT_THAT(ParseError("[[kms]]\nmrsigner = \"" + std::string(63, 'a') + "g\"\n"),
              HasSubstr("key mrsigner: must be 64 hex digits"));
  EXPECT_THAT(ParseError("[[kms]]\nmrsigner = \"" + kSigner + "00\"\n"),
              HasSubstr("key mrsigner: must be 64 hex digits"));
  EXPECT_THAT(ParseError("[[kms]]\nmrsigner = 5\n"),
              HasSubstr("key mrsigner: must be a string of 64 hex digits"));
  EXPECT_THAT(ParseError("[[kms]]\nmrsigner = \"" + kSigner + "\"\nmrenclave = \"xyz\"\n"),
              HasSubstr("[[kms]] entry 1 (line 1): key mrenclave: must be 64 hex digits"));
}

TEST(PolicyParse, BadNumbersAndBooleans) {
  const std::string head = "[[dkeyserver]]\nmrsigner = \"" + kSigner + "\"\n";
  EXPECT_THAT(ParseError(head + "isvprodid = -1\n"),
              HasSubstr("[[dkeyserver]] entry 1 (line 1): key isvprodid: must be 0..65535, got -1"));
  EXPECT_THAT(ParseError(head + "min_isvsvn = 65536\n"),
              HasSubstr("key min_isvsvn: must be 0..65535, got 65536"));
  EXPECT_THAT(ParseError(head + "min_isvsvn = \"1\"\n"),
              HasSubstr("key min_isvsvn: must be an integer"));
  EXPECT_THAT(ParseError(head + "isvprodid = 1.5\n"), HasSubstr("key isvprodid: must be an integer"));
  EXPECT_THAT(ParseError(head + "allow_debug = \"no\"\n"),
              HasSubstr("key allow_debug: must be true or false"));
  EXPECT_EQ(ParseError("allow_simulation = 1\n"),
            "policy file policy.toml: key allow_simulation: must be true or false");
}

TEST(PolicyParse, UnknownKeysAndSectionsAreErrors) {
  EXPECT_THAT(ParseError("[[kms]]\nmrsigner = \"" + kSigner + "\"\nmrsigne = \"x\"\n"),
              HasSubstr("[[kms]] entry 1 (line 1): key mrsigne: unknown key"));
  EXPECT_THAT(ParseError("[[kmss]]\nmrsigner = \"" + kSigner + "\"\n"),
              HasSubstr("key kmss: unknown key"));
  EXPECT_THAT(ParseError("allow_simulations = true\n"),
              HasSubstr("key allow_simulations: unknown key"));
}

TEST(PolicyParse, SingleTableInsteadOfArrayOfTablesIsAnError) {
  EXPECT_THAT(ParseError("[kms]\nmrsigner = \"" + kSigner + "\"\n"),
              HasSubstr("key kms: must be written [[kms]]"));
  EXPECT_THAT(ParseError("kms = \"x\"\n"), HasSubstr("key kms: must be written [[kms]]"));
}

TEST(PolicyParse, TomlSyntaxErrorGivesTheLine) {
  EXPECT_THAT(ParseError("allow_simulation = true\n[[kms]\n"),
              ::testing::AllOf(HasSubstr("policy file policy.toml: "), HasSubstr("at line 2")));
}

TEST(PolicyLoadFile, ReadsAFileAndNamesAMissingOne) {
  auto dir = std::filesystem::temp_directory_path() / ("policy_test_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "policy.toml").string();
  std::ofstream(path) << "allow_simulation = true\n[[kms]]\nmrsigner = \"" << kSigner << "\"\n";
  auto p = Policy::LoadFile(path);
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_TRUE(p->Check(Role::kKms, Identity()).ok());

  std::ofstream(path) << "[[kms]]\nmrsigner = 1\n";
  auto bad = Policy::LoadFile(path);
  EXPECT_EQ(bad.status().message(),
            "policy file " + path + ": [[kms]] entry 1 (line 1): key mrsigner: must be a string "
            "of 64 hex digits");

  auto missing = Policy::LoadFile((dir / "none.toml").string());
  EXPECT_EQ(missing.status().code(), Code::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("none.toml does not exist"));
  std::filesystem::remove_all(dir);
}

// --- checks

class PolicyCheck : public ::testing::Test {
 protected:
  Policy Rule(const std::string& body, bool allow_simulation = true) {
    return MustParse(std::string("allow_simulation = ") + (allow_simulation ? "true" : "false") +
                     "\n[[kms]]\nmrsigner = \"" + kSigner + "\"\n" + body);
  }
};

TEST_F(PolicyCheck, MatchingSignerIsAllowedWithAnyEnclaveProductAndVersion) {
  Policy p = Rule("");
  attest::QuoteIdentity id = Identity(kSigner, kOtherEnclave);
  id.isvprodid = 999;
  id.isvsvn = 0;
  EXPECT_TRUE(p.Check(Role::kKms, id).ok());
}

TEST_F(PolicyCheck, EveryPinnedFieldThatMatchesIsAllowed) {
  Policy p = Rule("mrenclave = \"" + kEnclave + "\"\nisvprodid = 1\nmin_isvsvn = 3\n");
  EXPECT_TRUE(p.Check(Role::kKms, Identity()).ok());
  attest::QuoteIdentity newer = Identity();
  newer.isvsvn = 4;
  EXPECT_TRUE(p.Check(Role::kKms, newer).ok());
}

TEST_F(PolicyCheck, OtherSignerIsRefusedWithTheReasonAndTheIdentity) {
  Policy p = Rule("");
  EXPECT_EQ(Refusal(p, Role::kKms, Identity(kOtherSigner)),
            "policy policy.toml refuses tee=sim mrsigner=" + kOtherSigner + " mrenclave=" +
                kEnclave + " isvprodid=1 isvsvn=3 debug=false as kms: [[kms]] entry 1 (line 2): "
                "mrsigner is not " + kSigner);
}

TEST_F(PolicyCheck, OtherEnclaveIsRefused) {
  Policy p = Rule("mrenclave = \"" + kEnclave + "\"\n");
  EXPECT_THAT(Refusal(p, Role::kKms, Identity(kSigner, kOtherEnclave)),
              HasSubstr("[[kms]] entry 1 (line 2): mrenclave is not " + kEnclave));
}

TEST_F(PolicyCheck, OtherProductIsRefused) {
  Policy p = Rule("isvprodid = 2\n");
  EXPECT_THAT(Refusal(p, Role::kKms, Identity()), HasSubstr("isvprodid 1 is not 2"));
}

TEST_F(PolicyCheck, OlderVersionIsRefused) {
  Policy p = Rule("min_isvsvn = 4\n");
  EXPECT_THAT(Refusal(p, Role::kKms, Identity()), HasSubstr("isvsvn 3 is below min_isvsvn 4"));
}

TEST_F(PolicyCheck, DebugIdentityNeedsAllowDebug) {
  attest::QuoteIdentity debug = Identity();
  debug.debug = true;
  EXPECT_THAT(Refusal(Rule(""), Role::kKms, debug),
              HasSubstr("debug identity and allow_debug is false"));
  EXPECT_TRUE(Rule("allow_debug = true\n").Check(Role::kKms, debug).ok());
}

TEST_F(PolicyCheck, SimulationNeedsAllowSimulation) {
  Policy p = Rule("", /*allow_simulation=*/false);
  EXPECT_THAT(Refusal(p, Role::kKms, Identity()),
              HasSubstr("a simulated (tee=sim) identity and the policy does not set "
                        "allow_simulation"));
  attest::QuoteIdentity sgx = Identity();
  sgx.tee = "sgx";
  EXPECT_TRUE(p.Check(Role::kKms, sgx).ok());
}

TEST_F(PolicyCheck, TeeWithoutEnclaveIdentityIsRefused) {
  attest::QuoteIdentity tdx = Identity();
  tdx.tee = "tdx";
  EXPECT_THAT(Refusal(Rule(""), Role::kKms, tdx),
              HasSubstr("tee 'tdx' has no enclave identity"));
}

TEST_F(PolicyCheck, RoleWithoutEntriesAllowsNobody) {
  Policy p = Rule("");
  EXPECT_THAT(Refusal(p, Role::kDkeyServer, Identity()),
              HasSubstr("as dkeyserver: the policy has no [[dkeyserver]] entry"));
  EXPECT_THAT(Refusal(p, Role::kDkeyCache, Identity()),
              HasSubstr("the policy has no [[dkeycache]] entry"));
}

TEST_F(PolicyCheck, AnyMatchingEntryAllowsAndARefusalListsEveryEntry) {
  Policy p = MustParse("allow_simulation = true\n"
                       "[[dkeycache]]\nmrsigner = \"" + kOtherSigner + "\"\n"
                       "[[dkeycache]]\nmrsigner = \"" + kSigner + "\"\nmin_isvsvn = 9\n"
                       "[[dkeycache]]\nmrsigner = \"" + kSigner + "\"\nmin_isvsvn = 3\n");
  EXPECT_TRUE(p.Check(Role::kDkeyCache, Identity()).ok());
  attest::QuoteIdentity old = Identity();
  old.isvsvn = 2;
  EXPECT_THAT(Refusal(p, Role::kDkeyCache, old),
              HasSubstr("no [[dkeycache]] entry matches; [[dkeycache]] entry 1 (line 2): "
                        "mrsigner is not " + kOtherSigner +
                        "; [[dkeycache]] entry 2 (line 4): isvsvn 2 is below min_isvsvn 9"
                        "; [[dkeycache]] entry 3 (line 7): isvsvn 2 is below min_isvsvn 3"));
}

TEST_F(PolicyCheck, IdentityWithMissingMeasurementsIsRefused) {
  attest::QuoteIdentity empty;
  empty.tee = "sim";
  EXPECT_THAT(Refusal(Rule(""), Role::kKms, empty), HasSubstr("mrsigner is not " + kSigner));
}

}  // namespace
}  // namespace kms::dkey
