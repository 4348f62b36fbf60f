#pragma once
// KmsServer: wires one ehsm-kms process together from its configuration — store, TEE platform,
// domain key, vault, service, HTTPS listener — and takes it down again in order.

#include <memory>

#include "common/status.h"
#include "server/config.h"

namespace kms::server {

class KmsServer {
 public:
  // Starts everything; on failure nothing is left running and the Status says what is wrong.
  static StatusOr<std::unique_ptr<KmsServer>> Start(const KmsConfig& config);
  virtual ~KmsServer() = default;

  virtual uint16_t port() const = 0;
  // Stops accepting, finishes in-flight requests (up to grace_ms), closes the store.
  virtual void Stop(int grace_ms) = 0;
};

}  // namespace kms::server
