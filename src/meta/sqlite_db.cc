#include "meta/sqlite_db.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace godwit {

Status SqliteError(sqlite3* db, const std::string& what) {
  return Status(ErrorCode::kMetadata, what + ": " + sqlite3_errmsg(db), {},
                std::to_string(sqlite3_extended_errcode(db)));
}

Status RunOnce(sqlite3* db, Stmt& stmt, const std::string& what) {
  RETURN_IF_ERROR(stmt.status(what));
  int rc = stmt.Step();
  if (rc != SQLITE_DONE && rc != SQLITE_ROW) return SqliteError(db, what);
  return Status();
}

Status ExecSql(sqlite3* db, const std::string& sql, const std::string& what) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    return Status(ErrorCode::kMetadata, what + ": " + msg);
  }
  return Status();
}

namespace {

// Undoes an open transaction after `cause`; a failed ROLLBACK is logged,
// and `cause` stays the error to report.
void RollBack(sqlite3* db, const std::string& what) {
  // A failed statement may already have ended the transaction (SQLite
  // rolls back by itself on SQLITE_FULL, SQLITE_IOERR, SQLITE_NOMEM...).
  if (sqlite3_get_autocommit(db)) return;
  ExecSql(db, "ROLLBACK", what)
      .IgnoreBecause(
          "the transaction's own error is the one reported; an unfinished transaction is rolled back "
          "when the connection closes");
}

}  // namespace

Status InTransaction(sqlite3* db, const std::string& what, const std::function<Status()>& body) {
  if (sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) {
    const int rc = sqlite3_extended_errcode(db);
    if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) {
      return Status(ErrorCode::kMetadata, what + ": the file is locked by another writer: " + sqlite3_errmsg(db),
                    "Another Godwit process (or a tool such as sqlite3) is writing to the same file. Stop it, or "
                    "give each process its own data directory.",
                    std::to_string(rc));
    }
    return SqliteError(db, what);
  }
  Status st;
  try {
    st = body();
  } catch (...) {
    RollBack(db, what);
    throw;
  }
  if (!st.ok()) {
    RollBack(db, what);
    return st;
  }
  st = ExecSql(db, "COMMIT", what);
  // A failed COMMIT (SQLITE_BUSY on a reader's lock) leaves the
  // transaction open: end it, so the next one can begin.
  if (!st.ok()) RollBack(db, what);
  return st;
}

Result<sqlite3*> OpenSqliteWithSchema(const std::string& path, std::span<const std::string_view> migrations,
                                      const std::string& what) {
  // These files hold passwords (the metadata store) and positions and
  // differences (state, verification): the owner's only. SQLite creates a
  // new file with 0644 less the umask, so create it ourselves with 0600
  // first, and tighten one an older Godwit left readable. Its -wal and
  // -shm files take the database file's mode.
  int fd =
      path.empty() || path == ":memory:" ? -2 : ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd == -1 && errno == ELOOP) {
    // A link planted where the file should be would have it written
    // wherever the link points.
    return Status(ErrorCode::kMetadata, "cannot open " + what + " " + path + ": it is a symbolic link",
                  "Remove the link (and find out who made it), or give another directory.");
  }
  if (fd == -1) {
    return Status(ErrorCode::kMetadata, "cannot open " + what + " " + path + ": " + std::strerror(errno),
                  "Check the directory exists, is writable and has free space.");
  }
  struct stat sb;
  if (fd >= 0 && ::fstat(fd, &sb) == 0 && (sb.st_mode & 077) != 0) ::fchmod(fd, 0600);
  if (fd >= 0) ::close(fd);
  sqlite3* db = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return Status(ErrorCode::kMetadata, "cannot open " + what + " " + path + ": " + msg,
                  "Check the directory exists, is writable and has free space.");
  }
  auto fail = [&](Status st) -> Result<sqlite3*> {
    sqlite3_close(db);
    return st;
  };
  // WAL with synchronous=NORMAL: a committed transaction survives a crash of
  // Godwit (kill -9); only an OS crash may lose the last few, which the
  // callers' resume logic tolerates (checkpoints are replayed idempotently).
  if (Status st = ExecSql(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;", what);
      !st.ok()) {
    return fail(st);
  }
  int64_t v = 0;
  {
    Stmt version(db, "PRAGMA user_version");
    if (Status st = version.status("reading the version of " + what); !st.ok()) return fail(st);
    version.Step();
    v = version.Int(0);
  }
  if (v > static_cast<int64_t>(migrations.size())) {
    return fail(Status(ErrorCode::kMetadata,
                       what + " " + path + " was written by a newer Godwit (schema version " + std::to_string(v) + ")",
                       "Use the newer Godwit, or move the file away to start over."));
  }
  for (; v < static_cast<int64_t>(migrations.size()); ++v) {
    Status st = InTransaction(db, "upgrading " + what, [&] {
      return ExecSql(db, std::string(migrations[v]) + "; PRAGMA user_version = " + std::to_string(v + 1),
                     "upgrading " + what);
    });
    if (!st.ok()) return fail(st);
  }
  return db;
}

}  // namespace godwit
