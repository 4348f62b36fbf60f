// ParseTarget and IsEhsmPath: what path and action a request target names, for well-formed,
// odd and oversized targets.

#include "api/route.h"

#include <gtest/gtest.h>

#include <string>

namespace kms::api {
namespace {

TEST(ParseTarget, SplitsThePathFromTheActionParameter) {
  Route r = ParseTarget("/ehsm?Action=Encrypt");
  EXPECT_EQ(r.path, "/ehsm");
  EXPECT_EQ(r.action, "Encrypt");
}

TEST(ParseTarget, TargetWithoutQueryHasNoAction) {
  Route r = ParseTarget("/ehsm/");
  EXPECT_EQ(r.path, "/ehsm/");
  EXPECT_EQ(r.action, "");
}

TEST(ParseTarget, EmptyTargetAndEmptyQuery) {
  EXPECT_EQ(ParseTarget("").path, "");
  EXPECT_EQ(ParseTarget("").action, "");
  Route r = ParseTarget("/ehsm?");
  EXPECT_EQ(r.path, "/ehsm");
  EXPECT_EQ(r.action, "");
}

TEST(ParseTarget, TheActionIsFoundAmongOtherParameters) {
  Route r = ParseTarget("/ehsm?x=1&Action=Decrypt&y=2");
  EXPECT_EQ(r.path, "/ehsm");
  EXPECT_EQ(r.action, "Decrypt");
}

TEST(ParseTarget, TheFirstNonEmptyActionWins) {
  EXPECT_EQ(ParseTarget("/ehsm?Action=Encrypt&Action=Decrypt").action, "Encrypt");
  EXPECT_EQ(ParseTarget("/ehsm?Action=&Action=Decrypt").action, "Decrypt");
  EXPECT_EQ(ParseTarget("/ehsm?Action&Action=Decrypt").action, "Decrypt");
}

TEST(ParseTarget, ParameterNamesAreCaseSensitive) {
  EXPECT_EQ(ParseTarget("/ehsm?action=Encrypt").action, "");
  EXPECT_EQ(ParseTarget("/ehsm?ACTION=Encrypt").action, "");
  EXPECT_EQ(ParseTarget("/ehsm?Actions=Encrypt").action, "");
}

TEST(ParseTarget, ActionWithoutValueIsEmpty) {
  EXPECT_EQ(ParseTarget("/ehsm?Action").action, "");
  EXPECT_EQ(ParseTarget("/ehsm?Action=").action, "");
}

TEST(ParseTarget, OnlyTheFirstEqualsSignSplitsAPair) {
  EXPECT_EQ(ParseTarget("/ehsm?Action=a=b").action, "a=b");
}

TEST(ParseTarget, NameAndValueArePercentDecoded) {
  EXPECT_EQ(ParseTarget("/ehsm?%41ction=%45ncrypt").action, "Encrypt");
  EXPECT_EQ(ParseTarget("/ehsm?Action=a%2fb%2Fc").action, "a/b/c");
  EXPECT_EQ(ParseTarget("/ehsm?Action=a+b").action, "a b");
  EXPECT_EQ(ParseTarget("/ehsm?Action=%26").action, "&");
}

TEST(ParseTarget, AnEncodedSeparatorDoesNotSplitTheQuery) {
  Route r = ParseTarget("/ehsm?Action=Encrypt%26Action%3DDecrypt");
  EXPECT_EQ(r.action, "Encrypt&Action=Decrypt");
}

TEST(ParseTarget, MalformedEscapesAreKeptAsSent) {
  EXPECT_EQ(ParseTarget("/ehsm?Action=%").action, "%");
  EXPECT_EQ(ParseTarget("/ehsm?Action=%4").action, "%4");
  EXPECT_EQ(ParseTarget("/ehsm?Action=%zz").action, "%zz");
  EXPECT_EQ(ParseTarget("/ehsm?Action=%4g1").action, "%4g1");
  EXPECT_EQ(ParseTarget("/ehsm?Action=a%41").action, "aA");
}

TEST(ParseTarget, ANulByteIsDecodedNotATerminator) {
  Route r = ParseTarget("/ehsm?Action=Encrypt%00x");
  EXPECT_EQ(r.action, std::string("Encrypt\0x", 9));
}

TEST(ParseTarget, ThePathIsNotDecodedAndStopsAtTheFirstQuestionMark) {
  Route r = ParseTarget("/%65hsm?Action=Encrypt?x");
  EXPECT_EQ(r.path, "/%65hsm");
  EXPECT_EQ(r.action, "Encrypt?x");
}

TEST(ParseTarget, EmptyPairsAreSkipped) {
  EXPECT_EQ(ParseTarget("/ehsm?&&Action=Sign&&").action, "Sign");
}

TEST(ParseTarget, OversizedTargetsAreParsedWhole) {
  const std::string filler(1 << 20, 'x');
  Route r = ParseTarget("/ehsm?" + filler + "=1&Action=Verify&" + filler);
  EXPECT_EQ(r.path, "/ehsm");
  EXPECT_EQ(r.action, "Verify");
  const std::string long_value(1 << 20, 'A');
  EXPECT_EQ(ParseTarget("/ehsm?Action=" + long_value).action, long_value);
  const std::string many_pairs = [] {
    std::string s;
    for (int i = 0; i < 100000; ++i) s += "&";
    return s;
  }();
  EXPECT_EQ(ParseTarget("/ehsm?" + many_pairs + "Action=Sign").action, "Sign");
}

TEST(IsEhsmPath, MatchesWithOrWithoutTrailingSlashInAnyCase) {
  EXPECT_TRUE(IsEhsmPath("/ehsm"));
  EXPECT_TRUE(IsEhsmPath("/ehsm/"));
  EXPECT_TRUE(IsEhsmPath("/EHSM"));
  EXPECT_TRUE(IsEhsmPath("/eHsM/"));
}

TEST(IsEhsmPath, RefusesEverythingElse) {
  EXPECT_FALSE(IsEhsmPath(""));
  EXPECT_FALSE(IsEhsmPath("/"));
  EXPECT_FALSE(IsEhsmPath("ehsm"));
  EXPECT_FALSE(IsEhsmPath("/ehsm//"));
  EXPECT_FALSE(IsEhsmPath("/ehs"));
  EXPECT_FALSE(IsEhsmPath("/ehsmx"));
  EXPECT_FALSE(IsEhsmPath("/ehsm/x"));
  EXPECT_FALSE(IsEhsmPath("//ehsm"));
  EXPECT_FALSE(IsEhsmPath("/%65hsm"));
  EXPECT_FALSE(IsEhsmPath(std::string("/ehsm\0", 6)));
  EXPECT_FALSE(IsEhsmPath(std::string(1 << 16, '/')));
}

TEST(IsEhsmPath, HighBytesAreNotFoldedIntoAscii) {
  EXPECT_FALSE(IsEhsmPath("/\xc5hsm"));
  EXPECT_FALSE(IsEhsmPath("/\xe5hsm"));
}

}  // namespace
}  // namespace kms::api
