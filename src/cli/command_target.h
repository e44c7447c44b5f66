// What a foreground command (`godwit migrate`, `godwit verify`) works on:
// the source, destination and objects from either -f PROJECT_FILE or the
// two URIs, and the state directory with the hash of the redacted URI pair
// that names the command's state files there — so the same command run
// again finds its state, and `godwit verify` finds the migration's.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "pipeline/full_migration.h"

namespace godwit {

struct CommandTargetArgs {
  std::string project_file;
  std::string source_uri;
  std::string destination_uri;
  std::vector<std::string> include;
  std::vector<std::string> exclude;
  std::string zero_date;  // "" keeps the project file's
  std::string state_dir;
};

struct CommandTarget {
  FullMigrationOptions options;   // state_path left empty
  bool file_incremental = false;  // the project file says `incremental: true`
  std::string id_hex;             // XXH3 of the redacted URI pair
  std::string state_dir;          // created
};

// `command` names the command in the usage example of an error.
Result<CommandTarget> ResolveCommandTarget(const CommandTargetArgs& args, const std::string& command);

}  // namespace godwit
