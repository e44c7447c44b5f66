// Shared pieces of the end-to-end migration tests: running the real
// `godwit` binary, reading a table back through the connectors, and
// comparing canonical values with the normalisation each kind allows.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "connector/session.h"
#include "schema/dialect.h"

namespace godwit::testing {

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// An empty destination database on `engine` named `name` (a fresh SQLite
// file for SQLite); returns its URI and the schema a migrated table lands
// in there (MySQL: the database; PostgreSQL: public; SQLite: none).
struct Destination {
  std::string uri;
  std::string schema;
};
Destination FreshDestination(Engine engine, const std::string& name);

// A source database on `engine` named `name`, emptied and then filled by
// `sql` (in that engine's SQL, run by its command-line client); for SQLite
// a new file in a fresh directory. Returns its URI.
std::string FreshSource(Engine engine, const std::string& name, const std::string& sql);

// Runs `godwit <args>` (the binary from $GODWIT_BINARY) and waits.
CommandResult RunGodwit(const std::string& args);
// The same, sending SIGTERM after `seconds` (for commands that may not end
// by themselves, such as a `godwit serve` expected to refuse to start).
CommandResult RunGodwitFor(int seconds, const std::string& args);

// Every (source, destination) pair of the three engines, for
// INSTANTIATE_TEST_SUITE_P(..., ::testing::ValuesIn(AllEnginePairs()), ...).
const std::vector<std::pair<Engine, Engine>>& AllEnginePairs();

// Every row of `table` ordered by its first column, as canonical text, with
// the table's columns as the destination's catalog reports them.
struct TableContents {
  std::vector<Column> columns;
  std::vector<std::vector<std::optional<std::string>>> rows;
};
TableContents ReadTable(const std::string& uri, const TableRef& table);

// Rows in sorted order, for comparing tables whose order differs.
using Rows = std::vector<std::vector<std::optional<std::string>>>;
Rows Sorted(Rows rows);
// The column `name` of `t`; throws when it has none.
const Column& ColumnNamed(const TableContents& t, const std::string& name);

// A session to `uri`; throws with the connector's message when it fails.
std::unique_ptr<Session> OpenSession(const std::string& uri);

// Canonical values compare equal when their normal forms do
// (verify/row_hash.h, the Checker's own rule): numeric value of floats and
// decimals, trailing zeros of fractional seconds, JSON structure, trailing
// blanks of CHAR, UUID case, leading zeros of bits.
bool CanonicalEqual(TypeKind kind, const std::string& expected, const std::string& actual);

}  // namespace godwit::testing
