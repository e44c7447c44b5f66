#include "common/retry.h"

#include <thread>

#include <gtest/gtest.h>

namespace godwit {
namespace {

using std::chrono::milliseconds;

TEST(Backoff, DefaultScheduleDoublesToTenSeconds) {
  Backoff b;
  EXPECT_EQ(b.Delay(1), milliseconds(1000));
  EXPECT_EQ(b.Delay(2), milliseconds(2000));
  EXPECT_EQ(b.Delay(3), milliseconds(4000));
  EXPECT_EQ(b.Delay(4), milliseconds(8000));
  EXPECT_EQ(b.Delay(5), milliseconds(10000));
  EXPECT_EQ(b.Delay(6), milliseconds(10000));
  EXPECT_EQ(b.Delay(1000), milliseconds(10000));  // no overflow
  EXPECT_EQ(b.Delay(0), milliseconds(1000));
}

TEST(Backoff, Configurable) {
  Backoff b{milliseconds(100), milliseconds(250)};
  EXPECT_EQ(b.Delay(1), milliseconds(100));
  EXPECT_EQ(b.Delay(2), milliseconds(200));
  EXPECT_EQ(b.Delay(3), milliseconds(250));
}

TEST(SleepUnlessCancelled, SleepsTheWholeDelay) {
  std::atomic<bool> cancel{false};
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(SleepUnlessCancelled(milliseconds(120), cancel));
  EXPECT_GE(std::chrono::steady_clock::now() - t0, milliseconds(120));
}

TEST(SleepUnlessCancelled, ReturnsEarlyOnCancel) {
  std::atomic<bool> cancel{false};
  std::thread setter([&] {
    std::this_thread::sleep_for(milliseconds(100));
    cancel = true;
  });
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(SleepUnlessCancelled(std::chrono::seconds(30), cancel));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
  setter.join();
  EXPECT_FALSE(SleepUnlessCancelled(std::chrono::seconds(30), cancel));  // already set: at once
}

}  // namespace
}  // namespace godwit
