// The optional metadata of a binlog TABLE_MAP event: what MySQL 8 and
// MariaDB 10.5+ write after the null bitmap when binlog_row_metadata is
// MINIMAL (signedness, charsets) or FULL (also column names, ENUM/SET
// members, geometry types, primary key). With FULL metadata a row event
// can be decoded with the table's shape as of the row's write, whatever
// DDL followed it, instead of with the catalog read when it is decoded
// (binlog_decoder.h).
//
// The block is a sequence of fields: a type byte, a packed length
// (length-encoded integer), the value. Values that list "numeric",
// "character" or "ENUM/SET" columns list them in column order among the
// columns of that class only:
//   SIGNEDNESS (1)        bitmap, most significant bit first, one bit per
//                         numeric column (TINY, SHORT, INT24, LONG,
//                         LONGLONG, NEWDECIMAL, FLOAT, DOUBLE): set = UNSIGNED
//   DEFAULT_CHARSET (2)   packed collation id, then pairs of packed
//                         (character-column index, collation id) for the
//                         columns that differ
//   COLUMN_CHARSET (3)    packed collation id per character column
//   COLUMN_NAME (4)       per column: packed length, name
//   SET_STR_VALUE (5),    per SET (ENUM) column: packed member count, then
//   ENUM_STR_VALUE (6)    per member: packed length, bytes in its charset
//   GEOMETRY_TYPE (7)     packed type per geometry column
//   SIMPLE_PRIMARY_KEY (8)       packed column indexes
//   PRIMARY_KEY_WITH_PREFIX (9)  pairs of packed (column index, prefix)
//   ENUM_AND_SET_DEFAULT_CHARSET (10), ENUM_AND_SET_COLUMN_CHARSET (11):
//                         as 2 and 3, over the ENUM and SET columns
// Other types (MySQL's COLUMN_VISIBILITY, VECTOR_DIMENSIONALITY) are
// skipped. Character columns are STRING (not ENUM/SET by its real type),
// VARCHAR, VAR_STRING and BLOB; MariaDB counts GEOMETRY among them as
// well (its geometry is a binary blob), MySQL does not.
//
// Pure functions, no I/O; malformed input is kReadFailed, never a crash or
// an unbounded allocation.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "model/table_schema.h"

namespace godwit::mysql {

struct TableMapMetadata {
  // Per column; empty when the block has no COLUMN_NAME (MINIMAL or none).
  std::vector<std::string> names;
  // Per column: UNSIGNED per SIGNEDNESS (false for non-numeric columns and
  // when the block has none).
  std::vector<bool> is_unsigned;
  bool has_signedness = false;
  // Per column: the collation id of character, ENUM and SET columns (0 when
  // the block does not say, and for other columns).
  std::vector<uint32_t> collation;
  // Per column: the members of ENUM and SET columns, as bytes in the
  // column's charset; empty for other columns.
  std::vector<std::vector<std::string>> labels;
  bool has_enum_set_values = false;
  // Column indexes of the primary key, in key order (empty when none or not
  // written).
  std::vector<uint32_t> primary_key;

  // FULL: column names (and with them everything else FULL writes) present.
  bool full() const { return !names.empty(); }
};

// Parses `block` for a TABLE_MAP with binlog column `types` and per-column
// metadata `meta` (ParseColumnMeta). `mariadb`: the server is MariaDB
// (which counts GEOMETRY among the character columns). An empty block
// yields empty metadata. kReadFailed for a truncated field, or a field
// whose entries do not match the columns of its class.
Result<TableMapMetadata> ParseTableMapMetadata(std::string_view types, std::span<const uint16_t> meta,
                                               std::string_view block, bool mariadb);

// The charset name ("utf8mb4", "latin1", "binary") of a collation id, or
// empty when unknown.
using CharsetOfCollation = std::function<std::string(uint32_t)>;

// The columns of a TABLE_MAP with FULL metadata (md.full()), typed as the
// catalog reader types them, enough for DecodeBinlogValue: kind,
// unsignedness, DECIMAL precision/scale, fsp, BIT width, BINARY length,
// charset, and ENUM/SET labels (still in the column's charset). A column
// with binary collation is BINARY/VARBINARY/BLOB, any other CHAR/VARCHAR/
// TEXT. `native` spells the binlog type for messages. kReadFailed when md
// is not FULL or an ENUM/SET column has no members listed; kUnsupported
// for a collation id `charset_of` does not know.
Result<std::vector<Column>> ColumnsFromTableMap(std::string_view types, std::span<const uint16_t> meta,
                                                const TableMapMetadata& md, const CharsetOfCollation& charset_of);

}  // namespace godwit::mysql
