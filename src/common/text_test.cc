#include "common/text.h"

#include <gtest/gtest.h>

#include <string>

namespace godwit {
namespace {

TEST(TextTest, HexBothCases) {
  const std::string bytes("\x00\x01\x7f\x80\xab\xff", 6);
  EXPECT_EQ(HexUpper(bytes), "00017F80ABFF");
  EXPECT_EQ(HexLower(bytes), "00017f80abff");
  std::string out = "X'";
  AppendHexUpper("hi", out);
  EXPECT_EQ(out, "X'6869");
  EXPECT_EQ(HexLower(""), "");
}

TEST(TextTest, HexDigitValue) {
  EXPECT_EQ(HexDigitValue('0'), 0);
  EXPECT_EQ(HexDigitValue('9'), 9);
  EXPECT_EQ(HexDigitValue('a'), 10);
  EXPECT_EQ(HexDigitValue('F'), 15);
  EXPECT_EQ(HexDigitValue('g'), -1);
  EXPECT_EQ(HexDigitValue('/'), -1);
  EXPECT_EQ(HexDigitValue('\xff'), -1);
}

TEST(TextTest, DecodeHexRoundTripsAndRefusesBadInput) {
  std::string all;
  for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
  std::string decoded;
  ASSERT_TRUE(DecodeHex(HexLower(all), decoded));
  EXPECT_EQ(decoded, all);
  decoded.clear();
  ASSERT_TRUE(DecodeHex(HexUpper(all), decoded));
  EXPECT_EQ(decoded, all);
  decoded = "kept:";
  ASSERT_TRUE(DecodeHex("4a4B", decoded));  // appends; mixed case
  EXPECT_EQ(decoded, "kept:JK");
  std::string bad;
  EXPECT_FALSE(DecodeHex("abc", bad));  // odd length
  EXPECT_FALSE(DecodeHex("zz", bad));
  EXPECT_FALSE(DecodeHex("0x", bad));
}

TEST(TextTest, PercentEncodeKeepsUnreservedAndAskedFor) {
  EXPECT_EQ(PercentEncode("AZaz09-_.~"), "AZaz09-_.~");
  EXPECT_EQ(PercentEncode("a b/c?d=e&f%+@:"), "a%20b%2Fc%3Fd%3De%26f%25%2B%40%3A");
  EXPECT_EQ(PercentEncode("db/sub name", "/"), "db/sub%20name");
  EXPECT_EQ(PercentEncode(std::string("\x00\xc3\xa9", 3)), "%00%C3%A9");
  EXPECT_EQ(PercentEncode(""), "");
}

TEST(TextTest, PercentDecodeUndoesEncode) {
  const std::string text = "p@ss:w/rd %41 \xc3\xa9+";
  Result<std::string> decoded = PercentDecode(PercentEncode(text));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, text);
  EXPECT_EQ(*PercentDecode("a%2fb%2Fc+d"), "a/b/c+d");  // either case; '+' stays
  EXPECT_EQ(*PercentDecode("%41"), "A");                // an escape at the very end
}

TEST(TextTest, PercentDecodeNamesBadEscapes) {
  for (const char* incomplete : {"%", "%4", "abc%", "abc%4"}) {
    Result<std::string> r = PercentDecode(incomplete);
    ASSERT_FALSE(r.ok()) << incomplete;
    EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(r.status().message(), "incomplete percent-escape") << incomplete;
  }
  for (const char* bad : {"%zz", "%4g", "a%%41"}) {
    Result<std::string> r = PercentDecode(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().message(), "bad percent-escape") << bad;
  }
}

TEST(TextTest, SqlStringLiteralDoublesQuotes) {
  EXPECT_EQ(SqlStringLiteral("it's"), "'it''s'");
  EXPECT_EQ(SqlStringLiteral(""), "''");
}

}  // namespace
}  // namespace godwit
