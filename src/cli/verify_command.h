// `godwit verify`: full verification in the foreground, without a daemon
// (docs/verification.md).
#pragma once

#include <string>
#include <vector>

namespace godwit {

struct VerifyArgs {
  std::string source_uri;
  std::string destination_uri;
  std::string project_file;
  std::vector<std::string> include;
  std::vector<std::string> exclude;
  int concurrency = 2;
  int64_t chunk_rows = 0;  // 0 = project file's or 100000
  std::string method = "auto";
  std::string mode = "all";      // all | abnormal | records
  std::string corrections_file;  // write the correction SQL here
  bool apply = false;            // apply the corrections
  bool delete_extra = false;     // corrections delete rows only in the destination
  std::string zero_date;
  std::string state_dir = ".godwit";
  bool restart = false;
  bool json = false;
  bool quiet = false;
};

// Exit codes.
inline constexpr int kVerifyIdentical = 0;
inline constexpr int kVerifyDifferences = 1;
inline constexpr int kVerifyUsage = 2;
inline constexpr int kVerifyCouldNotVerify = 3;
inline constexpr int kVerifyInterrupted = 130;

// Returns 0 when every table is identical, 1 when differences were found,
// 2 bad usage, 3 when a table could not be verified, 130 on Ctrl-C (run it
// again to resume).
int RunVerify(const VerifyArgs& args);

}  // namespace godwit
