// DDL capture on a PostgreSQL source. pgoutput carries rows and never DDL,
// so Godwit records the DDL itself, as pglogical does: per synchronization
// stream an event trigger writes one row per table or index command into a
// log table of Godwit's (`godwit_ddl`, beside `godwit_heartbeat` in the
// source's default schema), and that table is in the stream's publication.
// The row travels the change stream at the DDL's own place among the row
// changes, so the Writer turns it into a DDL step exactly there
// (sync/synchronizer.cc) instead of applying it as a row.
//
// A table created during synchronization is added to the publication by
// the trigger, in the creating transaction, so that its rows are captured
// from that moment on. Only when it is in the migration (the include and
// exclude globs, matched in SQL as regular expressions) and PostgreSQL can
// identify its rows (a primary key or a replica identity): publishing a
// table it cannot identify makes PostgreSQL refuse UPDATE and DELETE on it
// on the source. A table that gets its key later (ALTER TABLE ... ADD
// PRIMARY KEY, REPLICA IDENTITY) is published then.
//
// The statement recorded is the client's query string (current_query(),
// which may hold several statements), with every literal and comment
// replaced by *** (schema/statement_redaction.h): "ALTER ROLE app PASSWORD
// 'x'; ALTER TABLE ..." sent in one query, a CREATE SERVER's OPTIONS or a
// COMMENT holding a credential never leave it in the log table, the change
// log, Godwit's logs or the API. Godwit needs only the words: it plans the
// destination's DDL from the source's catalog. The function body is dollar-quoted
// with a tag made fresh per creation and absent from the body, and its
// literals read the same under either standard_conforming_strings (it runs
// in the sessions of whoever runs DDL): include/exclude patterns and
// stream names are data in it, never SQL.
//
// The trigger never fails the user's DDL: when it cannot record a command
// it raises a WARNING and the statement goes on (its DDL is then not
// carried). Event triggers need a superuser (PostgreSQL 15).
//
// Thread-safety: free functions; each Session is used by one thread.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "connector/session.h"
#include "model/change_event.h"
#include "model/object_rules.h"

namespace godwit {

// The DDL log table on `source` (its default schema).
TableRef DdlLogTable(Session& source);

// Creates the log table, adds it to `publication` when that exists, and
// (re)creates the stream's trigger function and event triggers. Idempotent.
// kPermissionDenied, saying what is then not carried, when the user is not
// a superuser; callers run on with a warning (columns added, dropped or
// renamed are still found from the rows).
Status EnsurePgDdlCapture(Session& source, const std::string& publication, const std::string& stream_id,
                          const ObjectRules& objects);

// Drops the stream's event triggers and function and its log rows, and the
// log table once no stream's trigger is left. True when the stream had a
// trigger to drop.
Result<bool> DropPgDdlCapture(Session& source, const std::string& publication, const std::string& stream_id);

// One recorded command.
struct PgDdl {
  std::string command_tag;  // CREATE TABLE, ALTER TABLE, CREATE INDEX, DROP TABLE, DROP INDEX...
  // The table the command concerns (for an index command, the index's
  // table). Empty name for DROP INDEX: the index is gone, and its table
  // with it from the catalog; `index` names it.
  TableRef table;
  TableRef index;
  // The table's oid: what tells a rename (same oid, new name) apart.
  int64_t relation_oid = 0;
  // The table's columns right after the command, in order; empty for drops.
  std::vector<std::string> columns;
  // The statement text the client sent (may hold several statements),
  // redacted (schema/statement_redaction.h).
  std::string statement;
};

// When `event` is an insert into `log_table` by `stream_id`'s trigger, the
// command it records.
std::optional<PgDdl> ParsePgDdl(const ChangeEvent& event, const TableRef& log_table, const std::string& stream_id);

// Every table of `source` (ordinary and partitioned, outside the system
// schemas) by oid: what tells a recorded command's rename apart (the same
// oid under a new name).
Result<std::map<int64_t, TableRef>> PgTablesByOid(Session& source);

// A shell glob (model/object_mapping.h GlobMatch) as a PostgreSQL
// regular expression matching the same whole strings.
std::string GlobToPgRegex(const std::string& glob);

}  // namespace godwit
