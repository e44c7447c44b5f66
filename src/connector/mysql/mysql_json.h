// MySQL's binary JSON (the JSON column type of MySQL 5.7 and later; MariaDB
// stores JSON as text and never uses it) converted to JSON text.
//
// The binlog carries a JSON column as MySQL stores it: a type byte, then
// objects and arrays as headers of offsets (2-byte offsets in the small
// format, 4-byte in the large one) to keys and values, scalars inlined in
// those headers when they fit, strings with a variable-length length, and
// "opaque" values holding other MySQL types (DECIMAL, DATE, TIME,
// DATETIME, TIMESTAMP, and anything else as raw bytes). The format is
// specified in mysql-server's sql-common/json_binary.h.
//
// The text is what the full migration's reader gets from MySQL for the
// same value, so that a captured row equals a copied one:
// `{"a": [1, 2.5, "x"]}` with ", " and ": " separators, keys in stored
// order (MySQL sorts them by length, then bytes), strings escaped as MySQL
// escapes them, doubles with ".0" when integral, DECIMALs with their scale,
// dates as "YYYY-MM-DD", times and datetimes with six fractional digits,
// other opaque values as "base64:type<N>:<base64>". One known difference:
// a double in exponent notation prints as the shortest round-trip form
// ("1e20", "1.5e-7"), which is the same number MySQL prints but may
// differ from MySQL's text in digits shown.
//
// Pure and thread-compatible: no state.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace godwit::mysql {

// Converts one binary JSON document to JSON text in `out` (replaced). An
// empty document is JSON null, as MySQL reads it (IGNORE or non-strict
// inserts store it). Malformed input — offsets or lengths outside the
// document, unknown type bytes, nesting deeper than MySQL allows — is
// kReadFailed naming what is wrong; it never reads outside `binary`.
Status MysqlJsonToText(std::string_view binary, std::string& out);

}  // namespace godwit::mysql
