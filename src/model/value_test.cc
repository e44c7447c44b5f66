#include "model/value.h"

#include <gtest/gtest.h>

#include <string>

namespace godwit {
namespace {

TEST(RowBatchTest, NullDiffersFromEmptyString) {
  RowBatch batch(2);
  batch.AddNull();
  batch.Add("");
  ASSERT_EQ(batch.rows(), 1u);
  EXPECT_TRUE(batch.at(0, 0).is_null());
  EXPECT_FALSE(batch.at(0, 1).is_null());
  EXPECT_EQ(batch.at(0, 1).bytes(), "");
}

TEST(RowBatchTest, ValuesSurviveArenaGrowth) {
  RowBatch batch(1);
  std::string big(200000, 'x');
  for (int i = 0; i < 100; ++i) batch.Add(std::to_string(i));
  batch.Add(big);
  for (int i = 0; i < 100; ++i) batch.Add(std::to_string(i + 1000));
  ASSERT_EQ(batch.rows(), 201u);
  EXPECT_EQ(batch.at(0, 0).bytes(), "0");
  EXPECT_EQ(batch.at(99, 0).bytes(), "99");
  EXPECT_EQ(batch.at(100, 0).bytes(), big);
  EXPECT_EQ(batch.at(200, 0).bytes(), "1099");
  EXPECT_EQ(batch.payload_bytes(), 190u + big.size() + 400u);
}

TEST(RowBatchTest, ClearKeepsWorking) {
  RowBatch batch(1);
  batch.Add(std::string(300000, 'y'));
  batch.Clear(3);
  EXPECT_EQ(batch.rows(), 0u);
  batch.Add("a");
  batch.AddNull();
  batch.Add(std::string("b\0c", 3));
  ASSERT_EQ(batch.rows(), 1u);
  EXPECT_EQ(batch.at(0, 2).bytes(), std::string("b\0c", 3));
}

}  // namespace
}  // namespace godwit
