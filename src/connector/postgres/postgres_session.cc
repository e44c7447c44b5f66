#include "connector/postgres/postgres_session.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "common/text.h"

#include "connector/engines.h"
#include "connector/postgres/postgres_codec.h"
#include "connector/postgres/postgres_connector.h"
#include "schema/dialects.h"

namespace godwit {
namespace pg {
namespace {

// COPY data is handed to libpq in pieces of about this size: large enough
// that the per-call cost vanishes, small enough to bound the buffer.
constexpr size_t kCopyChunk = 1 << 20;

// Makes PostgreSQL's text output the canonical form (model/types.h) for as
// many kinds as possible, then finds the default schema, in one round trip.
constexpr const char* kSessionSetup =
    "SET TimeZone='UTC'; SET DateStyle='ISO, YMD'; SET extra_float_digits=1; SET bytea_output='hex'; "
    "SET IntervalStyle='iso_8601'; SET client_encoding='UTF8'; "
    "SELECT COALESCE((SELECT s FROM unnest(current_schemas(false)) AS s WHERE s = 'public'), "
    "(current_schemas(false))[1], 'public')";

class PgSnapshotLease final : public SnapshotLease {
 public:
  PgSnapshotLease(ConnPtr conn, Position position, std::string token, bool replication)
      : conn_(std::move(conn)), position_(std::move(position)), token_(std::move(token)), replication_(replication) {}
  // A lease dropped without Release (an error path of the copy) ends its
  // snapshot here, with no caller left to tell.
  ~PgSnapshotLease() override {
    Release().IgnoreBecause(
        "a snapshot lease was dropped without Release; closing its connection ends the snapshot either way");
  }

  const Position& position() const override { return position_; }
  const std::string& token() const override { return token_; }

  Status Release() override {
    if (conn_ == nullptr) return Status::Ok();
    Status st;
    if (!replication_) {
      // The exported snapshot lives as long as the exporting transaction.
      auto r = Exec(conn_.get(), "COMMIT", ErrorCode::kReadFailed, "ending the exported snapshot");
      if (!r.ok()) st = r.status();
    }
    // On a replication connection the snapshot lives until the next command
    // or the end of the connection; the slot itself stays.
    conn_.reset();
    return st;
  }

 private:
  ConnPtr conn_;
  Position position_;
  std::string token_;
  bool replication_;
};

}  // namespace

bool IsValidSlotName(std::string_view slot) {
  if (slot.empty() || slot.size() > 63) return false;
  for (char c : slot) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

Status DropReplicationSlot(const Endpoint& endpoint, std::string_view slot) {
  ASSIGN_OR_RETURN(ConnPtr conn, OpenConnection(endpoint, false));
  const std::string params[] = {std::string(slot)};
  auto exists = ExecParams(conn.get(), "SELECT 1 FROM pg_replication_slots WHERE slot_name = $1", params,
                           ErrorCode::kReadFailed, "looking up replication slot");
  if (!exists.ok()) return exists.status();
  if (PQntuples(exists->get()) == 0) {
    return Status(ErrorCode::kNotFound, "replication slot \"" + std::string(slot) + "\" does not exist");
  }
  auto r = ExecParams(conn.get(), "SELECT pg_drop_replication_slot($1)", params, ErrorCode::kConflict,
                      "dropping replication slot \"" + std::string(slot) + "\"");
  if (!r.ok()) {
    Status s = r.status();
    if (s.native_code() == "55006") {  // object_in_use
      return Status(ErrorCode::kConflict, s.message(),
                    "A connection still uses the slot: release the snapshot or stop the change reader first.",
                    s.native_code());
    }
    return s;
  }
  return Status::Ok();
}

namespace {

// Drops `slot` once no session uses it, waiting a few seconds for the
// server to notice that the connection of a killed process is gone.
// kConflict when it stays active.
Status DropInactiveSlot(const Endpoint& endpoint, const std::string& slot) {
  ASSIGN_OR_RETURN(ConnPtr conn, OpenConnection(endpoint, false));
  const std::string params[] = {slot};
  for (int tries = 0;; ++tries) {
    // The check and the drop are one statement, so an active slot is never
    // dropped; a slot that becomes active in between makes the drop fail.
    auto r = ExecParams(conn.get(),
                        "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                        "WHERE slot_name = $1 AND NOT active",
                        params, ErrorCode::kConflict, "dropping replication slot \"" + slot + "\"");
    if (r.ok() && PQntuples(r->get()) == 1) return Status::Ok();
    if (!r.ok() && r.status().native_code() != "55006") return r.status();  // 55006: object_in_use
    auto exists = ExecParams(conn.get(), "SELECT 1 FROM pg_replication_slots WHERE slot_name = $1", params,
                             ErrorCode::kReadFailed, "looking up replication slot");
    if (!exists.ok()) return exists.status();
    if (PQntuples(exists->get()) == 0) return Status::Ok();  // gone meanwhile
    if (tries == 20) {
      return Status(ErrorCode::kConflict, "replication slot \"" + slot + "\" exists and is in use",
                    "Another process reads from that slot: stop it, or choose another slot name.", "55006");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

}  // namespace

Status PostgresSession::Execute(std::string_view sql) {
  // One statement only: the extended protocol (PQexecParams) refuses a
  // string holding several, so text that came from a source database
  // (a view body, a CHECK clause) can never smuggle a second statement in.
  // A NUL byte would silently cut the statement short.
  if (sql.find('\0') != std::string_view::npos) {
    return Status(ErrorCode::kDdlFailed, "statement failed: the statement holds a NUL byte");
  }
  auto r = ExecParams(conn_.get(), std::string(sql), {}, ErrorCode::kDdlFailed, "statement failed");
  return r.ok() ? Status::Ok() : r.status();
}

void PostgresSession::Rollback() { ResultPtr r(PQexec(conn_.get(), "ROLLBACK")); }

void PostgresSession::AbandonCopyOut(bool in_transaction) {
  if (!in_transaction) {
    // Cancelling saves reading (and the server producing) the rest of a
    // possibly huge result. A cancel that arrives after the COPY ended is
    // ignored by an idle backend.
    if (PGcancel* cancel = PQgetCancel(conn_.get()); cancel != nullptr) {
      char err[256];
      PQcancel(cancel, err, sizeof(err));
      PQfreeCancel(cancel);
    }
  }
  char* buf = nullptr;
  int n;
  while ((n = PQgetCopyData(conn_.get(), &buf, 0)) > 0) PQfreemem(buf);
  DrainResults(conn_.get());
}

Status PostgresSession::Query(std::string_view sql, std::span<const ColumnType> types, BatchConsumer& consumer,
                              const BatchLimits& limits) {
  if (PQtransactionStatus(conn_.get()) != PQTRANS_INTRANS) return QueryOnce(sql, types, consumer, limits);
  // Inside a transaction (a joined snapshot shared by every table a worker
  // reads) one failed statement would abort the whole transaction: every
  // later query would fail with 25P02 and hide the real cause. A savepoint
  // confines the failure to this query; the snapshot stays, as it belongs
  // to the transaction, not to the subtransaction.
  if (auto r = Exec(conn_.get(), "SAVEPOINT godwit_query", ErrorCode::kReadFailed, "starting a savepoint"); !r.ok()) {
    return r.status();
  }
  Status st = QueryOnce(sql, types, consumer, limits);
  const char* end = st.ok() ? "RELEASE SAVEPOINT godwit_query" : "ROLLBACK TO SAVEPOINT godwit_query";
  auto r = Exec(conn_.get(), end, ErrorCode::kReadFailed, "ending a savepoint");
  if (st.ok() && !r.ok()) return r.status();
  // On failure the query's error is the one to report; a lost connection
  // fails the next call anyway.
  return st;
}

Status PostgresSession::QueryOnce(std::string_view sql, std::span<const ColumnType> types, BatchConsumer& consumer,
                                  const BatchLimits& limits) {
  const std::vector<CopyOutConv> plan = PlanCopyOut(types);
  const bool in_transaction = PQtransactionStatus(conn_.get()) == PQTRANS_INTRANS;
  std::string copy;
  copy.reserve(sql.size() + 24);
  copy.append("COPY (").append(sql).append(") TO STDOUT");
  ResultPtr res(PQexec(conn_.get(), copy.c_str()));
  if (PQresultStatus(res.get()) != PGRES_COPY_OUT) {
    Status s = ResultError(conn_.get(), res.get(), ErrorCode::kReadFailed, "query failed");
    DrainResults(conn_.get());
    return s;
  }
  res.reset();

  RowBatch batch(types.size());
  Status failure;
  while (true) {
    char* buf = nullptr;
    int n = PQgetCopyData(conn_.get(), &buf, 0);
    if (n > 0) {
      Status st = DecodeCopyRow(std::string_view(buf, static_cast<size_t>(n)), plan, batch);
      PQfreemem(buf);
      if (!st.ok()) {
        failure = st;
        break;
      }
      if (batch.rows() >= limits.max_rows || batch.payload_bytes() >= limits.max_bytes) {
        Status cs = consumer.Consume(batch);
        batch.Clear(types.size());
        if (!cs.ok()) {
          failure = cs;
          break;
        }
      }
      continue;
    }
    if (n == -1) break;  // end of the COPY; its outcome is in the result below
    ResultPtr err(PQgetResult(conn_.get()));
    return ResultError(conn_.get(), err.get(), ErrorCode::kReadFailed, "reading query rows");
  }
  if (!failure.ok()) {
    AbandonCopyOut(in_transaction);
    return failure;
  }
  ResultPtr end(PQgetResult(conn_.get()));
  if (PQresultStatus(end.get()) != PGRES_COMMAND_OK) {
    // A failure midway (division by zero in row 1000...): the rows already
    // handed over came before it; the partial batch is dropped.
    Status s = ResultError(conn_.get(), end.get(), ErrorCode::kReadFailed, "query failed");
    DrainResults(conn_.get());
    return s;
  }
  DrainResults(conn_.get());
  if (!batch.empty()) RETURN_IF_ERROR(consumer.Consume(batch));
  return Status::Ok();
}

// A MySQL TIME value outside PostgreSQL time's range, named with the row's
// key (docs/type-mapping.md, "TIME outside 00:00-24:00").
static Status UnstorableTime(const TableSchema& table, std::span<const Value> row, size_t column) {
  std::string key_names, key_values;
  if (auto key = table.ChunkKey()) {
    for (const IndexColumn& ic : key->columns) {
      int i = table.ColumnIndex(ic.name);
      if (i < 0) continue;
      key_names += (key_names.empty() ? "" : ", ") + ic.name;
      key_values += (key_values.empty() ? "" : ", ") +
                    (row[i].is_null() ? std::string("NULL") : "'" + std::string(row[i].bytes().substr(0, 64)) + "'");
    }
  }
  const std::string row_name = key_names.empty() ? "a row" : "the row with key (" + key_names + ") = (" + key_values + ")";
  return Status(ErrorCode::kDataError,
                "table " + table.ref.ToString() + ": " + row_name + " holds TIME value '" +
                    std::string(row[column].bytes().substr(0, 32)) + "' in column " + table.columns[column].name +
                    ", outside PostgreSQL time's range 00:00:00 to 24:00:00",
                "Create the table on the destination by hand with an interval column in place of " +
                    table.columns[column].name +
                    " (Godwit loads into an existing empty table), or change the value on the source.");
}

Status PostgresSession::BulkLoad(const TableSchema& table, std::span<const std::string> pre_sql, BatchSource& source) {
  PGconn* c = conn_.get();
  if (PQtransactionStatus(c) != PQTRANS_IDLE) {
    return Status(ErrorCode::kInternal, "BulkLoad into " + table.ref.ToString() +
                                            " called while the session is inside a transaction (a joined snapshot?)");
  }
  const Dialect& dialect = PostgresDialect();
  const std::vector<CopyInConv> plan = PlanCopyIn(table.columns);
  const bool has_time = std::find(plan.begin(), plan.end(), CopyInConv::kTime) != plan.end();
  const size_t ncols = table.columns.size();
  std::string copy = "COPY " + dialect.QualifiedName(table.ref) + " (";
  for (size_t i = 0; i < ncols; ++i) {
    if (i != 0) copy += ", ";
    copy += dialect.QuoteIdent(table.columns[i].name);
  }
  copy += ") FROM STDIN";
  const std::string what = "loading rows into " + table.ref.ToString();

  {
    auto r = Exec(c, "BEGIN", ErrorCode::kWriteFailed, what);
    if (!r.ok()) return r.status();
  }
  for (const std::string& sql : pre_sql) {
    auto r = Exec(c, sql, ErrorCode::kWriteFailed, what + " (pre_sql)");
    if (!r.ok()) {
      Rollback();
      return r.status();
    }
  }
  {
    ResultPtr res(PQexec(c, copy.c_str()));
    if (PQresultStatus(res.get()) != PGRES_COPY_IN) {
      Status s = ResultError(c, res.get(), ErrorCode::kWriteFailed, what);
      DrainResults(c);
      Rollback();
      return s;
    }
  }

  std::string buf;
  buf.reserve(kCopyChunk + (64 << 10));
  RowBatch batch(ncols);
  Status source_error;
  bool put_failed = false;
  while (!put_failed && source_error.ok()) {
    batch.Clear(ncols);
    Result<bool> more = source.Next(batch);
    if (!more.ok()) {
      source_error = more.status();
      break;
    }
    if (!*more) break;
    if (batch.rows() > 0 && batch.columns() != ncols) {
      source_error = Status(ErrorCode::kInternal, what + ": a batch has " + std::to_string(batch.columns()) +
                                                      " columns, the table " + std::to_string(ncols));
      break;
    }
    for (size_t r = 0, rows = batch.rows(); r < rows; ++r) {
      if (int bad = has_time ? FirstUnstorableValue(batch.row(r), plan) : -1; bad >= 0) {
        source_error = UnstorableTime(table, batch.row(r), static_cast<size_t>(bad));
        break;
      }
      EncodeCopyRow(batch.row(r), plan, buf);
      if (buf.size() >= kCopyChunk) {
        // -1 means the server already rejected the COPY (its error is read
        // below) or the connection broke.
        if (PQputCopyData(c, buf.data(), static_cast<int>(buf.size())) != 1) {
          put_failed = true;
          break;
        }
        buf.clear();
      }
    }
  }

  if (!source_error.ok()) {
    // Makes the server abort the COPY, hence the transaction.
    PQputCopyEnd(c, "the row source failed");
    DrainResults(c);
    Rollback();
    return source_error;
  }
  if (!put_failed && !buf.empty() && PQputCopyData(c, buf.data(), static_cast<int>(buf.size())) != 1) {
    put_failed = true;
  }
  if (!put_failed) PQputCopyEnd(c, nullptr);
  ResultPtr end(PQgetResult(c));
  if (PQresultStatus(end.get()) != PGRES_COMMAND_OK) {
    Status s = ResultError(c, end.get(), ErrorCode::kWriteFailed, what);
    DrainResults(c);
    Rollback();
    return s;
  }
  DrainResults(c);
  auto commit = Exec(c, "COMMIT", ErrorCode::kWriteFailed, what + " (commit)");
  if (!commit.ok()) {
    Rollback();
    return commit.status();
  }
  return Status::Ok();
}

Result<std::unique_ptr<SnapshotLease>> PostgresSession::ExportSnapshot(const SnapshotOptions& options) {
  if (!options.replication_slot.empty()) {
    const std::string& slot = options.replication_slot;
    if (!IsValidSlotName(slot)) {
      return Status(ErrorCode::kInvalidArgument, "replication slot name \"" + slot + "\" is not valid",
                    "Use 1 to 63 lower-case letters, digits and underscores.");
    }
    ASSIGN_OR_RETURN(ConnPtr conn, OpenConnection(endpoint_, true));
    // The option list is PostgreSQL 15's spelling; older servers only know
    // the keyword form.
    std::string sql = "CREATE_REPLICATION_SLOT \"" + slot + "\" LOGICAL pgoutput " +
                      (PQserverVersion(conn.get()) >= 150000 ? "(SNAPSHOT 'export')" : "EXPORT_SNAPSHOT");
    auto r = Exec(conn.get(), sql, ErrorCode::kReadFailed, "creating replication slot \"" + slot + "\"");
    if (!r.ok() && r.status().native_code() == "42710" && options.replace_inactive_slot) {
      RETURN_IF_ERROR(DropInactiveSlot(endpoint_, slot));
      r = Exec(conn.get(), sql, ErrorCode::kReadFailed, "creating replication slot \"" + slot + "\"");
    }
    if (!r.ok()) {
      const Status& s = r.status();
      if (s.native_code() == "42710") {  // duplicate_object
        return Status(ErrorCode::kConflict, s.message(),
                      "A replication slot of that name exists, perhaps left by an earlier run: drop it with "
                      "SELECT pg_drop_replication_slot('" +
                          slot + "') or choose another slot name.",
                      s.native_code());
      }
      if (s.code() == ErrorCode::kServerConfig) {
        return Status(s.code(), s.message(),
                      "Set wal_level = logical and max_replication_slots > 0 in postgresql.conf and restart the "
                      "server.",
                      s.native_code());
      }
      return s;
    }
    const PGresult* res = r->get();
    int lsn_col = PQfnumber(res, "consistent_point");
    int snap_col = PQfnumber(res, "snapshot_name");
    if (PQntuples(res) != 1 || lsn_col < 0 || snap_col < 0 || PQgetisnull(res, 0, snap_col)) {
      return Status(ErrorCode::kInternal, "CREATE_REPLICATION_SLOT returned no snapshot");
    }
    Position pos = PgLsnPos{PQgetvalue(res, 0, lsn_col), slot};
    std::string token = PQgetvalue(res, 0, snap_col);
    return std::unique_ptr<SnapshotLease>(
        std::make_unique<PgSnapshotLease>(std::move(conn), std::move(pos), std::move(token), true));
  }
  ASSIGN_OR_RETURN(ConnPtr conn, OpenConnection(endpoint_, false));
  auto r = Exec(conn.get(),
                "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; "
                "SELECT pg_export_snapshot(), pg_current_wal_lsn()",
                ErrorCode::kReadFailed, "exporting a snapshot");
  if (!r.ok()) return r.status();
  const PGresult* res = r->get();
  if (PQntuples(res) != 1) return Status(ErrorCode::kInternal, "pg_export_snapshot() returned no row");
  std::string token = PQgetvalue(res, 0, 0);
  Position pos = PgLsnPos{PQgetvalue(res, 0, 1), ""};
  return std::unique_ptr<SnapshotLease>(
      std::make_unique<PgSnapshotLease>(std::move(conn), std::move(pos), std::move(token), false));
}

Status PostgresSession::JoinSnapshot(const SnapshotLease& lease) {
  if (PQtransactionStatus(conn_.get()) != PQTRANS_IDLE) {
    return Status(ErrorCode::kInternal, "JoinSnapshot called while the session is already inside a transaction");
  }
  std::string sql =
      "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET TRANSACTION SNAPSHOT " + SqlStringLiteral(lease.token());
  auto r = Exec(conn_.get(), sql, ErrorCode::kReadFailed, "joining snapshot " + lease.token());
  if (!r.ok()) {
    Rollback();
    Status s = r.status();
    if (s.native_code() == "22023") {  // invalid_parameter_value: the snapshot is gone
      return Status(ErrorCode::kConflict, s.message(),
                    "The exporting side of the snapshot has ended (released, or its connection closed); export a "
                    "new snapshot.",
                    s.native_code());
    }
    return s;
  }
  return Status::Ok();
}

Status PostgresSession::EndSnapshot() {
  if (PQtransactionStatus(conn_.get()) == PQTRANS_IDLE) return Status::Ok();
  auto r = Exec(conn_.get(), "COMMIT", ErrorCode::kReadFailed, "ending the snapshot transaction");
  return r.ok() ? Status::Ok() : r.status();
}

Result<std::string> PostgresSession::TableIdentity(const TableRef& table) {
  // Oids are given out afresh by every CREATE, but a new cluster built by
  // the same script gives out the same ones: the cluster's system
  // identifier tells servers apart. pg_control_system() may be refused to
  // an ordinary user; the oids are the identity then.
  const std::string what = "reading the identity of table " + table.ToString();
  const std::string params[] = {table.schema.empty() ? default_schema_ : table.schema, table.name};
  ASSIGN_OR_RETURN(ResultPtr found,
                   ExecParams(conn_.get(),
                              "SELECT d.oid::text, c.oid::text, "
                              "has_function_privilege('pg_catalog.pg_control_system()', 'EXECUTE') "
                              "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                              "JOIN pg_catalog.pg_database d ON d.datname = current_database() "
                              "WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')",
                              params, ErrorCode::kReadFailed, what));
  if (PQntuples(found.get()) == 0) return std::string();
  std::string cluster;
  if (std::string_view(PQgetvalue(found.get(), 0, 2)) == "t") {
    ASSIGN_OR_RETURN(ResultPtr control, Exec(conn_.get(), "SELECT system_identifier::text FROM pg_control_system()",
                                             ErrorCode::kReadFailed, what));
    if (PQntuples(control.get()) == 1) cluster = PQgetvalue(control.get(), 0, 0);
  }
  return "pg " + cluster + " " + PQgetvalue(found.get(), 0, 0) + " " + PQgetvalue(found.get(), 0, 1);
}

}  // namespace pg

Result<std::unique_ptr<Session>> ConnectPostgres(const Endpoint& endpoint) {
  ASSIGN_OR_RETURN(pg::ConnPtr conn, pg::OpenConnection(endpoint, false));
  // The catalog reader relies on pg_partition_tree() and
  // pg_attribute.attgenerated, both new in PostgreSQL 12.
  if (int version = PQserverVersion(conn.get()); version < 120000) {
    return Status(ErrorCode::kUnsupported,
                  "PostgreSQL at " + endpoint.host + ":" + std::to_string(endpoint.port) + " is version " +
                      std::to_string(version / 10000) + "; Godwit needs PostgreSQL 12 or later",
                  "Upgrade the server, or migrate from a dump restored into PostgreSQL 12+.");
  }
  auto r = pg::Exec(conn.get(), pg::kSessionSetup, ErrorCode::kConnectionLost, "setting up the session");
  if (!r.ok()) return r.status();
  std::string schema = PQntuples(r->get()) == 1 ? PQgetvalue(r->get(), 0, 0) : "public";
  return std::unique_ptr<Session>(std::make_unique<pg::PostgresSession>(endpoint, std::move(conn), std::move(schema)));
}

}  // namespace godwit
