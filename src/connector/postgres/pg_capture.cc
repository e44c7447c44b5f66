// PostgreSQL's ChangeCapture (connector/change_capture.h): a publication
// and a logical slot of pgoutput, both named after the stream.
#include <fmt/format.h>

#include "connector/change_capture.h"
#include "connector/engines.h"
#include "connector/postgres/pg_change_stream.h"
#include "connector/postgres/pg_ddl_capture.h"
#include "connector/postgres/pg_retention.h"
#include "connector/postgres/postgres_connector.h"
#include "schema/dialects.h"

namespace godwit {
namespace {

class PgCapture final : public ChangeCapture {
 public:
  PgCapture(Endpoint db, CaptureNames names) : db_(std::move(db)), names_(std::move(names)) {}

  Status Prepare(Session& db, std::span<const TableRef> tables, const ObjectRules& objects,
                 std::vector<std::string>& warnings) override {
    ASSIGN_OR_RETURN(auto unidentified, pg::TablesWithoutReplicaIdentity(db, tables));
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
    RETURN_IF_ERROR(pg::EnsurePublication(db_, names_.stream, tables));
    // pgoutput carries no DDL: Godwit's trigger records it in a table of
    // the publication, from the copy's snapshot on (the slot comes later).
    if (Status st = EnsurePgDdlCapture(db, names_.stream, names_.row_id, objects); !st.ok()) {
      warnings.push_back(st.ToStringWithHint());
    }
    return Status::Ok();
  }

  Status EnsureCaptured(Session& db, const TableRef& table) override {
    const Dialect& d = PostgresDialect();
    ASSIGN_OR_RETURN(auto in_pub, QueryFirstRow(db,
                                                "SELECT count(*) FROM pg_publication_tables WHERE pubname = " +
                                                    d.Literal(ColumnType{}, names_.stream) +
                                                    " AND schemaname = " + d.Literal(ColumnType{}, table.schema) +
                                                    " AND tablename = " + d.Literal(ColumnType{}, table.name),
                                                1));
    if (in_pub[0] != "0") return Status::Ok();
    return db.Execute("ALTER PUBLICATION " + d.QuoteIdent(names_.stream) + " ADD TABLE " + d.QualifiedName(table));
  }

  std::optional<TableRef> RefreshDdlLog(Session& db, const ObjectRules& objects,
                                        std::vector<std::string>& warnings) override {
    if (Status st = EnsurePgDdlCapture(db, names_.stream, names_.row_id, objects); !st.ok()) {
      warnings.push_back(st.ToStringWithHint());
    }
    return DdlLogTable(db);
  }

  Result<std::unique_ptr<ChangeStream>> Open(const Position& from, std::function<bool(const TableRef&)>) override {
    // The publication decides which tables' rows the server sends.
    pg::PgStreamOptions o;
    o.slot = names_.stream;
    o.publication = names_.stream;
    o.start = from;
    return pg::OpenPgChangeStream(db_, o);
  }

  // The slot holds WAL from where the stream last confirmed: what the
  // Store needs is there as long as the slot is.
  Result<std::string> RetentionAlert(Session& db, const Position&, int64_t) override {
    return retention_.Check(db, names_.stream);
  }

  Status Release(std::vector<std::string>& freed) override {
    // The slot first: a publication is harmless, a slot holds WAL.
    ASSIGN_OR_RETURN(bool slot, pg::DropLogicalSlot(db_, names_.stream));
    if (slot) freed.push_back("replication slot " + names_.stream);
    ASSIGN_OR_RETURN(bool publication, pg::DropPublication(db_, names_.stream));
    if (publication) freed.push_back("publication " + names_.stream);
    ASSIGN_OR_RETURN(auto db, ConnectPostgres(db_));
    ASSIGN_OR_RETURN(bool trigger, DropPgDdlCapture(*db, names_.stream, names_.row_id));
    if (trigger) freed.push_back("DDL capture trigger of " + names_.stream);
    return Status::Ok();
  }

  std::string Describe() const override { return "the replication slot and publication " + names_.stream; }

 private:
  const Endpoint db_;
  const CaptureNames names_;
  SlotRetentionWatch retention_;  // RetentionAlert's thread only
};

}  // namespace

Result<Position> PgLogEnd(Session& session) {
  ASSIGN_OR_RETURN(auto row, QueryFirstRow(session, "SELECT pg_current_wal_lsn()::text", 1));
  return Position(PgLsnPos{row[0], ""});
}

Result<std::unique_ptr<ChangeCapture>> OpenPgCapture(const Endpoint& db, const CaptureNames& names) {
  if (!pg::IsValidSlotName(names.stream)) {
    return Status(ErrorCode::kInvalidArgument,
                  "\"" + names.stream +
                      "\" cannot name a PostgreSQL replication slot (lower-case letters, digits and "
                      "underscores, at most 63)",
                  "Choose another slot name.");
  }
  return std::unique_ptr<ChangeCapture>(std::make_unique<PgCapture>(db, names));
}

}  // namespace godwit
