// Converting a table read from one engine into the table to create on
// another: destination name, defaults and CHECK expressions the destination
// can parse, index names that stay unique where the destination needs it,
// and an early verdict on types the destination cannot hold.
//
// Everything that cannot be carried is either refused (the table fails
// alone with a message saying why and what to do) or dropped with a warning
// naming what was dropped — never silently.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "model/object_mapping.h"
#include "model/table_schema.h"
#include "schema/dialect.h"

namespace godwit {

struct ConvertedTable {
  TableSchema table;                  // as it will be on the destination
  std::vector<std::string> warnings;  // what was dropped or changed
};

// `destination_ref` is the mapped name; foreign keys keep their source
// references (the caller maps them). Fails with kUnsupported when a
// column's type cannot exist on the destination.
//
// A column of a user-defined type (ColumnType::user_type) is declared with
// that type on the same engine, in the schema `mapping` gives its schema
// (the table's own destination schema without a mapping), and with what
// its `kind` says elsewhere, a domain's CHECKs then added to the table.
Result<ConvertedTable> ConvertTable(const TableSchema& source, const TableRef& destination_ref, Engine source_engine,
                                    const Dialect& destination, const ObjectMapping* mapping = nullptr);

// Translation of a CHECK/view expression between dialects, read with the
// source's lexer (schema/sql_lexer.h): string literals re-written from
// their values with the destination's quoting, identifiers re-quoted
// (`x` <-> "x"), comments dropped, PostgreSQL casts (::type) removed for
// other engines, and `drop_qualifier` (a schema name) removed where it
// qualifies a name. Fails when the text cannot be read or would read
// differently on the destination (sql::Render); what it translates but the
// destination cannot run, the destination reports when the statement runs.
Result<std::string> TranslateExpression(const std::string& expr, Engine from, Engine to,
                                        std::string_view drop_qualifier = {});

}  // namespace godwit
