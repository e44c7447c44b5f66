// Translating a view's SELECT text from one engine's SQL to another's:
// the functions and clauses a view commonly uses, rewritten where the
// destination spells them differently or lacks them (docs/type-mapping.md,
// "Views", lists them). The text is read with the project's SQL lexer
// (sql_lexer.h) into a tree whose parenthesised parts are units
// (view_tree.h); rewriting moves and adds whole tokens, so string literals
// and comments are never read as SQL, and the result goes out through
// sql::Render, which writes each literal from its value.
//
// A view uses something without a translation (a function unknown to the
// translator, a user-defined function, a construct the destination lacks):
// the translation fails with kUnsupported naming the construct, and the
// view is left for the DBA to write by hand. Nothing is guessed.
//
// MySQL's loose GROUP BY (select-list columns neither grouped nor
// aggregated) is made strict for PostgreSQL when each such column is
// functionally dependent on the grouping key through primary or unique
// NOT NULL keys and join equalities of the source catalog
// (view_group_by.cc); otherwise the view fails naming the column.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "model/table_schema.h"

namespace godwit {

struct ViewTranslationOptions {
  // A schema (MySQL database) removed where it qualifies a name: MySQL
  // stores view bodies with every table qualified by its database.
  std::string_view drop_qualifier;
  // The source catalog's tables, for the keys that make a loose GROUP BY
  // strict; may be null (then any loose GROUP BY fails).
  const std::vector<TableSchema>* source_tables = nullptr;
  // Whether the SQLite destination takes ORDER BY inside an aggregate
  // (SQLite 3.44 and later).
  bool sqlite_ordered_aggregates = false;
};

struct TranslatedView {
  std::string definition;             // SELECT text for the destination
  std::vector<std::string> warnings;  // what was kept with a difference worth knowing
};

// `definition` (a view's SELECT, text of `from`) as text of `to`. Same
// engine: literals and identifiers re-written, nothing else changed.
// Fails with kUnsupported naming what has no translation, and with
// kInvalidArgument when the text cannot be read.
Result<TranslatedView> TranslateView(std::string_view definition, Engine from, Engine to,
                                     const ViewTranslationOptions& options = {});

}  // namespace godwit
