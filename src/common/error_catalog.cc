#include "common/error_catalog.h"

#include <array>

namespace godwit {
namespace {

constexpr std::array kCatalog = {
    ErrorCatalogEntry{ErrorCode::kOk, "OK", "success", ""},
    ErrorCatalogEntry{ErrorCode::kInvalidArgument, "INVALID_ARGUMENT", "the request or configuration is malformed",
                      "Correct the value named in the message and run the command again."},
    ErrorCatalogEntry{ErrorCode::kHostUnreachable, "HOST_UNREACHABLE", "the database server could not be reached",
                      "Check the host and port, that the server is running, and that no firewall blocks the "
                      "connection."},
    ErrorCatalogEntry{ErrorCode::kAuthFailed, "AUTH_FAILED", "the server rejected the user name or password",
                      "Check the user and password of the endpoint (the password may come from an environment "
                      "variable or a file)."},
    ErrorCatalogEntry{ErrorCode::kUnknownDatabase, "UNKNOWN_DATABASE", "the named database or schema does not exist",
                      "Create the database first or correct its name in the endpoint."},
    ErrorCatalogEntry{ErrorCode::kPermissionDenied, "PERMISSION_DENIED",
                      "the user lacks a privilege the migration needs",
                      "Grant the privilege named in the message to the migration user."},
    ErrorCatalogEntry{ErrorCode::kNotFound, "NOT_FOUND", "the named object does not exist",
                      "Check the name; include/exclude patterns are matched against schema.table."},
    ErrorCatalogEntry{ErrorCode::kUnsupported, "UNSUPPORTED", "the object uses a feature Godwit cannot convert",
                      "Exclude the object, change its definition on the source, or create it on the destination by "
                      "hand; the other objects go on."},
    ErrorCatalogEntry{ErrorCode::kDataError, "DATA_ERROR", "a row holds a value the destination cannot store",
                      "Fix the row on the source, or map the value explicitly (for MySQL zero dates: "
                      "zero_date: null)."},
    ErrorCatalogEntry{ErrorCode::kDdlFailed, "DDL_FAILED", "the destination rejected a DDL statement",
                      "Read the database's error code and the statement; fix the destination or edit the DDL and "
                      "retry."},
    ErrorCatalogEntry{ErrorCode::kWriteFailed, "WRITE_FAILED", "the destination rejected rows",
                      "Read the database's error; after fixing it run the migration again: it resumes."},
    ErrorCatalogEntry{ErrorCode::kReadFailed, "READ_FAILED", "reading from the source failed",
                      "Read the database's error; after fixing it run the migration again: it resumes."},
    ErrorCatalogEntry{ErrorCode::kConnectionLost, "CONNECTION_LOST", "the server closed the connection mid-operation",
                      "Run the migration again once the server is back: it resumes from its checkpoints."},
    ErrorCatalogEntry{ErrorCode::kServerConfig, "SERVER_CONFIG", "a server setting prevents the operation",
                      "Change the server setting named in the message and restart the server if it requires it."},
    ErrorCatalogEntry{ErrorCode::kConflict, "CONFLICT", "the destination or the saved state does not match",
                      "Empty or drop the named destination table, or start a new migration state with --restart."},
    ErrorCatalogEntry{ErrorCode::kCancelled, "CANCELLED", "stopped by the user",
                      "Run the same command again to resume."},
    ErrorCatalogEntry{ErrorCode::kMetadata, "METADATA", "the local metadata store failed",
                      "Check the state directory is writable and has free space."},
    ErrorCatalogEntry{ErrorCode::kInternal, "INTERNAL", "an internal error in Godwit",
                      "Report it with the log; the migration can be resumed."},
    ErrorCatalogEntry{ErrorCode::kInvalidState, "INVALID_STATE",
                      "the operation is not allowed in the project's current state",
                      "Choose an operation the state allows (docs/state-machine.md); nothing was changed."},
    ErrorCatalogEntry{ErrorCode::kUnauthorized, "UNAUTHORIZED", "the API request carries no valid bearer token",
                      "Send 'Authorization: Bearer TOKEN' with the token from the daemon's DATA_DIR/token (the CLI "
                      "reads it, or give --token / GODWIT_TOKEN)."},
    ErrorCatalogEntry{ErrorCode::kPrecheckFailed, "PRECHECK_FAILED",
                      "a precheck item failed: the project did not start",
                      "Each failed item says what to change; change it and resume the project, which runs the "
                      "precheck again."},
};

}  // namespace

std::span<const ErrorCatalogEntry> ErrorCatalog() { return kCatalog; }

const ErrorCatalogEntry& LookupError(ErrorCode code) {
  for (const auto& e : kCatalog) {
    if (e.code == code) return e;
  }
  return kCatalog[static_cast<size_t>(ErrorCode::kInternal)];
}

}  // namespace godwit
