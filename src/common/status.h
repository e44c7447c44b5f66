// Status and Result<T>: errors as values at module boundaries.
//
// A Status is a code from the error catalog (common/error_catalog.h), a
// message saying what failed, and optionally the database's own error code
// (MySQL errno or PostgreSQL SQLSTATE) and a hint saying what the user can
// do. OK is cheap: it holds no allocation. Both types are [[nodiscard]] so
// the compiler flags an ignored error.
//
// Thread-safety: values; safe to copy between threads.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace godwit {

// Stable codes; the catalog gives each a name, a description and a default
// hint. Never renumber: codes are persisted in the metadata store.
enum class ErrorCode : int {
  kOk = 0,
  kInvalidArgument = 1,   // bad user input (URI, option, YAML)
  kHostUnreachable = 2,   // TCP connection failed / timed out
  kAuthFailed = 3,        // wrong user or password
  kUnknownDatabase = 4,   // database / schema does not exist
  kPermissionDenied = 5,  // missing privilege
  kNotFound = 6,          // table, column or object not found
  kUnsupported = 7,       // type or object Godwit cannot convert
  kDataError = 8,         // a row value that cannot be carried (zero date, NaN into MySQL...)
  kDdlFailed = 9,         // destination rejected a DDL statement
  kWriteFailed = 10,      // destination rejected rows
  kReadFailed = 11,       // source read failed
  kConnectionLost = 12,   // server went away mid-operation; retryable
  kServerConfig = 13,     // server setting prevents the operation (binlog_format, wal_level...)
  kConflict = 14,         // destination already holds data / state mismatch
  kCancelled = 15,        // stopped by the user
  kMetadata = 16,         // the local metadata store failed
  kInternal = 17,         // a bug in Godwit
  kInvalidState = 18,     // operation not allowed in the project's current state
  kUnauthorized = 19,     // API request without a valid token
  kPrecheckFailed = 20,   // a precheck item failed; the project does not start
};

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(ErrorCode code, std::string message, std::string hint = {}, std::string native_code = {})
      : rep_(code == ErrorCode::kOk
                 ? nullptr
                 : std::make_shared<Rep>(Rep{code, std::move(message), std::move(hint), std::move(native_code)})) {}

  static Status Ok() { return Status(); }

  bool ok() const { return rep_ == nullptr; }
  ErrorCode code() const { return rep_ ? rep_->code : ErrorCode::kOk; }
  const std::string& message() const { return rep_ ? rep_->message : Empty(); }
  // What the user can do about it; falls back to the catalog's default hint.
  std::string hint() const;
  // MySQL errno or PostgreSQL SQLSTATE, when the database reported the error.
  const std::string& native_code() const { return rep_ ? rep_->native_code : Empty(); }
  // True when retrying the same operation later may succeed.
  bool retryable() const { return code() == ErrorCode::kConnectionLost || code() == ErrorCode::kHostUnreachable; }

  // "CODE_NAME: message [native 1045]"; the hint is separate so a CLI can
  // print it on its own line.
  std::string ToString() const;
  // ToString() then " — " and the hint, when there is one: one line for a
  // record or a warning that has nowhere else to put the hint.
  std::string ToStringWithHint() const;

  // Returns a copy with `context + ": "` prefixed to the message.
  Status WithContext(const std::string& context) const;

  // Marks that an error is deliberately ignored. Prefer IgnoreBecause, which
  // says why and leaves a trace in the log.
  void IgnoreError() const {}

  // Marks that an error is deliberately not propagated; `why` says why that
  // is safe ("best-effort cleanup of a temporary table"). A failed status is
  // logged at warn level with `why` and its message, so no failure is silent.
  void IgnoreBecause(std::string_view why) const;

 private:
  struct Rep {
    ErrorCode code;
    std::string message;
    std::string hint;
    std::string native_code;
  };
  static const std::string& Empty();
  std::shared_ptr<const Rep> rep_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}  // NOLINT: must not be OK

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOkStatus;
    return ok() ? kOkStatus : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace godwit

#define GODWIT_CONCAT_INNER(a, b) a##b
#define GODWIT_CONCAT(a, b) GODWIT_CONCAT_INNER(a, b)

// Returns early from the enclosing function when `expr` (a Status) fails.
#define RETURN_IF_ERROR(expr)                \
  do {                                       \
    ::godwit::Status _gw_status = (expr);    \
    if (!_gw_status.ok()) return _gw_status; \
  } while (0)

// `ASSIGN_OR_RETURN(auto x, MakeX());`
#define ASSIGN_OR_RETURN(lhs, expr) ASSIGN_OR_RETURN_IMPL(GODWIT_CONCAT(_gw_result_, __LINE__), lhs, expr)
#define ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                          \
  if (!tmp.ok()) return tmp.status();         \
  lhs = std::move(tmp).value()
