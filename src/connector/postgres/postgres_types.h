// The pure parts of reading a PostgreSQL catalog and classifying its
// errors: native type -> ColumnType, column default text -> DefaultKind,
// CHECK definition text -> expression, SQLSTATE -> ErrorCode. Kept apart
// from the session so they can be unit-tested without a server.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "model/table_schema.h"

namespace godwit::pg {

// Built-in type oids (pg_type.dat); stable across PostgreSQL versions.
namespace oid {
constexpr uint32_t kBool = 16, kBytea = 17, kInt8 = 20, kInt2 = 21, kInt4 = 23, kText = 25, kJson = 114, kFloat4 = 700,
                   kFloat8 = 701, kBpchar = 1042, kVarchar = 1043, kDate = 1082, kTime = 1083, kTimestamp = 1114,
                   kTimestampTz = 1184, kBit = 1560, kVarbit = 1562, kNumeric = 1700, kUuid = 2950, kJsonb = 3802;
}  // namespace oid

// Maps a column's type. `type_oid`, `typmod` and `typtype` come from
// pg_attribute/pg_type, `format_type` is format_type(atttypid, atttypmod)
// and is kept in ColumnType::native; `enum_labels` are pg_enum labels in
// sort order when typtype is 'e'. Anything without a canonical kind
// (interval, arrays, domains, inet, money, xml, timetz...) is kNative.
ColumnType MapType(uint32_t type_oid, int32_t typmod, char typtype, std::string_view format_type,
                   std::vector<std::string> enum_labels);

struct NormalisedDefault {
  Column::DefaultKind kind = Column::DefaultKind::kNone;
  std::string value;            // canonical text for kLiteral, the expression for kExpression
  bool auto_increment = false;  // nextval('..._seq'::regclass): a serial column
};

// Normalises pg_get_expr(adbin) of a column of `type` (see Column). The
// session must run with TimeZone UTC, since constants of timestamptz are
// printed in the session time zone.
NormalisedDefault NormaliseDefault(std::string_view expr, const ColumnType& type);

// pg_get_constraintdef of a CHECK constraint -> the bare expression: drops
// "CHECK", the enclosing parentheses and a trailing "NOT VALID".
std::string CheckExpression(std::string_view constraintdef);

// SQLSTATE -> ErrorCode; `fallback` for states that say "the statement was
// wrong" (syntax, constraint, data) whose meaning depends on the operation.
ErrorCode ClassifySqlState(std::string_view sqlstate, ErrorCode fallback);

// libpq reports connection-startup failures only as text. With
// PQERRORS_VERBOSE the server's error is printed "SEVERITY:  XXXXX: text",
// so the SQLSTATE can be taken from the message without depending on its
// (possibly translated) wording. Empty when there is none.
std::string_view SqlStateFromVerboseMessage(std::string_view message);

}  // namespace godwit::pg
