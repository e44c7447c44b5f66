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
  int concurrency = 0;      // 0 = project file's or the core count
  int64_t chunk_rows = 0;   // 0 = project file's or 100000
  std::string state_dir = ".godwit";
  std::string zero_date;
  std::string replication_slot;
  bool restart = false;
  bool quiet = false;
};

// Returns the process exit code: 0 done, 1 failed, 2 bad usage, 130 stopped.
int RunMigrate(const MigrateArgs& args);

}  // namespace godwit
