#pragma once
// Status and StatusOr<T>: the one error domain of the code base. Expected failures are values;
// exceptions are reserved for bugs. Codes are semantic; the REST layer maps them to eHSM replies.

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace kms {

enum class Code {
  kOk = 0,
  kInvalidArgument,    // the caller sent something malformed or not allowed
  kNotFound,           // the named object does not exist
  kAlreadyExists,      // a create collided with an existing object
  kFailedPrecondition, // the object exists but is in the wrong state (disabled, wrong type)
  kPermissionDenied,   // authenticated caller may not touch this object
  kUnauthenticated,    // request authentication failed
  kAborted,            // a concurrent update won; retrying may succeed
  kUnavailable,        // a dependency (store, network) is down; retrying later may succeed
  kDataLoss,           // stored data is corrupt or cannot be authenticated
  kInternal,           // a bug or an unexpected library failure
};

std::string_view CodeName(Code code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return {}; }
  static Status InvalidArgument(std::string m) { return {Code::kInvalidArgument, std::move(m)}; }
  static Status NotFound(std::string m) { return {Code::kNotFound, std::move(m)}; }
  static Status AlreadyExists(std::string m) { return {Code::kAlreadyExists, std::move(m)}; }
  static Status FailedPrecondition(std::string m) {
    return {Code::kFailedPrecondition, std::move(m)};
  }
  static Status PermissionDenied(std::string m) { return {Code::kPermissionDenied, std::move(m)}; }
  static Status Unauthenticated(std::string m) { return {Code::kUnauthenticated, std::move(m)}; }
  static Status Aborted(std::string m) { return {Code::kAborted, std::move(m)}; }
  static Status Unavailable(std::string m) { return {Code::kUnavailable, std::move(m)}; }
  static Status DataLoss(std::string m) { return {Code::kDataLoss, std::move(m)}; }
  static Status Internal(std::string m) { return {Code::kInternal, std::move(m)}; }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // "<CodeName>: <message>", for logs and test failure output.
  std::string ToString() const;

  friend bool operator==(const Status& a, const Status& b) {
    return a.code_ == b.code_ && a.message_ == b.message_;
  }

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

// Holds either a value or a non-OK Status. Accessing the value of an error is a bug (asserts).
template <typename T>
class [[nodiscard]] StatusOr {
 public:
  StatusOr(const T& value) : v_(value) {}        // NOLINT(runtime/explicit)
  StatusOr(T&& value) : v_(std::move(value)) {}  // NOLINT(runtime/explicit)
  StatusOr(Status status) : v_(std::move(status)) {  // NOLINT(runtime/explicit)
    assert(!std::get<Status>(v_).ok() && "StatusOr built from an OK Status");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(v_); }

  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace kms

#define KMS_CONCAT_INNER_(a, b) a##b
#define KMS_CONCAT_(a, b) KMS_CONCAT_INNER_(a, b)

// Returns the Status from the enclosing function when `expr` is not OK.
#define KMS_RETURN_IF_ERROR(expr)            \
  do {                                       \
    ::kms::Status kms_status_ = (expr);      \
    if (!kms_status_.ok()) return kms_status_; \
  } while (0)

#define KMS_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                               \
  if (!tmp.ok()) return tmp.status();              \
  lhs = std::move(tmp).value()

// `KMS_ASSIGN_OR_RETURN(Bytes b, Decode(s));` declares b, or returns the error.
#define KMS_ASSIGN_OR_RETURN(lhs, expr) \
  KMS_ASSIGN_OR_RETURN_IMPL_(KMS_CONCAT_(kms_statusor_, __LINE__), lhs, expr)
