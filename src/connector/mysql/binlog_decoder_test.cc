#include "connector/mysql/binlog_decoder.h"

#include <gtest/gtest.h>

#include <cstring>
#include <optional>

#include "connector/mysql/mysql_types.h"
#include "connector/mysql/test_bytes.h"

namespace godwit::mysql {
namespace {

namespace bt = binlog_type;

using testing::Be;
using testing::Bytes;
using testing::Le;

ColumnType Type(std::string_view data_type, std::string_view column_type, std::string charset = "") {
  ColumnType t = ParseColumnType(data_type, column_type);
  t.charset = std::move(charset);
  return t;
}

// Decodes one value; "NULL" for a zero date mapped to NULL, "ERR:<code>" on failure.
std::string Decode(uint8_t type, uint16_t meta, const ColumnType& col, const std::string& data, bool zero_null = false,
                   size_t* used = nullptr) {
  std::string out;
  bool is_null = false;
  auto n = DecodeBinlogValue(type, meta, col, data, zero_null, out, is_null);
  if (!n.ok()) return "ERR:" + std::to_string(static_cast<int>(n.status().code()));
  if (used) *used = *n;
  return is_null ? "NULL" : out;
}

TEST(BinlogValue, Integers) {
  EXPECT_EQ(Decode(bt::kTiny, 0, Type("tinyint", "tinyint(4)"), Bytes({0xff})), "-1");
  EXPECT_EQ(Decode(bt::kTiny, 0, Type("tinyint", "tinyint(3) unsigned"), Bytes({0xff})), "255");
  EXPECT_EQ(Decode(bt::kShort, 0, Type("smallint", "smallint(6)"), Le(0x8000, 2)), "-32768");
  EXPECT_EQ(Decode(bt::kInt24, 0, Type("mediumint", "mediumint(9)"), Le(0xffffff, 3)), "-1");
  EXPECT_EQ(Decode(bt::kInt24, 0, Type("mediumint", "mediumint(8) unsigned"), Le(0xffffff, 3)), "16777215");
  EXPECT_EQ(Decode(bt::kLong, 0, Type("int", "int(11)"), Le(0x80000000u, 4)), "-2147483648");
  EXPECT_EQ(Decode(bt::kLongLong, 0, Type("bigint", "bigint(20) unsigned"), Le(~0ull, 8)), "18446744073709551615");
  EXPECT_EQ(Decode(bt::kLongLong, 0, Type("bigint", "bigint(20)"), Le(~0ull, 8)), "-1");
  EXPECT_EQ(Decode(bt::kYear, 0, Type("year", "year(4)"), Bytes({124})), "2024");
  EXPECT_EQ(Decode(bt::kYear, 0, Type("year", "year(4)"), Bytes({0})), "0000");
  // A catalog that disagrees (the table was altered since) is an error, not a guess.
  EXPECT_EQ(Decode(bt::kLong, 0, Type("varchar", "varchar(10)"), Le(1, 4)), "ERR:11");
  EXPECT_EQ(Decode(bt::kLong, 0, Type("int", "int(11)"), Le(1, 3)), "ERR:11");  // truncated
}

TEST(BinlogValue, Decimal) {
  auto dec = Type("decimal", "decimal(10,2)");
  const uint16_t meta = 10 << 8 | 2;
  size_t used = 0;
  EXPECT_EQ(Decode(bt::kNewDecimal, meta, dec, Bytes({0x80, 0x00, 0x04, 0xd2, 0x38}), false, &used), "1234.56");
  EXPECT_EQ(used, 5u);
  EXPECT_EQ(Decode(bt::kNewDecimal, meta, dec, Bytes({0x7f, 0xff, 0xfb, 0x2d, 0xc7})), "-1234.56");
  EXPECT_EQ(Decode(bt::kNewDecimal, meta, dec, Bytes({0x80, 0, 0, 0, 5})), "0.05");
  EXPECT_EQ(Decode(bt::kNewDecimal, meta, dec, Bytes({0x80, 0, 0, 0, 0})), "0.00");
  // decimal(20,10): partial and whole groups on both sides of the point.
  auto wide = Type("decimal", "decimal(20,10)");
  std::string v = Bytes({0x80}) + Be(1, 4) + Be(500000000, 4) + Bytes({0x00});
  EXPECT_EQ(Decode(bt::kNewDecimal, 20 << 8 | 10, wide, v, false, &used), "1.5000000000");
  EXPECT_EQ(used, 10u);
  std::string big = Bytes({0x80 | 9}) + Be(999999999, 4) + Be(123456789, 4) + Bytes({7});
  EXPECT_EQ(Decode(bt::kNewDecimal, 20 << 8 | 10, wide, big), "9999999999.1234567897");
  EXPECT_EQ(Decode(bt::kNewDecimal, 20 << 8 | 10, wide, big.substr(0, 9)), "ERR:11");
  // decimal(5,0) unsigned
  EXPECT_EQ(Decode(bt::kNewDecimal, 5 << 8, Type("decimal", "decimal(5,0) unsigned"), Bytes({0x80, 0x30, 0x39})),
            "12345");
}

TEST(BinlogValue, FloatDouble) {
  float f = 1.5f;
  uint32_t fb;
  std::memcpy(&fb, &f, 4);
  EXPECT_EQ(Decode(bt::kFloat, 4, Type("float", "float"), Le(fb, 4)), "1.5");
  f = 3.14159f;
  std::memcpy(&fb, &f, 4);
  EXPECT_EQ(Decode(bt::kFloat, 4, Type("float", "float"), Le(fb, 4)), "3.14159");
  double d = 0.1 + 0.2;
  uint64_t db;
  std::memcpy(&db, &d, 8);
  EXPECT_EQ(Decode(bt::kDouble, 8, Type("double", "double"), Le(db, 8)), "0.30000000000000004");
  d = -2.5e-300;
  std::memcpy(&db, &d, 8);
  EXPECT_EQ(Decode(bt::kDouble, 8, Type("double", "double"), Le(db, 8)), "-2.5e-300");
}

// DATETIME2 as the server packs it.
std::string DateTime2(int y, int mo, int d, int h, int mi, int s, uint64_t frac, int frac_bytes) {
  uint64_t ymd = (static_cast<uint64_t>(y * 13 + mo) << 5) | static_cast<uint64_t>(d);
  uint64_t hms = static_cast<uint64_t>(h << 12 | mi << 6 | s);
  return Be(((ymd << 17) | hms) + 0x8000000000ull, 5) + Be(frac, frac_bytes);
}

TEST(BinlogValue, Temporal) {
  EXPECT_EQ(Decode(bt::kDate, 0, Type("date", "date"), Bytes({0x5d, 0xd0, 0x0f})), "2024-02-29");
  EXPECT_EQ(Decode(bt::kDate, 0, Type("date", "date"), Bytes({0, 0, 0})), "ERR:8");  // zero date
  EXPECT_EQ(Decode(bt::kDate, 0, Type("date", "date"), Bytes({0, 0, 0}), true), "NULL");

  auto dt0 = Type("datetime", "datetime");
  EXPECT_EQ(Decode(bt::kDateTime2, 0, dt0, DateTime2(2024, 1, 2, 3, 4, 5, 0, 0)), "2024-01-02 03:04:05");
  size_t used = 0;
  EXPECT_EQ(Decode(bt::kDateTime2, 3, Type("datetime", "datetime(3)"), DateTime2(2024, 12, 31, 23, 59, 58, 1200, 2),
                   false, &used),
            "2024-12-31 23:59:58.120");
  EXPECT_EQ(used, 7u);
  EXPECT_EQ(Decode(bt::kDateTime2, 6, Type("datetime", "datetime(6)"), DateTime2(1000, 1, 1, 0, 0, 0, 1, 3)),
            "1000-01-01 00:00:00.000001");
  EXPECT_EQ(Decode(bt::kDateTime2, 1, Type("datetime", "datetime(1)"), DateTime2(2000, 6, 7, 8, 9, 10, 50, 1)),
            "2000-06-07 08:09:10.5");
  EXPECT_EQ(Decode(bt::kDateTime2, 0, dt0, DateTime2(0, 0, 0, 0, 0, 0, 0, 0), true), "NULL");

  EXPECT_EQ(Decode(bt::kTimestamp2, 6, Type("timestamp", "timestamp(6)"), Be(1700000000, 4) + Be(123456, 3)),
            "2023-11-14 22:13:20.123456");
  EXPECT_EQ(Decode(bt::kTimestamp2, 0, Type("timestamp", "timestamp"), Be(951782400, 4)), "2000-02-29 00:00:00");
  EXPECT_EQ(Decode(bt::kTimestamp2, 2, Type("timestamp", "timestamp(2)"), Be(1, 4) + Be(99, 1)),
            "1970-01-01 00:00:01.99");

  auto t0 = Type("time", "time");
  EXPECT_EQ(Decode(bt::kTime2, 0, t0, Bytes({0xb4, 0x6e, 0xfb})), "838:59:59");
  EXPECT_EQ(Decode(bt::kTime2, 0, t0, Be(0x800000 + (1 << 12 | 2 << 6 | 3), 3)), "01:02:03");
  EXPECT_EQ(Decode(bt::kTime2, 0, t0, Be(0x800000 - (1 << 12 | 2 << 6 | 3), 3)), "-01:02:03");
  EXPECT_EQ(Decode(bt::kTime2, 1, Type("time", "time(1)"), Bytes({0x7f, 0xff, 0xfe, 0xce})), "-00:00:01.5");
  EXPECT_EQ(Decode(bt::kTime2, 1, Type("time", "time(1)"), Be(0x800001, 3) + Bytes({50})), "00:00:01.5");
  // time(3) -00:00:01.250: packed -(1<<24 | 250000); int part -2, frac 0x10000 - 2500.
  EXPECT_EQ(Decode(bt::kTime2, 3, Type("time", "time(3)"), Be(0x800000 - 2, 3) + Be(0x10000 - 2500, 2)),
            "-00:00:01.250");
  // time(6): one 6-byte packed value.
  int64_t packed = -((int64_t{(12 << 12) | (34 << 6) | 56} << 24) | 654321);
  EXPECT_EQ(Decode(bt::kTime2, 6, Type("time", "time(6)"), Be(static_cast<uint64_t>(packed + 0x800000000000LL), 6)),
            "-12:34:56.654321");
}

TEST(BinlogValue, Strings) {
  auto vc = Type("varchar", "varchar(10)", "utf8mb4");
  size_t used = 0;
  EXPECT_EQ(Decode(bt::kVarchar, 40, vc, Bytes({3}) + "h\xc3\xa9" + "xyz", false, &used), "h\xc3\xa9");
  EXPECT_EQ(used, 4u);
  auto vc_long = Type("varchar", "varchar(300)", "utf8mb4");
  EXPECT_EQ(Decode(bt::kVarchar, 1200, vc_long, Le(2, 2) + "ab", false, &used), "ab");
  EXPECT_EQ(used, 4u);
  EXPECT_EQ(Decode(bt::kVarchar, 40, vc, Bytes({5}) + "ab"), "ERR:11");
  // latin1 is Windows-1252 in MySQL: 0xe9 'é', 0x80 '€'.
  EXPECT_EQ(Decode(bt::kVarchar, 10, Type("varchar", "varchar(10)", "latin1"), Bytes({2, 0xe9, 0x80})),
            "\xc3\xa9\xe2\x82\xac");
  EXPECT_EQ(Decode(bt::kVarchar, 10, Type("varchar", "varchar(10)", "sjis"), Bytes({1, 0x41})), "ERR:7");

  // CHAR(5) utf8mb4: real type 254, length 20; the pad spaces are stripped.
  EXPECT_EQ(Decode(bt::kString, 254 << 8 | 20, Type("char", "char(5)", "utf8mb4"), Bytes({5}) + "ab   "), "ab");
  // CHAR(100) utf8mb4 = 400 bytes: the length's high bits are in the type byte.
  uint16_t meta = static_cast<uint16_t>((254 ^ (1 << 4)) << 8 | (400 & 0xff));
  EXPECT_EQ(Decode(bt::kString, meta, Type("char", "char(100)", "utf8mb4"), Le(3, 2) + "abc", false, &used), "abc");
  EXPECT_EQ(used, 5u);
  // BINARY(4): the binlog drops the trailing zero bytes, the server returns them.
  EXPECT_EQ(Decode(bt::kString, 254 << 8 | 4, Type("binary", "binary(4)", "binary"), Bytes({2, 0x01, 0x00})),
            std::string("\x01\x00\x00\x00", 4));

  // MariaDB's UUID: BINARY(16) in text order, trailing zero bytes dropped (all of them for the nil UUID).
  auto uuid = Type("uuid", "uuid");
  EXPECT_EQ(Decode(bt::kString, 254 << 8 | 16, uuid,
                   Bytes({16, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x16, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee,
                          0xff}),
                   false, &used),
            "00112233-4455-1677-8899-aabbccddeeff");
  EXPECT_EQ(used, 17u);
  EXPECT_EQ(Decode(bt::kString, 254 << 8 | 16, uuid,
                   Bytes({14, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x46, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd})),
            "00112233-4455-4677-8899-aabbccdd0000");
  EXPECT_EQ(Decode(bt::kString, 254 << 8 | 16, uuid, Bytes({0})), "00000000-0000-0000-0000-000000000000");

  // BLOB/TEXT: a 1..4 byte length, then the bytes; MariaDB's JSON is longtext.
  EXPECT_EQ(Decode(bt::kBlob, 2, Type("blob", "blob", "binary"), Le(3, 2) + std::string("\x00\xff\x41", 3)),
            std::string("\x00\xff\x41", 3));
  EXPECT_EQ(Decode(bt::kBlob, 4, Type("json", "json", "utf8mb4"), Le(8, 4) + "{\"a\": 1}", false, &used), "{\"a\": 1}");
  EXPECT_EQ(used, 12u);
  EXPECT_EQ(Decode(bt::kBlob, 4, Type("longtext", "longtext", "utf8mb4"), Le(8, 4) + "abc"), "ERR:11");
  // MySQL's binary JSON (mysql_json_test.cc has the format): the same
  // length prefix, then the document as JSON text; an empty one is null.
  EXPECT_EQ(Decode(bt::kJson, 4, Type("json", "json"), Le(0, 4)), "null");
  EXPECT_EQ(Decode(bt::kJson, 4, Type("json", "json"), Le(2, 4) + Bytes({0x04, 0x01}), false, &used), "true");
  EXPECT_EQ(used, 6u);
  EXPECT_EQ(Decode(bt::kJson, 4, Type("json", "json"), Le(3, 4) + Bytes({0x04, 0x01})), "ERR:11");  // truncated
  EXPECT_EQ(Decode(bt::kJson, 4, Type("json", "json"), Le(2, 4) + Bytes({0x04, 0x07})), "ERR:11");  // malformed
  EXPECT_EQ(Decode(bt::kJson, 4, Type("int", "int(11)"), Le(2, 4) + Bytes({0x04, 0x01})), "ERR:11");
}

TEST(BinlogValue, EnumSetBit) {
  auto e = Type("enum", "enum('small','medium','it''s')");
  EXPECT_EQ(Decode(bt::kString, bt::kEnum << 8 | 1, e, Bytes({2})), "medium");
  EXPECT_EQ(Decode(bt::kString, bt::kEnum << 8 | 1, e, Bytes({3})), "it's");
  EXPECT_EQ(Decode(bt::kString, bt::kEnum << 8 | 1, e, Bytes({0})), "");
  EXPECT_EQ(Decode(bt::kString, bt::kEnum << 8 | 2, e, Le(1, 2)), "small");
  auto s = Type("set", "set('a','b','c')");
  EXPECT_EQ(Decode(bt::kString, bt::kSet << 8 | 1, s, Bytes({5})), "a,c");
  EXPECT_EQ(Decode(bt::kString, bt::kSet << 8 | 1, s, Bytes({0})), "");
  // BIT(10): 2 bytes big-endian, metadata bits % 8 = 2, bytes = 1.
  size_t used = 0;
  EXPECT_EQ(Decode(bt::kBit, 2 << 8 | 1, Type("bit", "bit(10)"), Bytes({0x02, 0x05}), false, &used), "1000000101");
  EXPECT_EQ(used, 2u);
  EXPECT_EQ(Decode(bt::kBit, 0 << 8 | 1, Type("bit", "bit(8)"), Bytes({0x81})), "10000001");
}

TEST(BinlogMeta, ParseColumnMeta) {
  std::string types =
      Bytes({bt::kLong, bt::kVarchar, bt::kNewDecimal, bt::kBlob, bt::kString, bt::kDateTime2, bt::kBit, bt::kDouble});
  std::string meta = Le(400, 2) + Bytes({10, 2, 4, 254, 20, 3, 2, 1, 8});
  auto m = ParseColumnMeta(types, meta);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(*m, (std::vector<uint16_t>{0, 400, 10 << 8 | 2, 4, 254 << 8 | 20, 3, 2 << 8 | 1, 8}));
  EXPECT_FALSE(ParseColumnMeta(types, meta.substr(0, 5)).ok());
}

// test.t (id int, name varchar(20), amount decimal(10,2) unsigned-free, at datetime(3))
TableSchema Schema() {
  TableSchema t;
  t.ref = {"test", "t"};
  t.columns = {{"id", Type("int", "int(11)")},
               {"name", Type("varchar", "varchar(20)", "utf8mb4")},
               {"amount", Type("decimal", "decimal(10,2)")}};
  return t;
}

BinlogTableMap Map(uint64_t id = 42) {
  BinlogTableMap m;
  m.table_id = id;
  m.table = {"test", "t"};
  m.column_types = Bytes({bt::kLong, bt::kVarchar, bt::kNewDecimal});
  m.metadata = Le(80, 2) + Bytes({10, 2});
  return m;
}

// One row image: null bitmap over the present columns, then the values.
std::string Row(int id, std::optional<std::string> name, bool amount) {
  std::string r;
  r.push_back(static_cast<char>((name ? 0 : 2) | (amount ? 0 : 4)));
  r += Le(static_cast<uint32_t>(id), 4);
  if (name) r += std::string(1, static_cast<char>(name->size())) + *name;
  if (amount) r += Bytes({0x80, 0x00, 0x04, 0xd2, 0x38});
  return r;
}

class DecoderTest : public ::testing::Test {
 protected:
  DecoderTest()
      : dec_(MysqlBinlogPos{"bin.000001", 4, "0-1-9"}, [this](const TableRef& ref) -> Result<TableSchema> {
          ++lookups_;
          if (ref == TableRef{"test", "t"}) return Schema();
          return Status(ErrorCode::kNotFound, "no such table");
        }) {}
  const MysqlBinlogPos& Pos(const ChangeEvent& ev) { return std::get<MysqlBinlogPos>(ev.position); }

  BinlogDecoder dec_;
  int lookups_ = 0;
  std::vector<ChangeEvent> out_;
};

TEST_F(DecoderTest, TransactionWithRows) {
  const std::string all = Bytes({0x07});
  dec_.OnOther(256);  // format description, gtid list...: moves the restart point
  ASSERT_TRUE(dec_.OnGtid("0-1-10", false, 1700000000, 256, out_).ok());  // starts where the last event ended
  ASSERT_TRUE(dec_.OnTableMap(Map()).ok());
  std::string rows = Row(1, "ab", true) + Row(2, std::nullopt, false);
  ASSERT_TRUE(dec_.OnRows({BinlogRowsEvent::Kind::kWrite, 42, 3, all, {}, rows}, 1700000000, out_).ok());
  std::string upd = Row(1, "ab", true) + Row(7, "cd", false);
  ASSERT_TRUE(dec_.OnRows({BinlogRowsEvent::Kind::kUpdate, 42, 3, all, all, upd}, 1700000000, out_).ok());
  ASSERT_TRUE(
      dec_.OnRows({BinlogRowsEvent::Kind::kDelete, 42, 3, all, {}, Row(7, "cd", false)}, 1700000000, out_).ok());
  ASSERT_TRUE(dec_.OnXid(99, 1700000001, 900, out_).ok());
  ASSERT_EQ(out_.size(), 6u);
  EXPECT_EQ(out_[0].kind, ChangeKind::kBegin);
  EXPECT_EQ(Pos(out_[0]), (MysqlBinlogPos{"bin.000001", 256, "0-1-9"}));
  EXPECT_EQ(out_[0].transaction_id, "0-1-10");
  EXPECT_EQ(out_[1].kind, ChangeKind::kInsert);
  EXPECT_EQ(out_[1].table, (TableRef{"test", "t"}));
  EXPECT_EQ(out_[1].columns, (std::vector<std::string>{"id", "name", "amount"}));
  EXPECT_EQ(out_[1].after, (RowImage{FieldValue::Of("1"), FieldValue::Of("ab"), FieldValue::Of("1234.56")}));
  EXPECT_EQ(out_[2].after, (RowImage{FieldValue::Of("2"), FieldValue::Null(), FieldValue::Null()}));
  EXPECT_EQ(Pos(out_[2]), (MysqlBinlogPos{"bin.000001", 256, "0-1-9"}));
  EXPECT_EQ(out_[3].kind, ChangeKind::kUpdate);
  EXPECT_EQ(out_[3].before, (RowImage{FieldValue::Of("1"), FieldValue::Of("ab"), FieldValue::Of("1234.56")}));
  EXPECT_EQ(out_[3].after, (RowImage{FieldValue::Of("7"), FieldValue::Of("cd"), FieldValue::Null()}));
  EXPECT_FALSE(out_[3].before_is_key_only);
  EXPECT_EQ(out_[4].kind, ChangeKind::kDelete);
  EXPECT_EQ(out_[4].before[0], FieldValue::Of("7"));
  EXPECT_EQ(out_[5].kind, ChangeKind::kCommit);
  EXPECT_EQ(Pos(out_[5]), (MysqlBinlogPos{"bin.000001", 900, "0-1-10"}));
  EXPECT_EQ(out_[5].commit_time_us, 1700000001000000);
  EXPECT_EQ(out_[5].transaction_id, "0-1-10");
  EXPECT_EQ(dec_.restart(), (MysqlBinlogPos{"bin.000001", 900, "0-1-10"}));
  EXPECT_EQ(lookups_, 1);
}

TEST_F(DecoderTest, GtidStartAndMultiDomainPositions) {
  // A dump started by GTID: no file until the server's ROTATE names it, and
  // the groups before the requested GTID are skipped, so the first GTID
  // event is not adjacent to the event before it.
  BinlogDecoder dec(MysqlBinlogPos{"", 0, "0-1-9,1-5-3"}, [](const TableRef&) -> Result<TableSchema> {
    return Status(ErrorCode::kNotFound, "no such table");
  });
  dec.OnRotate("bin.000007", 4);
  dec.OnOther(380);  // the GTID list event
  EXPECT_EQ(dec.restart(), (MysqlBinlogPos{"bin.000007", 380, "0-1-9,1-5-3"}));
  ASSERT_TRUE(dec.OnGtid("0-1-10", true, 9, 2000, out_).ok());
  ASSERT_TRUE(dec.OnQuery("test", "CREATE TABLE u (id int)", 9, 2150, out_).ok());
  ASSERT_EQ(out_.size(), 3u);
  EXPECT_EQ(Pos(out_[0]), (MysqlBinlogPos{"bin.000007", 2000, "0-1-9,1-5-3"}));   // before the transaction
  EXPECT_EQ(Pos(out_[2]), (MysqlBinlogPos{"bin.000007", 2150, "0-1-10,1-5-3"}));  // after it
  // Another domain's transaction moves only its own entry; a new domain is added.
  ASSERT_TRUE(dec.OnGtid("1-5-4", true, 9, 2150, out_).ok());
  ASSERT_TRUE(dec.OnQuery("test", "DROP TABLE u", 9, 2300, out_).ok());
  EXPECT_EQ(dec.restart(), (MysqlBinlogPos{"bin.000007", 2300, "0-1-10,1-5-4"}));
  ASSERT_TRUE(dec.OnGtid("2-8-1", true, 9, 2300, out_).ok());
  ASSERT_TRUE(dec.OnQuery("test", "DROP TABLE v", 9, 2400, out_).ok());
  EXPECT_EQ(dec.restart().gtid, "0-1-10,1-5-4,2-8-1");
}

TEST(GtidPosition, ParseAndAdvance) {
  EXPECT_TRUE(IsMariadbGtidPosition("0-1-42"));
  EXPECT_TRUE(IsMariadbGtidPosition("0-1-42,1-2-7"));
  EXPECT_TRUE(IsMariadbGtidPosition("0-1-42, 1-2-7"));
  EXPECT_TRUE(IsMariadbGtidPosition("4294967295-4294967295-18446744073709551615"));
  EXPECT_FALSE(IsMariadbGtidPosition(""));
  EXPECT_FALSE(IsMariadbGtidPosition("0-1"));
  EXPECT_FALSE(IsMariadbGtidPosition("0-1-2-3"));
  EXPECT_FALSE(IsMariadbGtidPosition("0-1-x"));
  EXPECT_FALSE(IsMariadbGtidPosition("0-1-42,"));
  EXPECT_FALSE(IsMariadbGtidPosition("0--42"));
  EXPECT_FALSE(IsMariadbGtidPosition("4294967296-1-1"));  // the domain is 32 bits
  EXPECT_FALSE(IsMariadbGtidPosition("0-1-1'; DROP TABLE t; --"));
  EXPECT_FALSE(IsMariadbGtidPosition("3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5"));  // MySQL
  EXPECT_EQ(AdvanceGtidPosition("", "0-1-1"), "0-1-1");
  EXPECT_EQ(AdvanceGtidPosition("0-1-41", "0-1-42"), "0-1-42");
  EXPECT_EQ(AdvanceGtidPosition("0-1-41,1-2-7", "1-3-8"), "0-1-41,1-3-8");
  EXPECT_EQ(AdvanceGtidPosition("0-1-41, 10-2-7", "1-3-8"), "0-1-41,10-2-7,1-3-8");  // domain 1 is not 10
}

TEST_F(DecoderTest, MinimalImages) {
  // binlog_row_image=MINIMAL: the before image holds the key, the after image the changed columns.
  ASSERT_TRUE(dec_.OnQuery("test", "BEGIN", 1, 300, out_).ok());
  ASSERT_TRUE(dec_.OnTableMap(Map()).ok());
  std::string upd = Bytes({0}) + Le(5, 4) + Bytes({0}) + Bytes({2}) + "zz";
  ASSERT_TRUE(dec_.OnRows({BinlogRowsEvent::Kind::kUpdate, 42, 3, Bytes({1}), Bytes({2}), upd}, 1, out_).ok());
  ASSERT_TRUE(dec_.OnQuery("test", "COMMIT", 2, 500, out_).ok());
  ASSERT_EQ(out_.size(), 3u);
  EXPECT_EQ(out_[0].kind, ChangeKind::kBegin);
  EXPECT_TRUE(out_[1].before_is_key_only);
  EXPECT_EQ(out_[1].before, (RowImage{FieldValue::Of("5"), FieldValue::Null(), FieldValue::Null()}));
  EXPECT_EQ(out_[1].after, (RowImage{FieldValue::Unchanged(), FieldValue::Of("zz"), FieldValue::Unchanged()}));
  EXPECT_EQ(out_[2].kind, ChangeKind::kCommit);
  EXPECT_EQ(Pos(out_[2]), (MysqlBinlogPos{"bin.000001", 500, "0-1-9"}));
}

TEST_F(DecoderTest, DdlRotateAndErrors) {
  ASSERT_TRUE(dec_.OnTableMap(Map()).ok());
  EXPECT_EQ(lookups_, 1);
  // A standalone GTID group: kBegin, kDdl, kCommit; the catalog is read again afterwards.
  ASSERT_TRUE(dec_.OnGtid("0-1-11", true, 5, 0, out_).ok());  // start unknown: the restart point stays
  ASSERT_TRUE(dec_.OnQuery("test", "/* c */ ALTER TABLE t ADD x int", 5, 480, out_).ok());
  ASSERT_EQ(out_.size(), 3u);
  EXPECT_EQ(out_[1].kind, ChangeKind::kDdl);
  EXPECT_EQ(out_[1].ddl, "/* c */ ALTER TABLE t ADD x int");
  EXPECT_EQ(out_[1].ddl_schema, "test");
  EXPECT_EQ(Pos(out_[1]), (MysqlBinlogPos{"bin.000001", 4, "0-1-9"}));
  EXPECT_EQ(Pos(out_[2]), (MysqlBinlogPos{"bin.000001", 480, "0-1-11"}));
  ASSERT_TRUE(dec_.OnTableMap(Map()).ok());
  EXPECT_EQ(lookups_, 2);

  // A DDL without GTID events (MySQL without GTIDs) is its own transaction too.
  out_.clear();
  dec_.OnRotate("bin.000002", 4);
  EXPECT_EQ(dec_.restart(), (MysqlBinlogPos{"bin.000002", 4, "0-1-11"}));
  ASSERT_TRUE(dec_.OnQuery("", "DROP TABLE other", 6, 120, out_).ok());
  ASSERT_EQ(out_.size(), 3u);
  EXPECT_EQ(Pos(out_[2]), (MysqlBinlogPos{"bin.000002", 120, "0-1-11"}));

  // Statement-based DML cannot be captured.
  out_.clear();
  ASSERT_TRUE(dec_.OnQuery("test", "BEGIN", 7, 200, out_).ok());
  Status st = dec_.OnQuery("test", "insert into t values (1)", 7, 250, out_);
  EXPECT_EQ(st.code(), ErrorCode::kServerConfig);
  // A row event without its TABLE_MAP, and a catalog that no longer matches.
  st = dec_.OnRows({BinlogRowsEvent::Kind::kWrite, 77, 3, Bytes({7}), {}, Row(1, "a", true)}, 7, out_);
  EXPECT_EQ(st.code(), ErrorCode::kReadFailed);
  BinlogTableMap wider = Map(43);
  wider.column_types += Bytes({bt::kLong});
  EXPECT_EQ(dec_.OnTableMap(wider).code(), ErrorCode::kReadFailed);
  // Truncated row data.
  ASSERT_TRUE(dec_.OnTableMap(Map()).ok());
  std::string rows = Row(1, "ab", true);
  st = dec_.OnRows({BinlogRowsEvent::Kind::kWrite, 42, 3, Bytes({7}), {}, rows.substr(0, rows.size() - 1)}, 7, out_);
  EXPECT_EQ(st.code(), ErrorCode::kReadFailed);
  EXPECT_TRUE(out_.empty()) << "nothing was captured, so not even the kBegin is reported";
}

TEST_F(DecoderTest, UncapturedTablesAndDroppedTables) {
  BinlogDecoder dec(MysqlBinlogPos{"bin.000001", 4, ""},
                    [](const TableRef&) -> Result<TableSchema> { return Status(ErrorCode::kNotFound, "gone"); },
                    {[](const TableRef& t) { return t.name != "skipped"; }, false});
  BinlogTableMap skipped = Map(5);
  skipped.table.name = "skipped";
  ASSERT_TRUE(dec.OnQuery("test", "BEGIN", 1, 100, out_).ok());
  ASSERT_TRUE(dec.OnTableMap(skipped).ok());
  ASSERT_TRUE(dec.OnRows({BinlogRowsEvent::Kind::kWrite, 5, 3, Bytes({7}), {}, Row(1, "a", true)}, 1, out_).ok());
  ASSERT_TRUE(dec.OnTableMap(Map()).ok());  // dropped since: skipped
  ASSERT_TRUE(dec.OnXid(3, 1, 300, out_).ok());
  // Nothing of it was captured: the transaction is not reported at all, but
  // the next one restarts after it.
  EXPECT_TRUE(out_.empty());
  ASSERT_TRUE(dec.OnQuery("test", "CREATE TABLE other (a INT)", 2, 400, out_).ok());
  ASSERT_EQ(out_.size(), 3u);
  EXPECT_EQ(out_[0].kind, ChangeKind::kBegin);
  EXPECT_EQ(std::get<MysqlBinlogPos>(out_[0].position).pos, 300u);
  EXPECT_EQ(out_[1].kind, ChangeKind::kDdl);
  // DDL in a database no captured table lives in is not reported.
  BinlogDecoder only_shop(MysqlBinlogPos{"bin.000001", 4, ""},
                          [](const TableRef&) -> Result<TableSchema> { return Status(ErrorCode::kNotFound, "gone"); },
                          {[](const TableRef& t) { return t.schema == "shop"; }, false});
  out_.clear();
  ASSERT_TRUE(only_shop.OnQuery("other_db", "DROP TABLE x", 2, 500, out_).ok());
  EXPECT_TRUE(out_.empty());
  ASSERT_TRUE(only_shop.OnQuery("shop", "ALTER TABLE t ADD c INT", 2, 600, out_).ok());
  ASSERT_EQ(out_.size(), 3u);
  EXPECT_EQ(out_[1].ddl_schema, "shop");
}

// binlog_row_metadata=FULL: the TABLE_MAP names and types the columns as
// the row was written, so rows decode right even though the catalog (read
// now) has since lost a column, renamed one and changed a type.
TEST_F(DecoderTest, FullRowMetadataDecodesWithTheShapeAtWriteTime) {
  BinlogDecoderOptions opts;
  opts.mariadb = true;
  opts.charset_of = [](uint32_t id) { return id == 8 ? std::string("latin1") : std::string(); };
  BinlogDecoder dec(
      MysqlBinlogPos{"bin.000001", 4, ""},
      [](const TableRef& ref) -> Result<TableSchema> {
        if (ref == TableRef{"test", "t"}) return Schema();
        return Status(ErrorCode::kNotFound, "no such table");
      },
      opts);
  // Then: (id int unsigned, label varchar(20) latin1, amount decimal(10,2), e enum('\xe9t\xe9','hiver') latin1).
  BinlogTableMap m = Map();
  m.column_types += Bytes({bt::kString});
  m.metadata += Bytes({bt::kEnum, 1});
  auto field = [](int type, const std::string& v) { return Bytes({type, static_cast<int>(v.size())}) + v; };
  auto str = [](const std::string& v) { return std::string(1, static_cast<char>(v.size())) + v; };
  m.optional_metadata = field(1, Bytes({0x80})) + field(2, Bytes({8})) + field(10, Bytes({8})) +
                        field(4, str("id") + str("label") + str("amount") + str("e")) +
                        field(6, Bytes({2}) + str("\xe9t\xe9") + str("hiver"));
  ASSERT_TRUE(dec.OnQuery("test", "BEGIN", 1, 100, out_).ok());
  ASSERT_TRUE(dec.OnTableMap(m).ok());
  std::string row = Bytes({0}) + Le(4000000000u, 4) + Bytes({4}) + "caf" + Bytes({0xe9}) +
                    Bytes({0x80, 0x00, 0x04, 0xd2, 0x38}) + Bytes({1});
  Status decoded = dec.OnRows({BinlogRowsEvent::Kind::kWrite, 42, 4, Bytes({15}), {}, row}, 1, out_);
  ASSERT_TRUE(decoded.ok()) << decoded.ToString();
  ASSERT_EQ(out_.size(), 2u);
  EXPECT_EQ(out_[1].columns, (std::vector<std::string>{"id", "label", "amount", "e"}));
  EXPECT_EQ(out_[1].after, (RowImage{FieldValue::Of("4000000000"), FieldValue::Of("caf\xc3\xa9"),
                                     FieldValue::Of("1234.56"), FieldValue::Of("\xc3\xa9t\xc3\xa9")}));
  // A collation the server did not list is refused, not guessed.
  m.optional_metadata = field(2, Bytes({99})) + field(4, str("id") + str("label") + str("amount") + str("e")) +
                        field(6, Bytes({2}) + str("a") + str("b"));
  Status st = dec.OnTableMap(m);
  EXPECT_EQ(st.code(), ErrorCode::kUnsupported);
  EXPECT_NE(st.message().find("test.t"), std::string::npos) << st.message();
}

// MINIMAL metadata (or none): the catalog names the columns, and a table
// altered since the rows were written is an error whose hint says how to
// avoid it next time.
TEST_F(DecoderTest, MinimalRowMetadataUsesTheCatalog) {
  BinlogTableMap m = Map();
  m.optional_metadata = Bytes({1, 1, 0x00, 3, 1, 45});  // SIGNEDNESS, COLUMN_CHARSET: no names
  ASSERT_TRUE(dec_.OnQuery("test", "BEGIN", 1, 100, out_).ok());
  ASSERT_TRUE(dec_.OnTableMap(m).ok());
  ASSERT_TRUE(dec_.OnRows({BinlogRowsEvent::Kind::kWrite, 42, 3, Bytes({7}), {}, Row(1, "ab", true)}, 1, out_).ok());
  ASSERT_EQ(out_.size(), 2u);
  EXPECT_EQ(out_[1].columns, (std::vector<std::string>{"id", "name", "amount"}));
  BinlogTableMap wider = m;
  wider.table_id = 43;
  wider.column_types += Bytes({bt::kLong});
  Status st = dec_.OnTableMap(wider);
  EXPECT_EQ(st.code(), ErrorCode::kReadFailed);
  EXPECT_NE(st.hint().find("binlog_row_metadata=FULL"), std::string::npos) << st.hint();
  // A malformed block is an error too, never a crash.
  BinlogTableMap broken = Map(44);
  broken.optional_metadata = Bytes({4, 200, 1});
  EXPECT_EQ(dec_.OnTableMap(broken).code(), ErrorCode::kReadFailed);
}

// A table the catalog does not hold (one of another database on the same
// server, e.g. the destination of a MySQL-to-MySQL migration, whose every
// transaction maps its tables) is looked up once, not at every TABLE_MAP;
// DDL may create it, so after DDL it is looked up again.
TEST_F(DecoderTest, TablesMissingFromTheCatalogAreLookedUpOnce) {
  BinlogTableMap elsewhere = Map(9);
  elsewhere.table = {"other_db", "t"};
  for (uint64_t i = 0; i < 3; ++i) {
    ASSERT_TRUE(dec_.OnQuery("other_db", "BEGIN", 1, 100 + i, out_).ok());
    ASSERT_TRUE(dec_.OnTableMap(elsewhere).ok());
    ASSERT_TRUE(dec_.OnRows({BinlogRowsEvent::Kind::kWrite, 9, 3, Bytes({7}), {}, Row(1, "a", true)}, 1, out_).ok());
    ASSERT_TRUE(dec_.OnXid(i, 1, 200 + i, out_).ok());
  }
  EXPECT_TRUE(out_.empty());
  EXPECT_EQ(lookups_, 1);
  ASSERT_TRUE(dec_.OnQuery("other_db", "CREATE TABLE t2 (a INT)", 2, 400, out_).ok());
  ASSERT_TRUE(dec_.OnTableMap(elsewhere).ok());
  EXPECT_EQ(lookups_, 2);
}

}  // namespace
}  // namespace godwit::mysql
