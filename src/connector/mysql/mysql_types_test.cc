#include "connector/mysql/mysql_types.h"

#include <gtest/gtest.h>

#include "schema/dialects.h"

namespace godwit::mysql {
namespace {

TEST(MysqlTypesTest, ParsesColumnTypes) {
  auto d = ParseColumnType("decimal", "decimal(30,10) unsigned");
  EXPECT_EQ(d.kind, TypeKind::kDecimal);
  EXPECT_EQ(d.precision, 30u);
  EXPECT_EQ(d.scale, 10u);
  EXPECT_TRUE(d.is_unsigned);
  auto e = ParseColumnType("enum", "enum('a','b''c','d\\\\e')");
  ASSERT_EQ(e.kind, TypeKind::kEnum);
  EXPECT_EQ(e.labels, (std::vector<std::string>{"a", "b'c", "d\\e"}));
  EXPECT_EQ(ParseColumnType("datetime", "datetime(6)").fsp, 6u);
  EXPECT_EQ(ParseColumnType("timestamp", "timestamp(3)").kind, TypeKind::kTimestampTz);
  EXPECT_EQ(ParseColumnType("bit", "bit(10)").length, 10u);
  EXPECT_EQ(ParseColumnType("geometry", "geometry").kind, TypeKind::kNative);
  EXPECT_EQ(ParseColumnType("mediumtext", "mediumtext").length, 16777215u);
}

TEST(MysqlTypesTest, NormalisesDefaults) {
  Column c;
  ParseDefault("'it''s\\n'", c);
  EXPECT_EQ(c.default_kind, Column::DefaultKind::kLiteral);
  EXPECT_EQ(c.default_value, "it's\n");
  ParseDefault("NULL", c);
  EXPECT_EQ(c.default_kind, Column::DefaultKind::kNull);
  ParseDefault("current_timestamp(6)", c);
  EXPECT_EQ(c.default_kind, Column::DefaultKind::kCurrentTimestamp);
  ParseDefault("-12.5", c);
  EXPECT_EQ(c.default_kind, Column::DefaultKind::kLiteral);
  EXPECT_EQ(c.default_value, "-12.5");
  ParseDefault("uuid()", c);
  EXPECT_EQ(c.default_kind, Column::DefaultKind::kUuid);  // schema/default_expression.h
  ParseDefault("rand()", c);
  EXPECT_EQ(c.default_kind, Column::DefaultKind::kExpression);
  EXPECT_EQ(c.default_value, "rand()");
  ParseDefault(nullptr, c);
  EXPECT_EQ(c.default_kind, Column::DefaultKind::kNone);
  // Read by the SQL lexer: \' and \\ are one character each, and text
  // that merely starts and ends with a quote is an expression.
  ParseDefault("'it\\'s \\\\ a;b -- /*'", c);
  EXPECT_EQ(c.default_kind, Column::DefaultKind::kLiteral);
  EXPECT_EQ(c.default_value, "it's \\ a;b -- /*");
  ParseDefault("'a' = 'b'", c);
  EXPECT_EQ(c.default_kind, Column::DefaultKind::kExpression);
  EXPECT_EQ(c.default_value, "'a' = 'b'");
  EXPECT_EQ(ParseColumnType("enum", "enum('x\\'y','a,b)')").labels, (std::vector<std::string>{"x'y", "a,b)"}));
}

TEST(MysqlTypesTest, ZeroDatesAndBits) {
  EXPECT_TRUE(IsZeroDate("0000-00-00"));
  EXPECT_TRUE(IsZeroDate("2024-00-10 00:00:00"));
  EXPECT_TRUE(IsZeroDate("2024-01-00"));
  EXPECT_FALSE(IsZeroDate("2024-01-01 00:00:00"));
  EXPECT_FALSE(IsZeroDate("0001-01-01"));
  std::string bits;
  BitsToText(std::string("\x02\xaa", 2), 10, bits);
  EXPECT_EQ(bits, "1010101010");
  BitsToText(std::string("\x00", 1), 3, bits);
  EXPECT_EQ(bits, "000");
}

TEST(MysqlTypesTest, LoadDataEscaping) {
  std::string out;
  AppendLoadDataEscaped(std::string("a\tb\nc\\d\0e\r", 10), out);
  EXPECT_EQ(out, "a\\tb\\nc\\\\d\\0e\\r");
}

TEST(MysqlDialectTest, QuotesAndMapsTypes) {
  const Dialect& d = MysqlDialect();
  EXPECT_EQ(d.QuoteIdent("we`ird name"), "`we``ird name`");
  ColumnType s;
  s.kind = TypeKind::kVarchar;
  // A quote or backslash: hex, which NO_BACKSLASH_ESCAPES cannot change.
  EXPECT_EQ(d.Literal(s, "it's \\ ok"), "_utf8mb4 X'69742773205C206F6B'");
  EXPECT_EQ(d.Literal(s, "plain"), "'plain'");
  ColumnType i;
  i.kind = TypeKind::kInt32;
  EXPECT_EQ(d.Literal(i, "-12"), "-12");
  EXPECT_EQ(d.Literal(i, "1--"), "'1--'");
  EXPECT_EQ(d.Literal(i, "-"), "'-'");
  ColumnType b;
  b.kind = TypeKind::kBit;
  EXPECT_EQ(d.Literal(b, "0101"), "b'0101'");
  EXPECT_EQ(d.Literal(b, "1'),('2"), "_utf8mb4 X'3127292C282732'");
  {
    // A default holding a quote or backslash: escaped, as MariaDB cannot
    // re-read DEFAULT (_utf8mb4 X'..') on a TEXT column.
    TableSchema t;
    t.ref = {"", "d"};
    Column c;
    c.name = "tx";
    c.type.kind = TypeKind::kText;
    c.default_kind = Column::DefaultKind::kLiteral;
    c.default_value = "a'\\";
    t.columns.push_back(c);
    auto sql = d.CreateTable(t);
    ASSERT_TRUE(sql.ok()) << sql.status().ToString();
    EXPECT_NE(sql->front().find("'a\\'\\\\'"), std::string::npos) << sql->front();
    EXPECT_EQ(sql->front().find("X'"), std::string::npos) << sql->front();
  }
  ColumnType n;
  n.kind = TypeKind::kDecimal;
  n.precision = 80;
  EXPECT_EQ(d.ColumnTypeSql(n).status().code(), ErrorCode::kUnsupported);
  n.precision = 0;
  EXPECT_EQ(*d.ColumnTypeSql(n), "DECIMAL(65,30)");
  ColumnType ts;
  ts.kind = TypeKind::kTimestampTz;
  ts.fsp = 6;
  ts.native = "timestamp with time zone";
  EXPECT_EQ(*d.ColumnTypeSql(ts), "DATETIME(6)");
  ts.native = "timestamp(6)";
  EXPECT_EQ(*d.ColumnTypeSql(ts), "TIMESTAMP(6)");
  Column f;
  f.name = "f";
  f.type.kind = TypeKind::kFloat;
  EXPECT_EQ(d.SelectExpr(f), "CAST(`f` AS DOUBLE)");
}

}  // namespace
}  // namespace godwit::mysql
