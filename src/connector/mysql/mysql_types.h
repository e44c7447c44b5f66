// MySQL/MariaDB type parsing and value conversion, pure functions shared by
// the session and its tests.
#pragma once

#include <string>
#include <string_view>

#include "model/table_schema.h"

namespace godwit::mysql {

// Canonical type of a column from information_schema's DATA_TYPE and
// COLUMN_TYPE (e.g. "decimal", "decimal(30,10) unsigned").
ColumnType ParseColumnType(std::string_view data_type, std::string_view column_type);

// Normalises information_schema.COLUMNS.COLUMN_DEFAULT (MariaDB quotes
// string literals, spells NULL, and writes current_timestamp(6)).
void ParseDefault(const char* raw, Column& column);

// True for '0000-00-00...' and dates with a zero month or day.
bool IsZeroDate(std::string_view v);

// BIT(n) bytes, big-endian, to n '0'/'1' characters into `out`.
void BitsToText(std::string_view bytes, uint32_t bits, std::string& out);

// Appends `v` escaped for LOAD DATA (FIELDS ESCAPED BY '\\'): backslash,
// tab, newline, carriage return and NUL.
void AppendLoadDataEscaped(std::string_view v, std::string& out);

}  // namespace godwit::mysql
