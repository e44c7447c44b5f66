#include "connector/postgres/postgres_codec.h"

#include <gtest/gtest.h>

#include <random>

namespace godwit::pg {
namespace {

std::vector<Column> Columns(std::initializer_list<TypeKind> kinds) {
  std::vector<Column> cols;
  for (TypeKind k : kinds) {
    Column c;
    c.name = "c" + std::to_string(cols.size());
    c.type = TypeOf(k);
    cols.push_back(c);
  }
  return cols;
}

std::vector<ColumnType> Types(const std::vector<Column>& cols) {
  std::vector<ColumnType> t;
  for (const auto& c : cols) t.push_back(c.type);
  return t;
}

TEST(CopyDecode, SplitsUnescapesAndConverts) {
  auto types = Types(Columns({TypeKind::kInt32, TypeKind::kText, TypeKind::kBool, TypeKind::kBlob,
                              TypeKind::kTimestampTz, TypeKind::kText, TypeKind::kBool}));
  auto plan = PlanCopyOut(types);
  RowBatch batch(types.size());
  std::string line = "-42\ta\\tb\\nc\\\\d\\re\tt\t\\\\x00ff41\t2024-01-02 03:04:05.123456+00\t\\N\tf\n";
  ASSERT_TRUE(DecodeCopyRow(line, plan, batch).ok());
  ASSERT_EQ(batch.rows(), 1u);
  EXPECT_EQ(batch.at(0, 0).bytes(), "-42");
  EXPECT_EQ(batch.at(0, 1).bytes(), "a\tb\nc\\d\re");
  EXPECT_EQ(batch.at(0, 2).bytes(), "1");
  EXPECT_EQ(batch.at(0, 3).bytes(), std::string_view("\x00\xff"
                                                     "A",
                                                     3));
  EXPECT_EQ(batch.at(0, 4).bytes(), "2024-01-02 03:04:05.123456");
  EXPECT_TRUE(batch.at(0, 5).is_null());
  EXPECT_EQ(batch.at(0, 6).bytes(), "0");
}

TEST(CopyDecode, EmptyStringIsNotNull) {
  auto plan = PlanCopyOut(Types(Columns({TypeKind::kText, TypeKind::kText, TypeKind::kBlob})));
  RowBatch batch(3);
  ASSERT_TRUE(DecodeCopyRow("\t\\N\t\\\\x\n", plan, batch).ok());
  EXPECT_FALSE(batch.at(0, 0).is_null());
  EXPECT_EQ(batch.at(0, 0).size(), 0u);
  EXPECT_TRUE(batch.at(0, 1).is_null());
  EXPECT_FALSE(batch.at(0, 2).is_null());
  EXPECT_EQ(batch.at(0, 2).size(), 0u);
}

TEST(CopyDecode, OctalHexAndOtherEscapes) {
  auto plan = PlanCopyOut(Types(Columns({TypeKind::kText})));
  RowBatch batch(1);
  ASSERT_TRUE(DecodeCopyRow("\\101\\x42\\b\\f\\v\\N\\q\\0\n", plan, batch).ok());
  EXPECT_EQ(batch.at(0, 0).bytes(), std::string_view("AB\b\f\vNq\0", 8));
}

TEST(CopyDecode, TimestampTzInfinityAndBc) {
  auto plan = PlanCopyOut(Types(Columns({TypeKind::kTimestampTz, TypeKind::kTimestampTz, TypeKind::kDate})));
  RowBatch batch(3);
  ASSERT_TRUE(DecodeCopyRow("infinity\t0044-03-15 12:00:00+00 BC\t0044-03-15 BC", plan, batch).ok());
  EXPECT_EQ(batch.at(0, 0).bytes(), "infinity");
  EXPECT_EQ(batch.at(0, 1).bytes(), "0044-03-15 12:00:00 BC");
  EXPECT_EQ(batch.at(0, 2).bytes(), "0044-03-15 BC");
}

TEST(CopyDecode, FieldCountMismatchFails) {
  auto plan = PlanCopyOut(Types(Columns({TypeKind::kText, TypeKind::kText})));
  RowBatch batch(2);
  Status few = DecodeCopyRow("a\n", plan, batch);
  EXPECT_EQ(few.code(), ErrorCode::kReadFailed);
  RowBatch batch2(2);
  Status many = DecodeCopyRow("a\tb\tc\n", plan, batch2);
  EXPECT_EQ(many.code(), ErrorCode::kReadFailed);
}

TEST(CopyDecode, MalformedBytea) {
  auto plan = PlanCopyOut(Types(Columns({TypeKind::kBlob})));
  RowBatch batch(1);
  EXPECT_FALSE(DecodeCopyRow("\\\\x0g\n", plan, batch).ok());
  RowBatch batch2(1);
  EXPECT_FALSE(DecodeCopyRow("\\\\x012\n", plan, batch2).ok());
}

TEST(CopyEncode, EscapesNullsByteaAndTimestampTz) {
  auto cols = Columns({TypeKind::kText, TypeKind::kBlob, TypeKind::kTimestampTz, TypeKind::kInt64, TypeKind::kText,
                       TypeKind::kTimestampTz});
  auto plan = PlanCopyIn(cols);
  RowBatch batch(cols.size());
  batch.Add("a\tb\nc\\d\re");
  batch.Add(std::string_view("\x00\xff", 2));
  batch.Add("2024-01-02 03:04:05");
  batch.AddNull();
  batch.Add("");
  batch.Add("0001-01-01 00:00:00 BC");
  std::string out;
  EncodeCopyRow(batch.row(0), plan, out);
  EXPECT_EQ(out, "a\\tb\\nc\\\\d\\re\t\\\\x00ff\t2024-01-02 03:04:05+00\t\\N\t\t0001-01-01 00:00:00+00 BC\n");
}

// Whatever bytes a value holds, encoding then decoding gives them back.
TEST(CopyRoundTrip, RandomBytes) {
  std::mt19937 rng(7);
  auto cols = Columns({TypeKind::kText, TypeKind::kBlob, TypeKind::kVarchar});
  auto in_plan = PlanCopyIn(cols);
  auto out_plan = PlanCopyOut(Types(cols));
  for (int iter = 0; iter < 500; ++iter) {
    std::string values[3];
    for (auto& v : values) {
      size_t n = rng() % 40;
      for (size_t i = 0; i < n; ++i) v.push_back(static_cast<char>(rng() % 256));
    }
    RowBatch src(3);
    for (auto& v : values) src.Add(v);
    std::string line;
    EncodeCopyRow(src.row(0), in_plan, line);
    RowBatch dst(3);
    ASSERT_TRUE(DecodeCopyRow(line, out_plan, dst).ok());
    for (int c = 0; c < 3; ++c) EXPECT_EQ(dst.at(0, c).bytes(), values[c]) << "iteration " << iter;
  }
}

TEST(Hex, DecodeAndAppend) {
  std::string out;
  EXPECT_TRUE(DecodeHex("00fFa1", out));
  EXPECT_EQ(out, std::string("\x00\xff\xa1", 3));
  std::string bad;
  EXPECT_FALSE(DecodeHex("0", bad));
  EXPECT_FALSE(DecodeHex("zz", bad));
  std::string hex;
  AppendHexLower(out, hex);
  EXPECT_EQ(hex, "00ffa1");
}

TEST(PostgresCodec, TimeOutsideADayIsFoundBeforeItIsSent) {
  for (const char* v : {"00:00:00", "23:59:59.999999", "24:00:00", "24:00:00.000000", "7:05:00"}) {
    EXPECT_TRUE(FitsPostgresTime(v)) << v;
  }
  for (const char* v : {"-01:00:00", "-00:00:01", "24:00:01", "24:00:00.5", "100:00:00", "838:59:59"}) {
    EXPECT_FALSE(FitsPostgresTime(v)) << v;
  }
  std::vector<Column> cols(2);
  cols[0].type.kind = TypeKind::kInt32;
  cols[1].type.kind = TypeKind::kTime;
  auto plan = PlanCopyIn(cols);
  std::vector<Value> ok_row = {Value::Of("1"), Value::Of("10:00:00")};
  std::vector<Value> bad_row = {Value::Of("2"), Value::Of("-01:00:00")};
  std::vector<Value> null_row = {Value::Of("3"), Value::Null()};
  EXPECT_EQ(FirstUnstorableValue(ok_row, plan), -1);
  EXPECT_EQ(FirstUnstorableValue(bad_row, plan), 1);
  EXPECT_EQ(FirstUnstorableValue(null_row, plan), -1);
}

}  // namespace
}  // namespace godwit::pg
