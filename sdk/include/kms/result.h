#pragma once
// Error and Result<T>: what every client call returns. An Error says where a failure came from
// (the KMS itself, the HTTP layer, the network, an unreadable reply, or a local check) and, for
// KMS replies, carries the server's `code` and `message` unchanged so callers can match on them.

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace kms::client {

enum class ErrorKind {
  kNone = 0,          // success
  kServer,            // the KMS answered with an envelope whose `code` is not 200
  kHttp,              // an HTTP status other than 200 (e.g. 413 body too large, 404 HTML)
  kTransport,         // connection, TLS or timeout failure; the request may not have arrived
  kProtocol,          // a 200 reply that is not the expected JSON envelope or lacks a field
  kInvalidArgument,   // rejected locally before anything was sent
  kLocal,             // a local failure after or besides the call (file I/O, crypto, tamper)
};

std::string_view ErrorKindName(ErrorKind kind);

class Error {
 public:
  Error() = default;
  // `code`: the envelope code for kServer, the HTTP status for kHttp, the libcurl CURLcode for
  // kTransport, 0 otherwise.
  Error(ErrorKind kind, int code, std::string message)
      : kind_(kind), code_(code), message_(std::move(message)) {}

  static Error Server(int code, std::string m) { return {ErrorKind::kServer, code, std::move(m)}; }
  static Error Http(int status, std::string m) { return {ErrorKind::kHttp, status, std::move(m)}; }
  static Error Transport(int curl_code, std::string m) {
    return {ErrorKind::kTransport, curl_code, std::move(m)};
  }
  static Error Protocol(std::string m) { return {ErrorKind::kProtocol, 0, std::move(m)}; }
  static Error InvalidArgument(std::string m) {
    return {ErrorKind::kInvalidArgument, 0, std::move(m)};
  }
  static Error Local(std::string m) { return {ErrorKind::kLocal, 0, std::move(m)}; }

  bool ok() const { return kind_ == ErrorKind::kNone; }
  ErrorKind kind() const { return kind_; }
  int code() const { return code_; }
  const std::string& message() const { return message_; }
  bool is_transport() const { return kind_ == ErrorKind::kTransport; }
  // "server 400: sign error", "transport 7: Couldn't connect to server", ...
  std::string ToString() const;

 private:
  ErrorKind kind_ = ErrorKind::kNone;
  int code_ = 0;
  std::string message_;
};

// Either a T or a failed Error. Reading the value of a failed Result is a bug (asserts).
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT(runtime/explicit)
  Result(Error error) : v_(std::move(error)) {  // NOLINT(runtime/explicit)
    assert(!std::get<Error>(v_).ok() && "Result built from a successful Error");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Error& error() const {
    static const Error kNoError;
    return ok() ? kNoError : std::get<Error>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Error> v_;
};

// For calls that return nothing but success or an Error.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)) {}  // NOLINT(runtime/explicit)
  bool ok() const { return error_.ok(); }
  const Error& error() const { return error_; }

 private:
  Error error_;
};

}  // namespace kms::client

#define EHSM_CONCAT_INNER_(a, b) a##b
#define EHSM_CONCAT_(a, b) EHSM_CONCAT_INNER_(a, b)

// Returns the Error of `expr` (a Result<...>) from the enclosing function when it failed.
#define EHSM_RETURN_IF_ERROR(expr)                   \
  do {                                               \
    auto&& ehsm_r_ = (expr);                         \
    if (!ehsm_r_.ok()) return ehsm_r_.error();       \
  } while (0)

#define EHSM_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                \
  if (!tmp.ok()) return tmp.error();                \
  lhs = std::move(tmp).value()

// `EHSM_ASSIGN_OR_RETURN(Bytes b, client.Encrypt(...));` declares b, or returns the error.
#define EHSM_ASSIGN_OR_RETURN(lhs, expr) \
  EHSM_ASSIGN_OR_RETURN_IMPL_(EHSM_CONCAT_(ehsm_result_, __LINE__), lhs, expr)
