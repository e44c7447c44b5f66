#include "connector/mysql/table_map_metadata.h"

#include <gtest/gtest.h>

#include "connector/mysql/binlog_decoder.h"
#include "connector/mysql/test_bytes.h"

namespace godwit::mysql {
namespace {

namespace bt = binlog_type;

using testing::Bytes;
using testing::Le;

// One field of the block: type, packed length, value.
std::string Field(int type, const std::string& value) {
  std::string out = Bytes({type});
  if (value.size() < 251) {
    out.push_back(static_cast<char>(value.size()));
  } else {
    out += Bytes({252}) + Le(value.size(), 2);
  }
  return out + value;
}

// A length-prefixed string.
std::string Str(const std::string& s) { return std::string(1, static_cast<char>(s.size())) + s; }

// (id int unsigned, name varchar(20) utf8mb4, price decimal(10,2),
//  kind enum('a','b') latin1, tags set('x','y','z'), code binary(16),
//  note text latin1, raw blob, at datetime(3), g geometry, y year, s smallint)
struct Table {
  std::string types = Bytes({bt::kLong, bt::kVarchar, bt::kNewDecimal, bt::kString, bt::kString, bt::kString, bt::kBlob,
                             bt::kBlob, bt::kDateTime2, bt::kGeometry, bt::kYear, bt::kShort});
  std::vector<uint16_t> meta = {
      0, 80, 10 << 8 | 2, bt::kEnum << 8 | 1, bt::kSet << 8 | 1, bt::kString << 8 | 16, 2, 2, 3, 4, 0, 0};
};

std::string FullBlock(bool mariadb) {
  // Numeric: id, price, s -> bits 1 0 0 (MSB first).
  std::string b = Field(1, Bytes({0x80}));
  // Character columns: name, code, note, raw (+ g on MariaDB). Default
  // utf8mb4_unicode_ci (224); code and raw binary (63), note latin1 (8).
  b += Field(2, Bytes({224, 1, 63, 2, 8, 3, 63}) + (mariadb ? Bytes({4, 63}) : std::string()));
  b += Field(4, Str("id") + Str("name") + Str("price") + Str("kind") + Str("tags") + Str("code") + Str("note") +
                    Str("raw") + Str("at") + Str("g") + Str("y") + Str("s"));
  b += Field(5, Bytes({3}) + Str("x") + Str("y") + Str("z"));
  b += Field(6, Bytes({2}) + Str("a") + Str("\xe9"));
  b += Field(7, Bytes({0}));
  b += Field(8, Bytes({0}));
  b += Field(10, Bytes({8, 1, 224}));   // enum latin1, the set utf8mb4
  b += Field(12, Bytes({0xff, 0xf0}));  // MySQL's COLUMN_VISIBILITY: skipped
  return b;
}

std::string Charset(uint32_t id) {
  switch (id) {
    case 8: return "latin1";
    case 63: return "binary";
    case 224: return "utf8mb4";
    default: return "";
  }
}

TEST(TableMapMetadata, FullMetadata) {
  Table t;
  for (bool mariadb : {false, true}) {
    auto md = ParseTableMapMetadata(t.types, t.meta, FullBlock(mariadb), mariadb);
    ASSERT_TRUE(md.ok()) << md.status().ToString();
    ASSERT_TRUE(md->full());
    EXPECT_EQ(md->names[1], "name");
    EXPECT_EQ(md->names[11], "s");
    EXPECT_TRUE(md->has_signedness);
    EXPECT_EQ(md->is_unsigned,
              (std::vector<bool>{true, false, false, false, false, false, false, false, false, false, false, false}));
    EXPECT_EQ(md->collation, (std::vector<uint32_t>{0, 224, 0, 8, 224, 63, 8, 63, 0, mariadb ? 63u : 0u, 0, 0}));
    EXPECT_EQ(md->labels[3], (std::vector<std::string>{"a", "\xe9"}));
    EXPECT_EQ(md->labels[4], (std::vector<std::string>{"x", "y", "z"}));
    EXPECT_EQ(md->primary_key, (std::vector<uint32_t>{0}));

    auto cols = ColumnsFromTableMap(t.types, t.meta, *md, Charset);
    ASSERT_TRUE(cols.ok()) << cols.status().ToString();
    const auto& c = *cols;
    EXPECT_EQ(c[0].type.kind, TypeKind::kInt32);
    EXPECT_TRUE(c[0].type.is_unsigned);
    EXPECT_EQ(c[1].type.kind, TypeKind::kVarchar);
    EXPECT_EQ(c[1].type.charset, "utf8mb4");
    EXPECT_EQ(c[2].type.kind, TypeKind::kDecimal);
    EXPECT_EQ(c[2].type.precision, 10u);
    EXPECT_EQ(c[2].type.scale, 2u);
    EXPECT_EQ(c[3].type.kind, TypeKind::kEnum);
    EXPECT_EQ(c[3].type.charset, "latin1");
    EXPECT_EQ(c[4].type.kind, TypeKind::kSet);
    EXPECT_EQ(c[5].type.kind, TypeKind::kBinary);
    EXPECT_EQ(c[5].type.length, 16u);
    EXPECT_EQ(c[6].type.kind, TypeKind::kText);
    EXPECT_EQ(c[6].type.charset, "latin1");
    EXPECT_EQ(c[7].type.kind, TypeKind::kBlob);
    EXPECT_EQ(c[8].type.kind, TypeKind::kDateTime);
    EXPECT_EQ(c[8].type.fsp, 3u);
    EXPECT_EQ(c[9].type.kind, TypeKind::kNative);
    EXPECT_EQ(c[10].type.kind, TypeKind::kYear);
    EXPECT_EQ(c[11].type.kind, TypeKind::kInt16);
    EXPECT_FALSE(c[11].type.is_unsigned);
  }
}

TEST(TableMapMetadata, MinimalAndAbsent) {
  Table t;
  auto none = ParseTableMapMetadata(t.types, t.meta, "", true);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->full());
  EXPECT_FALSE(none->has_signedness);
  // MINIMAL: signedness and charsets, no names.
  auto minimal =
      ParseTableMapMetadata(t.types, t.meta, Field(1, Bytes({0x20})) + Field(3, Bytes({224, 63, 8, 63, 63})), true);
  ASSERT_TRUE(minimal.ok()) << minimal.status().ToString();
  EXPECT_FALSE(minimal->full());
  EXPECT_TRUE(minimal->is_unsigned[11]);
  EXPECT_EQ(minimal->collation[6], 8u);
  EXPECT_FALSE(ColumnsFromTableMap(t.types, t.meta, *minimal, Charset).ok());
}

TEST(TableMapMetadata, PackedLengthsAndCollationsAbove250) {
  // A 300-byte column name (a packed length of 3 bytes) and a collation id
  // above 250 (MySQL 8's utf8mb4_0900_ai_ci is 255, MariaDB's UCA 14 ones
  // are in the thousands).
  std::string types = Bytes({bt::kVarchar});
  std::vector<uint16_t> meta = {400};
  const std::string name(300, 'n');
  std::string block = Field(4, Bytes({252}) + Le(300, 2) + name) + Field(2, Bytes({252}) + Le(2304, 2));
  auto md = ParseTableMapMetadata(types, meta, block, false);
  ASSERT_TRUE(md.ok()) << md.status().ToString();
  EXPECT_EQ(md->names[0], name);
  EXPECT_EQ(md->collation[0], 2304u);
  auto cols = ColumnsFromTableMap(types, meta, *md, Charset);
  EXPECT_EQ(cols.status().code(), ErrorCode::kUnsupported) << "an unknown collation id is refused, not guessed";
}

TEST(TableMapMetadata, MalformedInputIsAnError) {
  Table t;
  const std::string good = FullBlock(false);
  // Every truncation of a valid block is either a shorter valid block (cut
  // between fields) or an error: never a crash or a read past the end.
  for (size_t len = 0; len < good.size(); ++len) {
    auto md = ParseTableMapMetadata(t.types, t.meta, good.substr(0, len), false);
    if (md.ok()) continue;
    EXPECT_EQ(md.status().code(), ErrorCode::kReadFailed) << len;
  }
  auto bad = [&](const std::string& block) {
    auto md = ParseTableMapMetadata(t.types, t.meta, block, false);
    return !md.ok() && md.status().code() == ErrorCode::kReadFailed;
  };
  EXPECT_TRUE(bad(Bytes({4, 10}) + "abc"));                                   // length past the end
  EXPECT_TRUE(bad(Bytes({4, 255})));                                          // not a packed length
  EXPECT_TRUE(bad(Bytes({4, 254, 1, 2})));                                    // 8-byte length cut short
  EXPECT_TRUE(bad(Field(4, Str("id") + Str("name"))));                        // 2 names for 12 columns
  EXPECT_TRUE(bad(Field(4, Bytes({50}) + "short")));                          // a name past its field
  EXPECT_TRUE(bad(Field(1, "")));                                             // no bits for 3 numeric columns
  EXPECT_TRUE(bad(Field(2, "")));                                             // no default collation
  EXPECT_TRUE(bad(Field(2, Bytes({224, 9, 8}))));                             // character column 9 of 4
  EXPECT_TRUE(bad(Field(2, Bytes({224, 1}))));                                // a pair cut short
  EXPECT_TRUE(bad(Field(3, Bytes({224, 224}))));                              // 2 collations for 4 columns
  EXPECT_TRUE(bad(Field(6, Bytes({2}) + Str("a"))));                          // a member missing
  EXPECT_TRUE(bad(Field(6, Bytes({254}) + Le(~0ull, 8))));                    // 2^64-1 members in a few bytes
  EXPECT_TRUE(bad(Field(6, Bytes({1}) + Str("a") + Bytes({1}) + Str("b"))));  // 2 ENUM columns listed, 1 exists
  EXPECT_TRUE(bad(Field(8, Bytes({12}))));                                    // primary key column 12 of 12
  EXPECT_TRUE(bad(Field(9, Bytes({0}))));                                     // prefix missing
  // A FULL block whose ENUM/SET members are missing cannot type those columns.
  std::string no_members = Field(4, Str("id") + Str("name") + Str("price") + Str("kind") + Str("tags") + Str("code") +
                                        Str("note") + Str("raw") + Str("at") + Str("g") + Str("y") + Str("s"));
  auto md = ParseTableMapMetadata(t.types, t.meta, no_members, false);
  ASSERT_TRUE(md.ok());
  EXPECT_EQ(ColumnsFromTableMap(t.types, t.meta, *md, Charset).status().code(), ErrorCode::kReadFailed);
  // Column metadata that does not match the types.
  EXPECT_TRUE(!ParseTableMapMetadata(t.types, std::vector<uint16_t>{0}, good, false).ok());
}

}  // namespace
}  // namespace godwit::mysql
