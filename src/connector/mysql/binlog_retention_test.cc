#include "connector/mysql/binlog_retention.h"

#include <gtest/gtest.h>

namespace godwit {
namespace {

TEST(BinlogRetentionAlert, WarnsWhenTheNeededBinlogNearsExpiry) {
  BinlogRetention r{3600, false, 1000};
  EXPECT_EQ(BinlogRetentionAlert(r), "");
  r.needed_age_seconds = 3000;
  const std::string alert = BinlogRetentionAlert(r);
  EXPECT_NE(alert.find("50 minutes ago"), std::string::npos) << alert;
  EXPECT_NE(alert.find("about 10 minutes from now"), std::string::npos) << alert;
  r.reading_current_file = true;  // the current binlog cannot expire
  EXPECT_EQ(BinlogRetentionAlert(r), "");
  r = BinlogRetention{0, false, 1e9};  // never expires
  EXPECT_EQ(BinlogRetentionAlert(r), "");
}

}  // namespace
}  // namespace godwit
