#include "verify/unit_pass.h"

#include <gtest/gtest.h>

namespace godwit {
namespace {

TEST(KeyJson, EveryValueComesBackExactly) {
  ColumnType text{TypeKind::kVarchar}, bytes{TypeKind::kVarbinary};
  const std::vector<ColumnType> types = {text, bytes, text, text};
  const KeyValues key = {"caf\xC3\xA9", std::string("\x00\xff", 2), std::string("bad \xff utf8"),
                         "\\x41 looks like hex"};
  const std::string json = EncodeKeyJson(types, key);
  auto back = DecodeKeyJson(types, json);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, key) << json;
  // Readable where JSON can hold the text as it is.
  EXPECT_EQ(EncodeKeyJson({text}, {"A1"}), "[\"A1\"]");
  EXPECT_EQ(EncodeKeyJson({bytes}, {std::string("\x01\xfe", 2)}), "[\"\\\\x01fe\"]");
}

}  // namespace
}  // namespace godwit
