#include "model/object_mapping.h"

#include <gtest/gtest.h>

namespace godwit {
namespace {

TEST(ObjectMappingTest, IncludeExcludeGlobs) {
  ObjectRules rules;
  rules.include = {"shop.*", "audit_log"};
  rules.exclude = {"shop.tmp_*"};
  ObjectMapping m(rules, "shop", "public");
  EXPECT_TRUE(m.Includes({"shop", "orders"}));
  EXPECT_FALSE(m.Includes({"shop", "tmp_x"}));
  EXPECT_TRUE(m.Includes({"other", "audit_log"}));
  EXPECT_FALSE(m.Includes({"other", "users"}));
  ObjectMapping all(ObjectRules{}, "shop", "public");
  EXPECT_TRUE(all.Includes({"x", "y"}));
}

TEST(ObjectMappingTest, DefaultSchemaMapsToDefault) {
  ObjectMapping m(ObjectRules{}, "shop", "public");
  EXPECT_EQ(m.DestinationOf({"shop", "orders"}), (TableRef{"public", "orders"}));
  EXPECT_EQ(m.DestinationOf({"sales", "orders"}), (TableRef{"sales", "orders"}));
  ObjectMapping from_sqlite(ObjectRules{}, "", "shop");
  EXPECT_EQ(from_sqlite.DestinationOf({"", "t"}), (TableRef{"shop", "t"}));
}

TEST(ObjectMappingTest, Renames) {
  ObjectRules rules;
  rules.schema_renames = {{"shop", "sales"}};
  rules.table_renames = {{"shop.orders", "orders_2024"}, {"users", "archive.users_old"}};
  ObjectMapping m(rules, "shop", "public");
  EXPECT_EQ(m.DestinationOf({"shop", "orders"}), (TableRef{"sales", "orders_2024"}));
  EXPECT_EQ(m.DestinationOf({"shop", "users"}), (TableRef{"archive", "users_old"}));
  EXPECT_EQ(m.DestinationOf({"shop", "items"}), (TableRef{"sales", "items"}));
}

TEST(ObjectMappingTest, RejectsBadPatterns) {
  ObjectRules rules;
  rules.include = {"shop.[abc"};
  EXPECT_EQ(ObjectMapping::Validate(rules).code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace godwit
