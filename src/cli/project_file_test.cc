#include "cli/project_file.h"

#include <gtest/gtest.h>

namespace godwit {
namespace {

TEST(ProjectFileTest, ParsesEveryField) {
  setenv("GODWIT_PF_PW", "pw1", 1);
  auto opt = ParseProjectYaml(R"(
name: shop
source:
  uri: mysql://app@127.0.0.1:3306/shop
  password_env: GODWIT_PF_PW
destination: postgresql://postgres@127.0.0.1:5432/shop
objects:
  include: ["shop.*"]
  exclude: shop.tmp_*
  rename:
    schemas: {shop: sales}
    tables: {"shop.orders": orders_2024}
concurrency: 8
chunk_rows: 5000
zero_date: null
)");
  ASSERT_TRUE(opt.ok()) << opt.status().ToString();
  EXPECT_EQ(opt->source.password, "pw1");
  EXPECT_EQ(opt->source.options.at("zero_date"), "null");
  EXPECT_EQ(opt->destination.engine, Engine::kPostgres);
  EXPECT_EQ(opt->objects.include, std::vector<std::string>{"shop.*"});
  EXPECT_EQ(opt->objects.exclude, std::vector<std::string>{"shop.tmp_*"});
  EXPECT_EQ(opt->objects.schema_renames.at("shop"), "sales");
  EXPECT_EQ(opt->objects.table_renames.at("shop.orders"), "orders_2024");
  EXPECT_EQ(opt->concurrency, 8);
  EXPECT_EQ(opt->chunk_rows, 5000);
}

TEST(ProjectFileTest, ErrorsSayWhat) {
  auto unknown = ParseProjectYaml("source: sqlite:///a.db\ndestination: sqlite:///b.db\nconcurency: 3\n");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("concurency"), std::string::npos);
  auto missing = ParseProjectYaml("source: sqlite:///a.db\n");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("destination"), std::string::npos);
  auto inline_pw = ParseProjectYaml("source: {uri: 'mysql://a@h/d', password: x}\ndestination: sqlite:///b.db\n");
  ASSERT_FALSE(inline_pw.ok());
  EXPECT_NE(inline_pw.status().message().find("password_env"), std::string::npos);
  auto bad_yaml = ParseProjectYaml("source: [unclosed\n");
  EXPECT_EQ(bad_yaml.status().code(), ErrorCode::kInvalidArgument);
  auto bad_zero = ParseProjectYaml("source: mysql://a@h/d\ndestination: sqlite:///b.db\nzero_date: zero\n");
  EXPECT_EQ(bad_zero.status().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace godwit
