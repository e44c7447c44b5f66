// The connector interface: one Session is one connection to a database,
// through which Godwit reads the catalog, reads rows, writes rows and runs
// DDL. Each engine (connector/mysql, connector/postgres, connector/sqlite)
// implements it; everything above — chunking, parallel copy, checkpoints,
// schema conversion — is written once against this interface.
//
// Errors are classified here, at the boundary, from the engine's native
// codes (MySQL errno, PostgreSQL SQLSTATE, SQLite result codes) into
// ErrorCode, with the native code kept in Status::native_code(). Passwords
// never appear in any message.
//
// Thread-safety: a Session is used by one thread at a time. Open one per
// worker with Connect().
#pragma once

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "common/status.h"
#include "connector/endpoint.h"
#include "model/position.h"
#include "model/row_collector.h"
#include "model/table_schema.h"
#include "model/value.h"

namespace godwit {

// Decides which tables and views a catalog read returns.
using ObjectFilter = std::function<bool(const TableRef&)>;

struct SnapshotOptions {
  // PostgreSQL: create a logical replication slot (pgoutput) with this name
  // and read inside the snapshot it exports, so change capture can start
  // exactly where the copy's snapshot ends. Empty: export a plain snapshot
  // and record the current WAL position.
  std::string replication_slot;
  // When a slot of that name already exists and no session uses it, drop
  // it and create it afresh. For a migration resumed before it could save
  // the slot's position: the slot is its own, left by the killed run, and
  // useless without the snapshot that died with it. An active slot is
  // never dropped.
  bool replace_inactive_slot = false;
};

// A consistent read point shared by several sessions: the snapshot every
// chunk is read in, and the source's log position at that snapshot.
// Created by Session::ExportSnapshot on a session of its own; other sessions
// join it with Session::JoinSnapshot; Release() ends the exporting side (the
// joined sessions keep their snapshot until they commit).
class SnapshotLease {
 public:
  virtual ~SnapshotLease() = default;
  virtual const Position& position() const = 0;
  // Engine-specific token sessions use to join (PostgreSQL snapshot name).
  virtual const std::string& token() const = 0;
  // Ends the exporting side once every reader has joined (MySQL: UNLOCK
  // TABLES; PostgreSQL: ends the exporting transaction).
  virtual Status Release() = 0;
};

class Session {
 public:
  virtual ~Session() = default;

  virtual Engine engine() const = 0;
  // The default schema of the connection: MySQL's database, PostgreSQL's
  // "public" (or the first of search_path), empty for SQLite.
  virtual std::string default_schema() const = 0;

  // Reads tables (not temporary ones) and views that `filter` accepts, with
  // columns mapped to ColumnType, keys, indexes, foreign keys, checks,
  // comments and estimated row counts. A column whose type cannot be mapped
  // gets TypeKind::kNative with `native` set; converting it then fails for
  // that table alone.
  virtual Result<Catalog> ReadCatalog(const ObjectFilter& filter) = 0;
  // The objects of `schemas` other than tables and views (SchemaObject):
  // types, sequences, functions, triggers..., in an order they can be
  // created in (creation order on the source where the engine keeps it).
  // Objects that belong to an extension come as the extension. Default:
  // none (SQLite keeps its triggers and nothing else of the kind).
  virtual Result<std::vector<SchemaObject>> ReadObjects(const std::vector<std::string>& schemas) {
    (void)schemas;
    return std::vector<SchemaObject>{};
  }

  // Runs a statement that returns no rows; reports the server's error code.
  virtual Status Execute(std::string_view sql) = 0;

  // Runs a SELECT whose columns have `types` and hands the rows, converted
  // to canonical text, to `consumer` in batches within `limits`. Memory is
  // bounded by the batch limits whatever the result size (the result is
  // streamed, not buffered).
  virtual Status Query(std::string_view sql, std::span<const ColumnType> types, BatchConsumer& consumer,
                       const BatchLimits& limits) = 0;

  // Writes every batch of `source` into `table` (all its columns, in order,
  // as canonical text) in one transaction that first runs each statement of
  // `pre_sql`, in order (the copier uses them to delete what an earlier
  // attempt of a chunk may have committed, which makes the chunk copy
  // idempotent). Nothing is visible on the destination unless the whole
  // call succeeds.
  virtual Status BulkLoad(const TableSchema& table, std::span<const std::string> pre_sql, BatchSource& source) = 0;

  // Starts a consistent read point; see SnapshotLease. The lease holds a
  // connection of its own, so this session stays usable.
  virtual Result<std::unique_ptr<SnapshotLease>> ExportSnapshot(const SnapshotOptions& options) = 0;
  // Begins a read-only transaction on this session that sees the lease's
  // snapshot; later Query calls read inside it until EndSnapshot().
  virtual Status JoinSnapshot(const SnapshotLease& lease) = 0;
  virtual Status EndSnapshot() = 0;

  // Names this incarnation of `table` on this server, so a resumed run can
  // tell the table it created from one dropped and created again (or a
  // destination that is another server): "" when the table does not
  // exist; otherwise a token that changes when the table is re-created.
  // PostgreSQL's (cluster, database and table oids) survives ALTER TABLE
  // and index builds; MySQL/MariaDB's (CREATE_TIME: nothing else in its
  // catalog names a table) also changes when ALTER TABLE or CREATE INDEX
  // rebuilds the table, and has one-second resolution; SQLite's only says
  // the table exists. Compare it alongside what else is known (rows the
  // run committed), never alone.
  virtual Result<std::string> TableIdentity(const TableRef& table) = 0;

  // Readies this session to write beside other sessions of its own that
  // write disjoint rows of the same tables (replay's partitions,
  // replay/partitioned_applier.h), so that they do not wait on each other
  // for locks no row they share needs. Default: nothing to do.
  virtual Status PrepareConcurrentWrites() { return Status(); }
};

// Opens a session to `endpoint`, dispatching on its engine.
Result<std::unique_ptr<Session>> Connect(const Endpoint& endpoint);

// `table` in `session`'s default schema when it names no schema: how
// Godwit's own tables (checkpoints, heartbeat) are named on every engine.
// SQLite's default schema is empty, so its tables stay unqualified.
TableRef InDefaultSchema(const Session& session, TableRef table);

// Runs a query whose `columns` columns are read as plain text (PostgreSQL
// booleans come back as "t"/"f"). For small results only: catalog and
// bookkeeping queries.
Result<std::vector<TextRow>> QueryTextRows(Session& session, std::string_view sql, size_t columns);

// The first row of a small query, each of its `columns` columns read as
// text ("" for NULL, and for every column when there is no row).
Result<std::vector<std::string>> QueryFirstRow(Session& session, std::string_view sql, size_t columns);

// Runs DDL `statements` in order, as one transaction where the engine's DDL
// is transactional (`transactional`: Dialect::TransactionalDdl()), so that
// a failure or a kill between them leaves none behind; one by one where it
// is not (MySQL commits each). A failure rolls back what it can and returns
// the statement's error, with `*failed` (when given) set to its index. The
// failpoint "schema_statement" fires after each statement.
Status ExecuteDdl(Session& session, bool transactional, std::span<const std::string> statements,
                  size_t* failed = nullptr);

}  // namespace godwit
