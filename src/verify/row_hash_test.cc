#include "verify/row_hash.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace godwit {
namespace {

ColumnType Type(TypeKind kind) {
  ColumnType t;
  t.kind = kind;
  return t;
}

std::string Normal(TypeKind kind, std::string_view canonical) {
  std::string out;
  AppendNormalForm(Type(kind), canonical, out);
  return out;
}

void ExpectSame(TypeKind kind, std::string_view a, std::string_view b) {
  EXPECT_EQ(Normal(kind, a), Normal(kind, b)) << TypeKindName(kind) << ": '" << a << "' vs '" << b << "'";
}
void ExpectDiffer(TypeKind kind, std::string_view a, std::string_view b) {
  EXPECT_NE(Normal(kind, a), Normal(kind, b)) << TypeKindName(kind) << ": '" << a << "' vs '" << b << "'";
}

TEST(NormalFormTest, Decimal) {
  ExpectSame(TypeKind::kDecimal, "1.50", "1.5");
  ExpectSame(TypeKind::kDecimal, "1.5", "1.500000000000000000000000000000");
  ExpectSame(TypeKind::kDecimal, "-0.00", "0");
  ExpectSame(TypeKind::kDecimal, "-0", "0");
  ExpectSame(TypeKind::kDecimal, "12.000", "12");
  ExpectSame(TypeKind::kDecimal, "NaN", "NaN");
  ExpectDiffer(TypeKind::kDecimal, "10", "1");
  ExpectDiffer(TypeKind::kDecimal, "100", "1");
  ExpectDiffer(TypeKind::kDecimal, "-1.5", "1.5");
  ExpectDiffer(TypeKind::kDecimal, "-0.5", "0.5");
  ExpectDiffer(TypeKind::kDecimal, "NaN", "0");
  EXPECT_EQ(Normal(TypeKind::kDecimal, "-12.340"), "-12.34");
  EXPECT_EQ(Normal(TypeKind::kDecimal, "-0.000"), "0");
  EXPECT_EQ(Normal(TypeKind::kDecimal, "NaN"), "NaN");
}

TEST(NormalFormTest, Float) {
  ExpectSame(TypeKind::kFloat, "0.1", "0.10000000149011612");  // PostgreSQL real vs MySQL FLOAT
  ExpectSame(TypeKind::kFloat, "-0", "0");
  ExpectSame(TypeKind::kFloat, "NaN", "NaN");
  ExpectSame(TypeKind::kFloat, "1e10", "10000000000");
  ExpectSame(TypeKind::kFloat, "Infinity", "1e39");  // beyond float range rounds to infinity
  ExpectDiffer(TypeKind::kFloat, "Infinity", "-Infinity");
  ExpectDiffer(TypeKind::kFloat, "0.1", "0.2");
  ExpectDiffer(TypeKind::kFloat, "NaN", "0");
  EXPECT_EQ(Normal(TypeKind::kFloat, "1").size(), 4u);
  EXPECT_EQ(Normal(TypeKind::kFloat, "1"), std::string("\x00\x00\x80\x3f", 4));  // little-endian
  EXPECT_EQ(Normal(TypeKind::kFloat, "not a number"), "not a number");           // as read
}

TEST(NormalFormTest, Double) {
  ExpectDiffer(TypeKind::kDouble, "0.1", "0.10000000149011612");
  ExpectSame(TypeKind::kDouble, "0.1", "0.1000000000000000055511151231257827");
  ExpectSame(TypeKind::kDouble, "-0", "0");
  ExpectSame(TypeKind::kDouble, "NaN", "NaN");
  ExpectSame(TypeKind::kDouble, "-Infinity", "-Infinity");
  ExpectSame(TypeKind::kDouble, "1e-400", "0");  // underflow rounds to zero
  ExpectDiffer(TypeKind::kDouble, "Infinity", "1.7976931348623157e308");
  EXPECT_EQ(Normal(TypeKind::kDouble, "1").size(), 8u);
  EXPECT_EQ(Normal(TypeKind::kDouble, "1"), std::string("\x00\x00\x00\x00\x00\x00\xf0\x3f", 8));
}

TEST(NormalFormTest, CharTrimsTrailingBlanksOnly) {
  ExpectSame(TypeKind::kChar, "ab  ", "ab");
  ExpectSame(TypeKind::kChar, "   ", "");
  ExpectDiffer(TypeKind::kChar, " ab", "ab");
  ExpectDiffer(TypeKind::kChar, "ab\t", "ab");
  ExpectDiffer(TypeKind::kVarchar, "ab ", "ab");
  ExpectDiffer(TypeKind::kText, "ab ", "ab");
}

TEST(NormalFormTest, BytesAsRead) {
  for (TypeKind k : {TypeKind::kInt32, TypeKind::kInt64, TypeKind::kBool, TypeKind::kDate, TypeKind::kEnum,
                     TypeKind::kSet, TypeKind::kVarchar, TypeKind::kText, TypeKind::kBlob, TypeKind::kNative}) {
    EXPECT_EQ(Normal(k, "A 1.50 "), "A 1.50 ") << TypeKindName(k);
  }
  ExpectDiffer(TypeKind::kInt64, "1.0", "1");
  ExpectDiffer(TypeKind::kBlob, std::string_view("a\0", 2), "a");
}

TEST(NormalFormTest, FractionalSeconds) {
  ExpectSame(TypeKind::kTime, "00:00:01.000000", "00:00:01");
  ExpectSame(TypeKind::kTime, "-838:59:59.500", "-838:59:59.5");
  ExpectSame(TypeKind::kDateTime, "2024-01-01 00:00:00.5", "2024-01-01 00:00:00.500000");
  ExpectSame(TypeKind::kDateTime, "2024-01-01 00:00:00.000000", "2024-01-01 00:00:00");
  ExpectSame(TypeKind::kTimestampTz, "2024-01-01 10:00:00.120", "2024-01-01 10:00:00.12");
  ExpectDiffer(TypeKind::kDateTime, "2024-01-01 00:00:00.5", "2024-01-01 00:00:00.05");
  ExpectDiffer(TypeKind::kTime, "00:00:10", "00:00:01");
  ExpectDiffer(TypeKind::kTime, "00:00:10", "00:00:1");
  EXPECT_EQ(Normal(TypeKind::kDateTime, "2024-01-01 00:00:00.000000"), "2024-01-01 00:00:00");
}

TEST(NormalFormTest, Json) {
  ExpectSame(TypeKind::kJson, R"({"b":1,"a":[1.0]})", R"({"a": [1], "b": 1})");
  ExpectSame(TypeKind::kJson, R"("\u00e9")", "\"\xc3\xa9\"");
  ExpectSame(TypeKind::kJson, R"({"a":1,"a":2})", R"({"a":2})");
  ExpectDiffer(TypeKind::kJson, "12345678901234567890.1", "12345678901234567890.2");
  ExpectDiffer(TypeKind::kJson, R"({"a":1})", R"({"a":"1"})");
  EXPECT_EQ(Normal(TypeKind::kJson, "{not json "), "{not json ");  // as read
  ExpectDiffer(TypeKind::kJson, "{not json ", "{not json");
}

TEST(NormalFormTest, UuidLowercase) {
  ExpectSame(TypeKind::kUuid, "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
  ExpectDiffer(TypeKind::kUuid, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12");
}

TEST(NormalFormTest, BitDropsLeadingZeros) {
  ExpectSame(TypeKind::kBit, "00000101", "101");
  ExpectSame(TypeKind::kBit, "0000", "0");
  ExpectDiffer(TypeKind::kBit, "1010", "101");
  ExpectDiffer(TypeKind::kBit, "", "0");  // an empty bit varying is not B'0'
  EXPECT_EQ(Normal(TypeKind::kBit, "0000"), "0");
  EXPECT_EQ(Normal(TypeKind::kBit, "0010"), "10");
}

TEST(ComparisonTypeTest, SameKindIsTheDestinationsType) {
  ColumnType src = Type(TypeKind::kDecimal), dst = Type(TypeKind::kDecimal);
  src.precision = 10;
  dst.precision = 20;
  EXPECT_EQ(ComparisonType(src, dst).precision, 20u);
}

TEST(ComparisonTypeTest, DifferentKindsTakeTheMoreLenient) {
  ColumnType unsigned_bigint = Type(TypeKind::kInt64);
  unsigned_bigint.is_unsigned = true;
  EXPECT_EQ(ComparisonType(unsigned_bigint, Type(TypeKind::kDecimal)).kind, TypeKind::kDecimal);
  EXPECT_EQ(ComparisonType(Type(TypeKind::kDecimal), unsigned_bigint).kind, TypeKind::kDecimal);
  EXPECT_EQ(ComparisonType(Type(TypeKind::kSet), Type(TypeKind::kText)).kind, TypeKind::kText);
  EXPECT_EQ(ComparisonType(Type(TypeKind::kEnum), Type(TypeKind::kVarchar)).kind, TypeKind::kVarchar);
  EXPECT_EQ(ComparisonType(Type(TypeKind::kJson), Type(TypeKind::kJson)).kind, TypeKind::kJson);
  EXPECT_EQ(ComparisonType(Type(TypeKind::kText), Type(TypeKind::kJson)).kind, TypeKind::kJson);  // MariaDB JSON
  EXPECT_EQ(ComparisonType(Type(TypeKind::kJson), Type(TypeKind::kText)).kind, TypeKind::kJson);
  // An uppercase UUID in a MySQL CHAR(36) is the PostgreSQL uuid's value.
  EXPECT_EQ(ComparisonType(Type(TypeKind::kChar), Type(TypeKind::kUuid)).kind, TypeKind::kUuid);
  EXPECT_EQ(ComparisonType(Type(TypeKind::kDouble), Type(TypeKind::kFloat)).kind, TypeKind::kFloat);
  EXPECT_EQ(ComparisonType(Type(TypeKind::kDecimal), Type(TypeKind::kDouble)).kind, TypeKind::kDouble);
  EXPECT_EQ(ComparisonType(Type(TypeKind::kVarchar), Type(TypeKind::kChar)).kind, TypeKind::kChar);
  EXPECT_EQ(ComparisonType(Type(TypeKind::kDateTime), Type(TypeKind::kTimestampTz)).kind, TypeKind::kDateTime);
  EXPECT_EQ(ComparisonType(Type(TypeKind::kText), Type(TypeKind::kUuid)).kind, TypeKind::kUuid);
  EXPECT_EQ(ComparisonType(Type(TypeKind::kVarbinary), Type(TypeKind::kBit)).kind, TypeKind::kBit);
  EXPECT_EQ(ComparisonType(Type(TypeKind::kInt8), Type(TypeKind::kBool)).kind, TypeKind::kBool);
}

TEST(ComparisonTypeTest, UnsignedBigintEqualsNumeric) {
  ColumnType unsigned_bigint = Type(TypeKind::kInt64);
  unsigned_bigint.is_unsigned = true;
  ColumnType numeric = Type(TypeKind::kDecimal);
  numeric.precision = 20;
  ColumnType t = ComparisonType(unsigned_bigint, numeric);
  std::string a, b;
  AppendNormalForm(t, "18446744073709551615", a);
  AppendNormalForm(t, "18446744073709551615", b);
  EXPECT_EQ(a, b);
}

// A row of optional text (nullopt = NULL) as Values, owning their bytes.
struct TestRow {
  explicit TestRow(std::vector<std::optional<std::string>> c) : cells(std::move(c)) {
    for (const auto& v : cells) values.push_back(v ? Value::Of(*v) : Value::Null());
  }
  operator std::span<const Value>() const { return values; }

  std::vector<std::optional<std::string>> cells;
  std::vector<Value> values;
};
TestRow Row(std::vector<std::optional<std::string>> cells) { return TestRow(std::move(cells)); }

XXH128_hash_t RowHash(RowHasher& h, const std::vector<std::optional<std::string>>& cells) {
  auto row = Row(cells);
  return h.Row(row);
}

bool Equal(XXH128_hash_t a, XXH128_hash_t b) { return XXH128_isEqual(a, b); }

TEST(RowHasherTest, NullDiffersFromEmpty) {
  RowHasher h({Type(TypeKind::kText)}, {0});
  EXPECT_FALSE(Equal(RowHash(h, {std::nullopt}), RowHash(h, {""})));
  RowHasher c({Type(TypeKind::kChar)}, {0});
  EXPECT_FALSE(Equal(RowHash(c, {std::nullopt}), RowHash(c, {"  "})));
}

TEST(RowHasherTest, LengthPrefixSeparatesColumns) {
  RowHasher h({Type(TypeKind::kText), Type(TypeKind::kText)}, {0});
  EXPECT_FALSE(Equal(RowHash(h, {"a", "bc"}), RowHash(h, {"ab", "c"})));
  EXPECT_FALSE(Equal(RowHash(h, {"", "a"}), RowHash(h, {"a", ""})));
  EXPECT_TRUE(Equal(RowHash(h, {"a", "bc"}), RowHash(h, {"a", "bc"})));
}

TEST(RowHasherTest, NormalFormsHashEqual) {
  RowHasher h({Type(TypeKind::kInt32), Type(TypeKind::kDecimal), Type(TypeKind::kFloat), Type(TypeKind::kChar),
               Type(TypeKind::kDateTime), Type(TypeKind::kJson)},
              {0});
  auto mysql =
      RowHash(h, {"1", "1.500000", "0.10000000149011612", "ab", "2024-01-01 00:00:00.000000", R"({"b":1,"a":[1.0]})"});
  auto pg = RowHash(h, {"1", "1.5", "0.1", "ab   ", "2024-01-01 00:00:00", R"({"a": [1], "b": 1})"});
  EXPECT_TRUE(Equal(mysql, pg));
  auto other = RowHash(h, {"1", "1.5", "0.1", "ab   ", "2024-01-01 00:00:00", R"({"a": [1], "b": 2})"});
  EXPECT_FALSE(Equal(mysql, other));
}

TEST(RowHasherTest, ComputedFormsLengthPrefixed) {
  // Float and JSON normal forms are written through the scratch buffer; the
  // columns after them must still be told apart.
  RowHasher h({Type(TypeKind::kFloat), Type(TypeKind::kJson), Type(TypeKind::kUuid), Type(TypeKind::kText)}, {0});
  auto a = RowHash(h, {"1", "[1]", "ABC", "x"});
  auto b = RowHash(h, {"1.0", "[1.0]", "abc", "x"});
  EXPECT_TRUE(Equal(a, b));
  EXPECT_FALSE(Equal(a, RowHash(h, {"1", "[1]", "abc", "y"})));
}

TEST(RowHasherTest, KeyUsesNormalForms) {
  RowHasher h({Type(TypeKind::kText), Type(TypeKind::kChar)}, {1});
  std::string k1, k2;
  auto r1 = Row({"x", "a  "});
  auto r2 = Row({"y", "a"});
  uint64_t h1 = h.Key(r1, k1);
  uint64_t h2 = h.Key(r2, k2);
  EXPECT_EQ(h1, h2);
  EXPECT_EQ(k1, k2);
  EXPECT_EQ(k1, std::string("\x01\x01"
                            "a",
                            3));
  auto r3 = Row({"x", "b"});
  std::string k3 = "stale";
  EXPECT_NE(h.Key(r3, k3), h1);
  EXPECT_EQ(k3, std::string("\x01\x01"
                            "b",
                            3));  // replaced, not appended
}

TEST(RowHasherTest, CompositeKeyInKeyOrder) {
  RowHasher h({Type(TypeKind::kInt32), Type(TypeKind::kInt32), Type(TypeKind::kText)}, {1, 0});
  std::string k1, k2;
  auto r1 = Row({"1", "2", "x"});
  auto r2 = Row({"2", "1", "x"});
  EXPECT_NE(h.Key(r1, k1), h.Key(r2, k2));
  EXPECT_EQ(k1, std::string("\x01\x01"
                            "2"
                            "\x01\x01"
                            "1",
                            6));
}

TEST(RowHasherTest, ColumnsTellWhichDiffer) {
  RowHasher h({Type(TypeKind::kInt32), Type(TypeKind::kDecimal), Type(TypeKind::kText)}, {0});
  auto a = Row({"1", "2.50", "x"});
  auto b = Row({"1", "2.5", "y"});
  uint64_t ha[3], hb[3];
  h.Columns(a, ha);
  h.Columns(b, hb);
  EXPECT_EQ(ha[0], hb[0]);
  EXPECT_EQ(ha[1], hb[1]);
  EXPECT_NE(ha[2], hb[2]);
  auto n = Row({std::nullopt, "2.5", ""});
  uint64_t hn[3];
  h.Columns(n, hn);
  EXPECT_NE(hn[0], ha[0]);
  EXPECT_NE(hn[2], hb[2]);
}

TEST(RowDigestTest, SwappingAColumnBetweenRowsChangesTheSum) {
  RowHasher h({Type(TypeKind::kInt32), Type(TypeKind::kText)}, {0});
  RowDigest before, after;
  before.Add(RowHash(h, {"1", "a"}));
  before.Add(RowHash(h, {"2", "b"}));
  after.Add(RowHash(h, {"1", "b"}));
  after.Add(RowHash(h, {"2", "a"}));
  EXPECT_EQ(before.rows, after.rows);
  EXPECT_NE(before.sum, after.sum);
  EXPECT_FALSE(before == after);
}

TEST(RowDigestTest, DuplicatesDoNotCancel) {
  RowHasher h({Type(TypeKind::kInt32), Type(TypeKind::kText)}, {0});
  auto r = RowHash(h, {"1", "a"});
  auto s = RowHash(h, {"2", "b"});
  RowDigest once, twice, other;
  once.Add(s);
  twice.Add(s);
  twice.Add(r);
  twice.Add(r);
  other.Add(s);
  other.Add(RowHash(h, {"3", "c"}));
  other.Add(RowHash(h, {"4", "d"}));
  EXPECT_NE(twice.sum, once.sum);  // XOR would make r ^ r vanish
  EXPECT_FALSE(twice == other);
  RowDigest empty;
  RowDigest pair;
  pair.Add(r);
  pair.Add(r);
  EXPECT_NE(pair.sum, empty.sum);
}

TEST(RowDigestTest, OrderIndependentAndMergeable) {
  RowHasher h({Type(TypeKind::kInt32)}, {0});
  RowDigest a, b, left, right;
  for (int i = 0; i < 100; ++i) a.Add(RowHash(h, {std::to_string(i)}));
  for (int i = 99; i >= 0; --i) b.Add(RowHash(h, {std::to_string(i)}));
  for (int i = 0; i < 50; ++i) left.Add(RowHash(h, {std::to_string(i)}));
  for (int i = 50; i < 100; ++i) right.Add(RowHash(h, {std::to_string(i)}));
  EXPECT_TRUE(a == b);
  left.Merge(right);
  EXPECT_TRUE(left == a);
  EXPECT_EQ(a.rows, 100);
}

TEST(RowHasherTest, LongValuesUseMultiByteLengths) {
  RowHasher h({Type(TypeKind::kText), Type(TypeKind::kText)}, {0});
  std::string big(300, 'x');
  std::string k;
  auto r = Row({big, "y"});
  h.Key(r, k);
  ASSERT_EQ(k.size(), 1 + 2 + big.size());
  EXPECT_EQ(static_cast<unsigned char>(k[1]), 0x80 | (300 & 0x7f));
  EXPECT_EQ(static_cast<unsigned char>(k[2]), 300 >> 7);
  EXPECT_FALSE(Equal(RowHash(h, {big, "y"}), RowHash(h, {big + "y", ""})));
}

}  // namespace
}  // namespace godwit
