#pragma once
// The behavioural contract of Store (store/store.h) as a parameterised GoogleTest suite that any
// backend can run. It uses the Store interface only.
//
// To run it against a backend, compile store_conformance_test.cc into the backend's test binary
// and instantiate the suite there:
//
//   INSTANTIATE_TEST_SUITE_P(
//       Sqlite, StoreConformanceTest,
//       ::testing::Values(kms::store::StoreBackend{"sqlite", [] { return MakeFreshStore(); }}),
//       kms::store::StoreBackendName);
//
// The factory must return a new, empty store each time it is called (one per test), or null
// when the backend is unreachable, which fails the test.

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "store/store.h"

namespace kms::store {

using StoreFactory = std::function<std::unique_ptr<Store>()>;

struct StoreBackend {
  std::string name;  // used in test names: letters, digits and '_' only
  StoreFactory make;
  // When true, a null store from `make` skips the test (the backend's server is not running)
  // instead of failing it.
  bool skip_when_unavailable = false;
};

// Gives each instantiation a readable name (StoreConformanceTest/Sqlite.CreateKey/sqlite).
std::string StoreBackendName(const ::testing::TestParamInfo<StoreBackend>& info);
// Keeps gtest from dumping the factory's bytes when it prints a parameter.
void PrintTo(const StoreBackend& backend, std::ostream* os);

// Helpers of the suite's source files.
inline ::testing::AssertionResult HasCode(const Status& status, Code code) {
  if (status.code() == code) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "expected " << CodeName(code) << ", got " << status.ToString();
}

#define KMS_ASSERT_STORE_OK(expr)                           \
  do {                                                      \
    ::kms::Status s_ = (expr);                              \
    ASSERT_TRUE(s_.ok()) << #expr << ": " << s_.ToString(); \
  } while (0)

class StoreConformanceTest : public ::testing::TestWithParam<StoreBackend> {
 protected:
  void SetUp() override;

  std::unique_ptr<Store> store_;
};

}  // namespace kms::store
