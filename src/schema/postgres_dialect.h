// PostgreSQL dialect helpers shared with the PostgreSQL connector and its
// tests. The Dialect itself is PostgresDialect() (schema/dialects.h).
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "model/table_schema.h"

namespace godwit::pg {

// PostgreSQL keeps at most 63 bytes of an identifier (NAMEDATALEN - 1) and
// silently truncates longer ones, so two long names sharing their first 63
// bytes would collide. A longer name is cut to 54 bytes (on a UTF-8
// character boundary) followed by '_' and 8 hex digits of a hash of the
// whole name: stable, distinct, and within the limit. Shorter names are
// returned unchanged.
std::string PgIdentifier(std::string_view name);

// The enum type CreateTable creates for an enum column: "<table>_<column>"
// (through PgIdentifier), quoted and qualified with the table's schema.
std::string EnumTypeName(const TableRef& table, std::string_view column);

// Canonical timestamptz text -> PostgreSQL input in UTC ("...+00", with the
// offset before a trailing " BC"; "infinity" unchanged): the dialect's
// literals and the connector's COPY rows.
void AppendTimestampTzInput(std::string_view canonical, std::string& out);
// PostgreSQL timestamptz output in UTC -> canonical text: removes the
// "+00" (also before a trailing " BC") in place; returns the new length.
size_t StripUtcOffsetInPlace(char* text, size_t size);

}  // namespace godwit::pg
