// The SQLite connector: a Session over one sqlite3 connection.
//
// SQLite has one writer at a time: several copy workers writing into one
// file take turns (busy_timeout), which is what SQLite allows. There is no
// change log, so snapshots carry no position, and each session that joins a
// snapshot gets a read transaction of its own (WAL mode keeps it stable).
#pragma once

#include <memory>

#include "connector/session.h"

namespace godwit {

// Helpers shared by the catalog reader and tests.
namespace sqlite_internal {
// CHECK constraints of a CREATE TABLE statement: table constraints
// ([CONSTRAINT name] CHECK (expr)) and column constraints, in order. Unnamed
// ones are named <table>_check_<n>.
std::vector<CheckConstraint> ParseChecks(const std::string& table, const std::string& create_sql);
// Names of the named foreign keys of a CREATE TABLE statement
// ([CONSTRAINT name] FOREIGN KEY (cols) ... and column constraints
// CONSTRAINT name REFERENCES ...), each with its columns, unquoted.
std::vector<std::pair<std::vector<std::string>, std::string>> ForeignKeyNames(const std::string& create_sql);
// The SELECT of a CREATE VIEW statement.
std::string ViewBody(const std::string& create_sql);
}  // namespace sqlite_internal

}  // namespace godwit
