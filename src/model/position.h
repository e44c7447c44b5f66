// A position in a source's change log, one type for every engine and phase,
// persisted as tagged JSON with stable field names so that resumption works
// across versions:
//   {"kind":"mysql_binlog","file":"binlog.000003","pos":1234,"gtid":"0-1-42"}
//   {"kind":"pg_lsn","lsn":"0/16B3748","slot":"godwit_1"}
//   {"kind":"none"}
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "common/status.h"

namespace godwit {

struct NoPosition {
  bool operator==(const NoPosition&) const = default;
};
struct MysqlBinlogPos {
  std::string file;
  uint64_t pos = 0;
  std::string gtid;  // MariaDB gtid_binlog_pos at the same instant; may be empty
  bool operator==(const MysqlBinlogPos&) const = default;
};
struct PgLsnPos {
  std::string lsn;   // "X/Y" as PostgreSQL prints it
  std::string slot;  // logical replication slot holding WAL from `lsn`, if one was created
  bool operator==(const PgLsnPos&) const = default;
};

using Position = std::variant<NoPosition, MysqlBinlogPos, PgLsnPos>;

// PostgreSQL LSN text "X/Y" (hex halves, as PostgreSQL prints it) <->
// 64-bit value. ParseLsn fails with kInvalidArgument on anything else.
Result<uint64_t> ParseLsn(std::string_view text);
std::string FormatLsn(uint64_t lsn);

std::string PositionToJson(const Position& p);
Result<Position> PositionFromJson(const std::string& json);
std::string PositionToString(const Position& p);  // for humans

// Whether `a` is at or after `b` in the same log: PostgreSQL by LSN, MySQL
// by binlog file number (the suffix after the last '.', so .000010 follows
// .000009) then offset. Positions of different kinds, or none, are not
// ordered: false.
bool PositionAtOrAfter(const Position& a, const Position& b);

}  // namespace godwit
