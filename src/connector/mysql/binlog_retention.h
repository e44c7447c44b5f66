// Early warning before a MySQL/MariaDB source expires binlog the Store has
// yet to read: the age of what it still needs against the binlog's expiry
// (BinlogCapture's ChangeCapture::RetentionAlert, connector/change_capture.h).
//
// The decision is a pure function (unit-tested); BinlogExpireSeconds reads
// the server's setting.
//
// Thread-safety: free functions; each Session is used by one thread.
#pragma once

#include <string>

#include "connector/session.h"

namespace godwit {

struct BinlogRetention {
  double expire_seconds = 0;  // 0: binlogs never expire
  bool reading_current_file = false;
  double needed_age_seconds = 0;  // age of the oldest change not yet stored
};

// Empty when the binlog still needed is safe; otherwise what is at risk
// and how long is left.
std::string BinlogRetentionAlert(const BinlogRetention& r);

// After how long `db`'s server expires binlogs; 0 when never (or when it
// does not say).
double BinlogExpireSeconds(Session& db);

}  // namespace godwit
