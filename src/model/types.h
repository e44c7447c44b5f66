// The canonical column type model shared by every engine.
//
// Each connector's catalog reader maps its native types onto ColumnType;
// each dialect (schema/) maps ColumnType back to native DDL. The mapping
// tables are documented in docs/type-mapping.md.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace godwit {

enum class Engine { kMysql, kPostgres, kSqlite };
std::string_view EngineName(Engine e);

enum class TypeKind : uint8_t {
  kBool,
  kInt8,   // MySQL TINYINT
  kInt16,  // SMALLINT
  kInt24,  // MySQL MEDIUMINT
  kInt32,  // INT / INTEGER
  kInt64,  // BIGINT
  kDecimal,
  kFloat,    // 4-byte IEEE
  kDouble,   // 8-byte IEEE
  kChar,     // fixed length, `length` characters
  kVarchar,  // `length` characters; 0 = unbounded (PostgreSQL varchar)
  kText,     // `length` = max bytes hint (255, 65535, 16M, 4G); 0 = unbounded
  kBinary,   // fixed length bytes
  kVarbinary,
  kBlob,  // `length` = max bytes hint as for kText
  kDate,
  kTime,         // `fsp` fractional digits
  kDateTime,     // timestamp without time zone, `fsp`
  kTimestampTz,  // instant; canonical text is UTC, `fsp`
  kYear,
  kJson,
  kEnum,  // `labels`
  kSet,   // `labels`
  kUuid,
  kBit,     // `length` bits
  kNative,  // same-engine only: `native` type carried verbatim as text
};

std::string_view TypeKindName(TypeKind k);

// A PostgreSQL user-defined type a column is declared with: a domain, an
// enum, a composite or a range type of the source database.
struct UserType {
  std::string schema;
  std::string name;
  uint32_t array_dims = 0;       // 1 for "year[]", ...
  bool domain_not_null = false;  // a domain declared NOT NULL
  bool IsSet() const { return !name.empty(); }
  bool operator==(const UserType&) const = default;
};

struct ColumnType {
  TypeKind kind = TypeKind::kText;
  bool is_unsigned = false;  // integers, decimal, float (MySQL)
  uint32_t length = 0;       // chars, bytes or bits, see TypeKind
  uint32_t precision = 0;    // decimal; 0 = unconstrained numeric
  uint32_t scale = 0;
  uint32_t fsp = 0;                 // fractional second digits (0..6)
  std::vector<std::string> labels;  // enum / set members, in order
  std::string native;               // the source's own spelling, for messages and kNative
  // Text columns' collation as the source's catalog names it: MySQL
  // charset and collation ("utf8mb4", "utf8mb4_bin"); PostgreSQL collation
  // name ("default", "C", ...; charset empty); SQLite collating sequence
  // ("BINARY", "NOCASE", "RTRIM"). ConvertTable turns them into what the
  // destination needs (docs/type-mapping.md, "Collation").
  std::string charset;
  std::string collation;
  // Set when the column is declared with a user-defined type (PostgreSQL).
  // `kind` is then what other engines get: a domain's base type (its
  // CHECKs are among the table's, CheckConstraint::from_domain), kEnum for
  // an enum, kNative for the rest. The same engine creates the type first
  // (SchemaObject) and declares the column with it.
  UserType user_type;
  // Set by ConvertTable for the same engine: the type as the source
  // declares it (PostgreSQL's format_type, a user type's qualified name),
  // written verbatim in the destination's DDL so that timestamp stays
  // timestamp and text[] stays text[]. The values still travel by `kind`.
  std::string declared;

  bool IsInteger() const;
  bool IsString() const;  // char/varchar/text/enum/set/json/uuid
  bool IsBinary() const;  // binary/varbinary/blob
};

// A type of `kind` and `length` (for the kinds that have one), nothing
// else set: what Godwit's own tables and text queries declare.
inline ColumnType TypeOf(TypeKind kind, uint32_t length = 0) {
  ColumnType t;
  t.kind = kind;
  t.length = length;
  return t;
}

// Canonical value text, the form in which every value travels between
// engines (see model/value.h):
//   integers, year     decimal digits, optional leading '-'
//   decimal            plain decimal ("-12.340"); PostgreSQL "NaN" passes through
//   float, double      shortest round-trip text, or "NaN", "Infinity", "-Infinity"
//   bool               "1" or "0"
//   strings, json      UTF-8 text as stored
//   binary types       raw bytes
//   date               "YYYY-MM-DD"
//   time               "[-]HH:MM:SS[.ffffff]"
//   datetime           "YYYY-MM-DD HH:MM:SS[.ffffff]"
//   timestamptz        the instant in UTC, "YYYY-MM-DD HH:MM:SS[.ffffff]"
//   enum               the label; set: labels joined by ','
//   uuid               lowercase "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
//   bit                '0'/'1' characters, most significant first, `length` of them
//   native             the engine's own text form

}  // namespace godwit
