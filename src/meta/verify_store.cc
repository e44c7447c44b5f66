#include "meta/verify_store.h"

#include <array>
#include <chrono>
#include <string_view>

#include <nlohmann/json.hpp>

#include "meta/sqlite_db.h"

namespace godwit {
namespace {

// Versioned schema of the Checker's tables: entry i brings version i to
// i+1. Never edit an entry once released; append a new one.
//
// Units and differences are keyed by source table, not by run: a table
// verified again replaces them (StartTable), so the file holds one table's
// latest verification however many runs there were. verify_diff is WITHOUT
// ROWID because it is read and replaced by its key (source, key_json), which
// is also the order Diffs returns, and may hold 100,000 keys per table.
constexpr std::array<std::string_view, 2> kSchemaMigrations = {
    R"sql(
CREATE TABLE verify_run (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  mode TEXT NOT NULL,
  state TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  ended_at INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE verify_table (
  source TEXT PRIMARY KEY,
  destination TEXT NOT NULL,
  run_id INTEGER NOT NULL,
  status TEXT NOT NULL,
  detail_json TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE verify_unit (
  source TEXT NOT NULL,
  idx INTEGER NOT NULL,
  lower_json TEXT NOT NULL,
  upper_json TEXT NOT NULL,
  bucket INTEGER NOT NULL DEFAULT 0,
  buckets INTEGER NOT NULL DEFAULT 1,
  done INTEGER NOT NULL DEFAULT 0,
  rows_source INTEGER NOT NULL DEFAULT 0,
  rows_destination INTEGER NOT NULL DEFAULT 0,
  matched INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (source, idx)
);
CREATE TABLE verify_diff (
  source TEXT NOT NULL,
  key_json TEXT NOT NULL,
  kind TEXT NOT NULL,
  columns_json TEXT NOT NULL DEFAULT '[]',
  PRIMARY KEY (source, key_json)
) WITHOUT ROWID;
)sql",
    R"sql(
ALTER TABLE verify_table ADD COLUMN destination_identity TEXT NOT NULL DEFAULT '';
)sql",
};

constexpr std::string_view kCorruptHint =
    "The file was changed by something other than Godwit; move it away to verify again from the start.";

int64_t NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Inserts (or replaces, same key) each diff with one prepared statement:
// FinishUnit may carry tens of thousands.
Status InsertDiffs(sqlite3* db, const std::string& source, const std::vector<StoredDiff>& diffs,
                   const std::string& what) {
  if (diffs.empty()) return Status();
  Stmt ins(db,
           "INSERT INTO verify_diff (source, key_json, kind, columns_json) VALUES (?, ?, ?, ?) "
           "ON CONFLICT (source, key_json) DO UPDATE SET kind = excluded.kind, columns_json = excluded.columns_json");
  RETURN_IF_ERROR(ins.status(what));
  std::string columns;
  for (const StoredDiff& d : diffs) {
    columns = nlohmann::json(d.columns).dump();
    ins.Bind(1, source).Bind(2, d.key_json).Bind(3, DiffKindName(d.kind)).Bind(4, columns);
    if (ins.Step() != SQLITE_DONE) return SqliteError(db, what);
    ins.Reset();
  }
  return Status();
}

VerifyRunRecord ReadRun(const Stmt& s) { return VerifyRunRecord{s.Int(0), s.Text(1), s.Text(2), s.Int(3), s.Int(4)}; }

VerifyTableRecord ReadTable(const Stmt& s) {
  return VerifyTableRecord{s.Text(0), s.Text(1), s.Int(2), s.Text(3), s.Text(4), s.Text(5)};
}

constexpr std::string_view kRunColumns = "id, mode, state, started_at, ended_at";
constexpr std::string_view kTableColumns = "source, destination, run_id, status, detail_json, destination_identity";

}  // namespace

std::string_view DiffKindName(DiffKind kind) {
  switch (kind) {
    case DiffKind::kOnlyInSource: return "only_in_source";
    case DiffKind::kOnlyInDestination: return "only_in_destination";
    case DiffKind::kDiffering: return "differing";
  }
  return "differing";
}

std::optional<DiffKind> ParseDiffKind(std::string_view name) {
  for (DiffKind k : {DiffKind::kOnlyInSource, DiffKind::kOnlyInDestination, DiffKind::kDiffering}) {
    if (DiffKindName(k) == name) return k;
  }
  return std::nullopt;
}

Result<std::unique_ptr<VerifyStore>> VerifyStore::Open(const std::string& path) {
  ASSIGN_OR_RETURN(sqlite3 * db, OpenSqliteWithSchema(path, kSchemaMigrations, "the verification store"));
  return std::unique_ptr<VerifyStore>(new VerifyStore(db, path));
}

VerifyStore::~VerifyStore() { sqlite3_close(db_); }

std::string VerifyStore::What(const std::string& what) const { return "verify store " + path_ + ": " + what; }

Result<int64_t> VerifyStore::BeginRun(const std::string& mode) {
  MutexLock lock(mu_);
  Stmt s(db_, "INSERT INTO verify_run (mode, state, started_at) VALUES (?, 'running', ?)");
  s.Bind(1, mode).Bind(2, NowSeconds());
  RETURN_IF_ERROR(RunOnce(db_, s, What("recording a new run")));
  return static_cast<int64_t>(sqlite3_last_insert_rowid(db_));
}

Status VerifyStore::EndRun(int64_t run_id, const std::string& state) {
  MutexLock lock(mu_);
  Stmt s(db_, "UPDATE verify_run SET state = ?, ended_at = ? WHERE id = ?");
  s.Bind(1, state).Bind(2, NowSeconds()).Bind(3, run_id);
  RETURN_IF_ERROR(RunOnce(db_, s, What("ending run " + std::to_string(run_id))));
  if (sqlite3_changes(db_) == 0) {
    return Status(ErrorCode::kInternal, What("no run " + std::to_string(run_id) + " to end"));
  }
  return Status();
}

Result<std::optional<VerifyRunRecord>> VerifyStore::LatestRun() {
  MutexLock lock(mu_);
  const std::string what = What("reading the latest run");
  Stmt s(db_, "SELECT " + std::string(kRunColumns) + " FROM verify_run ORDER BY id DESC LIMIT 1");
  RETURN_IF_ERROR(s.status(what));
  int rc = s.Step();
  if (rc == SQLITE_DONE) return std::optional<VerifyRunRecord>();
  if (rc != SQLITE_ROW) return SqliteError(db_, what);
  return std::optional<VerifyRunRecord>(ReadRun(s));
}

Result<std::optional<VerifyRunRecord>> VerifyStore::UnfinishedRun() {
  ASSIGN_OR_RETURN(std::optional<VerifyRunRecord> latest, LatestRun());
  if (latest && latest->state == "running") return latest;
  return std::optional<VerifyRunRecord>();
}

Status VerifyStore::StartTable(int64_t run_id, const std::string& source, const std::string& destination,
                               const std::vector<VerifyUnitRecord>& units, const std::string& destination_identity) {
  MutexLock lock(mu_);
  const std::string what = What("starting the verification of " + source);
  return InTransaction(db_, what, [&, db = db_] {
    {
      Stmt run(db, "SELECT 1 FROM verify_run WHERE id = ?");
      RETURN_IF_ERROR(run.status(what));
      run.Bind(1, run_id);
      int rc = run.Step();
      if (rc == SQLITE_DONE) {
        return Status(ErrorCode::kInternal,
                      What("cannot start " + source + " in run " + std::to_string(run_id) + ": no such run"));
      }
      if (rc != SQLITE_ROW) return SqliteError(db, what);
    }
    for (const char* sql : {"DELETE FROM verify_unit WHERE source = ?", "DELETE FROM verify_diff WHERE source = ?"}) {
      Stmt del(db, sql);
      del.Bind(1, source);
      RETURN_IF_ERROR(RunOnce(db, del, what));
    }
    {
      Stmt ins(db,
               "INSERT INTO verify_unit (source, idx, lower_json, upper_json, bucket, buckets) "
               "VALUES (?, ?, ?, ?, ?, ?)");
      RETURN_IF_ERROR(ins.status(what));
      for (size_t i = 0; i < units.size(); ++i) {
        const VerifyUnitRecord& u = units[i];
        ins.Bind(1, source).Bind(2, static_cast<int64_t>(i)).Bind(3, u.lower_json).Bind(4, u.upper_json);
        ins.Bind(5, u.bucket).Bind(6, u.buckets);
        if (ins.Step() != SQLITE_DONE) return SqliteError(db, what);
        ins.Reset();
      }
    }
    {
      Stmt table(db,
                 "INSERT INTO verify_table (source, destination, run_id, status, detail_json, destination_identity) "
                 "VALUES (?, ?, ?, 'running', '{}', ?) ON CONFLICT (source) DO UPDATE SET "
                 "destination = excluded.destination, run_id = excluded.run_id, status = excluded.status, "
                 "detail_json = excluded.detail_json, destination_identity = excluded.destination_identity");
      table.Bind(1, source).Bind(2, destination).Bind(3, run_id).Bind(4, destination_identity);
      RETURN_IF_ERROR(RunOnce(db, table, what));
    }
    return Status();
  });
}

Status VerifyStore::SaveTableResult(const std::string& source, const std::string& status,
                                    const std::string& detail_json) {
  MutexLock lock(mu_);
  Stmt s(db_, "UPDATE verify_table SET status = ?, detail_json = ? WHERE source = ?");
  s.Bind(1, status).Bind(2, detail_json).Bind(3, source);
  RETURN_IF_ERROR(RunOnce(db_, s, What("saving the result of " + source)));
  if (sqlite3_changes(db_) == 0) {
    return Status(ErrorCode::kInternal, What("cannot save the result of " + source + ": the table was never started"));
  }
  return Status();
}

Result<std::optional<VerifyTableRecord>> VerifyStore::Table(const std::string& source) {
  MutexLock lock(mu_);
  const std::string what = What("reading the result of " + source);
  Stmt s(db_, "SELECT " + std::string(kTableColumns) + " FROM verify_table WHERE source = ?");
  RETURN_IF_ERROR(s.status(what));
  s.Bind(1, source);
  int rc = s.Step();
  if (rc == SQLITE_DONE) return std::optional<VerifyTableRecord>();
  if (rc != SQLITE_ROW) return SqliteError(db_, what);
  return std::optional<VerifyTableRecord>(ReadTable(s));
}

Result<std::vector<VerifyTableRecord>> VerifyStore::Tables() {
  MutexLock lock(mu_);
  const std::string what = What("listing the verified tables");
  Stmt s(db_, "SELECT " + std::string(kTableColumns) + " FROM verify_table ORDER BY source");
  RETURN_IF_ERROR(s.status(what));
  std::vector<VerifyTableRecord> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) out.push_back(ReadTable(s));
  if (rc != SQLITE_DONE) return SqliteError(db_, what);
  return out;
}

Result<std::vector<VerifyUnitRecord>> VerifyStore::Units(const std::string& source) {
  MutexLock lock(mu_);
  const std::string what = What("reading the units of " + source);
  Stmt s(db_,
         "SELECT idx, lower_json, upper_json, bucket, buckets, done, rows_source, rows_destination, matched "
         "FROM verify_unit WHERE source = ? ORDER BY idx");
  RETURN_IF_ERROR(s.status(what));
  s.Bind(1, source);
  std::vector<VerifyUnitRecord> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
    out.push_back(VerifyUnitRecord{s.Int(0), s.Text(1), s.Text(2), s.Int(3), s.Int(4), s.Int(5) != 0, s.Int(6),
                                   s.Int(7), s.Int(8) != 0});
  }
  if (rc != SQLITE_DONE) return SqliteError(db_, what);
  return out;
}

Status VerifyStore::FinishUnit(const std::string& source, int64_t index, int64_t rows_source, int64_t rows_destination,
                               bool matched, const std::vector<StoredDiff>& diffs) {
  MutexLock lock(mu_);
  const std::string what = What("recording unit " + std::to_string(index) + " of " + source);
  return InTransaction(db_, what, [&, db = db_] {
    {
      Stmt s(db,
             "UPDATE verify_unit SET done = 1, rows_source = ?, rows_destination = ?, matched = ? "
             "WHERE source = ? AND idx = ?");
      s.Bind(1, rows_source).Bind(2, rows_destination).Bind(3, static_cast<int64_t>(matched ? 1 : 0));
      s.Bind(4, source).Bind(5, index);
      RETURN_IF_ERROR(RunOnce(db, s, what));
      if (sqlite3_changes(db) == 0) {
        return Status(ErrorCode::kInternal,
                      What("cannot finish unit " + std::to_string(index) + " of " + source + ": no such unit"));
      }
    }
    return InsertDiffs(db, source, diffs, what);
  });
}

Result<std::vector<StoredDiff>> VerifyStore::Diffs(const std::string& source, size_t limit) {
  MutexLock lock(mu_);
  const std::string what = What("reading the differences of " + source);
  Stmt s(db_, "SELECT key_json, kind, columns_json FROM verify_diff WHERE source = ? ORDER BY key_json LIMIT ?");
  RETURN_IF_ERROR(s.status(what));
  s.Bind(1, source).Bind(2, limit == 0 ? int64_t{-1} : static_cast<int64_t>(limit));
  std::vector<StoredDiff> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
    StoredDiff d;
    d.key_json = s.Text(0);
    const std::string kind = s.Text(1);
    std::optional<DiffKind> parsed = ParseDiffKind(kind);
    if (!parsed) {
      return Status(
          ErrorCode::kMetadata,
          What("the difference at key " + d.key_json + " of " + source + " has an unknown kind '" + kind + "'"),
          std::string(kCorruptHint));
    }
    d.kind = *parsed;
    const std::string columns = s.Text(2);
    nlohmann::json j = nlohmann::json::parse(columns, nullptr, /*allow_exceptions=*/false);
    bool valid = j.is_array();
    if (valid) {
      for (const auto& c : j) {
        if (!c.is_string()) {
          valid = false;
          break;
        }
        d.columns.push_back(c.get<std::string>());
      }
    }
    if (!valid) {
      return Status(ErrorCode::kMetadata,
                    What("the difference at key " + d.key_json + " of " + source +
                         " has columns that are not a JSON array of names: " + columns),
                    std::string(kCorruptHint));
    }
    out.push_back(std::move(d));
  }
  if (rc != SQLITE_DONE) return SqliteError(db_, what);
  return out;
}

Result<int64_t> VerifyStore::CountDiffs(const std::string& source) {
  MutexLock lock(mu_);
  const std::string what = What("counting the differences of " + source);
  Stmt s(db_, "SELECT count(*) FROM verify_diff WHERE source = ?");
  RETURN_IF_ERROR(s.status(what));
  s.Bind(1, source);
  if (s.Step() != SQLITE_ROW) return SqliteError(db_, what);
  return s.Int(0);
}

Status VerifyStore::RemoveDiffs(const std::string& source, const std::vector<std::string>& key_jsons) {
  if (key_jsons.empty()) return Status();
  MutexLock lock(mu_);
  const std::string what = What("removing differences of " + source);
  return InTransaction(db_, what, [&, db = db_] {
    Stmt del(db, "DELETE FROM verify_diff WHERE source = ? AND key_json = ?");
    RETURN_IF_ERROR(del.status(what));
    for (const std::string& key : key_jsons) {
      del.Bind(1, source).Bind(2, key);
      if (del.Step() != SQLITE_DONE) return SqliteError(db, what);
      del.Reset();
    }
    return Status();
  });
}

Status VerifyStore::ReplaceDiffs(const std::string& source, const std::vector<StoredDiff>& diffs) {
  MutexLock lock(mu_);
  const std::string what = What("replacing the differences of " + source);
  return InTransaction(db_, what, [&, db = db_] {
    {
      Stmt del(db, "DELETE FROM verify_diff WHERE source = ?");
      del.Bind(1, source);
      RETURN_IF_ERROR(RunOnce(db, del, what));
    }
    return InsertDiffs(db, source, diffs, what);
  });
}

}  // namespace godwit
