// DDL sync: carries the source's schema changes to the destination while
// the Writer (sync/writer.h) applies the change log. A MySQL source sends
// its DDL statements in the binlog; a PostgreSQL source sends the commands
// its event trigger recorded (connector/postgres/pg_ddl_capture.h) and, for column
// changes, only the rows' new column lists. Either way the destination's
// DDL is planned from the source's catalog (sync/schema_sync.h), never by
// running the captured text.
//
// DDL runs outside the Writer's batched transaction: each step first calls
// the Writer's `settle`, which commits what the Writer holds. A statement
// the destination refuses stops the project (SyncStatus::failed_ddl) until
// the user skips it by its change-log sequence.
//
// Thread-safety: the Writer's thread only (after Prepare on the caller's).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/status.h"
#include "connector/session.h"
#include "model/table_schema.h"
#include "replay/partitioned_applier.h"
#include "schema/ddl_statement.h"
#include "connector/postgres/pg_ddl_capture.h"
#include "sync/schema_sync.h"
#include "sync/sync_shared.h"

namespace godwit {

class DdlSync {
 public:
  explicit DdlSync(SyncShared& shared) : s_(shared) {}

  // --- Prepare ---
  // A migrated table and its destination schema.
  void AddTable(const TableRef& source, TableSchema destination) { tables_.emplace(source, std::move(destination)); }
  // PostgreSQL source: every table's name by oid (a recorded ALTER TABLE
  // under a new name for a known oid is a rename) and the table of each
  // migrated table's index (DROP INDEX is recorded after the index left
  // the catalog).
  Status LoadPgCatalog(Session& src, const std::vector<TableSchema>& migrated);

  // --- The Writer's thread ---
  // Source table -> destination schema, as the applier needs them.
  const std::map<TableRef, TableSchema>& tables() const { return tables_; }
  bool Covers(const TableRef& source) const { return tables_.count(source) != 0; }
  // False when the columns of `e` are not those of its table (PostgreSQL:
  // the source table changed). Cheap once a column list was seen.
  bool ColumnsMatch(const ChangeEvent& e);
  // Brings the destination table of `e` to the columns `e` carries (after
  // `settle`); a failure that reconnecting does not cure stops the project
  // as failed DDL at change `seq`.
  Status FollowColumns(const ChangeEvent& e, uint64_t seq, Session& dst, PartitionedApplier& applier,
                       const std::function<Status()>& settle);
  // The DDL event `e` (change-log sequence `seq`); `settle` commits what
  // the Writer holds so the DDL runs outside its transaction.
  Status HandleDdl(const ChangeEvent& e, uint64_t seq, Session& dst, PartitionedApplier& applier,
                   const std::function<Status()>& settle);
  // A command recorded by the PostgreSQL DDL trigger (connector/postgres/pg_ddl_capture.h).
  Status HandlePgDdl(const PgDdl& r, uint64_t seq, Session& dst, PartitionedApplier& applier,
                     const std::function<Status()>& settle);

 private:
  // The part every captured DDL shares: a skip asked for, DDL sync off,
  // settling the Writer, and a failure that stops the project until the
  // user skips `statement` (change `seq`).
  Status RunDdlStep(uint64_t seq, const std::string& statement, const std::function<Status()>& settle,
                    const std::function<Status()>& apply);
  // What a column-changing statement may change: renames, and the
  // definitions of the columns it names.
  TableChangeOptions ColumnChangeOptions(const DdlStatement& ddl, const std::string& statement) const;
  Status ApplyDdl(const DdlStatement& ddl, const std::string& statement, Session& dst, PartitionedApplier& applier);
  Status ApplyRename(const DdlStatement& ddl, Session& dst, PartitionedApplier& applier);
  // Brings the destination table of `source` to the source's current shape.
  // `event_columns`: the column list of the change that found the table
  // changed (PostgreSQL), whose shape is the target rather than the
  // catalog's, which may be ahead of the stream.
  Status SyncTable(const TableRef& source, const TableChangeOptions& options, Session& dst, PartitionedApplier& applier,
                   bool allow_drop, const std::vector<std::string>* event_columns = nullptr);
  // Runs `statements` on the destination, in one transaction where the
  // destination's DDL is transactional (Dialect::TransactionalDdl).
  Status RunStatements(const std::vector<std::string>& statements, Session& dst);
  void AppliedDdl(const std::string& sql);

  SyncShared& s_;
  std::map<TableRef, TableSchema> tables_;                     // source -> destination schema
  std::map<TableRef, std::vector<std::string>> columns_seen_;  // event column lists known to match
  std::map<int64_t, TableRef> pg_relations_;
  std::map<TableRef, TableRef> pg_index_tables_;
};

}  // namespace godwit
