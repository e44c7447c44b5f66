// Which source objects a migration takes and what they are called on the
// destination: include/exclude glob patterns and schema/table renames.
//
// Patterns are shell globs (`*`, `?`, `[...]`) matched against
// "schema.table" and against the bare table name, case-sensitively; a table
// is taken when it matches any include (or there is none) and no exclude.
//
// Naming on the destination: a source schema that is the source's default
// (MySQL: the URI's database; PostgreSQL: public; SQLite: none) maps to the
// destination's default schema; any other keeps its name. Renames override
// both: `schemas: {shop: sales}` and `tables: {"shop.orders": "orders_2024"}`
// (a table rename changes the name only; write "schema.name" to move it).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/status.h"
#include "model/object_rules.h"
#include "model/table_schema.h"

namespace godwit {

class ObjectMapping {
 public:
  ObjectMapping(ObjectRules rules, std::string source_default_schema, std::string destination_default_schema);

  // Checks the patterns are well-formed.
  static Status Validate(const ObjectRules& rules);

  bool Includes(const TableRef& source) const;
  TableRef DestinationOf(const TableRef& source) const;
  // The destination schema of the objects of `source_schema` (types,
  // functions...: only tables are renamed one by one).
  std::string SchemaOf(const std::string& source_schema) const;

 private:
  ObjectRules rules_;
  std::string source_default_;
  std::string destination_default_;
};

// Godwit's own tables: the heartbeat and the DDL log (connector/postgres/pg_ddl_capture.h)
// it writes on a source, and the replay checkpoint it keeps on a
// destination. No pattern ever includes them, so a later migration from
// that database (or the reverse direction) does not copy them.
inline constexpr const char* kHeartbeatTableName = "godwit_heartbeat";
inline constexpr const char* kCheckpointTableName = "godwit_checkpoint";
inline constexpr const char* kDdlLogTableName = "godwit_ddl";
bool IsGodwitTable(const TableRef& ref);

// Shell-style glob match (fnmatch without flags).
bool GlobMatch(const std::string& pattern, const std::string& text);

}  // namespace godwit
