// Decoder of MySQL/MariaDB row-based binlog events: turns the events a
// replication connection receives (binlog_change_stream.h feeds them, as
// MariaDB Connector/C's mariadb_rpl splits them) into Godwit's
// ChangeEvents, with values in canonical text (model/types.h) exactly as
// the full migration's reader (mysql_session.cc, over a utf8mb4 session
// with time_zone '+00:00') returns them.
//
// Pure: no I/O. Column names and exact types (unsignedness, enum/set
// labels, charset, BIT width, CHAR/BINARY length) come from the TABLE_MAP
// event itself when the server writes them (binlog_row_metadata=FULL,
// table_map_metadata.h): the table's shape as of the row's write, so rows
// written before a run of ALTERs decode right however far behind capture
// is. Otherwise (MINIMAL or NOBLOB metadata, older servers) they come from
// the table's catalog, which the decoder asks its TableLookup for once per
// table and forgets after every DDL. That catalog is read when the events
// are decoded, not when they were written: a row event whose column count
// or column types disagree with it (a table altered after the event, while
// capture was behind) is a kReadFailed error, never a guess. Either way the
// catalog says which tables exist: rows of a table it does not hold are
// skipped.
//
// Transactions (model/change_event.h): MariaDB's GTID_EVENT or a QUERY
// "BEGIN" is kBegin; XID or QUERY "COMMIT"/"ROLLBACK" is kCommit, with the
// commit time from the event's timestamp. A DDL QUERY (a standalone GTID
// group, or a statement outside any transaction) becomes kBegin, kDdl,
// kCommit. Positions: kCommit carries the position after the transaction
// (the next event's file/pos) and the GTID position after it (the start's
// GTID position advanced by each transaction's GTID, AdvanceGtidPosition);
// kBegin and every row/DDL event inside carry the transaction's start
// position and the GTID position before it, from either of which a restart
// re-reads the whole transaction.
//
// Thread-safety: one thread at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "connector/mysql/table_map_metadata.h"
#include "model/change_event.h"
#include "model/table_schema.h"

namespace godwit::mysql {

// Binlog column types (enum_field_types) the decoder knows.
namespace binlog_type {
constexpr uint8_t kTiny = 1, kShort = 2, kLong = 3, kFloat = 4, kDouble = 5, kNull = 6, kTimestamp = 7, kLongLong = 8,
                  kInt24 = 9, kDate = 10, kTime = 11, kDateTime = 12, kYear = 13, kVarchar = 15, kBit = 16,
                  kTimestamp2 = 17, kDateTime2 = 18, kTime2 = 19, kJson = 245, kNewDecimal = 246, kEnum = 247,
                  kSet = 248, kBlob = 252, kVarString = 253, kString = 254, kGeometry = 255;
}  // namespace binlog_type

// The per-column metadata of a TABLE_MAP event, one value per column:
// float/double/blob/json/geometry: the length bytes; varchar: max bytes;
// bit: (bits % 8) << 8 | bytes; newdecimal: precision << 8 | scale;
// string/enum/set: real type << 8 | length byte; temporal2: fsp.
// kReadFailed when the block is shorter than the types need.
Result<std::vector<uint16_t>> ParseColumnMeta(std::string_view types, std::string_view metadata);

// MariaDB GTID positions ("domain-server-seq", one per replication domain,
// comma-separated, as @@gtid_binlog_pos prints them). True when `position`
// is one (blanks around the commas allowed); an empty string is not.
bool IsMariadbGtidPosition(std::string_view position);

// `position` after the transaction `gtid` ("domain-server-seq"): the entry
// of gtid's domain replaced, or gtid appended when its domain is new. Other
// domains keep their entries, so the result stays a position a dump can
// start from (@slave_connect_state) on a multi-domain server.
std::string AdvanceGtidPosition(std::string_view position, std::string_view gtid);

// Decodes the value of one column at the start of `data` (binlog type
// `type` with metadata `meta`, catalog type `col`) into canonical text in
// `out`; returns the bytes consumed. Zero dates ('0000-00-00', zero month
// or day) are kDataError unless `zero_date_null`, when `is_null` is set
// instead. MySQL's binary JSON becomes JSON text (mysql_json.h). Truncated
// or malformed data, or a type that cannot be decoded (geometry, pre-5.0
// decimal) is kReadFailed / kUnsupported.
Result<size_t> DecodeBinlogValue(uint8_t type, uint16_t meta, const ColumnType& col, std::string_view data,
                                 bool zero_date_null, std::string& out, bool& is_null);

// MySQL's binary DECIMAL(precision, scale) at the start of `data` (as the
// binlog and binary JSON store it: groups of 9 digits in 4 bytes, the
// partial groups in fewer, big-endian, the sign in the top bit (inverted),
// negative numbers as the complement) into `out` with `scale` digits after
// the point; returns the bytes consumed. kReadFailed when truncated.
Result<size_t> DecodeBinaryDecimal(uint32_t precision, uint32_t scale, std::string_view data, std::string& out);

// One TABLE_MAP event.
struct BinlogTableMap {
  uint64_t table_id = 0;
  TableRef table;
  std::string column_types;  // one binlog type byte per column
  std::string metadata;      // the raw metadata block
  // The optional metadata block after the null bitmap (table_map_metadata.h);
  // empty when the server wrote none.
  std::string optional_metadata;
};

// One WRITE/UPDATE/DELETE_ROWS event (v1, v2 or MariaDB's compressed v1,
// uncompressed by the connector), split as the connector splits it.
struct BinlogRowsEvent {
  enum class Kind : uint8_t { kWrite, kUpdate, kDelete };
  Kind kind = Kind::kWrite;
  uint64_t table_id = 0;
  uint32_t column_count = 0;
  std::string_view columns;        // bitmap of the columns in the (before) image
  std::string_view columns_after;  // kUpdate: bitmap of the columns in the after image
  std::string_view rows;           // the row images
};

// The catalog of one table, or kNotFound when it no longer exists.
using TableLookup = std::function<Result<TableSchema>(const TableRef&)>;

struct BinlogDecoderOptions {
  // Tables whose rows are captured; null = every table. A transaction is
  // reported only when it holds a captured event. A DDL is reported when the filter
  // accepts its default database with any table name (probed as
  // {database, ""}), so that DDL in unrelated databases of the same server
  // does not reach the project. DDL run without a default database, or
  // naming a captured table from another default database, is not reported
  // yet (statement parsing comes with DDL synchronization).
  std::function<bool(const TableRef&)> tables;
  bool zero_date_null = false;  // as the endpoint's zero_date=null
  // The server is MariaDB: its optional metadata counts GEOMETRY among the
  // character columns (table_map_metadata.h).
  bool mariadb = false;
  // Charset names of the collation ids optional metadata carries (the
  // source's information_schema.COLLATIONS); null: none known, and a FULL
  // TABLE_MAP with character columns is kUnsupported.
  CharsetOfCollation charset_of;
};

class BinlogDecoder {
 public:
  // `start` is where reading begins: the restart point before any commit.
  BinlogDecoder(MysqlBinlogPos start, TableLookup lookup, BinlogDecoderOptions options = {});

  // Each On* call takes the event's header timestamp (seconds) and its
  // end position in the current binlog file (the header's next position),
  // and appends the events it stands for to `out`; on error `out` is
  // unchanged.

  // ROTATE: reading continues in `file` at `pos`.
  void OnRotate(std::string file, uint64_t pos);
  // MariaDB GTID_EVENT: `gtid` "domain-server-seq"; `standalone` when the
  // group has no COMMIT/XID (DDL). `start_pos` is where the GTID event
  // itself starts, the transaction's restart point (0: unknown, the end of
  // the event before): a dump started by GTID skips the groups before the
  // requested one, so the event before is not always adjacent.
  Status OnGtid(std::string gtid, bool standalone, uint32_t timestamp, uint64_t start_pos,
                std::vector<ChangeEvent>& out);
  Status OnQuery(std::string_view schema, std::string_view statement, uint32_t timestamp, uint64_t next_pos,
                 std::vector<ChangeEvent>& out);
  Status OnXid(uint64_t xid, uint32_t timestamp, uint64_t next_pos, std::vector<ChangeEvent>& out);
  Status OnTableMap(const BinlogTableMap& map);
  Status OnRows(const BinlogRowsEvent& rows, uint32_t timestamp, std::vector<ChangeEvent>& out);
  // Any other event (format description, heartbeat, annotate, ...):
  // nothing to emit. Outside a transaction it moves the restart point.
  void OnOther(uint64_t next_pos);

  const MysqlBinlogPos& restart() const { return restart_; }
  bool in_transaction() const { return in_txn_; }
  const std::string& file() const { return file_; }

 private:
  struct MappedTable {
    TableRef ref;
    bool captured = false;
    std::string types;
    std::vector<uint16_t> meta;
    TableSchema schema;  // when captured: the event's columns (FULL metadata) or the catalog's
  };
  Status ColumnsFromEvent(const BinlogTableMap& map, const TableSchema& catalog, MappedTable& t) const;
  Status DecodeImage(const MappedTable& t, std::string_view present, std::string_view& data, RowImage& image,
                     bool& partial);
  void Begin(uint32_t timestamp, std::vector<ChangeEvent>& out);
  void EmitBegin(std::vector<ChangeEvent>& out);
  void Commit(uint32_t timestamp, uint64_t next_pos, std::string txn_id, std::vector<ChangeEvent>& out);
  ChangeEvent InTxn(ChangeKind kind) const;

  MysqlBinlogPos restart_;
  std::string file_;
  TableLookup lookup_;
  BinlogDecoderOptions options_;
  bool in_txn_ = false;
  bool standalone_ = false;
  bool begin_pending_ = false;  // kBegin not emitted yet: nothing captured in this transaction so far
  MysqlBinlogPos txn_start_;
  std::string txn_gtid_;
  int64_t txn_time_us_ = 0;
  std::unordered_map<uint64_t, MappedTable> maps_;
  // Catalog cache, cleared by DDL; nullopt: not in the catalog (a table of
  // another database on the same server, or one dropped since), so that
  // such a table costs one catalog read, not one per transaction.
  std::map<TableRef, std::optional<TableSchema>> schemas_;
};

}  // namespace godwit::mysql
