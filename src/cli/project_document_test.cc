#include "cli/project_document.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include <unistd.h>

namespace godwit {
namespace {

using nlohmann::json;

json Yaml(const std::string& text) {
  auto doc = YamlToJson(text);
  EXPECT_TRUE(doc.ok()) << doc.status().ToString();
  return doc.ok() ? *doc : json();
}

EnvLookup FakeEnv(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

std::string TempFile(const std::string& name, const std::string& content) {
  auto path = std::filesystem::temp_directory_path() / ("godwit_cli_test_" + std::to_string(getpid()) + "_" + name);
  std::ofstream(path) << content;
  return path.string();
}

TEST(YamlToJsonTest, ScalarsFollowTheCoreSchema) {
  json doc = Yaml(R"(
concurrency: 4
negative: -12
plus: +7
big: 123456789012345678901234
on: true
off: FALSE
nothing: null
tilde: ~
empty:
quoted_int: "4"
quoted_null: 'null'
quoted_bool: "true"
explicit_str: !!str 42
yes_is_text: yes
float_is_text: 1.5
word: error
)");
  EXPECT_EQ(doc["concurrency"], json(4));
  EXPECT_TRUE(doc["concurrency"].is_number_integer());
  EXPECT_EQ(doc["negative"], json(-12));
  EXPECT_EQ(doc["plus"], json(7));
  EXPECT_EQ(doc["big"], json("123456789012345678901234"));  // out of range stays text
  EXPECT_EQ(doc["on"], json(true));
  EXPECT_EQ(doc["off"], json(false));
  EXPECT_TRUE(doc["nothing"].is_null());
  EXPECT_TRUE(doc["tilde"].is_null());
  EXPECT_TRUE(doc["empty"].is_null());
  EXPECT_EQ(doc["quoted_int"], json("4"));
  EXPECT_EQ(doc["quoted_null"], json("null"));
  EXPECT_EQ(doc["quoted_bool"], json("true"));
  EXPECT_EQ(doc["explicit_str"], json("42"));
  EXPECT_EQ(doc["yes_is_text"], json("yes"));  // YAML 1.2: only true/false are booleans
  EXPECT_EQ(doc["float_is_text"], json("1.5"));
  EXPECT_EQ(doc["word"], json("error"));
}

TEST(YamlToJsonTest, MappingsAndSequencesNest) {
  json doc = Yaml(R"(
name: shop
tags: [shop, q4]
objects:
  include: ["shop.*"]
  rename:
    schemas: {shop: public}
    tables: {"shop.orders": orders_2024}
migration_type:
  - schema
  - full
alerts: {level: high, latency_threshold_seconds: 10}
)");
  EXPECT_EQ(doc["tags"], json::array({"shop", "q4"}));
  EXPECT_EQ(doc["objects"]["include"], json::array({"shop.*"}));
  EXPECT_EQ(doc["objects"]["rename"]["tables"]["shop.orders"], json("orders_2024"));
  EXPECT_EQ(doc["migration_type"], json::array({"schema", "full"}));
  EXPECT_EQ(doc["alerts"]["latency_threshold_seconds"], json(10));
}

TEST(YamlToJsonTest, BadYamlIsAnInvalidArgument) {
  auto doc = YamlToJson("name: [unclosed\n");
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.status().code(), ErrorCode::kInvalidArgument);
}

TEST(LoadProjectDocumentTest, ReadsJsonAndYamlAndWantsAMapping) {
  std::string json_path = TempFile("p.json", R"({"name": "a", "concurrency": 1.0e0, "source": "sqlite:///x.db"})");
  auto j = LoadProjectDocument(json_path);
  ASSERT_TRUE(j.ok()) << j.status().ToString();
  EXPECT_EQ((*j)["name"], json("a"));
  EXPECT_TRUE((*j)["concurrency"].is_number());  // JSON keeps its own types

  std::string yaml_path = TempFile("p.yaml", "name: b\nchunk_rows: 5000\n");
  auto y = LoadProjectDocument(yaml_path);
  ASSERT_TRUE(y.ok()) << y.status().ToString();
  EXPECT_EQ((*y)["chunk_rows"], json(5000));

  std::string list_path = TempFile("l.yaml", "- a\n- b\n");
  EXPECT_FALSE(LoadProjectDocument(list_path).ok());
  EXPECT_FALSE(LoadProjectDocument("/nonexistent/godwit/p.yaml").ok());
  std::filesystem::remove(json_path);
  std::filesystem::remove(yaml_path);
  std::filesystem::remove(list_path);
}

TEST(ResolvePasswordsTest, EnvironmentReferenceKeepsTheName) {
  json doc = {{"source", {{"uri", "mysql://app@127.0.0.1:3306/shop"}, {"password_env", "SRC_PW"}}},
              {"destination", "postgresql://postgres@127.0.0.1:5432/shop"}};
  ASSERT_TRUE(ResolvePasswords(doc, FakeEnv({{"SRC_PW", "s3cret"}})).ok());
  EXPECT_EQ(doc["source"]["password"], json("s3cret"));
  EXPECT_EQ(doc["source"]["password_env"], json("SRC_PW"));
  EXPECT_EQ(doc["destination"], json("postgresql://postgres@127.0.0.1:5432/shop"));  // untouched
}

TEST(ResolvePasswordsTest, FileReferenceReadsTheFirstLine) {
  std::string path = TempFile("pw", "filepw\r\nsecond line\n");
  json doc = {{"source", "sqlite:///tmp/a.db"},
              {"destination", {{"uri", "postgresql://u@h/db"}, {"password_file", path}}}};
  ASSERT_TRUE(ResolvePasswords(doc, FakeEnv({})).ok());
  EXPECT_EQ(doc["destination"]["password"], json("filepw"));
  EXPECT_EQ(doc["destination"]["password_file"], json(path));
  std::filesystem::remove(path);
}

TEST(ResolvePasswordsTest, UriQueryReferenceBecomesAMapping) {
  json doc = {{"source", "mysql://app@h:3306/shop?ssl_mode=required&password_env=MY%5FPW"},
              {"destination", {{"uri", "postgresql://u@h/db?password_env=PG_PW"}}}};
  ASSERT_TRUE(ResolvePasswords(doc, FakeEnv({{"MY_PW", "a"}, {"PG_PW", "b"}})).ok());
  EXPECT_EQ(doc["source"],
            (json{{"uri", "mysql://app@h:3306/shop?ssl_mode=required"}, {"password_env", "MY_PW"}, {"password", "a"}}));
  EXPECT_EQ(doc["destination"], (json{{"uri", "postgresql://u@h/db"}, {"password_env", "PG_PW"}, {"password", "b"}}));
}

TEST(ResolvePasswordsTest, ErrorsNameTheReferenceNeverThePassword) {
  const std::string secret = "hunter2-do-not-print";
  json inline_pw = {{"source", {{"uri", "mysql://a@h/d"}, {"password", secret}}}, {"destination", "sqlite:///x"}};
  Status st = ResolvePasswords(inline_pw, FakeEnv({}));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message().find(secret), std::string::npos);
  EXPECT_EQ(st.hint().find(secret), std::string::npos);
  EXPECT_NE(st.message().find("source.password"), std::string::npos);

  json both = {{"source", {{"uri", "mysql://a@h/d"}, {"password_env", "X"}, {"password_file", "/f"}}}};
  EXPECT_FALSE(ResolvePasswords(both, FakeEnv({{"X", secret}})).ok());

  json unset = {{"destination", {{"uri", "postgresql://a@h/d"}, {"password_env", "NOT_SET_ANYWHERE"}}}};
  st = ResolvePasswords(unset, FakeEnv({}));
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("NOT_SET_ANYWHERE"), std::string::npos);
  EXPECT_NE(st.message().find("destination"), std::string::npos);

  json missing_file = {{"source", "mysql://a@h/d?password_file=/nonexistent/godwit/pw"}};
  st = ResolvePasswords(missing_file, FakeEnv({}));
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("/nonexistent/godwit/pw"), std::string::npos);

  json twice = {{"source", {{"uri", "mysql://a@h/d?password_env=A"}, {"password_env", "B"}}}};
  EXPECT_FALSE(ResolvePasswords(twice, FakeEnv({{"A", secret}, {"B", secret}})).ok());
}

TEST(ApplyCreateOverridesTest, NameTagsAndCreator) {
  json doc = {{"name", "from file"}, {"tags", "shop"}};
  ApplyCreateOverrides(doc, "from flag", {"q4", "shop"}, "alice");
  EXPECT_EQ(doc["name"], json("from flag"));
  EXPECT_EQ(doc["tags"], json::array({"shop", "q4"}));
  EXPECT_EQ(doc["created_by"], json("alice"));

  json kept = {{"created_by", "bob"}};
  ApplyCreateOverrides(kept, "", {}, "alice");
  EXPECT_EQ(kept["created_by"], json("bob"));
  EXPECT_FALSE(kept.contains("name"));
  EXPECT_FALSE(kept.contains("tags"));
}

}  // namespace
}  // namespace godwit
