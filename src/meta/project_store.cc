#include "meta/project_store.h"

#include <array>
#include <chrono>
#include <random>
#include <string_view>

#include <fmt/format.h>

#include "meta/sqlite_db.h"

namespace godwit {
namespace {

// Versioned schema of the service's tables: entry i brings version i to
// i+1. Never edit an entry once released; append a new one.
constexpr std::array<std::string_view, 3> kSchemaMigrations = {
    R"sql(
CREATE TABLE project (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  tags_json TEXT NOT NULL DEFAULT '[]',
  migration_type TEXT NOT NULL,
  spec_json TEXT NOT NULL,
  state TEXT NOT NULL,
  stage TEXT NOT NULL DEFAULT '',
  step TEXT NOT NULL DEFAULT '',
  error_json TEXT NOT NULL DEFAULT '',
  created_by TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX project_state ON project (state);
CREATE TABLE project_secret (
  project_id INTEGER PRIMARY KEY REFERENCES project (id) ON DELETE CASCADE,
  source_password TEXT NOT NULL DEFAULT '',
  destination_password TEXT NOT NULL DEFAULT ''
);
CREATE TABLE subtask (
  project_id INTEGER NOT NULL REFERENCES project (id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  kind TEXT NOT NULL,
  status TEXT NOT NULL,
  progress REAL NOT NULL DEFAULT 0,
  started_at INTEGER NOT NULL DEFAULT 0,
  ended_at INTEGER NOT NULL DEFAULT 0,
  error TEXT NOT NULL DEFAULT '',
  detail_json TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (project_id, seq)
);
CREATE TABLE event (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  project_id INTEGER NOT NULL REFERENCES project (id) ON DELETE CASCADE,
  at INTEGER NOT NULL,
  kind TEXT NOT NULL,
  message TEXT NOT NULL
);
CREATE INDEX event_project ON event (project_id, id);
)sql",
    // Version 2: names for what a project creates on the databases, unique
    // across daemons (two data directories migrating from one server must
    // not share a replication slot). Projects of version 1 keep '' and
    // with it their old names (godwit_<id>).
    R"sql(
ALTER TABLE project ADD COLUMN resource_name TEXT NOT NULL DEFAULT '';
CREATE TABLE instance (
  singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
  instance_id TEXT NOT NULL
);
)sql",
    // Version 3: a subtask's resume state, typed and versioned by the
    // orchestrator, apart from the detail the API shows. Subtasks of
    // version 2 keep '' and are read once from their detail.
    R"sql(
ALTER TABLE subtask ADD COLUMN resume_state TEXT NOT NULL DEFAULT '';
)sql",
};

constexpr std::string_view kProjectColumns =
    "id, name, tags_json, migration_type, spec_json, state, stage, step, error_json, created_by, created_at, "
    "updated_at, resource_name";

ProjectRow ReadProject(const Stmt& s) {
  ProjectRow r;
  r.id = s.Int(0);
  r.name = s.Text(1);
  r.tags_json = s.Text(2);
  r.migration_type = s.Text(3);
  r.spec_json = s.Text(4);
  r.state = s.Text(5);
  r.stage = s.Text(6);
  r.step = s.Text(7);
  r.error_json = s.Text(8);
  r.created_by = s.Text(9);
  r.created_at = s.Int(10);
  r.updated_at = s.Int(11);
  r.resource_name = s.Text(12);
  return r;
}

Status InsertSubtask(sqlite3* db, const SubtaskRow& r) {
  Stmt s(db,
         "INSERT INTO subtask (project_id, seq, kind, status, progress, started_at, ended_at, error, detail_json, "
         "resume_state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (project_id, seq) DO UPDATE SET "
         "kind = excluded.kind, status = excluded.status, progress = excluded.progress, "
         "started_at = excluded.started_at, ended_at = excluded.ended_at, error = excluded.error, "
         "detail_json = excluded.detail_json, resume_state = excluded.resume_state");
  s.Bind(1, r.project_id).Bind(2, r.seq).Bind(3, r.kind).Bind(4, r.status);
  s.Bind(5, static_cast<int64_t>(r.progress * 100))
      .Bind(6, r.started_at)
      .Bind(7, r.ended_at)
      .Bind(8, r.error)
      .Bind(9, r.detail_json);
  s.Bind(10, r.resume_state);
  return RunOnce(db, s, "saving a subtask");
}

}  // namespace

Result<std::unique_ptr<ProjectStore>> ProjectStore::Open(const std::string& path) {
  ASSIGN_OR_RETURN(sqlite3 * db, OpenSqliteWithSchema(path, kSchemaMigrations, "the metadata store"));
  std::unique_ptr<ProjectStore> store(new ProjectStore(db));
  RETURN_IF_ERROR(ExecSql(db, "PRAGMA foreign_keys = ON", "the metadata store"));
  // This daemon's id, made once: 8 hex digits, enough that two data
  // directories pointed at one server do not pick the same.
  std::random_device random;
  const uint64_t bits = (static_cast<uint64_t>(random()) << 32) ^ random() ^
                        static_cast<uint64_t>(std::chrono::system_clock::now().time_since_epoch().count());
  Stmt make(db, "INSERT OR IGNORE INTO instance (singleton, instance_id) VALUES (1, ?)");
  make.Bind(1, fmt::format("{:08x}", static_cast<uint32_t>(bits ^ (bits >> 32))));
  RETURN_IF_ERROR(RunOnce(db, make, "naming this daemon's instance"));
  Stmt read(db, "SELECT instance_id FROM instance");
  if (read.Step() != SQLITE_ROW) return SqliteError(db, "reading this daemon's instance id");
  store->instance_id_ = read.Text(0);
  return store;
}

ProjectStore::~ProjectStore() { sqlite3_close(db_); }

Result<int64_t> ProjectStore::Create(const ProjectRow& r, const ProjectSecrets& secrets,
                                     const std::vector<SubtaskRow>& subtasks) {
  MutexLock lock(mu_);
  int64_t id = 0;
  RETURN_IF_ERROR(InTransaction(db_, "project store", [&, db = db_] {
    Stmt s(db,
           "INSERT INTO project (name, tags_json, migration_type, spec_json, state, stage, step, error_json, "
           "created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    s.Bind(1, r.name).Bind(2, r.tags_json).Bind(3, r.migration_type).Bind(4, r.spec_json).Bind(5, r.state);
    s.Bind(6, r.stage)
        .Bind(7, r.step)
        .Bind(8, r.error_json)
        .Bind(9, r.created_by)
        .Bind(10, r.created_at)
        .Bind(11, r.updated_at);
    RETURN_IF_ERROR(RunOnce(db, s, "creating a project"));
    id = sqlite3_last_insert_rowid(db);
    Stmt named(db, "UPDATE project SET resource_name = ? WHERE id = ?");
    named.Bind(1, "godwit_" + instance_id_ + "_" + std::to_string(id)).Bind(2, id);
    RETURN_IF_ERROR(RunOnce(db, named, "naming a project's resources"));
    Stmt sec(db, "INSERT INTO project_secret (project_id, source_password, destination_password) VALUES (?, ?, ?)");
    sec.Bind(1, id).Bind(2, secrets.source_password).Bind(3, secrets.destination_password);
    RETURN_IF_ERROR(RunOnce(db, sec, "storing a project's passwords"));
    for (SubtaskRow st : subtasks) {
      st.project_id = id;
      RETURN_IF_ERROR(InsertSubtask(db, st));
    }
    return Status();
  }));
  return id;
}

Result<std::optional<ProjectRow>> ProjectStore::GetLocked(int64_t id) {
  Stmt s(db_, "SELECT " + std::string(kProjectColumns) + " FROM project WHERE id = ?");
  RETURN_IF_ERROR(s.status("reading a project"));
  s.Bind(1, id);
  int rc = s.Step();
  if (rc == SQLITE_DONE) return std::optional<ProjectRow>();
  if (rc != SQLITE_ROW) return SqliteError(db_, "reading a project");
  return std::optional<ProjectRow>(ReadProject(s));
}

Result<std::optional<ProjectRow>> ProjectStore::Get(int64_t id) {
  MutexLock lock(mu_);
  return GetLocked(id);
}

Result<std::pair<std::vector<ProjectRow>, int64_t>> ProjectStore::List(const ProjectFilter& f) {
  MutexLock lock(mu_);
  // Every condition is written once and switched off by an empty parameter,
  // so the statement is the same whatever the filter.
  const std::string where =
      " WHERE (?1 = '' OR state = ?1)"
      " AND (?2 = '' OR EXISTS (SELECT 1 FROM json_each(project.tags_json) WHERE json_each.value = ?2))"
      " AND (?3 = '' OR (',' || migration_type || ',') LIKE ('%,' || ?3 || ',%'))"
      " AND (?4 = '' OR instr(lower(name), lower(?4)) > 0 OR CAST(id AS TEXT) = ?4)";
  auto bind = [&](Stmt& s) { s.Bind(1, f.state).Bind(2, f.tag).Bind(3, f.type).Bind(4, f.keyword); };
  Stmt count(db_, "SELECT count(*) FROM project" + where);
  RETURN_IF_ERROR(count.status("counting projects"));
  bind(count);
  if (count.Step() != SQLITE_ROW) return SqliteError(db_, "counting projects");
  int64_t total = count.Int(0);

  Stmt s(db_,
         "SELECT " + std::string(kProjectColumns) + " FROM project" + where + " ORDER BY id DESC LIMIT ?5 OFFSET ?6");
  RETURN_IF_ERROR(s.status("listing projects"));
  bind(s);
  s.Bind(5, f.page_size).Bind(6, (f.page - 1) * f.page_size);
  std::vector<ProjectRow> rows;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) rows.push_back(ReadProject(s));
  if (rc != SQLITE_DONE) return SqliteError(db_, "listing projects");
  return std::make_pair(std::move(rows), total);
}

Result<std::vector<int64_t>> ProjectStore::IdsInState(const std::string& state) {
  MutexLock lock(mu_);
  Stmt s(db_, "SELECT id FROM project WHERE state = ? ORDER BY id");
  RETURN_IF_ERROR(s.status("listing projects by state"));
  s.Bind(1, state);
  std::vector<int64_t> ids;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) ids.push_back(s.Int(0));
  if (rc != SQLITE_DONE) return SqliteError(db_, "listing projects by state");
  return ids;
}

Result<bool> ProjectStore::UpdateSpec(const ProjectRow& r, const std::string& expected_state) {
  MutexLock lock(mu_);
  Stmt s(db_,
         "UPDATE project SET name = ?, tags_json = ?, migration_type = ?, spec_json = ?, created_by = ? "
         "WHERE id = ? AND state = ?");
  s.Bind(1, r.name).Bind(2, r.tags_json).Bind(3, r.migration_type).Bind(4, r.spec_json).Bind(5, r.created_by);
  s.Bind(6, r.id).Bind(7, expected_state);
  RETURN_IF_ERROR(RunOnce(db_, s, "updating a project"));
  return sqlite3_changes(db_) > 0;
}

Result<bool> ProjectStore::TransitionState(int64_t id, const std::vector<std::string>& from, const std::string& to,
                                           int64_t now, const std::optional<std::string>& error_json) {
  MutexLock lock(mu_);
  std::string in;
  for (size_t i = 0; i < from.size(); ++i) in += (i ? ", ?" : "?");
  Stmt s(db_, std::string("UPDATE project SET state = ?, updated_at = ?") + (error_json ? ", error_json = ?" : "") +
                  " WHERE id = ? AND state IN (" + in + ")");
  RETURN_IF_ERROR(s.status("changing a project's state"));
  s.Bind(1, to).Bind(2, now);
  int next = 3;
  if (error_json) s.Bind(next++, *error_json);
  s.Bind(next++, id);
  for (const std::string& state : from) s.Bind(next++, state);
  RETURN_IF_ERROR(RunOnce(db_, s, "changing a project's state"));
  return sqlite3_changes(db_) > 0;
}

Status ProjectStore::SetStage(int64_t id, const std::string& stage, const std::string& step) {
  MutexLock lock(mu_);
  Stmt s(db_, "UPDATE project SET stage = ?, step = ? WHERE id = ?");
  s.Bind(1, stage).Bind(2, step).Bind(3, id);
  return RunOnce(db_, s, "saving a project's stage");
}

Status ProjectStore::Delete(int64_t id) {
  MutexLock lock(mu_);
  Stmt s(db_, "DELETE FROM project WHERE id = ?");
  s.Bind(1, id);
  return RunOnce(db_, s, "deleting a project");
}

Result<ProjectSecrets> ProjectStore::LoadSecrets(int64_t id) {
  MutexLock lock(mu_);
  Stmt s(db_, "SELECT source_password, destination_password FROM project_secret WHERE project_id = ?");
  RETURN_IF_ERROR(s.status("reading a project's passwords"));
  s.Bind(1, id);
  if (s.Step() != SQLITE_ROW) return ProjectSecrets{};
  return ProjectSecrets{s.Text(0), s.Text(1)};
}

Result<std::vector<SubtaskRow>> ProjectStore::LoadSubtasks(int64_t id) {
  MutexLock lock(mu_);
  Stmt s(db_,
         "SELECT project_id, seq, kind, status, progress, started_at, ended_at, error, detail_json, resume_state "
         "FROM subtask WHERE project_id = ? ORDER BY seq");
  RETURN_IF_ERROR(s.status("reading subtasks"));
  s.Bind(1, id);
  std::vector<SubtaskRow> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
    out.push_back(SubtaskRow{s.Int(0), s.Int(1), s.Text(2), s.Text(3), static_cast<double>(s.Int(4)) / 100.0, s.Int(5),
                             s.Int(6), s.Text(7), s.Text(8), s.Text(9)});
  }
  if (rc != SQLITE_DONE) return SqliteError(db_, "reading subtasks");
  return out;
}

Status ProjectStore::SaveSubtask(const SubtaskRow& row) {
  MutexLock lock(mu_);
  return InsertSubtask(db_, row);
}

Status ProjectStore::ReplaceSubtasks(int64_t id, const std::vector<SubtaskRow>& rows) {
  MutexLock lock(mu_);
  return InTransaction(db_, "project store", [&, db = db_] {
    Stmt del(db, "DELETE FROM subtask WHERE project_id = ?");
    del.Bind(1, id);
    RETURN_IF_ERROR(RunOnce(db, del, "resetting subtasks"));
    for (SubtaskRow r : rows) {
      r.project_id = id;
      RETURN_IF_ERROR(InsertSubtask(db, r));
    }
    return Status();
  });
}

Status ProjectStore::AddEvent(int64_t project_id, int64_t at, const std::string& kind, const std::string& message) {
  MutexLock lock(mu_);
  Stmt s(db_, "INSERT INTO event (project_id, at, kind, message) VALUES (?, ?, ?, ?)");
  s.Bind(1, project_id).Bind(2, at).Bind(3, kind).Bind(4, message);
  return RunOnce(db_, s, "recording an event");
}

Result<std::vector<EventRow>> ProjectStore::LoadEvents(int64_t project_id, int64_t limit) {
  MutexLock lock(mu_);
  Stmt s(db_,
         "SELECT id, project_id, at, kind, message FROM (SELECT * FROM event WHERE project_id = ? ORDER BY id DESC "
         "LIMIT ?) ORDER BY id");
  RETURN_IF_ERROR(s.status("reading events"));
  s.Bind(1, project_id).Bind(2, limit);
  std::vector<EventRow> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) out.push_back(EventRow{s.Int(0), s.Int(1), s.Int(2), s.Text(3), s.Text(4)});
  if (rc != SQLITE_DONE) return SqliteError(db_, "reading events");
  return out;
}

}  // namespace godwit
