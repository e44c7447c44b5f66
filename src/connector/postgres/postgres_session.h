// The PostgreSQL Session (connector/session.h) over libpq.
//
// Reads use `COPY (query) TO STDOUT` and writes `COPY table FROM STDIN`,
// both in text format, converted by postgres_codec.h; the catalog is read
// from pg_catalog (postgres_catalog.cc). The session runs with TimeZone
// UTC, DateStyle ISO, shortest round-trip floats, hex bytea and ISO 8601
// intervals, so PostgreSQL's text output is canonical for most kinds.
//
// Thread-safety: one thread at a time, as every Session.
#pragma once

#include <memory>
#include <string>

#include "connector/postgres/pg_conn.h"
#include "connector/session.h"

namespace godwit::pg {

class PostgresSession final : public Session {
 public:
  PostgresSession(Endpoint endpoint, ConnPtr conn, std::string default_schema)
      : endpoint_(std::move(endpoint)), conn_(std::move(conn)), default_schema_(std::move(default_schema)) {}

  Engine engine() const override { return Engine::kPostgres; }
  std::string default_schema() const override { return default_schema_; }

  Result<Catalog> ReadCatalog(const ObjectFilter& filter) override;
  Result<std::vector<SchemaObject>> ReadObjects(const std::vector<std::string>& schemas) override;
  Status Execute(std::string_view sql) override;
  Status Query(std::string_view sql, std::span<const ColumnType> types, BatchConsumer& consumer,
               const BatchLimits& limits) override;
  Status BulkLoad(const TableSchema& table, std::span<const std::string> pre_sql, BatchSource& source) override;
  Result<std::unique_ptr<SnapshotLease>> ExportSnapshot(const SnapshotOptions& options) override;
  Status JoinSnapshot(const SnapshotLease& lease) override;
  Status EndSnapshot() override;
  Result<std::string> TableIdentity(const TableRef& table) override;

 private:
  // Ends a COPY TO that is abandoned before its end (bad row, consumer
  // error): cancels the statement outside a transaction block, or reads
  // the rest inside one so that the transaction (a joined snapshot) stays
  // usable.
  void AbandonCopyOut(bool in_transaction);
  // Query without the savepoint Query() wraps it in inside a transaction.
  Status QueryOnce(std::string_view sql, std::span<const ColumnType> types, BatchConsumer& consumer,
                   const BatchLimits& limits);
  void Rollback();

  Endpoint endpoint_;  // kept to open the snapshot's own connection
  ConnPtr conn_;
  std::string default_schema_;
};

}  // namespace godwit::pg
