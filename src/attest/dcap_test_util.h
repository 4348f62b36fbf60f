#pragma once
// The real DCAP vectors of test/vectors/dcap (see its README.md) for the attest tests.

#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>

#include "attest/cert_chain.h"
#include "attest/collateral.h"
#include "attest/intel_root_ca.h"
#include "common/bytes.h"

namespace kms::attest::testing {

inline std::string VectorPath(const std::string& name) {
  return std::string(KMS_TEST_DATA_DIR) + "/dcap/" + name;
}

inline std::string ReadVector(const std::string& name) {
  std::ifstream in(VectorPath(name), std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read " << VectorPath(name);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline Bytes QuoteBytes(const std::string& name) { return ToBytes(ReadVector(name)); }

inline Collateral LoadCollateral(const std::string& quote_name) {
  auto c = ParseCollateralJson(ReadVector(quote_name + "_collateral.json"));
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return c.ok() ? *c : Collateral{};
}

inline crypto::OsslPtr<X509> IntelRoot() {
  return std::move(CertFromDer(IntelSgxRootCaDer())).value();
}

// One vector: quote file, a time inside its collateral window, and that window in Unix seconds
// (README.md): [latest issueDate/thisUpdate, earliest nextUpdate). The end is exclusive, as
// OpenSSL treats a CRL's nextUpdate and a certificate's notAfter.
struct Vector {
  const char* name;
  int64_t at;
  int64_t window_start, window_end;
};

inline constexpr Vector kSgx{"sgx_quote", 1751328000, 1750330571, 1752919278};
inline constexpr Vector kTdx{"tdx_quote", 1751328000, 1750329147, 1752919235};
inline constexpr Vector kTdxOutdated{"tdx_quote_outdated", 1772323200, 1771412331, 1774003275};

}  // namespace kms::attest::testing
