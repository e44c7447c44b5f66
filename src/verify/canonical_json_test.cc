#include "verify/canonical_json.h"

#include <gtest/gtest.h>

#include <string>

namespace godwit {
namespace {

std::string Canon(std::string_view text) {
  auto c = CanonicalJson(text);
  EXPECT_TRUE(c.has_value()) << text;
  return c.value_or("<invalid>");
}

TEST(CanonicalJsonTest, SortsKeysAndDropsWhitespace) {
  EXPECT_EQ(Canon(R"({"b":1,"a":[1.0]})"), R"({"a":[1],"b":1})");
  EXPECT_EQ(Canon(R"({"a": [1], "b": 1})"), R"({"a":[1],"b":1})");
  EXPECT_EQ(Canon(" \n\t[ 1 , true,false , null,\"x\" ]\r\n"), R"([1,true,false,null,"x"])");
  EXPECT_EQ(Canon("{}"), "{}");
  EXPECT_EQ(Canon("[]"), "[]");
  EXPECT_EQ(Canon(R"({"a":{},"b":[]})"), R"({"a":{},"b":[]})");
}

TEST(CanonicalJsonTest, KeysSortBytewise) {
  // jsonb's order (shorter keys first) is not the canonical one.
  EXPECT_EQ(Canon(R"({"b":1,"aa":2,"é":3,"B":4})"), R"({"B":4,"aa":2,"b":1,"é":3})");
}

TEST(CanonicalJsonTest, NestedObjectsSortedAtEveryLevel) {
  EXPECT_EQ(Canon(R"({"z":{"y":1,"x":{"q":[{"d":1,"c":2}],"p":0}},"a":null})"),
            R"({"a":null,"z":{"x":{"p":0,"q":[{"c":2,"d":1}]},"y":1}})");
}

TEST(CanonicalJsonTest, LastDuplicateKeyWins) {
  EXPECT_EQ(Canon(R"({"a":1,"a":2})"), R"({"a":2})");
  EXPECT_EQ(Canon(R"({"b":0,"a":1,"c":{"y":1,"x":2,"y":3},"a":{"k":[1,2]}})"),
            R"({"a":{"k":[1,2]},"b":0,"c":{"x":2,"y":3}})");
  EXPECT_EQ(Canon(R"({"a":1,"a":2,"a":3})"), R"({"a":3})");
}

TEST(CanonicalJsonTest, StringsDecodedAndEscapedMinimally) {
  EXPECT_EQ(Canon(R"("\u00e9")"), Canon("\"\xc3\xa9\""));
  EXPECT_EQ(Canon(R"("\u00e9")"), "\"\xc3\xa9\"");
  EXPECT_EQ(Canon(R"("\u0041\/")"), R"("A/")");
  EXPECT_EQ(Canon(R"("\ud83d\ude00")"), "\"\xf0\x9f\x98\x80\"");  // surrogate pair → UTF-8
  EXPECT_EQ(Canon(R"("q\"b\\n\n\t\u0001\u001F\b\f\r")"), R"("q\"b\\n\n\t\u0001\u001f\b\f\r")");
  EXPECT_EQ(Canon(R"({"\u0062":1,"a\u0000":2})"), R"({"a\u0000":2,"b":1})");
}

TEST(CanonicalJsonTest, NumbersEqualByDecimalValue) {
  for (const char* one : {"1", "1.0", "1e0", "10E-1", "0.1e1", "1.000e+0", "100e-2"}) EXPECT_EQ(Canon(one), "1") << one;
  for (const char* zero : {"0", "-0", "0.0", "-0.0", "0e5", "-0E-3"}) EXPECT_EQ(Canon(zero), "0") << zero;
  EXPECT_EQ(Canon("-1.50"), "-1.5");
  EXPECT_EQ(Canon("1e2"), "100");
  EXPECT_EQ(Canon("1.5e1"), "15");
  EXPECT_EQ(Canon("0.025"), "0.025");
  EXPECT_EQ(Canon("25e-3"), "0.025");
  EXPECT_EQ(Canon("-120"), "-120");
  EXPECT_EQ(Canon("9223372036854775807"), "9223372036854775807");
  EXPECT_EQ(Canon("-9223372036854775808"), "-9223372036854775808");
  EXPECT_EQ(Canon("18446744073709551615"), "18446744073709551615");
  EXPECT_EQ(Canon("18446744073709551615.0"), "18446744073709551615");
  EXPECT_NE(Canon("10"), Canon("1"));
  EXPECT_NE(Canon("0.1"), Canon("0.10000000000000001"));
}

TEST(CanonicalJsonTest, BigNumbersNotRounded) {
  EXPECT_EQ(Canon("12345678901234567890.1"), "12345678901234567890.1");
  EXPECT_EQ(Canon("123456789012345678901234567890"), "123456789012345678901234567890");
  EXPECT_NE(Canon("12345678901234567890.1"), Canon("12345678901234567890.2"));
  EXPECT_NE(Canon("9007199254740993"), Canon("9007199254740992"));
  EXPECT_NE(Canon("123456789012345678901"), Canon("123456789012345678902"));
  EXPECT_EQ(Canon("1.23456789012345678901234567890e29"), "123456789012345678901234567890");
}

TEST(CanonicalJsonTest, FarExponentsKeepAnExponent) {
  EXPECT_EQ(Canon("1e64"), "1" + std::string(64, '0'));
  EXPECT_EQ(Canon("1e65"), "1e65");
  EXPECT_EQ(Canon("10e64"), "1e65");
  EXPECT_EQ(Canon("-1.5e300"), "-15e299");
  EXPECT_EQ(Canon("1e-64"), "0." + std::string(63, '0') + "1");
  EXPECT_EQ(Canon("1e-66"), "1e-66");
  EXPECT_EQ(Canon("0.0001e-62"), "1e-66");
  EXPECT_EQ(Canon("1e-999999999"), "1e-999999999");  // a double would make it 0
  EXPECT_NE(Canon("1e-999999999"), Canon("0"));
  EXPECT_FALSE(CanonicalJson("1e-9999999999").has_value());  // exponent out of range
}

TEST(CanonicalJsonTest, InvalidJsonHasNoCanonicalForm) {
  for (const char* bad : {"", "{", "[1,]", "{\"a\":1,}", "01", "1.", ".5", "+1", "nul", "'a'", "{a:1}", "[1] x",
                          "\"\xff\"", "\"\\ud83d\"", "1e400", "NaN"}) {
    EXPECT_FALSE(CanonicalJson(bad).has_value()) << bad;
  }
}

TEST(CanonicalJsonTest, AppendLeavesOutputAloneOnError) {
  std::string out = "prefix";
  EXPECT_FALSE(AppendCanonicalJson(R"({"a":[1,2)", out));
  EXPECT_EQ(out, "prefix");
  EXPECT_TRUE(AppendCanonicalJson(R"({"b":2, "a":1})", out));
  EXPECT_EQ(out, R"(prefix{"a":1,"b":2})");
}

TEST(CanonicalJsonTest, DeepNestingDoesNotRecurse) {
  std::string deep(100000, '[');
  deep += std::string(100000, ']');
  EXPECT_EQ(Canon(deep), deep);
}

}  // namespace
}  // namespace godwit
