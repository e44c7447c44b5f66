#include "connector/endpoint.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

namespace godwit {
namespace {

TEST(EndpointTest, ParsesMysqlUri) {
  auto ep = ParseEndpointUri("mysql://app:s%40cret@db.example:3307/shop");
  ASSERT_TRUE(ep.ok()) << ep.status().ToString();
  EXPECT_EQ(ep->engine, Engine::kMysql);
  EXPECT_EQ(ep->user, "app");
  EXPECT_EQ(ep->password, "s@cret");
  EXPECT_EQ(ep->host, "db.example");
  EXPECT_EQ(ep->port, 3307);
  EXPECT_EQ(ep->database, "shop");
}

TEST(EndpointTest, DefaultsPortAndHost) {
  auto ep = ParseEndpointUri("postgresql://postgres@/shop?sslmode=disable");
  ASSERT_TRUE(ep.ok());
  EXPECT_EQ(ep->port, 5432);
  EXPECT_EQ(ep->host, "127.0.0.1");
  EXPECT_EQ(ep->options.at("sslmode"), "disable");
}

TEST(EndpointTest, Ipv6Host) {
  auto ep = ParseEndpointUri("postgres://u@[::1]:6000/d");
  ASSERT_TRUE(ep.ok()) << ep.status().ToString();
  EXPECT_EQ(ep->host, "::1");
  EXPECT_EQ(ep->port, 6000);
}

TEST(EndpointTest, SqlitePaths) {
  auto abs = ParseEndpointUri("sqlite:///tmp/a.db");
  ASSERT_TRUE(abs.ok());
  EXPECT_EQ(abs->path, "/tmp/a.db");
  auto rel = ParseEndpointUri("sqlite://data/a.db");
  ASSERT_TRUE(rel.ok());
  EXPECT_EQ(rel->path, "data/a.db");
}

TEST(EndpointTest, PasswordFromEnvironmentAndFile) {
  setenv("GODWIT_TEST_PW", "from-env", 1);
  auto ep = ParseEndpointUri("mysql://u@h/db?password_env=GODWIT_TEST_PW");
  ASSERT_TRUE(ep.ok());
  EXPECT_EQ(ep->password, "from-env");

  std::string path = testing::TempDir() + "/pw";
  std::ofstream(path) << "from-file\n";
  ep = ParseEndpointUri("mysql://u@h/db?password_file=" + path);
  ASSERT_TRUE(ep.ok());
  EXPECT_EQ(ep->password, "from-file");

  auto missing = ParseEndpointUri("mysql://u@h/db?password_env=GODWIT_NO_SUCH_VAR");
  EXPECT_EQ(missing.status().code(), ErrorCode::kInvalidArgument);
}

TEST(EndpointTest, RedactedNeverShowsPassword) {
  auto ep = ParseEndpointUri("mysql://app:topsecret@h:1/db");
  ASSERT_TRUE(ep.ok());
  EXPECT_EQ(ep->Redacted().find("topsecret"), std::string::npos);
  EXPECT_EQ(ep->Redacted(), "mysql://app:***@h:1/db");
}

TEST(EndpointTest, BadInputSaysWhat) {
  EXPECT_EQ(ParseEndpointUri("oracle://x/y").status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(ParseEndpointUri("just-a-name").status().code(), ErrorCode::kInvalidArgument);
  auto bad_port = ParseEndpointUri("mysql://u@h:99999/db");
  EXPECT_EQ(bad_port.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(bad_port.status().message().find("99999"), std::string::npos);
}

}  // namespace
}  // namespace godwit
