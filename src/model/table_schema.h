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
  // kCurrentTimestamp, anything else as the source's own expression text
  // (kExpression), which only the same engine can carry.
  enum class DefaultKind { kNone, kNull, kLiteral, kCurrentTimestamp, kExpression };
  DefaultKind default_kind = DefaultKind::kNone;
  std::string default_value;
  bool auto_increment = false;  // MySQL AUTO_INCREMENT / PostgreSQL identity or serial
  std::string comment;
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
  IndexKind kind = IndexKind::kBtree;
};

struct ForeignKey {
  std::string name;
  std::vector<std::string> columns;
  TableRef ref_table;
  std::vector<std::string> ref_columns;
  std::string on_delete;  // "CASCADE", "SET NULL", "RESTRICT", "NO ACTION", "SET DEFAULT" or empty
  std::string on_update;
};

struct CheckConstraint {
  std::string name;
  std::string expression;  // in the source's dialect, without the CHECK keyword
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

struct Catalog {
  std::vector<TableSchema> tables;
  std::vector<ViewDef> views;
};

}  // namespace godwit
