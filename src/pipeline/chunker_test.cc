#include "pipeline/chunker.h"

#include <gtest/gtest.h>

namespace godwit {
namespace {

TEST(ChunkerTest, IntegerBoundariesSplitEvenly) {
  auto b = IntegerBoundaries("1", "100", 4);
  EXPECT_EQ(b, (std::vector<std::string>{"26", "51", "76"}));
}

TEST(ChunkerTest, IntegerBoundariesHandleExtremes) {
  auto b = IntegerBoundaries("-9223372036854775808", "9223372036854775807", 2);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0], "0");
  auto u = IntegerBoundaries("0", "18446744073709551615", 2);
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0], "9223372036854775808");
}

TEST(ChunkerTest, NoMorePiecesThanKeys) {
  auto b = IntegerBoundaries("5", "7", 100);
  EXPECT_EQ(b, (std::vector<std::string>{"6", "7"}));
  EXPECT_TRUE(IntegerBoundaries("5", "5", 10).empty());
  EXPECT_TRUE(IntegerBoundaries("1", "100", 1).empty());
}

TEST(ChunkerTest, BoundJsonRoundTrips) {
  std::optional<KeyValues> v = KeyValues{"a\"b", "12", std::string("\xF0\x9F\x98\x80")};
  auto back = KeyBoundFromJson(KeyBoundToJson(v));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, v);
  auto none = KeyBoundFromJson(KeyBoundToJson(std::nullopt));
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  EXPECT_FALSE(KeyBoundFromJson("{not json").ok());
}

TEST(ChunkerTest, PredicateQuotesKeysAndLiterals) {
  TableSchema t;
  t.ref = {"s", "t"};
  Column a{"a b", {}, false};
  a.type.kind = TypeKind::kInt32;
  Column c{"c'd", {}, false};
  c.type.kind = TypeKind::kVarchar;
  t.columns = {a, c};
  IndexDef key{"PRIMARY", {{"a b"}, {"c'd"}}, true, true, ""};
  ChunkRange r{KeyValues{"1", "x'y"}, KeyValues{"5", "z"}};
  std::string pg = ChunkPredicate(DialectFor(Engine::kPostgres), t, key, r);
  EXPECT_EQ(pg, "(\"a b\", \"c'd\") >= (1, 'x''y') AND (\"a b\", \"c'd\") < (5, 'z')");
  IndexDef single{"PRIMARY", {{"a b"}}, true, true, ""};
  std::string my = ChunkPredicate(DialectFor(Engine::kMysql), t, single, ChunkRange{std::nullopt, KeyValues{"9"}});
  EXPECT_EQ(my, "`a b` < 9");
  EXPECT_EQ(ChunkPredicate(DialectFor(Engine::kMysql), t, single, ChunkRange{}), "");
}

}  // namespace
}  // namespace godwit
