#include "schema/default_expression.h"

#include <gtest/gtest.h>

namespace godwit {
namespace {

using K = Column::DefaultKind;

TEST(KnownDefaultFunction, CurrentTimeSpellings) {
  for (const char* e : {"now()", "CURRENT_TIMESTAMP", "CURRENT_TIMESTAMP(3)", "LOCALTIMESTAMP", "LOCALTIMESTAMP(0)",
                        "transaction_timestamp()", "statement_timestamp()", "clock_timestamp()"}) {
    EXPECT_EQ(KnownDefaultFunction(e, Engine::kPostgres), K::kCurrentTimestamp) << e;
  }
  for (const char* e : {"current_timestamp()", "current_timestamp(6)", "now(3)", "NOW()"}) {
    EXPECT_EQ(KnownDefaultFunction(e, Engine::kMysql), K::kCurrentTimestamp) << e;
  }
  EXPECT_EQ(KnownDefaultFunction("CURRENT_TIMESTAMP", Engine::kSqlite), K::kCurrentTimestamp);
}

TEST(KnownDefaultFunction, CurrentDateSpellings) {
  EXPECT_EQ(KnownDefaultFunction("('now'::text)::date", Engine::kPostgres), K::kCurrentDate);
  EXPECT_EQ(KnownDefaultFunction("'now'::date", Engine::kPostgres), K::kCurrentDate);
  EXPECT_EQ(KnownDefaultFunction("CURRENT_DATE", Engine::kPostgres), K::kCurrentDate);
  EXPECT_EQ(KnownDefaultFunction("curdate()", Engine::kMysql), K::kCurrentDate);
  EXPECT_EQ(KnownDefaultFunction("(curdate())", Engine::kMysql), K::kCurrentDate);
  EXPECT_EQ(KnownDefaultFunction("CURRENT_DATE", Engine::kSqlite), K::kCurrentDate);
}

TEST(KnownDefaultFunction, RandomUuidSpellings) {
  EXPECT_EQ(KnownDefaultFunction("gen_random_uuid()", Engine::kPostgres), K::kUuid);
  EXPECT_EQ(KnownDefaultFunction("uuid_generate_v4()", Engine::kPostgres), K::kUuid);
  EXPECT_EQ(KnownDefaultFunction("public.uuid_generate_v4()", Engine::kPostgres), K::kUuid);
  EXPECT_EQ(KnownDefaultFunction("uuid()", Engine::kMysql), K::kUuid);
}

TEST(KnownDefaultFunction, AnythingAroundAKnownCallIsNotIt) {
  for (const char* e : {"now() + '1 day'::interval", "('now'::text)::date + 1", "'now'", "now", "lower(now())",
                        "'CURRENT_DATE'", "\"now\"()", "x.y.now()", "now(); drop table t", "now(x)"}) {
    EXPECT_EQ(KnownDefaultFunction(e, Engine::kPostgres), std::nullopt) << e;
  }
  EXPECT_EQ(KnownDefaultFunction("'unterminated", Engine::kPostgres), std::nullopt);
  EXPECT_EQ(KnownDefaultFunction("_utf8mb4'now'", Engine::kMysql), std::nullopt);
}

}  // namespace
}  // namespace godwit
