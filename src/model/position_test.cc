#include "model/position.h"

#include <gtest/gtest.h>

namespace godwit {
namespace {

TEST(PositionAtOrAfter, PostgresComparesLsnsAsNumbers) {
  EXPECT_TRUE(PositionAtOrAfter(PgLsnPos{"0/16B3748", ""}, PgLsnPos{"0/16B3748", ""}));
  EXPECT_TRUE(PositionAtOrAfter(PgLsnPos{"1/0", ""}, PgLsnPos{"0/FFFFFFFF", ""}));
  EXPECT_FALSE(PositionAtOrAfter(PgLsnPos{"0/9", ""}, PgLsnPos{"0/10", ""}));  // hex: 9 < 16
  EXPECT_FALSE(PositionAtOrAfter(PgLsnPos{"junk", ""}, PgLsnPos{"0/1", ""}));
}

TEST(PositionAtOrAfter, MysqlComparesFileNumberThenOffset) {
  EXPECT_TRUE(PositionAtOrAfter(MysqlBinlogPos{"binlog.000010", 4, ""}, MysqlBinlogPos{"binlog.000009", 900, ""}));
  EXPECT_FALSE(PositionAtOrAfter(MysqlBinlogPos{"binlog.000009", 900, ""}, MysqlBinlogPos{"binlog.000010", 4, ""}));
  EXPECT_TRUE(PositionAtOrAfter(MysqlBinlogPos{"binlog.000009", 900, ""}, MysqlBinlogPos{"binlog.000009", 900, ""}));
  EXPECT_FALSE(PositionAtOrAfter(MysqlBinlogPos{"binlog.000009", 899, ""}, MysqlBinlogPos{"binlog.000009", 900, ""}));
  // Past a million files the suffix grows a digit; still a number.
  EXPECT_TRUE(PositionAtOrAfter(MysqlBinlogPos{"binlog.1000000", 4, ""}, MysqlBinlogPos{"binlog.999999", 9, ""}));
  EXPECT_FALSE(PositionAtOrAfter(MysqlBinlogPos{"other.000010", 4, ""}, MysqlBinlogPos{"binlog.000009", 9, ""}));
}

TEST(PositionAtOrAfter, DifferentKindsAreNotOrdered) {
  EXPECT_FALSE(PositionAtOrAfter(PgLsnPos{"1/0", ""}, MysqlBinlogPos{"binlog.000001", 4, ""}));
  EXPECT_FALSE(PositionAtOrAfter(NoPosition{}, NoPosition{}));
}

}  // namespace
}  // namespace godwit
