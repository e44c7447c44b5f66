// `godwit migrate`: the full migration in the foreground.
#pragma once

#include <string>
#include <vector>

#include "pipeline/full_migration.h"

namespace godwit {

struct MigrateArgs {
  std::string source_uri;
  std::string destination_uri;
  std::string project_file;
  std::vector<std::string> include;
  std::vector<std::string> exclude;
  int concurrency = 0;     // 0 = project file's or the core count
  int64_t chunk_rows = 0;  // 0 = project file's or 100000
  std::string state_dir = ".godwit";
  std::string zero_date;
  std::string replication_slot;
  uint32_t server_id = 0;  // MySQL source: the binlog replica id; 0 = derived
  bool restart = false;
  // After the copy, keep the destination in sync (change capture + replay)
  // until Ctrl-C, or with until_caught_up until everything committed
  // before the stop request is applied.
  bool incremental = false;
  bool until_caught_up = false;
  // Free what --incremental keeps between runs and exit.
  bool release = false;
  bool quiet = false;
};

// Returns the process exit code: 0 done (or caught up), 1 failed, 2 bad usage,
// 130 stopped by Ctrl-C (run it again to resume).
int RunMigrate(const MigrateArgs& args);

}  // namespace godwit
