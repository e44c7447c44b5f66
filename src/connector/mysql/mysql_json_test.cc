// MySQL binary JSON -> JSON text. Debian ships no MySQL server, so these
// documents are written out byte by byte from the format's specification
// (mysql-server sql-common/json_binary.h) rather than read from a server:
//   doc    ::= type value
//   object ::= count size key-entry* value-entry* key* value*
//   array  ::= count size value-entry* value*
// count, size and offsets are 2 bytes (small) or 4 bytes (large), little
// endian, offsets counted from the count field; key-entry ::= offset
// length(2); value-entry ::= type offset-or-inlined-value.
#include "connector/mysql/mysql_json.h"

#include <gtest/gtest.h>

#include <cstring>

#include "connector/mysql/test_bytes.h"

namespace godwit::mysql {
namespace {

using testing::Bytes;
using testing::Le;

std::string DoubleBits(double d) {
  uint64_t bits;
  std::memcpy(&bits, &d, sizeof bits);
  return Le(bits, 8);
}

// The text, or "ERR:<code>" on failure.
std::string Text(const std::string& binary) {
  std::string out = "garbage";
  Status st = MysqlJsonToText(binary, out);
  if (!st.ok()) {
    EXPECT_TRUE(out.empty());
    EXPECT_FALSE(st.hint().empty());
    return "ERR:" + std::to_string(static_cast<int>(st.code()));
  }
  return out;
}

// An opaque value: 0x0f, the MySQL field type, a 1-byte length, the data.
std::string Opaque(int field_type, const std::string& data) {
  return Bytes({0x0f, field_type, static_cast<int>(data.size())}) + data;
}

// my_time.h's packed temporal value (TIME_to_longlong_datetime_packed).
int64_t PackedDateTime(uint64_t y, uint64_t mo, uint64_t d, uint64_t h, uint64_t mi, uint64_t s, uint64_t us) {
  const uint64_t ymd = ((y * 13 + mo) << 5) | d, hms = (h << 12) | (mi << 6) | s;
  return static_cast<int64_t>((((ymd << 17) | hms) << 24) | us);
}

TEST(MysqlJson, Literals) {
  EXPECT_EQ(Text(Bytes({0x04, 0x00})), "null");
  EXPECT_EQ(Text(Bytes({0x04, 0x01})), "true");
  EXPECT_EQ(Text(Bytes({0x04, 0x02})), "false");
  // An empty document is null, as MySQL reads it.
  EXPECT_EQ(Text(""), "null");
}

TEST(MysqlJson, Numbers) {
  EXPECT_EQ(Text(Bytes({0x05, 0xff, 0xff})), "-1");  // int16
  EXPECT_EQ(Text(Bytes({0x05, 0x00, 0x80})), "-32768");
  EXPECT_EQ(Text(Bytes({0x06, 0xff, 0xff})), "65535");                                    // uint16
  EXPECT_EQ(Text(Bytes({0x07}) + Le(0x80000000u, 4)), "-2147483648");                     // int32
  EXPECT_EQ(Text(Bytes({0x08}) + Le(0xffffffffu, 4)), "4294967295");                      // uint32
  EXPECT_EQ(Text(Bytes({0x09}) + Le(0x8000000000000000ull, 8)), "-9223372036854775808");  // int64
  EXPECT_EQ(Text(Bytes({0x09}) + Le(5000000000ull, 8)), "5000000000");
  EXPECT_EQ(Text(Bytes({0x0a}) + Le(~0ull, 8)), "18446744073709551615");  // uint64
  // Doubles: MySQL keeps them doubles in text (1.0, not 1).
  EXPECT_EQ(Text(Bytes({0x0b}) + DoubleBits(1.5)), "1.5");
  EXPECT_EQ(Text(Bytes({0x0b}) + DoubleBits(1.0)), "1.0");
  EXPECT_EQ(Text(Bytes({0x0b}) + DoubleBits(-0.1)), "-0.1");
  EXPECT_EQ(Text(Bytes({0x0b}) + DoubleBits(3.141592653589793)), "3.141592653589793");
  EXPECT_EQ(Text(Bytes({0x0b}) + DoubleBits(1e20)), "1e20");
  EXPECT_EQ(Text(Bytes({0x0b}) + DoubleBits(1.5e-7)), "1.5e-7");
  EXPECT_EQ(Text(Bytes({0x0b}) + DoubleBits(-2.5e300)), "-2.5e300");
}

TEST(MysqlJson, Strings) {
  EXPECT_EQ(Text(Bytes({0x0c, 0x03}) + "abc"), "\"abc\"");
  EXPECT_EQ(Text(Bytes({0x0c, 0x00})), "\"\"");
  // UTF-8 is kept as stored: é (2 bytes), ☃ (3), 😀 (4).
  const std::string unicode = "h\xc3\xa9 \xe2\x98\x83 \xf0\x9f\x98\x80";
  EXPECT_EQ(Text(Bytes({0x0c, static_cast<int>(unicode.size())}) + unicode), "\"" + unicode + "\"");
  // Escaped as MySQL escapes them.
  const std::string special = std::string("q\"b\\n\nt\tc\x01", 10);
  EXPECT_EQ(Text(Bytes({0x0c, 10}) + special), "\"q\\\"b\\\\n\\nt\\tc\\u0001\"");
  // A 200-byte string: the length takes two bytes (0xc8 = 0x48 | more, then 1).
  const std::string long_string(200, 'x');
  EXPECT_EQ(Text(Bytes({0x0c, 0xc8, 0x01}) + long_string), "\"" + long_string + "\"");
  // 20000 bytes: three length bytes (20000 = 0x20 | 0x1c << 7 | 0x01 << 14).
  const std::string longer(20000, 'y');
  EXPECT_EQ(Text(Bytes({0x0c, 0xa0, 0x9c, 0x01}) + longer), "\"" + longer + "\"");
}

TEST(MysqlJson, SmallArray) {
  // [1, "a", true, null]: 4 value entries of 3 bytes after count and size
  // (header 16 bytes); the string is stored at offset 16, the rest inlined.
  const std::string doc = Bytes({0x02, 4, 0, 18, 0,  // small array, count 4, size 18
                                 0x05, 1, 0,         // int16 1, inlined
                                 0x0c, 16, 0,        // string at 16
                                 0x04, 1, 0,         // true, inlined
                                 0x04, 0, 0,         // null, inlined
                                 1, 'a'});           // offset 16: "a"
  EXPECT_EQ(Text(doc), "[1, \"a\", true, null]");
  EXPECT_EQ(Text(Bytes({0x02, 0, 0, 4, 0})), "[]");
}

TEST(MysqlJson, NestedSmallObject) {
  // {"a": 1, "bb": [2.5]}: header 4 + 2 key entries (4) + 2 value entries
  // (3) = 18; keys at 18 and 19; the array at 21.
  std::string array = Bytes({1, 0, 15, 0,  // count 1, size 15
                             0x0b, 7, 0})  // double at 7
                      + DoubleBits(2.5);
  const std::string doc = Bytes({0x00, 2,   0,  36, 0,  // small object, 2 members, 36 bytes
                                 18,   0,   1,  0,      // key "a" at 18
                                 19,   0,   2,  0,      // key "bb" at 19
                                 0x05, 1,   0,          // 1, inlined
                                 0x02, 21,  0,          // small array at 21
                                 'a',  'b', 'b'}) +
                          array;
  EXPECT_EQ(Text(doc), "{\"a\": 1, \"bb\": [2.5]}");
  EXPECT_EQ(Text(Bytes({0x00, 0, 0, 4, 0})), "{}");
}

TEST(MysqlJson, LargeFormat) {
  // Large object {"k": 70000, "s": "x"}: 4-byte count, size and offsets,
  // so an int32 is inlined too. Header 8 + 2 x 6 + 2 x 5 = 30.
  const std::string object = Bytes({0x01}) + Le(2, 4) + Le(34, 4) +  //
                             Le(30, 4) + Le(1, 2) +                  // key "k" at 30
                             Le(31, 4) + Le(1, 2) +                  // key "s" at 31
                             Bytes({0x07}) + Le(70000, 4) +          // int32, inlined
                             Bytes({0x0c}) + Le(32, 4) +             // string at 32
                             "ks" + Bytes({1, 'x'});
  EXPECT_EQ(Text(object), "{\"k\": 70000, \"s\": \"x\"}");
  // Large array [5000000000, 4000000000, -7]: the int64 stored at 23, the
  // uint32 and int16 inlined.
  const std::string array = Bytes({0x03}) + Le(3, 4) + Le(31, 4) +      //
                            Bytes({0x09}) + Le(23, 4) +                 // int64 at 23
                            Bytes({0x08}) + Le(4000000000u, 4) +        // uint32, inlined
                            Bytes({0x05}) + Le(0xfff9, 2) + Le(0, 2) +  // int16 -7, inlined
                            Le(5000000000ull, 8);
  EXPECT_EQ(Text(array), "[5000000000, 4000000000, -7]");
  // A large array inside a small object: offsets are relative to the
  // container they belong to. {"x": [true]}: the key at 11, the array at 12.
  const std::string inner = Le(1, 4) + Le(13, 4) + Bytes({0x04}) + Le(1, 4);
  const std::string outer = Bytes({0x00, 1, 0, 25, 0, 11, 0, 1, 0, 0x03, 12, 0, 'x'}) + inner;
  EXPECT_EQ(Text(outer), "{\"x\": [true]}");
}

TEST(MysqlJson, OpaqueTypes) {
  // DECIMAL: precision, scale, then the binary decimal (the binlog's).
  EXPECT_EQ(Text(Opaque(246, Bytes({10, 2, 0x80, 0x00, 0x04, 0xd2, 0x38}))), "1234.56");
  EXPECT_EQ(Text(Opaque(246, Bytes({10, 2, 0x7f, 0xff, 0xfb, 0x2d, 0xc7}))), "-1234.56");
  // DATE, DATETIME, TIMESTAMP, TIME: packed 8-byte integers.
  EXPECT_EQ(Text(Opaque(10, Le(PackedDateTime(2024, 2, 29, 0, 0, 0, 0), 8))), "\"2024-02-29\"");
  EXPECT_EQ(Text(Opaque(12, Le(PackedDateTime(2024, 1, 2, 3, 4, 5, 123456), 8))), "\"2024-01-02 03:04:05.123456\"");
  EXPECT_EQ(Text(Opaque(7, Le(PackedDateTime(1999, 12, 31, 23, 59, 59, 0), 8))), "\"1999-12-31 23:59:59.000000\"");
  const int64_t time = -static_cast<int64_t>((((12ull << 12) | (34 << 6) | 56) << 24) | 789000);
  EXPECT_EQ(Text(Opaque(11, Le(static_cast<uint64_t>(time), 8))), "\"-12:34:56.789000\"");
  const int64_t long_time = static_cast<int64_t>(((838ull << 12) | (59 << 6) | 59) << 24);
  EXPECT_EQ(Text(Opaque(11, Le(static_cast<uint64_t>(long_time), 8))), "\"838:59:59.000000\"");
  // Anything else: base64 of the bytes with the field type.
  EXPECT_EQ(Text(Opaque(15, "abc")), "\"base64:type15:YWJj\"");
  EXPECT_EQ(Text(Opaque(252, Bytes({0xff}))), "\"base64:type252:/w==\"");
  EXPECT_EQ(Text(Opaque(16, Bytes({0x01, 0x02}))), "\"base64:type16:AQI=\"");
  // Inside an array: [DECIMAL 0.05].
  const std::string dec = Opaque(246, Bytes({3, 2, 0x80, 0x05}));
  EXPECT_EQ(Text(Bytes({0x02, 1, 0, static_cast<int>(7 + dec.size() - 1), 0, 0x0f, 7, 0}) + dec.substr(1)), "[0.05]");
}

// [[[...[null]...]]] nested `levels` deep.
std::string Nested(int levels) {
  std::string body = Bytes({1, 0, 7, 0, 0x04, 0, 0});  // [null], without its type byte
  for (int i = 1; i < levels; ++i) {
    body = Bytes({1, 0}) + Le(7 + body.size(), 2) + Bytes({0x02, 7, 0}) + body;
  }
  return Bytes({0x02}) + body;
}

TEST(MysqlJson, Depth) {
  std::string expected = std::string(100, '[') + "null" + std::string(100, ']');
  EXPECT_EQ(Text(Nested(100)), expected);
  EXPECT_EQ(Text(Nested(101)), "ERR:11");  // deeper than MySQL allows
}

TEST(MysqlJson, MalformedIsAnErrorNotACrash) {
  EXPECT_EQ(Text(Bytes({0x0d})), "ERR:11");                                      // unknown type
  EXPECT_EQ(Text(Bytes({0x04})), "ERR:11");                                      // literal without its byte
  EXPECT_EQ(Text(Bytes({0x04, 0x03})), "ERR:11");                                // unknown literal
  EXPECT_EQ(Text(Bytes({0x05, 0x01})), "ERR:11");                                // short int16
  EXPECT_EQ(Text(Bytes({0x09, 1, 2, 3})), "ERR:11");                             // short int64
  EXPECT_EQ(Text(Bytes({0x0b, 0, 0})), "ERR:11");                                // short double
  EXPECT_EQ(Text(Bytes({0x0c, 0x05}) + "ab"), "ERR:11");                         // string past the end
  EXPECT_EQ(Text(Bytes({0x0c, 0x80})), "ERR:11");                                // length continues past the end
  EXPECT_EQ(Text(Bytes({0x0c, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})), "ERR:11");  // 6-byte length
  EXPECT_EQ(Text(Bytes({0x0c, 0xff, 0xff, 0xff, 0xff, 0x7f})), "ERR:11");        // > 4 GiB
  EXPECT_EQ(Text(Bytes({0x0f})), "ERR:11");                                      // opaque without a type
  EXPECT_EQ(Text(Opaque(246, Bytes({10}))), "ERR:11");                           // decimal without scale
  EXPECT_EQ(Text(Opaque(246, Bytes({10, 2, 0x80}))), "ERR:11");                  // truncated decimal
  EXPECT_EQ(Text(Opaque(12, Bytes({1, 2, 3}))), "ERR:11");                       // short datetime
  EXPECT_EQ(Text(Bytes({0x02, 1, 0})), "ERR:11");                                // array header cut
  EXPECT_EQ(Text(Bytes({0x02, 1, 0, 99, 0, 0x04, 0, 0})), "ERR:11");             // size past the end
  EXPECT_EQ(Text(Bytes({0x02, 9, 0, 7, 0, 0x04, 0, 0})), "ERR:11");              // more entries than bytes
  EXPECT_EQ(Text(Bytes({0x02, 1, 0, 9, 0, 0x0c, 40, 0, 1, 'a'})), "ERR:11");     // value past the size
  EXPECT_EQ(Text(Bytes({0x02, 1, 0, 9, 0, 0x0c, 2, 0, 1, 'a'})), "ERR:11");      // value inside the header
  EXPECT_EQ(Text(Bytes({0x02, 1, 0, 7, 0, 0x11, 0, 0})), "ERR:11");              // unknown element type
  // An object whose key points past the end, or into its header.
  EXPECT_EQ(Text(Bytes({0x00, 1, 0, 12, 0, 50, 0, 1, 0, 0x04, 1, 0, 'k'})), "ERR:11");
  EXPECT_EQ(Text(Bytes({0x00, 1, 0, 12, 0, 2, 0, 1, 0, 0x04, 1, 0, 'k'})), "ERR:11");
  EXPECT_EQ(Text(Bytes({0x00, 1, 0, 12, 0, 11, 0, 9, 0, 0x04, 1, 0, 'k'})), "ERR:11");  // key too long
  // A container whose value points back at itself cannot loop: offsets
  // must lie after the header, so every nested value is shorter.
  EXPECT_EQ(Text(Bytes({0x02, 1, 0, 7, 0, 0x02, 0, 0})), "ERR:11");
}

TEST(MysqlJson, EveryTruncationAndByteFlipIsHandled) {
  // A document with every kind of value; each prefix and each single-byte
  // corruption must give text or an error, never a read outside the input
  // (the sanitizer build checks the reads).
  const std::string dec = Opaque(246, Bytes({10, 2, 0x80, 0x00, 0x04, 0xd2, 0x38}));
  const std::string date = Opaque(12, Le(PackedDateTime(2024, 1, 2, 3, 4, 5, 6), 8));
  // ["é", 1.5, DECIMAL, DATETIME] as a small array.
  const std::string s = Bytes({2}) + "\xc3\xa9";
  const size_t header = 4 + 4 * 3;
  const size_t at_s = header, at_d = at_s + s.size(), at_dec = at_d + 8, at_date = at_dec + dec.size() - 1;
  const size_t size = at_date + date.size() - 1;
  std::string doc = Bytes({0x02, 4, 0, static_cast<int>(size), 0,  //
                           0x0c, static_cast<int>(at_s), 0, 0x0b, static_cast<int>(at_d), 0, 0x0f,
                           static_cast<int>(at_dec), 0, 0x0f, static_cast<int>(at_date), 0}) +
                    s + DoubleBits(1.5) + dec.substr(1) + date.substr(1);
  ASSERT_EQ(Text(doc), "[\"\xc3\xa9\", 1.5, 1234.56, \"2024-01-02 03:04:05.000006\"]");
  for (size_t n = 0; n < doc.size(); ++n) {
    std::string out;
    (void)MysqlJsonToText(doc.substr(0, n), out).ok();
  }
  for (size_t i = 0; i < doc.size(); ++i) {
    for (int flip : {0x01, 0x80, 0xff}) {
      std::string bad = doc;
      bad[i] = static_cast<char>(bad[i] ^ flip);
      std::string out;
      (void)MysqlJsonToText(bad, out).ok();
    }
  }
}

}  // namespace
}  // namespace godwit::mysql
