#include "pipeline/full_migration.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <ctime>
#include <map>
#include <optional>
#include <set>
#include <thread>

#include "common/mutex.h"
#include "common/failpoint.h"
#include "common/retry.h"
#include "meta/meta_store.h"
#include "pipeline/chunk_copier.h"
#include "pipeline/chunker.h"
#include "pipeline/schema_objects.h"
#include "schema/dialect.h"
#include "schema/mysql_key_fit.h"
#include "schema/table_conversion.h"
#include "schema/view_translation.h"

namespace godwit {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Reconnection attempts for a chunk whose connection dropped, with backoff
// 1, 2, 4, 8, 10, 10... seconds: about two minutes for a server to restart.
constexpr int kMaxChunkRetries = 14;

std::string DescribeRange(const ChunkRecord& c) { return "[" + c.lower_json + ", " + c.upper_json + ")"; }

// Whether `table` on `dst` holds at least one row.
Result<bool> HasRows(Session& dst, const Dialect& dialect, const TableRef& table) {
  struct Any : BatchConsumer {
    bool rows = false;
    Status Consume(RowBatch& b) override {
      rows = rows || b.rows() > 0;
      return Status();
    }
  } any;
  ColumnType one;
  one.kind = TypeKind::kInt32;
  RETURN_IF_ERROR(dst.Query("SELECT 1 FROM " + dialect.QualifiedName(table) + " LIMIT 1",
                            std::span<const ColumnType>(&one, 1), any, BatchLimits{}));
  return any.rows;
}

// One table's journey through the migration.
struct TableJob {
  TableSchema source;
  TableSchema destination;
  std::string key;
  TableRecord record;
  std::optional<IndexDef> chunk_key;
  std::string select_sql;  // without WHERE
  std::vector<ColumnType> source_types;
  // The copy's workers share a table's job: what they change is under mu
  // (`record` too while the copy runs; the phases around it take one job at
  // a time on one thread).
  Mutex mu;
  int64_t chunks_left GODWIT_GUARDED_BY(mu) = 0;
  bool failed GODWIT_GUARDED_BY(mu) = false;

  bool Failed() {
    MutexLock lock(mu);
    return failed;
  }
};

// A pair of sessions one worker copies with.
struct Worker {
  std::unique_ptr<Session> source;
  std::unique_ptr<Session> destination;
};

}  // namespace

struct FullMigration::Impl {
  FullMigration& self;
  const FullMigrationOptions& opt;
  const Dialect& src_dialect;
  const Dialect& dst_dialect;
  std::unique_ptr<MetaStore> meta;
  std::vector<std::unique_ptr<TableJob>> jobs;
  std::vector<Worker> workers;
  MigrationRecord migration;
  bool resumed = false;  // the state file held this migration when the run began
  // Every table the state file knows was copied (PrepareJobs): with
  // `incremental`, synchronization owns the destination since.
  bool copy_completed = false;
  // Taking the snapshot again after a lost connection: a slot the failed
  // attempt created is this run's own and may be replaced.
  bool retrying_snapshot = false;
  int failed_objects = 0;
  std::vector<std::string> failed_names;

  Impl(FullMigration& s)
      : self(s),
        opt(s.options_),
        src_dialect(DialectFor(s.options_.source.engine)),
        dst_dialect(DialectFor(s.options_.destination.engine)) {}

  Progress& progress() { return self.progress_; }

  // Records a table's failure in the store and the progress; the others go on.
  void FailTable(TableJob& job, const Status& st) {
    {
      MutexLock lock(job.mu);
      job.failed = true;
      job.record.status = "failed";
      job.record.error = st.ToStringWithHint();
    }
    meta->SaveTable(job.record)
        .IgnoreBecause("the table's failure is reported in progress and fails the run either way");
    progress().UpdateTable(job.key, "failed", job.record.error);
  }

  Status SaveTable(TableJob& job, TablePhase phase, const std::string& status) {
    MutexLock lock(job.mu);
    job.record.phase = phase;
    job.record.status = status;
    if (status != "failed") job.record.error.clear();
    progress().UpdateTable(job.key, status);
    return meta->SaveTable(job.record);
  }

  Status Run();
  Status Finish();
  Status PrepareJobs(Session& src, Session& dst);
  Status RecordSynchronized(const TableSchema& source, const TableRef& destination);
  Status CheckDestination(Session& dst);
  Result<std::string> WhyNotCreatedHere(Session& dst, const TableJob& job);
  void FitToMysql(Session& src);
  Status CreateTables(Session& dst);
  Status OpenWorkers(Session& src);
  Status PlanTables();
  Status CopyRows();
  void RunDeferredDdl(TablePhase from, TablePhase to, const std::string& status_during, bool indexes);
  void CreateViews(Session& dst, const std::vector<ViewDef>& views, const ObjectMapping& mapping);
  Status Reconnect(Worker& w);
  // The copy makes what it copies into: a missing database file too.
  Endpoint DestinationEndpoint() const {
    Endpoint ep = opt.destination;
    AllowCreation(ep);
    return ep;
  }
  std::vector<ViewDef> views;
  std::optional<ObjectMapping> mapping;
  std::optional<SchemaObjects> objects;  // the catalog's other objects (PrepareJobs)
};

int DefaultConcurrency() { return std::max(2, static_cast<int>(std::thread::hardware_concurrency())); }

FullMigration::FullMigration(FullMigrationOptions options) : options_(std::move(options)) {}
FullMigration::~FullMigration() = default;

Status FullMigration::Run() {
  Impl impl(*this);
  return impl.Run();
}

Status FullMigration::Impl::Run() {
  if (opt.concurrency < 1 || opt.concurrency > 64) {
    return Status(ErrorCode::kInvalidArgument, "concurrency must be between 1 and 64");
  }
  if (opt.chunk_rows < 1) return Status(ErrorCode::kInvalidArgument, "chunk rows must be at least 1");
  RETURN_IF_ERROR(ObjectMapping::Validate(opt.objects));

  progress().SetPhase("connecting");
  ASSIGN_OR_RETURN(meta, MetaStore::Open(opt.state_path));
  if (opt.restart) RETURN_IF_ERROR(meta->Reset());
  ASSIGN_OR_RETURN(auto saved, meta->LoadMigration());
  if (saved && (saved->source != opt.source.Redacted() || saved->destination != opt.destination.Redacted())) {
    return Status(ErrorCode::kConflict,
                  "the state file " + opt.state_path + " belongs to another migration (" + saved->source + " -> " +
                      saved->destination + ")",
                  "Use another --state-dir, or --restart to forget that migration's progress.");
  }
  int64_t now = static_cast<int64_t>(std::time(nullptr));
  resumed = saved.has_value();
  migration =
      saved ? *saved : MigrationRecord{opt.source.Redacted(), opt.destination.Redacted(), "", "running", now, now};
  if (!migration.position_json.empty()) self.snapshot_taken_ = true;

  auto src = Connect(opt.source);
  if (!src.ok()) return src.status().WithContext("source " + opt.source.Redacted());
  Endpoint dst_ep = DestinationEndpoint();
  auto dst = Connect(dst_ep);
  if (!dst.ok()) return dst.status().WithContext("destination " + opt.destination.Redacted());

  RETURN_IF_ERROR(PrepareJobs(**src, **dst));
  if (resumed) RETURN_IF_ERROR(CheckDestination(**dst));
  migration.state = "running";
  migration.updated_at = now;
  RETURN_IF_ERROR(meta->SaveMigration(migration));

  progress().SetPhase("schema");
  objects->RecordManualItems();
  objects->BeforeTables(**dst);
  FitToMysql(**src);
  RETURN_IF_ERROR(CreateTables(**dst));
  objects->AfterTables(**dst);
  if (opt.scope == FullMigrationScope::kTablesOnly) return Finish();
  if (opt.scope == FullMigrationScope::kSchemaOnly) {
    // No rows to copy: every created table goes straight to its indexes.
    for (auto& job : jobs) {
      if (!job->Failed() && job->record.phase == TablePhase::kSchemaCreated) {
        RETURN_IF_ERROR(SaveTable(*job, TablePhase::kCopied, "pending"));
      }
    }
  }

  bool need_rows = std::any_of(jobs.begin(), jobs.end(),
                               [](const auto& j) { return !j->Failed() && j->record.phase < TablePhase::kCopied; });
  if (need_rows) {
    progress().SetPhase("snapshot");
    // A source restarting or a connection dropping while the snapshot is
    // taken and the workers join it: connect again and take it again.
    Status opened = OpenWorkers(**src);
    for (int attempt = 1; !opened.ok() && opened.retryable() && attempt <= kMaxChunkRetries && !self.cancel_;
         ++attempt) {
      progress().AddWarning("taking the source snapshot: " + opened.ToString() + "; reconnecting (attempt " +
                            std::to_string(attempt) + ")");
      SleepUnlessCancelled(Backoff{}.Delay(attempt), self.cancel_);
      workers.clear();
      retrying_snapshot = true;
      auto again = Connect(opt.source);
      if (!again.ok()) {
        opened = again.status().WithContext("source " + opt.source.Redacted());
        continue;
      }
      *src = std::move(*again);
      opened = OpenWorkers(**src);
    }
    RETURN_IF_ERROR(opened);
    progress().SetPhase("chunking");
    RETURN_IF_ERROR(PlanTables());
    progress().SetPhase("copying");
    RETURN_IF_ERROR(CopyRows());
    for (auto& w : workers) w.source->EndSnapshot().IgnoreBecause("read-only snapshot transactions: nothing to lose");
  }
  if (!self.cancel_) {
    if (workers.empty()) {
      // Resuming after the copy: index builds still need sessions.
      for (int i = 0; i < opt.concurrency; ++i) {
        auto d = Connect(dst_ep);
        if (!d.ok()) return d.status().WithContext("destination");
        workers.push_back({nullptr, std::move(*d)});
      }
    }
    progress().SetPhase("indexes");
    RunDeferredDdl(TablePhase::kCopied, TablePhase::kIndexed, "indexing", true);
  }
  if (!self.cancel_) {
    progress().SetPhase("constraints");
    RunDeferredDdl(TablePhase::kIndexed, TablePhase::kCompleted, "constraints", false);
  }
  if (!self.cancel_) {
    progress().SetPhase("views");
    CreateViews(**dst, views, *mapping);
    objects->AfterViews(**dst);
  }
  if (!self.cancel_) {
    progress().SetPhase("triggers");
    objects->AfterData(**src, **dst);
  }

  return Finish();
}

// Records how the run ended: cancelled, completed, or failed with the list
// of failed objects.
Status FullMigration::Impl::Finish() {
  for (auto& job : jobs) {
    if (job->Failed()) {
      ++failed_objects;
      failed_names.push_back(job->key);
    }
  }
  if (objects) {
    for (const std::string& key : objects->failed()) {
      ++failed_objects;
      failed_names.push_back(key);
    }
  }
  migration.updated_at = static_cast<int64_t>(std::time(nullptr));
  if (self.cancel_) {
    migration.state = "cancelled";
    meta->SaveMigration(migration).IgnoreBecause(
        "'cancelled' is for display; a resume continues from the chunks and tables recorded as done");
    progress().SetPhase("cancelled");
    return Status(ErrorCode::kCancelled, "migration stopped; run the same command again to resume");
  }
  migration.state = failed_objects == 0 ? "completed" : "failed";
  RETURN_IF_ERROR(meta->SaveMigration(migration));
  progress().SetPhase(migration.state);
  if (failed_objects > 0) {
    std::string names;
    for (size_t i = 0; i < failed_names.size() && i < 10; ++i) names += (i ? ", " : "") + failed_names[i];
    if (failed_names.size() > 10) names += ", ...";
    return Status(ErrorCode::kWriteFailed, std::to_string(failed_objects) + " object(s) failed: " + names,
                  "Each failed object's error says what to do; fix it and run the same command again: finished "
                  "work is kept and the rest resumes.");
  }
  return Status();
}

Status FullMigration::Impl::PrepareJobs(Session& src, Session& dst) {
  progress().SetPhase("catalog");
  mapping.emplace(opt.objects, src.default_schema(), dst.default_schema());
  auto catalog = src.ReadCatalog([&](const TableRef& ref) { return mapping->Includes(ref); });
  if (!catalog.ok()) return catalog.status().WithContext("reading the source catalog");
  if (catalog->tables.empty()) {
    return Status(ErrorCode::kNotFound,
                  "no table of " + opt.source.Redacted() + " matches the include/exclude patterns",
                  "Check the database name in the URI and the --include/--exclude patterns (matched against "
                  "'schema.table' and 'table').");
  }
  views = catalog->views;
  {
    // The other objects of the schemas the chosen tables and views are in.
    std::set<std::string> schema_set;
    std::set<TableRef> table_refs;
    for (const TableSchema& t : catalog->tables) {
      schema_set.insert(t.ref.schema);
      table_refs.insert(t.ref);
    }
    for (const ViewDef& v : catalog->views) schema_set.insert(v.ref.schema);
    auto read = src.ReadObjects(std::vector<std::string>(schema_set.begin(), schema_set.end()));
    if (!read.ok()) return read.status().WithContext("reading the source's functions, types and triggers");
    objects.emplace(SchemaObjectsContext{src.engine(), dst_dialect, *mapping, *meta, progress(), opt.incremental},
                    std::move(*read), std::move(table_refs));
  }
  const auto serial_defaults = objects->SerialDefaults();
  ASSIGN_OR_RETURN(auto records, meta->LoadTables());
  std::map<std::string, TableRecord> by_key;
  for (auto& r : records) by_key[r.key] = r;
  // By phase, not status: a completed table that failed again on a later
  // run (its conversion, say) was still copied.
  copy_completed = !migration.position_json.empty() && !records.empty() &&
                   std::all_of(records.begin(), records.end(),
                               [](const TableRecord& r) { return r.phase == TablePhase::kCompleted; });

  std::set<TableRef> dst_refs;
  for (const TableSchema& t : catalog->tables) {
    auto job = std::make_unique<TableJob>();
    job->key = t.ref.ToString();
    job->source = t;
    TableRef dst_ref = mapping->DestinationOf(t.ref);
    if (!dst_refs.insert(dst_ref).second) {
      return Status(ErrorCode::kInvalidArgument,
                    "two source tables would become " + dst_ref.ToString() + " on the destination",
                    "Rename one of them (objects.rename in the project file) or exclude one.");
    }
    auto it = by_key.find(job->key);
    if (it == by_key.end() && copy_completed && opt.incremental) {
      RETURN_IF_ERROR(RecordSynchronized(t, dst_ref));
      continue;
    }
    job->record = it != by_key.end() ? it->second : TableRecord{job->key,  dst_ref.ToString(), TablePhase::kPending,
                                                                "pending", t.estimated_rows,   0,
                                                                ""};
    job->record.destination = dst_ref.ToString();
    if (job->record.phase < TablePhase::kPlanned) job->record.estimated_rows = t.estimated_rows;
    progress().SetTable({job->key, job->record.destination, job->record.estimated_rows, job->record.migrated_rows,
                         job->record.phase == TablePhase::kCompleted ? "completed" : "pending", ""});

    auto converted = ConvertTable(t, dst_ref, src.engine(), dst_dialect, &*mapping);
    if (!converted.ok()) {
      jobs.push_back(std::move(job));
      FailTable(*jobs.back(), converted.status());
      continue;
    }
    job->destination = std::move(converted->table);
    // A serial column keeps its sequence, which is carried (SchemaObjects).
    for (Column& c : job->destination.columns) {
      auto serial = serial_defaults.find({t.ref, c.name});
      if (serial == serial_defaults.end()) continue;
      c.auto_increment = false;
      c.default_kind = Column::DefaultKind::kExpression;
      c.default_value = serial->second;
    }
    for (size_t i = 0; i < job->destination.foreign_keys.size(); ++i) {
      TableRef ref = t.foreign_keys[i].ref_table;
      if (ref.schema.empty()) ref.schema = t.ref.schema;
      job->destination.foreign_keys[i].ref_table = mapping->DestinationOf(ref);
    }
    for (auto& w : converted->warnings) progress().AddWarning(w);
    job->chunk_key = t.ChunkKey();
    if (!job->chunk_key && job->record.phase < TablePhase::kCopied) {
      progress().AddWarning("table " + job->key +
                            " has no primary key and no unique NOT NULL key: it is copied as one chunk, and copied "
                            "again whole if interrupted");
    }
    std::string cols;
    for (const Column& c : t.columns) {
      if (!cols.empty()) cols += ", ";
      cols += src_dialect.SelectExpr(c);
      job->source_types.push_back(c.type);
    }
    job->select_sql = "SELECT " + cols + " FROM " + src_dialect.FromTable(t);
    jobs.push_back(std::move(job));
  }
  return Status();
}

// A table created or renamed on the source after the copy completed:
// recorded completed, not copied (FullMigrationOptions::incremental says
// why); no job, so nothing else of this run touches it.
Status FullMigration::Impl::RecordSynchronized(const TableSchema& source, const TableRef& destination) {
  const std::string key = source.ref.ToString();
  TableRecord record{key, destination.ToString(), TablePhase::kCompleted, "completed", source.estimated_rows, 0, ""};
  RETURN_IF_ERROR(meta->SaveTable(record));
  progress().SetTable({key, record.destination, record.estimated_rows, 0, "completed", ""});
  // Both engines' DDL is carried now (PostgreSQL's by an event trigger,
  // connector/postgres/pg_ddl_capture.h); what is not (a PostgreSQL table without a
  // replica identity, say) docs/incremental.md lists.
  progress().AddWarning("table " + key +
                        " was created or renamed on the source after the copy: it is not copied, "
                        "synchronization carries it (its DDL creates " +
                        record.destination +
                        " on the destination, then its rows follow; docs/incremental.md says which DDL is carried)");
  return Status();
}

// A resumed run's tables must still be the ones it created: a destination
// dropped and created again, or a URI that now names another server, has
// lost them, and resuming would copy nothing and report success over empty
// tables. Such tables are copied again from the start, with a warning:
// nothing of their earlier progress can be trusted, and each table's copy
// stands alone. With incremental synchronization the source position the
// state holds belongs to the old copy, so the run stops instead and says
// how to start over.
Status FullMigration::Impl::CheckDestination(Session& dst) {
  std::vector<TableJob*> lost;
  std::string list;
  for (auto& job : jobs) {
    if (job->Failed() || job->record.phase < TablePhase::kSchemaCreated) continue;
    auto why = WhyNotCreatedHere(dst, *job);
    if (!why.ok()) return why.status().WithContext("checking the destination against the saved state");
    if (why->empty()) continue;
    lost.push_back(job.get());
    if (lost.size() <= 5) list += (lost.size() > 1 ? "; " : "") + job->record.destination + " " + *why;
  }
  if (lost.empty()) return Status();
  if (lost.size() > 5) list += "; and " + std::to_string(lost.size() - 5) + " more";
  const std::string what = "the destination is not the one the state file " + opt.state_path +
                           " was recorded for (was it dropped and created again, or is it another server?): " + list;
  if (opt.incremental) {
    return Status(ErrorCode::kConflict, what,
                  "Start the migration over: godwit migrate --restart --incremental (in the service, create the "
                  "project again). The state's source position belongs to the earlier copy.");
  }
  for (TableJob* job : lost) {
    RETURN_IF_ERROR(meta->ForgetTableWork(job->key));
    job->record = TableRecord{
        job->key, job->record.destination, TablePhase::kPending, "pending", job->source.estimated_rows, 0, "", ""};
    RETURN_IF_ERROR(meta->SaveTable(job->record));
    progress().SetTable({job->key, job->record.destination, job->record.estimated_rows, 0, "pending", ""});
  }
  progress().AddWarning(what + ": " + std::to_string(lost.size()) + " table(s) are copied again from the start");
  return Status();
}

// Why the destination table of `job` is not the one this migration created
// ("" when it is): missing, or empty though the run had committed rows to
// it or it was created again since (Session::TableIdentity).
Result<std::string> FullMigration::Impl::WhyNotCreatedHere(Session& dst, const TableJob& job) {
  const TableRecord& r = job.record;
  ASSIGN_OR_RETURN(std::string now, dst.TableIdentity(job.destination.ref));
  if (copy_completed && opt.incremental) {
    // Synchronization owns the tables now: its DDL may have re-created one
    // and its deletes emptied it. A table it is to create (recorded without
    // an identity by RecordSynchronized) may not exist yet.
    return now.empty() && !r.destination_identity.empty() ? std::string("is missing") : std::string();
  }
  if (now.empty()) return std::string("is missing");
  const bool recreated = !r.destination_identity.empty() && now != r.destination_identity;
  if (!recreated && r.migrated_rows == 0) return std::string();
  // MySQL's identity also changes with the run's own index builds: a table
  // holding rows is taken as this run's.
  ASSIGN_OR_RETURN(bool rows, HasRows(dst, dst_dialect, job.destination.ref));
  if (rows) return std::string();
  return recreated ? std::string("was created again and is empty")
                   : "is empty, though " + std::to_string(r.migrated_rows) + " rows were copied into it";
}

// To MySQL from another engine: keys on text sized from the source's
// longest values, and foreign keys made acceptable to InnoDB
// (schema/mysql_key_fit.h). Read before the snapshot: later rows are what
// the sizing's headroom is for. A table whose key cannot fit fails alone.
void FullMigration::Impl::FitToMysql(Session& src) {
  if (dst_dialect.engine() != Engine::kMysql || src.engine() == Engine::kMysql) return;
  for (auto& job : jobs) {
    // Tables past their index builds have no key DDL left to write.
    if (job->Failed() || job->record.phase >= TablePhase::kIndexed) continue;
    std::map<std::string, uint64_t> longest;
    Status read;
    for (const std::string& name : KeyColumnsToMeasure(job->destination)) {
      const Column* c = job->source.FindColumn(name);
      if (c == nullptr) continue;
      auto row = QueryFirstRow(src, LongestValueQuery(src_dialect, job->source.ref, *c), 1);
      if (!row.ok()) {
        read = row.status().WithContext("reading the longest value of " + job->key + "." + name);
        break;
      }
      uint64_t n = 0;
      std::from_chars((*row)[0].data(), (*row)[0].data() + (*row)[0].size(), n);
      longest[name] = n;
    }
    if (!read.ok()) {
      FailTable(*job, read);
      continue;
    }
    auto warnings = FitKeysToMysql(job->destination, longest, job->key);
    if (!warnings.ok()) {
      FailTable(*job, warnings.status());
      continue;
    }
    for (auto& w : *warnings) progress().AddWarning(w);
  }
  std::map<TableRef, const TableSchema*> parents;
  for (auto& job : jobs) {
    if (!job->Failed()) parents[job->destination.ref] = &job->destination;
  }
  for (auto& job : jobs) {
    if (job->Failed() || job->record.phase >= TablePhase::kCompleted) continue;
    for (auto& w : FitForeignKeysToMysql(job->destination, parents, job->key)) progress().AddWarning(w);
  }
}

Status FullMigration::Impl::CreateTables(Session& dst) {
  std::set<TableRef> wanted;
  for (auto& job : jobs) {
    if (!job->Failed() && job->record.phase < TablePhase::kSchemaCreated) wanted.insert(job->destination.ref);
  }
  if (wanted.empty()) return Status();
  std::set<std::string> schemas;
  for (const auto& ref : wanted) {
    if (ref.schema.empty() || ref.schema == dst.default_schema() || !schemas.insert(ref.schema).second) continue;
    std::string sql = dst_dialect.CreateSchemaIfNotExists(ref.schema);
    if (sql.empty()) continue;
    if (Status st = dst.Execute(sql); !st.ok()) {
      return st.WithContext("creating schema " + ref.schema + " on the destination (" + sql + ")");
    }
  }
  auto existing = dst.ReadCatalog([&](const TableRef& ref) { return wanted.count(ref) > 0; });
  if (!existing.ok()) return existing.status().WithContext("reading the destination catalog");
  std::set<TableRef> present;
  for (const auto& t : existing->tables) present.insert(t.ref);

  for (auto& job : jobs) {
    if (job->Failed() || job->record.phase >= TablePhase::kSchemaCreated) continue;
    progress().UpdateTable(job->key, "schema");
    if (present.count(job->destination.ref)) {
      // Loading into a table the DBA created beforehand is supported; into
      // one that already holds rows is not (we would mix data).
      auto rows = HasRows(dst, dst_dialect, job->destination.ref);
      if (!rows.ok()) {
        FailTable(*job, rows.status().WithContext("checking destination table " + job->record.destination));
        continue;
      }
      if (*rows) {
        FailTable(*job, Status(ErrorCode::kConflict,
                               "destination table " + job->record.destination + " already exists and holds rows",
                               "Empty or drop it on the destination (or exclude the table), then run again."));
        continue;
      }
      progress().AddWarning("destination table " + job->record.destination +
                            " already existed and was empty: rows are loaded into it as it is");
      // A TIME column the DBA created as another type (interval, for MySQL
      // TIME values PostgreSQL time cannot hold) is written as that type.
      for (const TableSchema& e : existing->tables) {
        if (e.ref != job->destination.ref) continue;
        for (Column& c : job->destination.columns) {
          const Column* made = e.FindColumn(c.name);
          if (c.type.kind == TypeKind::kTime && made && made->type.kind != TypeKind::kTime) c.type = made->type;
        }
      }
    } else {
      auto stmts = dst_dialect.CreateTable(job->destination);
      if (!stmts.ok()) {
        FailTable(*job, stmts.status());
        continue;
      }
      // A table's statements (PostgreSQL: its enum types, the table, its
      // comments) are one transaction where DDL is transactional, so a kill
      // between them leaves nothing behind that would make the next run
      // fail ("type already exists"). MySQL commits each statement; it has
      // one CREATE TABLE per table, and a table found empty is reused.
      size_t failed = stmts->size();
      Status st = ExecuteDdl(dst, dst_dialect.TransactionalDdl(), *stmts, &failed);
      if (!st.ok() && failed < stmts->size()) {
        st = Status(st.code(), st.message() + " (statement: " + (*stmts)[failed] + ")", st.hint(), st.native_code());
      }
      if (!st.ok()) {
        FailTable(*job, st.WithContext("creating " + job->record.destination));
        continue;
      }
    }
    auto identity = dst.TableIdentity(job->destination.ref);
    if (!identity.ok()) {
      FailTable(*job, identity.status().WithContext("created " + job->record.destination));
      continue;
    }
    job->record.destination_identity = *identity;
    // Created (or found empty) but not recorded: the next run finds the
    // table empty and loads into it.
    GODWIT_FAILPOINT("table_created");
    RETURN_IF_ERROR(SaveTable(*job, TablePhase::kSchemaCreated, "pending"));
  }
  return Status();
}

Status FullMigration::Impl::OpenWorkers(Session& src) {
  SnapshotOptions snap;
  bool new_position = migration.position_json.empty();
  if (new_position) {
    snap.replication_slot = opt.replication_slot;
    // A slot of that name on a resumed run without a saved position is the
    // one the killed run created just before it could save the position.
    snap.replace_inactive_slot = resumed || retrying_snapshot;
  }
  auto lease = src.ExportSnapshot(snap);
  if (!lease.ok()) return lease.status().WithContext("taking the source snapshot");
  Endpoint dst_ep = DestinationEndpoint();
  for (int i = 0; i < opt.concurrency; ++i) {
    Worker w;
    auto s = Connect(opt.source);
    if (!s.ok()) return s.status().WithContext("source worker connection");
    auto d = Connect(dst_ep);
    if (!d.ok()) return d.status().WithContext("destination worker connection");
    w.source = std::move(*s);
    w.destination = std::move(*d);
    if (Status st = w.source->JoinSnapshot(**lease); !st.ok()) return st.WithContext("joining the source snapshot");
    workers.push_back(std::move(w));
  }
  RETURN_IF_ERROR((*lease)->Release());
  GODWIT_FAILPOINT("snapshot_taken");
  if (new_position) {
    migration.position_json = PositionToJson((*lease)->position());
    RETURN_IF_ERROR(meta->SaveMigration(migration));
  }
  self.snapshot_taken_ = true;
  return Status();
}

Status FullMigration::Impl::PlanTables() {
  Session& reader = *workers[0].source;
  for (auto& job : jobs) {
    if (job->Failed() || job->record.phase != TablePhase::kSchemaCreated) continue;
    auto t0 = std::chrono::steady_clock::now();
    auto plan = PlanChunks(reader, job->source, opt.chunk_rows);
    progress().ChunkingTime(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count(),
        plan.ok() ? static_cast<int64_t>(plan->size()) : 0);
    if (!plan.ok()) {
      FailTable(*job, plan.status().WithContext("splitting " + job->key + " into chunks"));
      continue;
    }
    std::vector<ChunkRecord> records;
    for (size_t i = 0; i < plan->size(); ++i) {
      records.push_back({static_cast<int64_t>(i), KeyBoundToJson((*plan)[i].lower), KeyBoundToJson((*plan)[i].upper),
                         ChunkState::kPending, 0, 0});
    }
    RETURN_IF_ERROR(meta->SaveChunkPlan(job->key, records));
    job->record.migrated_rows = 0;
    RETURN_IF_ERROR(SaveTable(*job, TablePhase::kPlanned, "pending"));
  }
  return Status();
}

Status FullMigration::Impl::CopyRows() {
  struct Task {
    TableJob* job;
    ChunkRecord chunk;
  };
  std::vector<Task> tasks;
  for (auto& job : jobs) {
    if (job->Failed() || job->record.phase != TablePhase::kPlanned) continue;
    ASSIGN_OR_RETURN(auto chunks, meta->LoadChunks(job->key));
    int64_t done_rows = 0;
    int64_t chunks_left = 0;
    for (auto& c : chunks) {
      if (c.state == ChunkState::kDone) {
        done_rows += c.rows;
        continue;
      }
      tasks.push_back({job.get(), c});
      ++chunks_left;
    }
    {
      MutexLock lock(job->mu);
      job->chunks_left = chunks_left;
    }
    job->record.migrated_rows = done_rows;
    progress().SetTable({job->key, job->record.destination, job->record.estimated_rows, done_rows, "copying", ""});
    if (chunks_left == 0) RETURN_IF_ERROR(SaveTable(*job, TablePhase::kCopied, "copied"));
  }
  // Chunk-major order spreads the workers over tables, so that one slow
  // table does not hold every worker.
  std::stable_sort(tasks.begin(), tasks.end(),
                   [](const Task& a, const Task& b) { return a.chunk.index < b.chunk.index; });
  progress().AddChunksTotal(static_cast<int64_t>(tasks.size()));

  std::atomic<size_t> next{0};
  Mutex fatal_mu;
  Status fatal;  // a metadata failure stops everything: checkpoints could not be trusted
  auto work = [&](Worker& w) {
    for (;;) {
      size_t i = next++;
      if (i >= tasks.size() || self.cancel_) return;
      Task& task = tasks[i];
      TableJob& job = *task.job;
      if (job.Failed()) continue;
      auto lower = KeyBoundFromJson(task.chunk.lower_json);
      auto upper = KeyBoundFromJson(task.chunk.upper_json);
      if (!lower.ok() || !upper.ok()) {
        FailTable(job, lower.ok() ? upper.status() : lower.status());
        continue;
      }
      ChunkRange range{*lower, *upper};
      // A chunk found `started` may have committed before the previous run
      // could record it: its copy first clears what that attempt left, in
      // the load's own transaction (ChunkClearStatements says how, and why
      // that removes exactly the chunk's rows).
      bool clear_first = task.chunk.state == ChunkState::kStarted;
      if (Status st = meta->MarkChunkStarted(job.key, task.chunk.index); !st.ok()) {
        MutexLock lock(fatal_mu);
        fatal = st;
        self.cancel_ = true;
        return;
      }
      std::string pred = job.chunk_key ? ChunkPredicate(src_dialect, job.source, *job.chunk_key, range) : "";
      ChunkCopyRequest req;
      req.select_sql = pred.empty() ? job.select_sql : job.select_sql + " WHERE " + pred;
      req.source_types = job.source_types;
      req.destination = &job.destination;
      req.limits = opt.batch;
      req.cancel = &self.cancel_;
      // Rows read count as the source streams them, retries included;
      // rows written only once the destination has committed the chunk.
      req.on_read = [this](int64_t rows, int64_t bytes) { progress().RowsRead(rows, bytes); };
      auto copy = [&]() -> Result<ChunkCopyStats> {
        req.pre_sql.clear();
        if (clear_first) {
          ASSIGN_OR_RETURN(req.pre_sql, ChunkClearStatements(*w.source, job.source, dst_dialect, job.destination,
                                                             job.chunk_key, range));
        }
        return CopyChunk(*w.source, *w.destination, req);
      };
      auto stats = copy();
      // A dropped connection or a restarting server: reconnect and copy the
      // chunk again (cleared first: the lost attempt may have committed).
      // The new source session reads outside the original snapshot, which
      // change capture from the saved position reconciles.
      for (int attempt = 1; !stats.ok() && stats.status().retryable() && attempt <= kMaxChunkRetries && !self.cancel_;
           ++attempt) {
        progress().AddWarning("chunk " + std::to_string(task.chunk.index) + " of " + job.key + ": " +
                              stats.status().ToString() + "; reconnecting (attempt " + std::to_string(attempt) + ")");
        SleepUnlessCancelled(Backoff{}.Delay(attempt), self.cancel_);
        if (Status st = Reconnect(w); !st.ok()) {
          stats = st;
          continue;
        }
        clear_first = true;
        stats = copy();
      }
      if (!stats.ok()) {
        if (stats.status().code() != ErrorCode::kCancelled) {
          FailTable(job, stats.status().WithContext("copying chunk " + std::to_string(task.chunk.index) + " " +
                                                    DescribeRange(task.chunk) + " of " + job.key));
        }
        continue;
      }
      // The destination has committed; a crash here leaves the chunk
      // `started`, and the next run clears its rows before copying it again.
      GODWIT_FAILPOINT("chunk_committed");
      GODWIT_FAILPOINT("chunk_committed/" + job.key);  // one table's chunks only
      if (Status st = meta->MarkChunkDone(job.key, task.chunk.index, stats->rows, stats->bytes); !st.ok()) {
        MutexLock lock(fatal_mu);
        fatal = st;
        self.cancel_ = true;
        return;
      }
      progress().ChunkDone(stats->rows, stats->bytes, stats->read_ns, stats->write_ns);
      progress().AddTableRows(job.key, stats->rows);
      bool table_done = false;
      {
        MutexLock lock(job.mu);
        job.record.migrated_rows += stats->rows;
        table_done = --job.chunks_left == 0 && !job.failed;
      }
      // A table not recorded as copied is not one: a resume would take it
      // for done without this record, so its loss fails the table.
      if (table_done) {
        if (Status saved = SaveTable(job, TablePhase::kCopied, "copied"); !saved.ok()) {
          FailTable(job, saved.WithContext("recording " + job.key + " as copied"));
        }
      }
    }
  };
  std::vector<std::thread> threads;
  for (auto& w : workers) threads.emplace_back(work, std::ref(w));
  for (auto& t : threads) t.join();
  return fatal;
}

void FullMigration::Impl::RunDeferredDdl(TablePhase from, TablePhase to, const std::string& status_during,
                                         bool indexes) {
  struct Item {
    TableJob* job;
    std::string name;
    std::string ddl;
  };
  std::vector<Item> items;
  std::map<TableJob*, int> pending;
  std::vector<TableJob*> tables;
  for (auto& job : jobs) {
    if (job->Failed() || job->record.phase != from) continue;
    auto done = meta->LoadIndexes(job->key);
    std::set<std::string> completed;
    if (done.ok()) {
      for (auto& r : *done) {
        if (r.status == "completed") completed.insert(r.name);
      }
    }
    std::vector<std::pair<std::string, Result<std::string>>> ddl;
    if (indexes) {
      for (const auto& idx : job->destination.indexes) {
        ddl.emplace_back("index:" + idx.name, dst_dialect.CreateIndex(job->destination, idx));
      }
    } else {
      for (const auto& fk : job->destination.foreign_keys) {
        ddl.emplace_back("fk:" + fk.name, dst_dialect.AddForeignKey(job->destination, fk));
      }
      for (const auto& ck : job->destination.checks) {
        ddl.emplace_back("check:" + ck.name, dst_dialect.AddCheck(job->destination, ck));
      }
      int n = 0;
      for (auto& sql : dst_dialect.AfterLoad(job->destination)) {
        ddl.emplace_back("after-load:" + std::to_string(n++), sql);  // idempotent; run every time
        completed.erase(ddl.back().first);
      }
    }
    progress().UpdateTable(job->key, status_during);
    tables.push_back(job.get());
    for (auto& [name, sql] : ddl) {
      if (completed.count(name)) continue;
      if (!sql.ok()) {
        meta->SaveIndex({job->key, name, "", "failed", 0, 0, sql.status().ToStringWithHint()})
            .IgnoreBecause("the index's failure fails its table, which is what a resume acts on");
        FailTable(*job, sql.status().WithContext(name + " of " + job->key));
        continue;
      }
      if (sql->empty()) continue;  // nothing to run on this destination
      items.push_back({job.get(), name, *sql});
    }
  }
  std::atomic<size_t> next{0};
  auto work = [&](Session& dst) {
    for (;;) {
      size_t i = next++;
      if (i >= items.size() || self.cancel_) return;
      Item& it = items[i];
      IndexRecord rec{it.job->key, it.name, it.ddl, "running", NowMs(), 0, ""};
      meta->SaveIndex(rec).IgnoreBecause("index records are for display; the table's phase decides a resume");
      GODWIT_FAILPOINT("deferred_ddl");
      Status st = dst.Execute(it.ddl);
      rec.ended_at_ms = NowMs();
      rec.status = st.ok() ? "completed" : "failed";
      rec.error = st.ok() ? "" : st.ToStringWithHint();
      meta->SaveIndex(rec).IgnoreBecause("index records are for display; the table's phase decides a resume");
      if (!st.ok() && it.name.starts_with("fk:")) {
        // The rows do not depend on a foreign key: the destination's
        // refusal is reported for the key alone and the table completes.
        progress().AddWarning("foreign key " + it.name.substr(3) + " of " + it.job->key +
                              " was not created: " + st.ToStringWithHint() + " (statement: " + it.ddl +
                              "); create it on the destination by hand if it is needed");
      } else if (!st.ok()) {
        FailTable(*it.job, Status(st.code(),
                                  it.name + " of " + it.job->key + ": " + st.message() + " (statement: " + it.ddl + ")",
                                  st.hint(), st.native_code()));
      }
    }
  };
  // Foreign keys depend on other tables' keys; run them on one session in
  // order. Indexes are independent and built in parallel.
  size_t parallel = indexes ? workers.size() : 1;
  std::vector<std::thread> threads;
  for (size_t w = 0; w < parallel; ++w) threads.emplace_back(work, std::ref(*workers[w].destination));
  for (auto& t : threads) t.join();
  if (self.cancel_) return;
  for (TableJob* job : tables) {
    if (job->Failed()) continue;
    // MySQL's identity changes when the DDL rebuilt the table: record the
    // table as it is now (on error the older one stays; the resume check
    // does not rely on it alone).
    if (auto identity = workers[0].destination->TableIdentity(job->destination.ref); identity.ok()) {
      MutexLock lock(job->mu);
      job->record.destination_identity = *identity;
    }
    // Its indexes and constraints are in; without the record a resume
    // would build them again over existing ones: its loss fails the table.
    if (Status saved = SaveTable(*job, to, to == TablePhase::kCompleted ? "completed" : "indexed"); !saved.ok()) {
      FailTable(*job, saved.WithContext("recording " + job->key + " as " +
                                        (to == TablePhase::kCompleted ? "completed" : "indexed")));
    }
  }
}

Status FullMigration::Impl::Reconnect(Worker& w) {
  auto s = Connect(opt.source);
  if (!s.ok()) return s.status().WithContext("reconnecting to the source");
  auto d = Connect(DestinationEndpoint());
  if (!d.ok()) return d.status().WithContext("reconnecting to the destination");
  w.source = std::move(*s);
  w.destination = std::move(*d);
  return Status();
}

void FullMigration::Impl::CreateViews(Session& dst, const std::vector<ViewDef>& source_views,
                                      const ObjectMapping& mapping) {
  // The source tables' keys make MySQL's loose GROUP BY strict for
  // PostgreSQL (schema/view_translation.h).
  std::vector<TableSchema> source_tables;
  for (const auto& job : jobs) source_tables.push_back(job->source);
  for (const ViewDef& v : source_views) {
    ViewDef out = v;
    out.ref = mapping.DestinationOf(v.ref);
    // MySQL stores view bodies with every table qualified by its database
    // (`shop`.`orders`); the database is not a schema elsewhere. The body
    // is source text: TranslateView re-writes its functions and literals
    // for the destination and refuses what it cannot translate.
    const bool unqualify = opt.source.engine != opt.destination.engine && !v.ref.schema.empty();
    ViewTranslationOptions options;
    options.drop_qualifier = unqualify ? std::string_view(v.ref.schema) : std::string_view();
    options.source_tables = &source_tables;
    auto definition = TranslateView(v.definition, opt.source.engine, opt.destination.engine, options);
    std::string key = "view " + v.ref.ToString();
    Status st = definition.status();
    if (definition.ok()) {
      for (const std::string& w : definition->warnings) progress().AddWarning(key + ": " + w);
      out.definition = std::move(definition->definition);
      auto sql = dst_dialect.CreateView(out);
      st = sql.status();
      for (size_t i = 0; sql.ok() && st.ok() && i < sql->size(); ++i) st = dst.Execute((*sql)[i]);
    }
    // The source's text goes with the error, for the DBA to edit.
    if (!st.ok()) st = Status(st.code(), st.message() + "; the source's definition: " + v.definition, st.hint());
    if (!st.ok()) {
      ++failed_objects;
      failed_names.push_back(key);
      std::string err = st.ToStringWithHint() + " — create the view on the destination by hand, or exclude it";
      progress().SetTable({key, out.ref.ToString(), 0, 0, "failed", err});
      meta->SaveTable({key, out.ref.ToString(), TablePhase::kPending, "failed", 0, 0, err})
          .IgnoreBecause("the view's failure is counted and reported by this run");
    } else {
      progress().SetTable({key, out.ref.ToString(), 0, 0, "completed", ""});
      meta->SaveTable({key, out.ref.ToString(), TablePhase::kCompleted, "completed", 0, 0, ""})
          .IgnoreBecause("a view without its record is created again on resume, which replaces it");
    }
  }
}

}  // namespace godwit
