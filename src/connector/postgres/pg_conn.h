// Thin ownership and error plumbing around libpq: opening a connection
// with its failures classified, running a statement, and turning a failed
// PGresult into a Status with the SQLSTATE as native code.
//
// Thread-safety: a PGconn is used by one thread at a time.
#pragma once

#include <cstdlib>
#include <libpq-fe.h>

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "common/status.h"
#include "connector/endpoint.h"

namespace godwit::pg {

struct ConnCloser {
  void operator()(PGconn* c) const { PQfinish(c); }
};
struct ResultClearer {
  void operator()(PGresult* r) const { PQclear(r); }
};
using ConnPtr = std::unique_ptr<PGconn, ConnCloser>;
using ResultPtr = std::unique_ptr<PGresult, ResultClearer>;

// Opens a connection to `endpoint` (replication=database when
// `replication`), with connect_timeout (default 10 s), application_name
// godwit, client_encoding UTF8 and the endpoint's options as libpq
// keywords. Every connection then runs with standard_conforming_strings
// on, TimeZone UTC, DateStyle ISO, IntervalStyle iso_8601, shortest
// round-trip floats and hex bytea, whatever the server, database or role
// set (replication connections: in the startup packet, after the
// endpoint's own `options`; others: SET right after the login). Failures are classified: kAuthFailed, kUnknownDatabase,
// kHostUnreachable, kPermissionDenied, kInvalidArgument (unknown option).
// The message never contains the password.
Result<ConnPtr> OpenConnection(const Endpoint& endpoint, bool replication);

// The Status for a statement that failed with `res` (may be null) on
// `conn`: ErrorCode from the SQLSTATE (ClassifySqlState with `fallback`),
// native code = SQLSTATE, the server's message, detail and hint. A failure
// without SQLSTATE on a broken connection is kConnectionLost.
Status ResultError(PGconn* conn, const PGresult* res, ErrorCode fallback, std::string_view what);

// Runs `sql` (one or more statements, simple protocol) and returns the
// last result when it is COMMAND_OK or TUPLES_OK.
Result<ResultPtr> Exec(PGconn* conn, std::string_view sql, ErrorCode fallback, std::string_view what);
// Runs one statement with text parameters ($1, $2...).
Result<ResultPtr> ExecParams(PGconn* conn, const std::string& sql, std::span<const std::string> params,
                             ErrorCode fallback, std::string_view what);

// A text-format result's cells: the value (empty for NULL), whether it is
// NULL, a boolean ("t"), an integer.
inline std::string_view Get(const PGresult* r, int row, int col) {
  return {PQgetvalue(r, row, col), static_cast<size_t>(PQgetlength(r, row, col))};
}
inline bool IsNull(const PGresult* r, int row, int col) { return PQgetisnull(r, row, col) != 0; }
inline bool GetBool(const PGresult* r, int row, int col) { return Get(r, row, col) == "t"; }
inline int64_t GetInt(const PGresult* r, int row, int col) {
  return std::strtoll(PQgetvalue(r, row, col), nullptr, 10);
}

// Reads every pending result so the connection is ready for the next
// command.
void DrainResults(PGconn* conn);

}  // namespace godwit::pg
