#pragma once
// OpenSslError: a Status for a failed OpenSSL call, `what` followed by the library's first
// queued error (which names no key material), with the queue cleared so later calls start clean.

#include <openssl/err.h>

#include <string>

#include "common/status.h"

namespace kms::crypto {

inline Status OpenSslError(std::string what) {
  unsigned long err = ERR_get_error();  // NOLINT(runtime/int): OpenSSL's type
  if (err != 0) {
    char buf[256];
    ERR_error_string_n(err, buf, sizeof(buf));
    what += ": ";
    what += buf;
  }
  ERR_clear_error();
  return Status::Internal(std::move(what));
}

}  // namespace kms::crypto
