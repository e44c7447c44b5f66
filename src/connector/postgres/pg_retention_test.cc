#include "connector/postgres/pg_retention.h"

#include <gtest/gtest.h>

namespace godwit {
namespace {

TEST(SlotRetentionAlert, WarnsInTheLastQuarterAndSaysHowLongIsLeft) {
  SlotRetention r{"godwit_7", "extended", 300.0 * 1048576, 700.0 * 1048576, "1GB", 1048576};
  EXPECT_EQ(SlotRetentionAlert(r), "");  // 30% left
  r.safe_wal_bytes = 200.0 * 1048576;
  r.retained_bytes = 800.0 * 1048576;
  const std::string alert = SlotRetentionAlert(r);
  EXPECT_NE(alert.find("godwit_7 retains 800 MB"), std::string::npos) << alert;
  EXPECT_NE(alert.find("200 MB from now"), std::string::npos) << alert;
  EXPECT_NE(alert.find("about 3 minutes"), std::string::npos) << alert;  // 200 MB at 1 MB/s
  r.safe_wal_bytes.reset();  // no max_slot_wal_keep_size: the slot keeps everything
  EXPECT_EQ(SlotRetentionAlert(r), "");
  r.wal_status = "unreserved";
  EXPECT_NE(SlotRetentionAlert(r).find("resume the project now"), std::string::npos);
  r.wal_status = "lost";
  EXPECT_NE(SlotRetentionAlert(r).find("cannot continue"), std::string::npos);
}

}  // namespace
}  // namespace godwit
