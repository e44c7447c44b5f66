// Fitting keys and foreign keys converted from another engine to what
// MySQL/MariaDB (InnoDB) accepts (docs/type-mapping.md, "Keys on text" and
// "Foreign keys").
//
// Keys: InnoDB refuses a key wider than 3,072 bytes, and a key on TEXT or
// BLOB without a prefix. A PostgreSQL or SQLite key over `text` has no
// width of its own, so the key's text columns are sized from the data: the
// caller measures the longest value of each column KeyColumnsToMeasure
// names (LongestValueQuery, once per column, on the source) and
// FitKeysToMysql gives each column the largest length that keeps every key
// it is part of within the limit, never less than its longest value.
//
// Foreign keys: InnoDB requires both sides of a foreign key to have the
// same integer type and signedness and the same character set and
// collation, and a SET NULL action on nullable columns only. PostgreSQL
// allows a smallint referencing an integer; FitForeignKeysToMysql makes the
// referencing columns match and drops (with the reason) what cannot match.
//
// Pure functions on the converted schema; no database access.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/status.h"
#include "model/table_schema.h"
#include "schema/dialect.h"

namespace godwit {

// InnoDB's largest key (innodb_page_size 16k, DYNAMIC rows): 3,072 bytes.
// VARCHAR length bytes do not count towards it (measured on MariaDB
// 10.11: VARCHAR(766) utf8mb4 + BIGINT is accepted, VARCHAR(768) + INT not).
inline constexpr uint32_t kMysqlMaxKeyBytes = 3072;

// The columns of `table` (converted for MySQL) whose longest value
// FitKeysToMysql needs: text and binary columns of a key whose declared
// widths do not fit the limit.
std::vector<std::string> KeyColumnsToMeasure(const TableSchema& table);

// The query reading the longest value of `column` of `table` on the
// source whose dialect is `source`, in characters for text and bytes for
// binary columns: one row, one column, NULL when the table is empty.
std::string LongestValueQuery(const Dialect& source, const TableRef& table, const Column& column);

// Sizes the measured columns of `table` in place. `longest` holds each
// measured column's longest value (a column absent from it counts as
// empty). A primary or unique key whose existing values cannot fit fails
// the table with the key and column named; a non-unique index that cannot
// fit becomes a prefix index. Returns one warning per column sized or
// index prefixed, naming the chosen length. `source_name` names the table
// in messages.
Result<std::vector<std::string>> FitKeysToMysql(TableSchema& table, const std::map<std::string, uint64_t>& longest,
                                                const std::string& source_name);

// Makes `child`'s foreign keys acceptable to InnoDB against the tables
// they reference, given as `parents` (converted, keys already fitted; the
// child itself when it references itself; a referenced table that is not
// migrated is absent and its foreign keys are left as they are). The
// referencing columns take the referenced column's integer type, text
// length bound, character set and collation; a foreign key that cannot be
// made acceptable is removed from `child`. Returns a warning for each
// change and each removal, with its reason.
std::vector<std::string> FitForeignKeysToMysql(TableSchema& child, const std::map<TableRef, const TableSchema*>& parents,
                                               const std::string& source_name);

}  // namespace godwit
