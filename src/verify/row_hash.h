// Hashing rows so that two engines' copies of one row hash equal.
//
// Each engine prints a value in its own way even when Godwit's type mapping
// makes the two values the same (docs/type-mapping.md): MySQL reads FLOAT
// as the exact double "0.10000000149011612" where PostgreSQL real prints
// "0.1"; DECIMAL(65,30) prints thirty fraction digits; DATETIME(6) prints
// ".000000" where timestamp omits it; PostgreSQL character(n) pads with
// blanks; JSON is stored as written by MariaDB and normalised by jsonb. The
// normal form of a value (AppendNormalForm) removes exactly these
// differences and no others: two values have the same normal form when the
// type mapping makes them the same value. The Checker hashes normal forms;
// the tests compare them (tests/integration/migration_harness.cc), so the
// two cannot disagree.
//
// Thread-safety: RowHasher is used by one thread at a time (it reuses a
// buffer); make one per reader.
#pragma once

#include <xxhash.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/types.h"
#include "model/value.h"

namespace godwit {

// The type under which a source column and the destination column it was
// copied into are compared: their common kind, or, when the kinds differ
// (MySQL SET read back from PostgreSQL text, unsigned BIGINT from numeric,
// a table created by hand), the kind whose normal form is the more lenient
// of the two (json, then float, double, uuid, char, then the
// fraction-trimming kinds, bit, else bytes as read).
ColumnType ComparisonType(const ColumnType& source, const ColumnType& destination);

// Appends the normal form of `canonical` (a value's canonical text, see
// model/types.h) as a value of `type` to `out`:
//   integers, bool, year, date, enum, set, varchar, text, binary types,
//   native: the bytes as read;
//   decimal: fraction trailing zeros and a bare '.' removed, "-0" is "0";
//   float / double: the IEEE value (4 / 8 bytes, little-endian), every NaN
//   one pattern, -0 as +0 ("Infinity"/"-Infinity" parsed);
//   char: trailing blanks removed;
//   time, datetime, timestamptz: fraction trailing zeros and '.' removed;
//   json: canonical JSON (verify/canonical_json.h); text that does not
//   parse as JSON stays as read;
//   uuid: ASCII lowercase;
//   bit: leading zeros removed (MySQL BIT(n) and PostgreSQL bit varying
//   print different widths of one number).
void AppendNormalForm(const ColumnType& type, std::string_view canonical, std::string& out);

// Hashes rows whose values are in `types` order (the comparison types of a
// table's compared columns). A row's encoding is, per column, a tag byte
// (0 NULL, 1 value), the normal form's length as a varint, then the normal
// form; the length prefix keeps ('a','bc') apart from ('ab','c').
class RowHasher {
 public:
  // `key_columns`: positions in `types` of the key's columns, in key order.
  RowHasher(std::vector<ColumnType> types, std::vector<int> key_columns);

  size_t columns() const { return types_.size(); }

  // The whole row's hash: equal exactly when every column's normal form is.
  XXH128_hash_t Row(std::span<const Value> row);
  // The key's encoding (the key columns' normal forms, as in Row) into
  // `key_out` (replaced), and its XXH3_64 hash, used to find a row's
  // counterpart and to spread rows over buckets.
  uint64_t Key(std::span<const Value> row, std::string& key_out);
  // One XXH3_64 per column of the column's encoding (tag, length, normal
  // form, as in Row), into `out` (size columns()): tells which columns of
  // two differing rows differ.
  void Columns(std::span<const Value> row, std::span<uint64_t> out);

 private:
  // Appends the column's encoding (tag, length, normal form) to `out`.
  void AppendColumn(size_t column, const Value& value, std::string& out);

  std::vector<ColumnType> types_;
  std::vector<int> key_columns_;
  std::string buffer_;   // reused: the encoding being hashed
  std::string scratch_;  // reused: normal forms that are not part of the canonical text
};

// An order-independent digest of a multiset of rows: the row count and the
// wrapping sum of their 128-bit hashes. Unlike XOR, a sum keeps duplicates
// (two equal rows do not cancel) and is not fooled by swapping a column's
// values between two rows.
struct RowDigest {
  int64_t rows = 0;
  unsigned __int128 sum = 0;

  void Add(const XXH128_hash_t& h) {
    ++rows;
    sum += (static_cast<unsigned __int128>(h.high64) << 64) | h.low64;
  }
  void Merge(const RowDigest& other) {
    rows += other.rows;
    sum += other.sum;
  }
  bool operator==(const RowDigest&) const = default;
};

}  // namespace godwit
