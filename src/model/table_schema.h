// Catalog objects as read from a source and written to a destination:
// tables with their columns, keys, indexes, foreign keys, CHECK
// constraints and comments, and views.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/types.h"

namespace godwit {

// A table's name. `schema` is the PostgreSQL schema or the MySQL database;
// empty for SQLite.
struct TableRef {
  std::string schema;
  std::string name;
  std::string ToString() const { return schema.empty() ? name : schema + "." + name; }
  bool operator==(const TableRef&) const = default;
  auto operator<=>(const TableRef&) const = default;
};

struct Column {
  std::string name;
  ColumnType type;
  bool nullable = true;
  // The column default. Catalog readers normalise it: a literal value is
  // stored as canonical value text (kLiteral), the current-time default of
  // any spelling (now(), CURRENT_TIMESTAMP, current_timestamp(6)) as
  // kCurrentTimestamp, the current date as kCurrentDate, a random UUID
  // (gen_random_uuid(), uuid()) as kUuid (schema/default_expression.h),
  // anything else as the source's own expression text (kExpression), which
  // only the same engine can carry.
  enum class DefaultKind { kNone, kNull, kLiteral, kCurrentTimestamp, kExpression, kCurrentDate, kUuid };
  DefaultKind default_kind = DefaultKind::kNone;
  std::string default_value;
  bool auto_increment = false;  // MySQL AUTO_INCREMENT / PostgreSQL identity or serial
  std::string comment;
  // The default as the source's catalog prints it, whatever its kind: the
  // same engine declares it as it is (ConvertTable), so that now() stays
  // now() and 'G'::mpaa_rating stays an enum literal.
  std::string default_text;
  // MySQL's ON UPDATE CURRENT_TIMESTAMP: the server sets the column on
  // every update of the row. Other engines have no such clause (a trigger
  // does it there): ConvertTable warns.
  bool on_update_current_timestamp = false;
};

struct IndexColumn {
  std::string name;
  uint32_t prefix_length = 0;  // MySQL index prefix; 0 = whole column
  bool descending = false;
};

// What an index is built for. Full-text and spatial indexes are MySQL's
// FULLTEXT and SPATIAL; a full-text index becomes a GIN index over
// to_tsvector on PostgreSQL (docs/type-mapping.md, "Indexes").
enum class IndexKind { kBtree, kFulltext, kSpatial };

struct IndexDef {
  std::string name;
  std::vector<IndexColumn> columns;
  bool unique = false;
  bool primary = false;
  // Set when the index uses something Godwit does not carry across dialects
  // (expression, partial predicate, method); it is reported and skipped.
  std::string unsupported_reason;
  // PostgreSQL, for the same engine: the index as the source prints it
  // after its table's name ("USING gist (a) WHERE b"), or, for an index
  // that backs a UNIQUE or EXCLUDE constraint (`constraint`), that
  // constraint's definition ("EXCLUDE USING gist (r WITH &&)"). The same
  // engine creates it from this, whatever it uses; other engines ignore it.
  std::string native_definition;
  bool constraint = false;
  IndexKind kind = IndexKind::kBtree;
};

struct ForeignKey {
  std::string name;
  std::vector<std::string> columns;
  TableRef ref_table;
  std::vector<std::string> ref_columns;
  std::string on_delete;  // "CASCADE", "SET NULL", "RESTRICT", "NO ACTION", "SET DEFAULT" or empty
  std::string on_update;
  // PostgreSQL's further options, carried where the destination has them.
  bool match_full = false;
  bool deferrable = false;
  bool initially_deferred = false;
};

struct CheckConstraint {
  std::string name;
  std::string expression;  // in the source's dialect, without the CHECK keyword
  // A CHECK of the domain a column is declared with, VALUE replaced by the
  // column's name: carried only to other engines, where the domain is not.
  bool from_domain = false;
};

struct TableSchema {
  TableRef ref;
  std::vector<Column> columns;
  std::optional<IndexDef> primary_key;
  std::vector<IndexDef> indexes;  // unique and secondary, not the primary key
  std::vector<ForeignKey> foreign_keys;
  std::vector<CheckConstraint> checks;
  std::string comment;
  int64_t estimated_rows = 0;
  int64_t estimated_bytes = 0;
  // PostgreSQL: other tables inherit from this one, and a plain SELECT of
  // it would return their rows too; its own rows are read with ONLY
  // (Dialect::FromTable), each child being a table of its own.
  bool inheritance_parent = false;
  // MySQL: the table's default collation (its charset is the collation's
  // first word), which columns without their own follow. Same engine only.
  std::string default_collation;

  const Column* FindColumn(std::string_view name) const;
  int ColumnIndex(std::string_view name) const;  // -1 when absent
  // The key rows are chunked and identified by: the primary key, else the
  // first unique index whose columns are all NOT NULL, else nullopt.
  std::optional<IndexDef> ChunkKey() const;
};

struct ViewDef {
  TableRef ref;
  std::string definition;  // SELECT text in the source's dialect
  std::string comment;
};

// A catalog object other than a table or a view: what tables depend on
// (types, sequences, extensions) and what the database runs (functions,
// procedures, aggregates, triggers, events), plus materialized views.
enum class ObjectKind {
  kExtension,
  kType,  // enum, composite or range type
  kDomain,
  kSequence,
  kFunction,
  kProcedure,
  kAggregate,
  kTrigger,
  kMaterializedView,
  kEvent,
};
std::string_view ObjectKindName(ObjectKind kind);  // "function", "materialized view", ...

struct SchemaObject {
  ObjectKind kind = ObjectKind::kFunction;
  TableRef ref;  // its schema and name; an extension's schema is where it installs
  // What tells it apart among objects of its kind and schema, as the
  // source names it: a function's "name(argument types)", a trigger's
  // "name on table"; otherwise the name.
  std::string identity;
  // The source's own statements creating it, in the source's dialect, in
  // order: each exactly one statement, checked as such before it runs
  // (schema/source_statement.h). Built by the catalog reader from the
  // engine's own definitions (pg_get_functiondef, SHOW CREATE ...).
  std::vector<std::string> statements;
  // Triggers: the table they belong to; sequences: the table owning them
  // (OWNED BY), if any.
  TableRef table;
  std::string owned_by_column;
  bool enabled = true;  // triggers and events
  std::string comment;
  // Sequences: the value last handed out, as text; nullopt before the first.
  std::optional<std::string> sequence_last_value;
  // Set when the reader knows the object cannot be created from what it
  // read (statements then empty): the DBA creates it by hand.
  std::string unsupported_reason;
};

struct Catalog {
  std::vector<TableSchema> tables;
  std::vector<ViewDef> views;
};

}  // namespace godwit
