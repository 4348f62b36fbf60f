#include "net/tls_context.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include "net/self_signed_cert.h"

namespace kms::net {
namespace {

using ::testing::HasSubstr;

TEST(MakeServerTlsContext, AcceptsMatchingPairAndSetsPolicy) {
  auto pems = MakeSelfSignedCert("t", 1);
  ASSERT_TRUE(pems.ok());
  auto ctx = MakeServerTlsContext(pems->cert_pem, pems->key_pem);
  ASSERT_TRUE(ctx.ok()) << ctx.status().ToString();
  SSL_CTX* native = (*ctx)->native_handle();
  EXPECT_EQ(SSL_CTX_get_min_proto_version(native), TLS1_2_VERSION);
  EXPECT_NE(SSL_CTX_get_options(native) & SSL_OP_NO_COMPRESSION, 0u);
  EXPECT_NE(SSL_CTX_get_options(native) & SSL_OP_NO_RENEGOTIATION, 0u);
  EXPECT_NE(SSL_CTX_get_session_cache_mode(native) & SSL_SESS_CACHE_SERVER, 0);
}

TEST(MakeServerTlsContext, RejectsGarbageCertificate) {
  auto pems = MakeSelfSignedCert("t", 1);
  ASSERT_TRUE(pems.ok());
  auto ctx = MakeServerTlsContext("not a pem", pems->key_pem);
  ASSERT_FALSE(ctx.ok());
  EXPECT_EQ(ctx.status().code(), Code::kInvalidArgument);
  EXPECT_THAT(ctx.status().message(), HasSubstr("certificate"));
}

TEST(MakeServerTlsContext, RejectsGarbageKeyWithoutEchoingIt) {
  auto pems = MakeSelfSignedCert("t", 1);
  ASSERT_TRUE(pems.ok());
  auto ctx = MakeServerTlsContext(pems->cert_pem, "SECRET-KEY-TEXT");
  ASSERT_FALSE(ctx.ok());
  EXPECT_THAT(ctx.status().message(), HasSubstr("private key"));
  EXPECT_THAT(ctx.status().message(), ::testing::Not(HasSubstr("SECRET-KEY-TEXT")));
}

TEST(MakeServerTlsContext, RejectsKeyOfAnotherCertificate) {
  auto a = MakeSelfSignedCert("a", 1);
  auto b = MakeSelfSignedCert("b", 1);
  ASSERT_TRUE(a.ok() && b.ok());
  auto ctx = MakeServerTlsContext(a->cert_pem, b->key_pem);
  ASSERT_FALSE(ctx.ok());
  EXPECT_THAT(ctx.status().message(), HasSubstr("does not match"));
}

TEST(MakeServerTlsContext, RejectsEmptyInputs) { EXPECT_FALSE(MakeServerTlsContext("", "").ok()); }

}  // namespace
}  // namespace kms::net
