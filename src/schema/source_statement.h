// Source text that is to run on the destination as the one statement it
// was meant to be: a function's definition as pg_get_functiondef prints
// it, a trigger's as pg_get_triggerdef does, a type's assembled from its
// catalog rows. Such text is written by whoever may create objects on the
// source (and by the source server itself, which may be hostile), so it
// is read with the lexer (schema/sql_lexer.h), checked to be exactly one
// statement that begins with the words expected of it, and written back
// from its tokens, source schema names renamed to the destination's.
//
// The check is the second line of defence: sessions also send each
// statement on its own (PostgreSQL's extended protocol, MySQL without
// multi-statements), so a second statement could not run either way.
//
// Thread-safety: pure functions.
#pragma once

#include <map>
#include <span>
#include <string>
#include <string_view>

#include "common/status.h"
#include "model/table_schema.h"

namespace godwit {

struct SourceStatementRules {
  // The statement's first words, one of these (each words separated by one
  // space, compared ignoring case): "CREATE OR REPLACE FUNCTION", ...
  std::span<const std::string_view> heads;
  // MySQL routines, triggers and events: `;` separates the statements of a
  // BEGIN ... END body, inside the one statement.
  bool compound_body = false;
  // Source schema -> destination schema, for the schemas whose name
  // changes: a name followed by '.' (a qualifier) is renamed.
  const std::map<std::string, std::string>* schema_renames = nullptr;
  // Source table -> destination table, for tables renamed one by one: a
  // schema-qualified name of one is replaced whole.
  const std::map<TableRef, TableRef>* table_renames = nullptr;
};

// `text` (in `engine`'s dialect) as the statement to run on the same
// engine. Fails with kUnsupported, naming what was found, when it is not
// one statement with one of the expected heads; a trailing `;` is dropped.
Result<std::string> SourceStatement(std::string_view text, Engine engine, const SourceStatementRules& rules);

// Fails (kUnsupported, naming `what`) unless `text`, source text that
// Godwit writes into a statement of its own (a column's declared type or
// default, an index's definition after its table's name), is one clause:
// balanced parentheses and brackets, and no `,` or `;` outside them and
// literals. A text that is more could make a CREATE TABLE add a column, or an ALTER
// TABLE do more than add a constraint.
Status CheckOneClause(std::string_view text, Engine engine, const std::string& what);

// A MySQL CREATE statement (SHOW CREATE PROCEDURE/FUNCTION/TRIGGER/EVENT)
// without its DEFINER clause, so that the object is created with the
// migrating user as its definer: creating one for another user takes
// privileges (SET USER, SUPER) a migration user rarely has, and that user
// may not exist on the destination.
Result<std::string> WithoutDefiner(std::string_view statement);

}  // namespace godwit
