#include "sync/synchronizer.h"

#include <algorithm>
#include <deque>
#include <map>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/retry.h"
#include "connector/mysql/binlog_change_stream.h"
#include "connector/postgres/pg_change_stream.h"
#include "connector/session.h"
#include "meta/meta_store.h"
#include "model/row_collector.h"
#include "pipeline/object_mapping.h"
#include "replay/change_applier.h"
#include "replay/partitioned_applier.h"
#include "schema/dialect.h"
#include "schema/table_conversion.h"
#include "store/capture.h"
#include "store/change_log.h"
#include "sync/ddl_statement.h"
#include "sync/heartbeat.h"
#include "sync/pg_ddl_capture.h"
#include "sync/retention.h"
#include "sync/schema_sync.h"
#include "sync/source_rows.h"
#include "sync/statement_redaction.h"

namespace godwit {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

uint64_t EventBytes(const ChangeEvent& e) {
  uint64_t n = 0;
  for (const auto& v : e.before) n += v.bytes.size();
  for (const auto& v : e.after) n += v.bytes.size();
  return n;
}

std::string Seconds(double s) {
  if (s < 10) return fmt::format("{:.1f} seconds", s);
  return fmt::format("{:.0f} seconds", s);
}

}  // namespace

std::string FormatLatency(const SyncStatus& s) {
  if (!s.latency_seconds) return "unknown (nothing applied yet)";
  return Seconds(*s.latency_seconds) + " (updated " + Seconds(s.latency_updated_seconds_ago) + " ago)";
}

json SyncStatusToJson(const SyncStatus& s) {
  json tables = json::array();
  for (const auto& t : s.tables) {
    tables.push_back({{"source", t.source},
                      {"destination", t.destination},
                      {"inserts", t.inserts},
                      {"updates", t.updates},
                      {"deletes", t.deletes},
                      {"total", t.inserts + t.updates + t.deletes}});
  }
  return json{{"running", s.running},
              {"status", s.monitoring ? "monitoring" : "running"},
              {"latency", FormatLatency(s)},
              {"latency_seconds", s.latency_seconds ? json(*s.latency_seconds) : json(nullptr)},
              {"latency_updated_seconds_ago", s.latency_updated_seconds_ago},
              {"heartbeat", s.heartbeat},
              {"applied_position", PositionToString(s.applied_position)},
              {"applied_source_time_us", s.applied_source_time_us},
              {"applied_beat_written_us", s.applied_beat_written_us},
              {"applied_sequence", s.applied_seq},
              {"captured_position", PositionToString(s.captured_position)},
              {"captured_position_json", PositionToJson(s.captured_position)},
              {"captured_source_time_us", s.captured_source_time_us},
              {"captured_sequence", s.captured_seq},
              {"metrics",
               {{"transactions", s.transactions},
                {"rows", s.rows},
                {"bytes", s.bytes},
                {"rows_per_second", s.rows_per_second},
                {"bytes_per_second", s.bytes_per_second},
                {"avg_statement_ms", s.avg_statement_ms},
                {"avg_commit_ms", s.avg_commit_ms},
                {"store_reconnects", s.store_reconnects},
                {"writer_reconnects", s.writer_reconnects}}},
              {"tables", tables},
              {"warnings", s.warnings},
              {"applied_ddl", s.applied_ddl},
              {"failed_ddl", s.failed_ddl ? json{{"sequence", s.failed_ddl->sequence},
                                                 {"statement", s.failed_ddl->statement},
                                                 {"error", s.failed_ddl->error}}
                                          : json(nullptr)},
              {"retention_alert", s.retention_alert}};
}

Result<std::optional<Position>> RecordedStartPosition(const std::string& state_path) {
  ASSIGN_OR_RETURN(auto meta, MetaStore::Open(state_path));
  ASSIGN_OR_RETURN(auto record, meta->LoadMigration());
  if (!record || record->position_json.empty()) return std::optional<Position>();
  ASSIGN_OR_RETURN(Position start, PositionFromJson(record->position_json));
  if (std::holds_alternative<NoPosition>(start)) {
    return Status(ErrorCode::kServerConfig,
                  "the source reported no change-log position when the copy started (binary logging off?)",
                  "Enable log_bin with binlog_format=ROW on the source, then copy again from a new snapshot "
                  "(godwit migrate --restart, or clone the project).");
  }
  return std::optional<Position>(std::move(start));
}

Status PrepareCapture(const Endpoint& source, const ObjectRules& objects, const std::string& pg_publication,
                      const std::string& stream_id, bool heartbeat, std::vector<std::string>& warnings) {
  if (source.engine != Engine::kPostgres && source.engine != Engine::kMysql) {
    return Status(ErrorCode::kUnsupported,
                  "incremental synchronization needs a MySQL/MariaDB or PostgreSQL source: SQLite keeps no change log "
                  "to read",
                  "Run a full migration only (migration_type [schema, full]) from a SQLite source.");
  }
  ASSIGN_OR_RETURN(auto src, Connect(source));
  ObjectMapping mapping(objects, src->default_schema(), "");
  auto catalog = src->ReadCatalog([&](const TableRef& ref) { return mapping.Includes(ref); });
  if (!catalog.ok()) return catalog.status().WithContext("reading the source catalog");
  std::vector<TableRef> tables;
  for (const auto& t : catalog->tables) tables.push_back(t.ref);
  if (heartbeat) {
    if (Status st = EnsureHeartbeat(*src, stream_id); st.ok()) {
      tables.push_back(HeartbeatTable(*src));
    } else {
      warnings.push_back(st.ToString() + " — " + st.hint());
    }
  }
  if (source.engine == Engine::kPostgres) {
    if (pg_publication.empty()) return Status(ErrorCode::kInternal, "PrepareCapture needs a publication name");
    ASSIGN_OR_RETURN(auto unidentified, pg::TablesWithoutReplicaIdentity(*src, tables));
    if (!unidentified.empty()) {
      std::string names;
      for (const auto& t : unidentified) names += (names.empty() ? "" : ", ") + t.ToString();
      return Status(ErrorCode::kPrecheckFailed,
                    "PostgreSQL cannot identify the rows of " + names +
                        " in a change stream (no primary key, REPLICA IDENTITY DEFAULT or NOTHING); publishing them "
                        "would make PostgreSQL refuse UPDATE and DELETE on them on the source",
                    "Add a primary key, or run ALTER TABLE ... REPLICA IDENTITY FULL on each (or USING INDEX a unique "
                    "index on NOT NULL columns), or exclude these tables from the migration.");
    }
    // Before the publication and the slot: DDL from the copy's snapshot on
    // is recorded, and its log rows are published with the tables.
    if (Status st = EnsurePgDdlCapture(*src, pg_publication, stream_id, objects); st.ok()) {
      tables.push_back(DdlLogTable(*src));
    } else {
      warnings.push_back(st.ToString() + " — " + st.hint());
    }
    RETURN_IF_ERROR(pg::EnsurePublication(source, pg_publication, tables));
  }
  return Status();
}

struct Synchronizer::Impl {
  explicit Impl(SyncOptions o) : opt(std::move(o)) {}

  Status Prepare();
  Status RunWriter(const std::atomic<bool>& cancel);
  Status WriterPass(const std::atomic<bool>& cancel, bool& progressed);
  // The DDL event `e` (change-log sequence `seq`); `settle` commits what
  // the Writer holds so the DDL runs outside its transaction.
  Status HandleDdl(const ChangeEvent& e, uint64_t seq, Session& dst, PartitionedApplier& applier,
                   const std::function<Status()>& settle);
  // A command recorded by the PostgreSQL DDL trigger (sync/pg_ddl_capture.h).
  Status HandlePgDdl(const PgDdl& r, uint64_t seq, Session& dst, PartitionedApplier& applier,
                     const std::function<Status()>& settle);
  // The part every captured DDL shares: a skip asked for, DDL sync off,
  // settling the Writer, and a failure that stops the project until the
  // user skips `statement` (change `seq`).
  Status RunDdlStep(uint64_t seq, const std::string& statement, const std::function<Status()>& settle,
                    const std::function<Status()>& apply);
  // What a column-changing statement may change: renames, and the
  // definitions of the columns it names.
  TableChangeOptions ColumnChangeOptions(const DdlStatement& ddl, const std::string& statement) const;
  Status ApplyDdl(const DdlStatement& ddl, const std::string& statement, Session& dst, PartitionedApplier& applier);
  // Brings the destination table of `source` to the source's current shape.
  // `event_columns`: the column list of the change that found the table
  // changed (PostgreSQL), whose shape is the target rather than the
  // catalog's, which may be ahead of the stream.
  Status SyncTable(const TableRef& source, const TableChangeOptions& options, Session& dst, PartitionedApplier& applier,
                   bool allow_drop, const std::vector<std::string>* event_columns = nullptr);
  bool ColumnsMatch(const ChangeEvent& e);
  // A table this synchronization covers: taken by the object rules and,
  // on a MySQL source whose URI names a database, in that database (the
  // binlog carries every database's changes; the catalog reads one).
  bool InScope(const TableRef& ref) const {
    if (opt.source.engine == Engine::kMysql && !opt.source.database.empty() && ref.schema != opt.source.database) {
      return false;
    }
    return mapping->Includes(ref);
  }
  void Monitor();
  Status OpenLog();   // opens the change log and creates the Store over it
  void CloseLog();    // after the Store stopped: lets go of the log's directory
  void CheckRetention(Session& src);
  Result<std::unique_ptr<ChangeStream>> OpenStream(const Position& from);
  void Warn(const std::string& w) {
    std::lock_guard lock(mu);
    if (std::find(status.warnings.begin(), status.warnings.end(), w) == status.warnings.end()) {
      status.warnings.push_back(w);
    }
  }

  SyncOptions opt;
  std::map<TableRef, TableSchema> tables;  // source -> destination schema
  std::map<TableRef, std::vector<std::string>> columns_seen;  // event column lists known to match
  std::string source_default_schema;
  std::optional<ObjectMapping> mapping;
  TableRef heartbeat_ref;
  bool heartbeat = false;
  // PostgreSQL source (Writer thread): the DDL log, every table's name by
  // oid (a recorded ALTER TABLE under a new name for a known oid is a
  // rename) and the table of each migrated table's index (DROP INDEX is
  // recorded after the index left the catalog).
  TableRef ddl_log_ref;
  std::map<int64_t, TableRef> pg_relations;
  std::map<TableRef, TableRef> pg_index_tables;
  std::unique_ptr<store::ChangeLog> log;
  std::unique_ptr<store::Capture> capture;

  std::atomic<bool> stop_all{false};       // Store and monitor threads stop
  std::atomic<bool> stop_requested{false};  // RequestStopWhenCaughtUp was called
  std::atomic<int64_t> target_beat{0};      // the beat that marks "caught up"; 0 = not written yet

  RetentionWatch retention;  // monitor thread only

  mutable std::mutex mu;
  SyncStatus status;                           // guarded by mu
  std::map<TableRef, SyncTableStats> by_table;  // guarded by mu
  std::deque<std::tuple<Clock::time_point, uint64_t, uint64_t>> samples;  // guarded by mu
  Clock::time_point applied_at;                 // guarded by mu
  double statement_ms = 0, commit_ms = 0;       // guarded by mu
  uint64_t statements = 0, commits = 0;         // guarded by mu
  int64_t last_beat_written = 0;                // Writer thread only
};

Synchronizer::Synchronizer(SyncOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Synchronizer::~Synchronizer() = default;

void Synchronizer::RequestStopWhenCaughtUp() { impl_->stop_requested = true; }

SyncStatus Synchronizer::status() const {
  std::lock_guard lock(impl_->mu);
  SyncStatus s = impl_->status;
  if (s.latency_seconds) {
    s.latency_updated_seconds_ago = std::chrono::duration<double>(Clock::now() - impl_->applied_at).count();
  }
  if (impl_->capture) {
    auto cs = impl_->capture->stats();
    s.captured_seq = cs.durable_seq;
    s.captured_position = cs.durable_position;
    if (cs.last_commit_time_us) s.captured_source_time_us = cs.last_commit_time_us;
    s.store_reconnects = cs.reconnects;
  }
  s.tables.clear();
  for (const auto& [ref, t] : impl_->by_table) s.tables.push_back(t);
  if (impl_->statements) s.avg_statement_ms = impl_->statement_ms / static_cast<double>(impl_->statements);
  if (impl_->commits) s.avg_commit_ms = impl_->commit_ms / static_cast<double>(impl_->commits);
  if (impl_->samples.size() >= 2) {
    const auto& [t0, r0, b0] = impl_->samples.front();
    const auto& [t1, r1, b1] = impl_->samples.back();
    double secs = std::max(std::chrono::duration<double>(Clock::now() - t0).count(), 0.001);
    (void)t1;
    s.rows_per_second = static_cast<double>(r1 - r0) / secs;
    s.bytes_per_second = static_cast<double>(b1 - b0) / secs;
  }
  return s;
}

Status Synchronizer::Impl::Prepare() {
  if (opt.source.engine != Engine::kPostgres && opt.source.engine != Engine::kMysql) {
    return Status(ErrorCode::kUnsupported,
                  "incremental synchronization needs a MySQL/MariaDB or PostgreSQL source: SQLite keeps no change log "
                  "to read",
                  "Run a full migration only from a SQLite source.");
  }
  if (opt.stream_id.empty()) return Status(ErrorCode::kInternal, "the synchronization needs a stream id");
  ASSIGN_OR_RETURN(auto src, Connect(opt.source));
  ASSIGN_OR_RETURN(auto dst, Connect(opt.destination));
  source_default_schema = src->default_schema();
  mapping.emplace(opt.objects, src->default_schema(), dst->default_schema());
  auto catalog = src->ReadCatalog([&](const TableRef& ref) { return mapping->Includes(ref); });
  if (!catalog.ok()) return catalog.status().WithContext("reading the source catalog");
  const Dialect& dst_dialect = DialectFor(opt.destination.engine);
  for (const TableSchema& t : catalog->tables) {
    auto converted = ConvertTable(t, mapping->DestinationOf(t.ref), src->engine(), dst_dialect);
    if (!converted.ok()) {
      Warn("changes to " + t.ref.ToString() + " are not applied: " + converted.status().message());
      continue;
    }
    std::lock_guard lock(mu);
    SyncTableStats stats{t.ref.ToString(), converted->table.ref.ToString()};
    for (const auto& carried : opt.carried_tables) {
      if (carried.source == stats.source) {
        stats.inserts = carried.inserts;
        stats.updates = carried.updates;
        stats.deletes = carried.deletes;
      }
    }
    by_table[t.ref] = stats;
    tables.emplace(t.ref, std::move(converted->table));
  }
  heartbeat_ref = HeartbeatTable(*src);
  heartbeat = false;
  if (opt.source.engine == Engine::kPostgres) {
    ddl_log_ref = DdlLogTable(*src);
    // Projects from before DDL capture get it here; for the others this
    // refreshes the trigger (the object rules may have changed).
    if (Status st = EnsurePgDdlCapture(*src, opt.pg_slot, opt.stream_id, opt.objects); !st.ok()) {
      Warn(st.ToString() + " — " + st.hint());
    }
    std::vector<ColumnType> text(3);
    for (auto& t : text) t.kind = TypeKind::kText;
    RowCollector rels;
    RETURN_IF_ERROR(src->Query("SELECT c.oid::text, n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON "
                               "n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN "
                               "('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'",
                               text, rels, BatchLimits{}));
    pg_relations.clear();
    for (const auto& r : rels.rows) {
      pg_relations[std::stoll(r[0].value_or("0"))] = TableRef{r[1].value_or(""), r[2].value_or("")};
    }
    pg_index_tables.clear();
    for (const TableSchema& t : catalog->tables) {
      for (const IndexDef& i : t.indexes) pg_index_tables[TableRef{t.ref.schema, i.name}] = t.ref;
    }
  }
  if (opt.heartbeat) {
    Status st = EnsureHeartbeat(*src, opt.stream_id);
    if (st.ok() && opt.source.engine == Engine::kPostgres) {
      // The publication must carry the heartbeat table (an older one may not).
      auto in_pub = QueryFirstRow(*src,
                             "SELECT count(*) FROM pg_publication_tables WHERE pubname = " +
                                 DialectFor(Engine::kPostgres).Literal(ColumnType{}, opt.pg_slot) +
                                 " AND schemaname = " +
                                 DialectFor(Engine::kPostgres).Literal(ColumnType{}, heartbeat_ref.schema) +
                                 " AND tablename = 'godwit_heartbeat'",
                             1);
      if (!in_pub.ok()) {
        st = in_pub.status();
      } else if ((*in_pub)[0] == "0") {
        st = src->Execute("ALTER PUBLICATION " + DialectFor(Engine::kPostgres).QuoteIdent(opt.pg_slot) +
                          " ADD TABLE " + DialectFor(Engine::kPostgres).QualifiedName(heartbeat_ref));
      }
    }
    if (st.ok()) {
      heartbeat = true;
    } else {
      Warn("no heartbeat: " + st.ToString() + " — lag is measured from the application's own writes only");
    }
  }
  std::lock_guard lock(mu);
  status.heartbeat = heartbeat;
  return Status();
}

Result<std::unique_ptr<ChangeStream>> Synchronizer::Impl::OpenStream(const Position& from) {
  if (opt.source.engine == Engine::kPostgres) {
    pg::PgStreamOptions o;
    o.slot = opt.pg_slot;
    o.publication = opt.pg_slot;
    o.start = from;
    return pg::OpenPgChangeStream(opt.source, o);
  }
  mysql::BinlogStreamOptions o;
  o.server_id = opt.mysql_server_id;
  o.start = from;
  o.tables = [this](const TableRef& ref) {
    // {db, ""} asks whether DDL run in database db may concern the
    // migration: any may (a statement run elsewhere can name a migrated
    // table as db.table), so all DDL is kept and the Writer picks what
    // concerns it.
    if (ref.name.empty()) return true;
    return ref == heartbeat_ref || InScope(ref);
  };
  return mysql::OpenBinlogChangeStream(opt.source, o);
}

Status Synchronizer::RunCapture(const std::atomic<bool>& stop) {
  Impl& m = *impl_;
  RETURN_IF_ERROR(m.Prepare());
  RETURN_IF_ERROR(m.OpenLog());
  m.stop_all = false;
  Status store_status;
  std::thread store([&] { store_status = m.capture->Run(m.stop_all); });
  std::thread monitor([&] { m.Monitor(); });
  while (!stop && !m.stop_all) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  m.stop_all = true;
  store.join();
  monitor.join();
  m.CloseLog();
  if (!store_status.ok() && store_status.code() != ErrorCode::kCancelled) {
    return store_status.WithContext("capturing changes from " + m.opt.source.Redacted());
  }
  return Status();
}

Status Synchronizer::Impl::OpenLog() {
  auto opened = store::ChangeLog::Open(opt.log_dir);
  if (!opened.ok()) return opened.status().WithContext("opening the change log " + opt.log_dir);
  if ((*opened)->recovery().tail_cut) {
    Warn("the change log's last record was incomplete (" + (*opened)->recovery().reason +
         "); it was cut and is read from the source again");
  }
  std::lock_guard lock(mu);
  log = std::move(*opened);
  capture = std::make_unique<store::Capture>(
      *log, [this](const Position& from) { return OpenStream(from); }, opt.start);
  status.running = true;
  return Status();
}

void Synchronizer::Impl::CloseLog() {
  std::lock_guard lock(mu);
  status.running = false;
  if (capture) {
    // Keep what the Store reported for status() after it stopped.
    auto cs = capture->stats();
    status.captured_seq = cs.durable_seq;
    status.captured_position = cs.durable_position;
    if (cs.last_commit_time_us) status.captured_source_time_us = cs.last_commit_time_us;
  }
  capture.reset();
  log.reset();
}

Status Synchronizer::Run(const std::atomic<bool>& cancel) {
  Impl& m = *impl_;
  RETURN_IF_ERROR(m.Prepare());
  if (m.stop_requested && !m.heartbeat) {
    return Status(ErrorCode::kUnsupported,
                  "stopping once caught up needs Godwit's heartbeat row on the source, and it could not be written",
                  "Grant the migration user CREATE, INSERT and UPDATE on the source's default schema (the heartbeat "
                  "table godwit_heartbeat), or stop the synchronization with Ctrl-C instead.");
  }
  RETURN_IF_ERROR(m.OpenLog());
  m.stop_all = false;
  Status store_status;
  std::thread store([&] {
    Status st = m.capture->Run(m.stop_all);
    if (!st.ok() && st.code() != ErrorCode::kCancelled) {
      store_status = st.WithContext("capturing changes from " + m.opt.source.Redacted());
      m.stop_all = true;
    }
  });
  std::thread monitor([&] { m.Monitor(); });
  Status writer_status = m.RunWriter(cancel);
  m.stop_all = true;
  store.join();
  monitor.join();
  m.CloseLog();
  if (!store_status.ok()) return store_status;
  return writer_status;
}

Status Synchronizer::Impl::RunWriter(const std::atomic<bool>& cancel) {
  int failures = 0;
  Status last;
  while (true) {
    bool progressed = false;
    Status st = WriterPass(cancel, progressed);
    if (st.ok() || st.code() == ErrorCode::kCancelled || !st.retryable()) return st;
    if (progressed) failures = 0;
    if (++failures > opt.max_reconnects) {
      return Status(st.code(),
                    "the destination stayed unreachable after " + std::to_string(opt.max_reconnects) +
                        " reconnection attempts: " + st.message(),
                    "Check that " + opt.destination.Redacted() +
                        " is up and reachable, then resume: the Writer continues from its last checkpoint.",
                    st.native_code());
    }
    {
      std::lock_guard lock(mu);
      ++status.writer_reconnects;
    }
    Warn("Writer: " + st.ToString() + "; reconnecting");
    SleepUnlessCancelled(Backoff{}.Delay(failures), stop_all);
    if (cancel || stop_all) return Status(ErrorCode::kCancelled, "synchronization stopped");
  }
}

Status Synchronizer::Impl::HandleDdl(const ChangeEvent& e, uint64_t seq, Session& dst, PartitionedApplier& applier,
                                     const std::function<Status()>& settle) {
  DdlStatement ddl = ClassifyDdl(e.ddl, e.ddl_schema.empty() ? source_default_schema : e.ddl_schema);
  if (ddl.kind == DdlKind::kOther || IsGodwitTable(ddl.table)) return Status();
  const bool relevant = InScope(ddl.table) || (ddl.kind == DdlKind::kRenameTable && InScope(ddl.new_table));
  if (!relevant) return Status();
  return RunDdlStep(seq, e.ddl, settle, [&] { return ApplyDdl(ddl, e.ddl, dst, applier); });
}

Status Synchronizer::Impl::HandlePgDdl(const PgDdl& r, uint64_t seq, Session& dst, PartitionedApplier& applier,
                                       const std::function<Status()>& settle) {
  DdlStatement ddl;
  ddl.table = r.table;
  const std::string& tag = r.command_tag;
  if (tag == "DROP INDEX") {
    auto it = pg_index_tables.find(r.index);
    if (it == pg_index_tables.end()) return Status();  // not an index of a migrated table
    ddl.kind = DdlKind::kDropIndex;
    ddl.table = it->second;
    pg_index_tables.erase(it);
  } else if (tag == "DROP TABLE") {
    ddl.kind = DdlKind::kDropTable;
    pg_relations.erase(r.relation_oid);
  } else {
    // Index commands record their table's oid and name too.
    auto known = pg_relations.find(r.relation_oid);
    if (tag == "ALTER TABLE" && known != pg_relations.end() && !(known->second == r.table)) {
      ddl.kind = DdlKind::kRenameTable;
      ddl.table = known->second;
      ddl.new_table = r.table;
    } else if (tag == "ALTER TABLE") {
      ddl.kind = DdlKind::kAlterTable;
      std::string upper = r.statement;
      for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      // The statement text may hold several statements (one query
      // string), so its classification is a hint, widened by the words
      // any type, nullability or default change has.
      ddl.changes_column_definitions =
          ClassifyDdl(r.statement, r.table.schema, Engine::kPostgres).changes_column_definitions ||
          upper.find(" TYPE ") != std::string::npos || upper.find("ALTER COLUMN") != std::string::npos;
    } else {
      ddl.kind = tag == "CREATE INDEX" ? DdlKind::kCreateIndex : DdlKind::kCreateTable;
    }
    if (r.relation_oid != 0) pg_relations[r.relation_oid] = r.table;
  }
  if (IsGodwitTable(ddl.table)) return Status();
  const bool relevant = InScope(ddl.table) || (ddl.kind == DdlKind::kRenameTable && InScope(ddl.new_table));
  if (!relevant) return Status();
  return RunDdlStep(seq, r.statement, settle, [&]() -> Status {
    if (ddl.kind == DdlKind::kRenameTable || ddl.kind == DdlKind::kDropTable) {
      return ApplyDdl(ddl, r.statement, dst, applier);
    }
    // The table as of the command (its recorded columns), not as the
    // catalog has it by now: later DDL on it has its own step.
    return SyncTable(ddl.table, ColumnChangeOptions(ddl, r.statement), dst, applier, false,
                     r.columns.empty() ? nullptr : &r.columns);
  });
}

Status Synchronizer::Impl::RunDdlStep(uint64_t seq, const std::string& captured, const std::function<Status()>& settle,
                                      const std::function<Status()>& apply) {
  // What is logged and reported of the captured text, its literals and
  // comments blanked: a credential sent with the DDL (ALTER ROLE ...
  // PASSWORD in the same query string, a FEDERATED table's CONNECTION, a
  // COMMENT) must not reach the logs, the API or the project's error. The
  // classification above read the text as captured (a MySQL statement is
  // kept whole in the change log; PostgreSQL's trigger recorded it
  // redacted), and `apply` never runs it: the destination's DDL is planned
  // from the source's catalog (SyncTable). Skip goes by `seq`, not text.
  const std::string statement = RedactStatement(captured, opt.source.engine);
  if (opt.skip_ddl_sequences.count(seq)) {
    Warn(fmt::format("DDL at change {} skipped as asked: {}", seq, statement));
    return Status();
  }
  if (!opt.ddl_sync) {
    Warn("DDL sync is off; not applied to the destination: " + statement);
    return Status();
  }
  RETURN_IF_ERROR(settle());
  Status st = apply();
  if (st.ok()) return st;
  if (st.retryable()) return st;  // the destination went away: reconnect and apply it again
  {
    std::lock_guard lock(mu);
    status.failed_ddl = FailedDdl{seq, statement, st.message()};
  }
  return Status(st.code(),
                fmt::format("the DDL at change {} could not be applied to the destination: {} — {}", seq, statement,
                            st.message()),
                "Make the destination table match the source by hand if it needs the change, then skip this DDL "
                "(godwit skip-ddl ID, or POST /api/v1/projects/ID/skip_ddl): the skip is recorded and "
                "synchronization continues after it.",
                st.native_code());
}

TableChangeOptions Synchronizer::Impl::ColumnChangeOptions(const DdlStatement& ddl, const std::string& statement) const {
  auto upper = statement;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  TableChangeOptions o;
  // MySQL: RENAME COLUMN or CHANGE; PostgreSQL: RENAME [COLUMN] (its table
  // renames are told apart by oid before this).
  o.detect_renames = upper.find("RENAME COLUMN") != std::string::npos || upper.find("CHANGE") != std::string::npos ||
                     (opt.source.engine == Engine::kPostgres && upper.find("RENAME") != std::string::npos);
  if (ddl.changes_column_definitions) {
    o.redefines = [upper](const std::string& column) {
      std::string c = column;
      for (char& ch : c) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      return upper.find(c) != std::string::npos;
    };
  }
  return o;
}

Status Synchronizer::Impl::ApplyDdl(const DdlStatement& ddl, const std::string& statement, Session& dst,
                                    PartitionedApplier& applier) {
  const Dialect& d = DialectFor(opt.destination.engine);
  switch (ddl.kind) {
    case DdlKind::kTruncateTable: {
      // MySQL writes TRUNCATE to the binlog as a statement, not as row
      // events (PostgreSQL's arrives as a truncate event instead).
      auto it = tables.find(ddl.table);
      if (it == tables.end()) return Status();
      RETURN_IF_ERROR(dst.Execute(d.TruncateInTransaction(it->second.ref)));
      std::lock_guard lock(mu);
      status.applied_ddl.push_back(RedactStatement(d.TruncateInTransaction(it->second.ref), d.engine()));
      return Status();
    }
    case DdlKind::kRenameTable: {
      const bool from_in = InScope(ddl.table) && tables.count(ddl.table);
      const bool to_in = InScope(ddl.new_table);
      if (from_in && to_in) {
        const TableRef from = tables.at(ddl.table).ref;
        const TableRef to = mapping->DestinationOf(ddl.new_table);
        if (from.schema != to.schema) {
          return Status(ErrorCode::kUnsupported, "the rename moves " + from.ToString() + " to another schema (" +
                                                     to.ToString() + ") on the destination");
        }
        const std::string sql = d.RenameTable(from, to);
        RETURN_IF_ERROR(dst.Execute(sql));
        {
          std::lock_guard lock(mu);
          status.applied_ddl.push_back(RedactStatement(sql, d.engine()));
        }
        tables.erase(ddl.table);
        applier.SetTable(ddl.table, std::nullopt);
        return SyncTable(ddl.new_table, {}, dst, applier, false);
      }
      if (from_in) {
        // The table leaves the migration: its destination copy stays as it is.
        Warn("table " + ddl.table.ToString() + " was renamed to " + ddl.new_table.ToString() +
             ", which the migration does not include: its changes are no longer applied");
        tables.erase(ddl.table);
        applier.SetTable(ddl.table, std::nullopt);
        return Status();
      }
      return SyncTable(ddl.new_table, {}, dst, applier, false);  // a table comes into the migration
    }
    case DdlKind::kDropTable:
      return SyncTable(ddl.table, {}, dst, applier, true);
    default:
      return SyncTable(ddl.table, ColumnChangeOptions(ddl, statement), dst, applier, false);
  }
}

Status Synchronizer::Impl::SyncTable(const TableRef& source, const TableChangeOptions& options, Session& dst,
                                     PartitionedApplier& applier, bool allow_drop,
                                     const std::vector<std::string>* event_columns) {
  const Dialect& d = DialectFor(opt.destination.engine);
  ASSIGN_OR_RETURN(auto src, Connect(opt.source));
  ASSIGN_OR_RETURN(Catalog source_catalog, src->ReadCatalog([&](const TableRef& r) { return r == source; }));
  for (const TableSchema& t : source_catalog.tables) {
    for (const IndexDef& i : t.indexes) pg_index_tables[TableRef{t.ref.schema, i.name}] = t.ref;
  }
  const TableRef dest_ref = mapping->DestinationOf(source);
  std::optional<TableSchema> wanted;
  if (!source_catalog.tables.empty()) {
    ASSIGN_OR_RETURN(auto converted, ConvertTable(source_catalog.tables[0], dest_ref, src->engine(), d));
    for (const auto& w : converted.warnings) Warn(w);
    wanted = std::move(converted.table);
  } else if (!allow_drop) {
    // Gone by now: a later DROP in the log brings the destination along.
    Warn("table " + source.ToString() + " no longer exists on the source; its DDL is left to the statements after it");
    return Status();
  }
  ASSIGN_OR_RETURN(Catalog dest_catalog, dst.ReadCatalog([&](const TableRef& r) { return r == dest_ref; }));
  std::optional<TableSchema> current;
  if (!dest_catalog.tables.empty()) current = dest_catalog.tables[0];
  if (event_columns && wanted) {
    ASSIGN_OR_RETURN(wanted, ShapeAsOfChange(*wanted, current, *event_columns, options.redefines));
  }
  ASSIGN_OR_RETURN(TableChange change, PlanTableChange(wanted, current, d, options));
  for (const auto& w : change.warnings) Warn(w);
  if (!change.statements.empty() && d.engine() != Engine::kMysql) RETURN_IF_ERROR(dst.Execute(d.BeginTransaction()));
  for (const std::string& sql : change.statements) {
    if (Status st = dst.Execute(sql); !st.ok()) {
      if (d.engine() != Engine::kMysql) dst.Execute("ROLLBACK").IgnoreError();
      // The statement carries the source's defaults and comments: shown
      // with its literals blanked, like the captured one.
      return Status(st.code(), "running " + RedactStatement(sql, d.engine()) + ": " + st.message(), st.hint(),
                    st.native_code());
    }
  }
  if (!change.statements.empty() && d.engine() != Engine::kMysql) RETURN_IF_ERROR(dst.Execute("COMMIT"));
  {
    std::lock_guard lock(mu);
    // Shown in the API: the source's defaults and comments blanked.
    for (const auto& sql : change.statements) status.applied_ddl.push_back(RedactStatement(sql, d.engine()));
    if (wanted && !by_table.count(source)) by_table[source] = SyncTableStats{source.ToString(), dest_ref.ToString()};
  }
  columns_seen.erase(source);
  if (wanted) {
    tables[source] = *wanted;
  } else {
    tables.erase(source);
  }
  applier.SetTable(source, wanted);
  return Status();
}

bool Synchronizer::Impl::ColumnsMatch(const ChangeEvent& e) {
  auto seen = columns_seen.find(e.table);
  if (seen != columns_seen.end() && seen->second == e.columns) return true;
  auto it = tables.find(e.table);
  if (it == tables.end()) return true;  // not a migrated table: the applier reports it
  std::set<std::string> want, got(e.columns.begin(), e.columns.end());
  for (const Column& c : it->second.columns) want.insert(c.name);
  if (want != got) return false;
  columns_seen[e.table] = e.columns;
  return true;
}

Status Synchronizer::Impl::WriterPass(const std::atomic<bool>& cancel, bool& progressed) {
  const Dialect& dialect = DialectFor(opt.destination.engine);
  ApplierOptions ao;
  ao.stream_id = opt.stream_id;
  ao.apply_insert = opt.apply_insert;
  ao.apply_update = opt.apply_update;
  ao.apply_delete = opt.apply_delete;
  ao.on_warning = [this](const std::string& w) { Warn(w); };
  // Values a change leaves unchanged (PostgreSQL's TOAST) come from the
  // source's current row, read by key: the destination's row at that key
  // may be another row's (a resumed copy, keys reused after deletes).
  ao.source_row = SourceRowLookupFor(opt.source);
  ASSIGN_OR_RETURN(auto applier,
                   PartitionedApplier::Open([this] { return Connect(opt.destination); }, dialect, tables, ao,
                                            opt.apply_parallelism));
  Session* session = &applier->control_session();
  const auto resume = applier->resume_point();
  uint64_t from = resume ? resume->sequence + 1 : 1;
  if (from < log->first_seq()) {
    return Status(ErrorCode::kMetadata,
                  fmt::format("the destination's checkpoint (change {}) is older than the change log's oldest "
                              "change ({}): the changes between were released",
                              from - 1, log->first_seq()),
                  "The destination's godwit_checkpoint row was changed or removed. Release the project and migrate "
                  "again (or clone it).");
  }
  auto reader = log->OpenReader(from);
  if (!reader.ok()) {
    return Status(ErrorCode::kMetadata,
                  fmt::format("the destination has applied changes up to {}, but the change log ends at {}",
                              from - 1, log->durable_seq()),
                  "The local change log was deleted or replaced while the destination kept its checkpoint. Release "
                  "the project and migrate again (or clone it).");
  }
  {
    std::lock_guard lock(mu);
    if (resume) {
      status.applied_position = resume->position;
      status.applied_seq = resume->sequence;
    }
  }

  std::vector<ChangeEvent> piece;  // row events not yet handed to the applier
  std::vector<uint64_t> piece_seqs;  // their change-log sequences
  constexpr size_t kPieceEvents = 1024;
  bool mid_txn = false;
  uint64_t batch_txns = 0, batch_events = 0, batch_rows = 0, batch_bytes = 0;
  Position batch_position;
  uint64_t batch_seq = 0;
  int64_t batch_commit_time = 0;
  std::optional<Beat> batch_beat;
  std::map<TableRef, SyncTableStats> batch_counts;
  Clock::time_point batch_started = Clock::now();
  uint64_t released_up_to = 0;
  Clock::time_point last_release = Clock::now();
  uint64_t statements_seen = applier->statements();
  double apply_ms_seen = applier->apply_ms();

  auto flush_piece = [&]() -> Status {
    if (piece.empty()) return Status();
    Status st = applier->Apply(piece, piece_seqs);
    piece.clear();
    piece_seqs.clear();
    return st;
  };
  auto reset_batch = [&] {
    batch_txns = batch_events = batch_rows = batch_bytes = 0;
    batch_commit_time = 0;
    batch_beat.reset();
    batch_counts.clear();
    piece.clear();
    piece_seqs.clear();
  };
  auto commit = [&]() -> Status {
    if (batch_txns == 0) return Status();
    RETURN_IF_ERROR(flush_piece());
    auto t0 = Clock::now();
    RETURN_IF_ERROR(applier->Commit(batch_position, batch_seq, batch_txns));
    const auto now = Clock::now();
    // The partitions apply while the log is read; what is left to wait for
    // here is their last statements and their commits.
    const double this_commit_ms = std::chrono::duration<double, std::milli>(now - t0).count();
    progressed = true;
    if (batch_beat) last_beat_written = std::max(last_beat_written, batch_beat->written_us);
    const int64_t source_time = std::max(batch_commit_time, last_beat_written);
    {
      std::lock_guard lock(mu);
      status.applied_position = batch_position;
      status.applied_seq = batch_seq;
      status.applied_beat_written_us = last_beat_written;
      status.transactions += batch_txns;
      status.rows += batch_rows;
      status.bytes += batch_bytes;
      if (source_time > 0) {
        status.applied_source_time_us = source_time;
        status.latency_seconds = std::max(0.0, static_cast<double>(NowMicros() - source_time) / 1e6);
        applied_at = now;
        if (*status.latency_seconds <= opt.monitoring_threshold_seconds) status.monitoring = true;
      }
      for (const auto& [ref, c] : batch_counts) {
        auto& t = by_table[ref];
        t.inserts += c.inserts;
        t.updates += c.updates;
        t.deletes += c.deletes;
      }
      statement_ms += applier->apply_ms() - apply_ms_seen;
      apply_ms_seen = applier->apply_ms();
      statements += applier->statements() - statements_seen;
      statements_seen = applier->statements();
      commit_ms += this_commit_ms;
      ++commits;
      samples.emplace_back(now, status.rows, status.bytes);
      while (samples.size() > 2 && now - std::get<0>(samples.front()) > std::chrono::seconds(5)) samples.pop_front();
      if (batch_beat && target_beat != 0 && batch_beat->seq >= target_beat) status.caught_up = true;
    }
    reset_batch();
    // Retention: what the destination has committed is no longer needed.
    if (now - last_release > std::chrono::seconds(1) && batch_seq > released_up_to) {
      auto released = log->Release(batch_seq);
      if (!released.ok()) Warn("releasing applied change-log segments: " + released.status().ToString());
      released_up_to = batch_seq;
      last_release = now;
    }
    return Status();
  };
  // Commits what the Writer holds, so that DDL runs outside its
  // transactions: complete source transactions with their checkpoint, and
  // rows of the current one under the previous checkpoints (applied again,
  // idempotently, after a crash).
  auto settle = [&]() -> Status {
    RETURN_IF_ERROR(flush_piece());
    if (batch_txns > 0 && !mid_txn) return commit();
    return applier->Settle();
  };
  auto caught_up = [&] {
    std::lock_guard lock(mu);
    return status.caught_up;
  };

  while (true) {
    if (cancel || stop_all) {
      if (!mid_txn) {
        if (Status st = commit(); !st.ok()) {
          applier->Abort();
          return st;
        }
      } else {
        applier->Abort();
      }
      return Status(ErrorCode::kCancelled, "synchronization stopped");
    }
    if (caught_up()) return Status();
    if (stop_requested && !heartbeat) {
      applier->Abort();
      return Status(ErrorCode::kUnsupported,
                    "stopping once caught up needs Godwit's heartbeat row on the source, and it could not be written",
                    "Grant the migration user CREATE, INSERT and UPDATE on the source's default schema (the "
                    "heartbeat table godwit_heartbeat), or stop with Ctrl-C twice instead; run again to resume.");
    }
    auto entry = (*reader)->Next();
    if (!entry.ok()) {
      applier->Abort();
      return entry.status().WithContext("reading the change log");
    }
    if (!*entry) {
      if (!mid_txn && batch_txns > 0) {
        if (Status st = commit(); !st.ok()) {
          applier->Abort();
          return st;
        }
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
      continue;
    }
    ChangeEvent& e = (*entry)->event;
    switch (e.kind) {
      case ChangeKind::kBegin:
        if (batch_txns == 0) batch_started = Clock::now();
        mid_txn = true;
        break;
      case ChangeKind::kCommit:
        if (Status st = flush_piece(); st.ok()) {
          st = applier->EndTransaction(e.position, (*entry)->seq);
          if (!st.ok()) {
            applier->Abort();
            return st;
          }
        } else {
          applier->Abort();
          return st;
        }
        mid_txn = false;
        ++batch_txns;
        batch_position = e.position;
        batch_seq = (*entry)->seq;
        batch_commit_time = std::max(batch_commit_time, e.commit_time_us);
        if (batch_events >= opt.batch_events || Clock::now() - batch_started >= opt.batch_interval) {
          if (Status st = commit(); !st.ok()) {
            applier->Abort();
            return st;
          }
        }
        break;
      case ChangeKind::kDdl:
        if (Status st = HandleDdl(e, (*entry)->seq, *session, *applier, settle); !st.ok()) {
          applier->Abort();
          return st;
        }
        break;
      default: {
        if (auto beat = ParseBeat(e, heartbeat_ref, opt.stream_id)) {
          batch_beat = beat;
          break;
        }
        if (auto ddl = ParsePgDdl(e, ddl_log_ref, opt.stream_id)) {
          if (Status st = HandlePgDdl(*ddl, (*entry)->seq, *session, *applier, settle); !st.ok()) {
            applier->Abort();
            return st;
          }
          break;
        }
        if (IsGodwitTable(e.table)) break;  // another stream's heartbeat or DDL log
        if (!tables.count(e.table)) {
          // A PostgreSQL table renamed out of the migration stays in the
          // publication: its rows are no longer the migration's.
          if (!InScope(e.table)) break;
          if (!opt.ddl_sync) {
            Warn("changes to " + e.table.ToString() +
                 " are not applied: the table is new on the source and DDL sync is off");
            break;
          }
        }
        if (!ColumnsMatch(e)) {
          // The source table's columns changed (PostgreSQL sends no DDL,
          // only the new column list): bring the destination along first.
          if (!opt.ddl_sync) {
            Warn("the columns of " + e.table.ToString() + " changed on the source and DDL sync is off");
          } else {
            Status st = settle();
            if (st.ok()) st = SyncTable(e.table, {.detect_renames = true}, *session, *applier, false, &e.columns);
            if (!st.ok()) {
              applier->Abort();
              if (!st.retryable()) {
                std::lock_guard lock(mu);
                status.failed_ddl = FailedDdl{(*entry)->seq, "(columns of " + e.table.ToString() + " changed)",
                                              st.message()};
              }
              return st.WithContext("changing " + e.table.ToString() + " on the destination to the source's columns");
            }
          }
        }
        auto& c = batch_counts[e.table];
        if (e.kind == ChangeKind::kInsert && opt.apply_insert) ++c.inserts;
        if (e.kind == ChangeKind::kUpdate && opt.apply_update) ++c.updates;
        if (e.kind == ChangeKind::kDelete && opt.apply_delete) ++c.deletes;
        if (e.kind != ChangeKind::kTruncate) ++batch_rows;
        batch_bytes += EventBytes(e);
        ++batch_events;
        piece.push_back(std::move(e));
        piece_seqs.push_back((*entry)->seq);
        if (piece.size() >= kPieceEvents) {
          if (Status st = flush_piece(); !st.ok()) {
            applier->Abort();
            return st;
          }
        }
      }
    }
  }
}

void Synchronizer::Impl::Monitor() {
  std::unique_ptr<Session> src;
  auto next_beat = Clock::now();
  auto next_retention = Clock::now() + std::chrono::seconds(2);
  while (!stop_all) {
    auto now = Clock::now();
    bool beat_due = heartbeat && (now >= next_beat || (stop_requested && target_beat == 0));
    bool retention_due = now >= next_retention;
    if (beat_due || retention_due) {
      if (!src) {
        auto s = Connect(opt.source);
        if (s.ok()) src = std::move(*s);
      }
      if (src && beat_due) {
        // The stop marker is read before the write, so the beat written
        // here is after every commit that preceded the request.
        const bool marking = stop_requested.load();
        const int64_t seq = NowMicros();
        Status st = WriteHeartbeat(*src, opt.stream_id, seq);
        if (st.ok()) {
          if (marking && target_beat == 0) target_beat = seq;
        } else {
          src.reset();  // reconnect at the next beat; the Store reports a source that stays down
        }
        next_beat = now + opt.heartbeat_interval;
      }
      if (src && retention_due) {
        CheckRetention(*src);
        next_retention = now + opt.retention_check_interval;
      }
    }
    SleepUnlessCancelled(std::chrono::milliseconds(50), stop_all);
  }
}

void Synchronizer::Impl::CheckRetention(Session& src) {
  Position needed;
  int64_t needed_time_us = 0;
  {
    std::lock_guard lock(mu);
    if (!capture) return;
  }
  auto cs = capture->stats();
  needed = cs.durable_position;
  needed_time_us = cs.last_commit_time_us;
  auto alert = retention.Check(src, opt.pg_slot, needed, needed_time_us);
  if (!alert.ok()) return;  // the next check tries again
  std::lock_guard lock(mu);
  status.retention_alert = *alert;
}

CaptureDuringCopy::CaptureDuringCopy(std::function<bool()> ready, OptionsFn options,
                                     std::function<void(const Status&)> on_error)
    : ready_(std::move(ready)), options_(std::move(options)), on_error_(std::move(on_error)) {
  thread_ = std::thread([this] { Run(); });
}

CaptureDuringCopy::~CaptureDuringCopy() { Stop(); }

void CaptureDuringCopy::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void CaptureDuringCopy::Run() {
  std::optional<SyncOptions> so;
  while (!stop_ && !so) {
    if (ready_()) {
      auto found = options_();
      if (!found.ok()) {
        on_error_(found.status());
        return;
      }
      so = std::move(*found);
    }
    if (!so) std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  if (!so) return;
  Synchronizer capture(*so);
  if (Status st = capture.RunCapture(stop_); !st.ok()) on_error_(st);
}

}  // namespace godwit
