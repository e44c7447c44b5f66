// Small helpers over the SQLite C API shared by the metadata stores: a
// self-finalizing prepared statement, error conversion, one way to run a
// write transaction, and opening a file in WAL mode with a versioned schema.
//
// Thread-safety: a Stmt is used by one thread; the stores serialise access
// to their connection.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "common/status.h"

namespace godwit {

Status SqliteError(sqlite3* db, const std::string& what);

// A prepared statement that finalizes itself.
class Stmt {
 public:
  Stmt(sqlite3* db, std::string_view sql) : db_(db) {
    rc_ = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr);
  }
  ~Stmt() { sqlite3_finalize(stmt_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Status status(const std::string& what) const { return rc_ == SQLITE_OK ? Status() : SqliteError(db_, what); }
  Stmt& Bind(int i, std::string_view s) {
    sqlite3_bind_text(stmt_, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& Bind(int i, int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int Step() { return sqlite3_step(stmt_); }
  void Reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  std::string Text(int col) const {
    const auto* p = sqlite3_column_text(stmt_, col);
    return p ? std::string(reinterpret_cast<const char*>(p), sqlite3_column_bytes(stmt_, col)) : std::string();
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  int rc_;
};

// Steps a statement that returns nothing (or whose rows are not needed).
Status RunOnce(sqlite3* db, Stmt& stmt, const std::string& what);

// Runs one or more statements; errors are prefixed with `what`.
Status ExecSql(sqlite3* db, const std::string& sql, const std::string& what);

// Runs `body` in one write transaction on `db`: BEGIN IMMEDIATE, `body`,
// COMMIT. IMMEDIATE takes the write lock up front, so a transaction never
// fails half-way because another connection wrote first. While another
// connection holds the lock, BEGIN waits for it up to the connection's busy
// timeout (10 s for files opened with OpenSqliteWithSchema), then fails
// with an error saying what holds the file. When `body` returns an error or
// throws, or COMMIT fails, everything `body` did is rolled back and the
// error (or exception) is passed on. Statements `body` prepares must be
// finalized when it returns (declare them inside it). `what` prefixes
// errors. The caller serialises use of `db`.
Status InTransaction(sqlite3* db, const std::string& what, const std::function<Status()>& body);

// Opens (creating if needed) the file at `path` in WAL mode and applies the
// schema migrations it has not seen: entry i brings PRAGMA user_version i to
// i+1, each in its own transaction (InTransaction). `what` names the file in errors. The
// caller owns the returned connection (sqlite3_close).
Result<sqlite3*> OpenSqliteWithSchema(const std::string& path, std::span<const std::string_view> migrations,
                                      const std::string& what);

}  // namespace godwit
