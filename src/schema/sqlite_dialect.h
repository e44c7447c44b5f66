// SQLite's dialect, and the declared-type names Godwit writes and reads back.
//
// SQLite decides how to store a value from the column's declared type
// (its "affinity", https://www.sqlite.org/datatype3.html §3.1): a name
// containing INT stores integers, CHAR/CLOB/TEXT stores text, BLOB or no
// name stores as given, REAL/FLOA/DOUB stores floating point, anything else
// is NUMERIC — which turns text that looks like a number into a number
// ("0101" becomes 101, a 20-digit decimal becomes a lossy REAL). Kinds whose
// canonical text must survive exactly therefore get TEXT-affinity names of
// our own (DECIMAL_TEXT(p,s), JSON_TEXT, BIT_TEXT(n), ENUM_TEXT, SET_TEXT),
// which SqliteColumnType() maps back to the same kind.
#pragma once

#include <string_view>

#include "model/types.h"

namespace godwit {

// The canonical type of a column declared as `declared` in SQLite.
ColumnType SqliteColumnType(std::string_view declared);

}  // namespace godwit
