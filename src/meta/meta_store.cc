#include "meta/meta_store.h"

#include "meta/sqlite_db.h"

#include <sqlite3.h>

#include <array>
#include <string_view>

namespace godwit {
namespace {

// Versioned schema of the store's own tables: entry i brings version i to
// i+1. Never edit an entry once released; append a new one.
constexpr std::array<std::string_view, 3> kSchemaMigrations = {
    R"sql(
CREATE TABLE migration (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  source TEXT NOT NULL,
  destination TEXT NOT NULL,
  position_json TEXT NOT NULL DEFAULT '',
  state TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE table_progress (
  table_key TEXT PRIMARY KEY,
  destination TEXT NOT NULL,
  phase INTEGER NOT NULL,
  status TEXT NOT NULL,
  estimated_rows INTEGER NOT NULL,
  migrated_rows INTEGER NOT NULL,
  error TEXT NOT NULL DEFAULT ''
);
CREATE TABLE chunk (
  table_key TEXT NOT NULL,
  idx INTEGER NOT NULL,
  lower_json TEXT NOT NULL,
  upper_json TEXT NOT NULL,
  state INTEGER NOT NULL,
  rows INTEGER NOT NULL DEFAULT 0,
  bytes INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (table_key, idx)
);
CREATE TABLE index_build (
  table_key TEXT NOT NULL,
  name TEXT NOT NULL,
  ddl TEXT NOT NULL,
  status TEXT NOT NULL,
  started_at_ms INTEGER NOT NULL DEFAULT 0,
  ended_at_ms INTEGER NOT NULL DEFAULT 0,
  error TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (table_key, name)
);
)sql",
    R"sql(
ALTER TABLE chunk ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
)sql",
    R"sql(
ALTER TABLE table_progress ADD COLUMN destination_identity TEXT NOT NULL DEFAULT '';
)sql",
};

}  // namespace

Result<std::unique_ptr<MetaStore>> MetaStore::Open(const std::string& path) {
  ASSIGN_OR_RETURN(sqlite3 * db, OpenSqliteWithSchema(path, kSchemaMigrations, "the state file"));
  return std::unique_ptr<MetaStore>(new MetaStore(db));
}

MetaStore::~MetaStore() { sqlite3_close(db_); }

Result<std::optional<MigrationRecord>> MetaStore::LoadMigration() {
  MutexLock lock(mu_);
  Stmt s(db_, "SELECT source, destination, position_json, state, created_at, updated_at FROM migration WHERE id = 1");
  RETURN_IF_ERROR(s.status("reading the migration"));
  int rc = s.Step();
  if (rc == SQLITE_DONE) return std::optional<MigrationRecord>();
  if (rc != SQLITE_ROW) return SqliteError(db_, "reading the migration");
  return std::optional<MigrationRecord>(
      MigrationRecord{s.Text(0), s.Text(1), s.Text(2), s.Text(3), s.Int(4), s.Int(5)});
}

Status MetaStore::SaveMigration(const MigrationRecord& r) {
  MutexLock lock(mu_);
  Stmt s(db_,
         "INSERT INTO migration (id, source, destination, position_json, state, created_at, updated_at) "
         "VALUES (1, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET source = excluded.source, "
         "destination = excluded.destination, position_json = excluded.position_json, state = excluded.state, "
         "updated_at = excluded.updated_at");
  s.Bind(1, r.source)
      .Bind(2, r.destination)
      .Bind(3, r.position_json)
      .Bind(4, r.state)
      .Bind(5, r.created_at)
      .Bind(6, r.updated_at);
  return RunOnce(db_, s, "saving the migration");
}

Result<std::vector<TableRecord>> MetaStore::LoadTables() {
  MutexLock lock(mu_);
  Stmt s(db_,
         "SELECT table_key, destination, phase, status, estimated_rows, migrated_rows, error, destination_identity "
         "FROM table_progress ORDER BY table_key");
  RETURN_IF_ERROR(s.status("reading table progress"));
  std::vector<TableRecord> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
    out.push_back(TableRecord{s.Text(0), s.Text(1), static_cast<TablePhase>(s.Int(2)), s.Text(3), s.Int(4), s.Int(5),
                              s.Text(6), s.Text(7)});
  }
  if (rc != SQLITE_DONE) return SqliteError(db_, "reading table progress");
  return out;
}

Status MetaStore::SaveTable(const TableRecord& r) {
  MutexLock lock(mu_);
  Stmt s(db_,
         "INSERT INTO table_progress (table_key, destination, phase, status, estimated_rows, migrated_rows, error, "
         "destination_identity) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(table_key) DO UPDATE SET "
         "destination = excluded.destination, phase = excluded.phase, status = excluded.status, "
         "estimated_rows = excluded.estimated_rows, migrated_rows = excluded.migrated_rows, error = excluded.error, "
         "destination_identity = excluded.destination_identity");
  s.Bind(1, r.key)
      .Bind(2, r.destination)
      .Bind(3, static_cast<int64_t>(r.phase))
      .Bind(4, r.status)
      .Bind(5, r.estimated_rows)
      .Bind(6, r.migrated_rows)
      .Bind(7, r.error)
      .Bind(8, r.destination_identity);
  return RunOnce(db_, s, "saving table progress");
}

Status MetaStore::SaveChunkPlan(const std::string& table_key, const std::vector<ChunkRecord>& chunks) {
  MutexLock lock(mu_);
  return InTransaction(db_, "state store", [&, db = db_] {
    Stmt del(db, "DELETE FROM chunk WHERE table_key = ?");
    del.Bind(1, table_key);
    RETURN_IF_ERROR(RunOnce(db, del, "saving the chunk plan"));
    Stmt ins(db, "INSERT INTO chunk (table_key, idx, lower_json, upper_json, state) VALUES (?, ?, ?, ?, 0)");
    RETURN_IF_ERROR(ins.status("saving the chunk plan"));
    for (const auto& c : chunks) {
      ins.Bind(1, table_key).Bind(2, c.index).Bind(3, c.lower_json).Bind(4, c.upper_json);
      if (ins.Step() != SQLITE_DONE) return SqliteError(db, "saving the chunk plan");
      ins.Reset();
    }
    return Status();
  });
}

Result<std::vector<ChunkRecord>> MetaStore::LoadChunks(const std::string& table_key) {
  MutexLock lock(mu_);
  Stmt s(
      db_,
      "SELECT idx, lower_json, upper_json, state, rows, bytes, attempts FROM chunk WHERE table_key = ? ORDER BY idx");
  RETURN_IF_ERROR(s.status("reading the chunk plan"));
  s.Bind(1, table_key);
  std::vector<ChunkRecord> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
    out.push_back(
        ChunkRecord{s.Int(0), s.Text(1), s.Text(2), static_cast<ChunkState>(s.Int(3)), s.Int(4), s.Int(5), s.Int(6)});
  }
  if (rc != SQLITE_DONE) return SqliteError(db_, "reading the chunk plan");
  return out;
}

Status MetaStore::MarkChunkStarted(const std::string& table_key, int64_t index) {
  MutexLock lock(mu_);
  Stmt s(db_, "UPDATE chunk SET state = 1, attempts = attempts + 1 WHERE table_key = ? AND idx = ? AND state <> 2");
  s.Bind(1, table_key).Bind(2, index);
  return RunOnce(db_, s, "recording a chunk start");
}

Status MetaStore::MarkChunkDone(const std::string& table_key, int64_t index, int64_t rows, int64_t bytes) {
  MutexLock lock(mu_);
  return InTransaction(db_, "state store", [&, db = db_] {
    Stmt s(db, "UPDATE chunk SET state = 2, rows = ?, bytes = ? WHERE table_key = ? AND idx = ? AND state <> 2");
    s.Bind(1, rows).Bind(2, bytes).Bind(3, table_key).Bind(4, index);
    RETURN_IF_ERROR(RunOnce(db, s, "recording a chunk checkpoint"));
    if (sqlite3_changes(db) != 1) return Status();  // already done: counted once
    Stmt t(db, "UPDATE table_progress SET migrated_rows = migrated_rows + ? WHERE table_key = ?");
    t.Bind(1, rows).Bind(2, table_key);
    return RunOnce(db, t, "recording a chunk checkpoint");
  });
}

Status MetaStore::ForgetTableWork(const std::string& table_key) {
  MutexLock lock(mu_);
  return InTransaction(db_, "state store", [&, db = db_] {
    for (const char* sql : {"DELETE FROM chunk WHERE table_key = ?", "DELETE FROM index_build WHERE table_key = ?"}) {
      Stmt del(db, sql);
      del.Bind(1, table_key);
      RETURN_IF_ERROR(RunOnce(db, del, "forgetting a table's progress"));
    }
    return Status();
  });
}

Status MetaStore::SaveIndex(const IndexRecord& r) {
  MutexLock lock(mu_);
  Stmt s(db_,
         "INSERT INTO index_build (table_key, name, ddl, status, started_at_ms, ended_at_ms, error) "
         "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(table_key, name) DO UPDATE SET ddl = excluded.ddl, "
         "status = excluded.status, started_at_ms = excluded.started_at_ms, ended_at_ms = excluded.ended_at_ms, "
         "error = excluded.error");
  s.Bind(1, r.table_key)
      .Bind(2, r.name)
      .Bind(3, r.ddl)
      .Bind(4, r.status)
      .Bind(5, r.started_at_ms)
      .Bind(6, r.ended_at_ms)
      .Bind(7, r.error);
  return RunOnce(db_, s, "saving an index record");
}

Result<std::vector<IndexRecord>> MetaStore::LoadIndexes(const std::string& table_key) {
  MutexLock lock(mu_);
  Stmt s(db_,
         "SELECT table_key, name, ddl, status, started_at_ms, ended_at_ms, error FROM index_build WHERE table_key = ? "
         "ORDER BY name");
  RETURN_IF_ERROR(s.status("reading index records"));
  s.Bind(1, table_key);
  std::vector<IndexRecord> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
    out.push_back(IndexRecord{s.Text(0), s.Text(1), s.Text(2), s.Text(3), s.Int(4), s.Int(5), s.Text(6)});
  }
  if (rc != SQLITE_DONE) return SqliteError(db_, "reading index records");
  return out;
}

Status MetaStore::Reset() {
  MutexLock lock(mu_);
  return InTransaction(db_, "state store", [&, db = db_] {
    return ExecSql(db, "DELETE FROM migration; DELETE FROM table_progress; DELETE FROM chunk; DELETE FROM index_build;",
                   "state store");
  });
}

}  // namespace godwit
