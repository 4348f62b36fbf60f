#pragma once
// Test upstreams for ehsm-dkeycache, standing in for the dkeyservers:
// - ScriptedUpstream: the test sets what the next Fetch answers (a key, unavailable, denied).
// - FileUpstream: reads the answer from a control file at every Fetch, so a test can steer a
//   dkeycache process: "unavailable", "denied", or the key as 64 hex digits (a missing file is
//   unavailable). The test binary ehsm-dkeycache-test-upstream uses it, with the file named by
//   the environment variable EHSM_DKEYCACHE_TEST_UPSTREAM.

#include <atomic>
#include <mutex>
#include <string>

#include "common/bytes.h"
#include "dkey/dk_upstream.h"

namespace kms::dkey::testing {

inline constexpr char kTestUpstreamEnv[] = "EHSM_DKEYCACHE_TEST_UPSTREAM";

class ScriptedUpstream final : public DkUpstream {
 public:
  // Starts unavailable.
  void Grant(ByteView dk);
  void Unavailable();
  void Deny();
  int fetches() const { return fetches_.load(); }

  StatusOr<FetchedDomainKey> Fetch() override;
  std::string Describe() const override { return "scripted test upstream"; }

 private:
  std::mutex mu_;
  Bytes dk_;             // guarded by mu_; empty: not granting
  bool denied_ = false;  // guarded by mu_
  std::atomic<int> fetches_{0};
};

class FileUpstream final : public DkUpstream {
 public:
  explicit FileUpstream(std::string control_file) : control_file_(std::move(control_file)) {}
  StatusOr<FetchedDomainKey> Fetch() override;
  std::string Describe() const override { return "test upstream " + control_file_; }

 private:
  const std::string control_file_;
};

}  // namespace kms::dkey::testing
