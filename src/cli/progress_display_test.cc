#include "cli/progress_display.h"

#include <gtest/gtest.h>

namespace godwit {
namespace {

TEST(ProgressDisplayTest, HumanUnits) {
  EXPECT_EQ(HumanBytes(512), "512.0 B");
  EXPECT_EQ(HumanBytes(3 * 1024 * 1024), "3.0 MiB");
  EXPECT_EQ(HumanDuration(59.4), "59s");
  EXPECT_EQ(HumanDuration(61), "1m01s");
  EXPECT_EQ(HumanDuration(3725), "1h02m");
}

TEST(ProgressDisplayTest, ShowsTablesInFlightAndFailures) {
  ProgressSnapshot s;
  s.phase = "copying";
  s.elapsed_seconds = 10;
  s.rows_written = 500000;
  s.bytes_written = 100 << 20;
  s.tables = {{"shop.a", "public.a", 1000000, 400000, "copying", ""},
              {"shop.b", "public.b", 100, 100, "completed", ""},
              {"shop.c", "public.c", 100, 0, "failed", "UNSUPPORTED: column x"}};
  std::string out = RenderProgress(s, 8);
  EXPECT_NE(out.find("50000 rows/s"), std::string::npos) << out;
  EXPECT_NE(out.find("shop.a"), std::string::npos);
  EXPECT_EQ(out.find("shop.b"), std::string::npos) << "completed tables are not repeated";
  EXPECT_NE(out.find("FAILED: UNSUPPORTED"), std::string::npos);
  EXPECT_NE(out.find("1 completed, 1 failed, 3 in all"), std::string::npos);
  std::string summary = RenderSummary(s);
  EXPECT_NE(summary.find("error: UNSUPPORTED: column x"), std::string::npos);
}

}  // namespace
}  // namespace godwit
