// What a captured DDL statement is about, read from its first words: the
// table it changes and the kind of change. The Writer uses it to tell the
// DDL of the migrated tables (which must reach the destination) from the
// rest of what a MySQL binlog carries as statements (GRANT, CREATE USER,
// FLUSH, DDL of tables outside the migration), which does not.
//
// Only the statement's head is read (keywords, then one possibly quoted,
// possibly schema-qualified name): enough to classify, not a parser. The
// words come from the SQL lexer (schema/sql_lexer.h).
//
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "model/table_schema.h"

namespace godwit {

enum class DdlKind {
  kOther,  // not a table DDL (GRANT, FLUSH, CREATE USER, CREATE VIEW...)
  kCreateTable,
  kAlterTable,
  kDropTable,
  kRenameTable,
  kTruncateTable,
  kCreateIndex,
  kDropIndex,
};

struct DdlStatement {
  DdlKind kind = DdlKind::kOther;
  // The table changed (for CREATE/DROP INDEX ... ON t, t); its schema is
  // `default_schema` when the statement does not name one.
  TableRef table;
  // kRenameTable: the new name ("RENAME TABLE a TO b", "ALTER TABLE a
  // RENAME [TO|AS] b"); the first pair only when a statement renames several.
  TableRef new_table;
  // kAlterTable: the statement may change a column's type, nullability or
  // default (MODIFY, CHANGE, ALTER COLUMN ... TYPE/SET/DROP).
  bool changes_column_definitions = false;
};

// `statement` is read with the lexer of `dialect`, the engine that wrote it
// (MySQL binlog statements, PostgreSQL's captured query text): literals and
// comments are never words.
DdlStatement ClassifyDdl(std::string_view statement, const std::string& default_schema, Engine dialect);

// Whether `statement`, written in `dialect`, may rename a column: MySQL's
// RENAME COLUMN or CHANGE; PostgreSQL's RENAME [COLUMN] (where a table
// rename is told apart by its oid before this is asked). Read from the
// whole text, literals included: a hint that errs towards looking for
// renames, which the catalogs then confirm or not.
bool MayRenameColumns(std::string_view statement, Engine dialect);

}  // namespace godwit
