// `godwit serve`: the daemon — REST API (docs/api.md), the orchestrator and
// the metadata store under a data directory.
#pragma once

#include <string>

namespace godwit {

struct ServeArgs {
  std::string listen = "127.0.0.1:8190";  // host:port; loopback unless told otherwise
  std::string data_dir;                   // default: $GODWIT_HOME or ~/.godwit
  int max_running_projects = 4;           // projects executing subtasks at once
  int retention_check_seconds = 60;       // stopped projects' source log retention; 0 = never
};

// The data directory a command uses when none is given: $GODWIT_HOME, else
// $HOME/.godwit.
std::string DefaultDataDir();

// Runs until SIGINT/SIGTERM; returns the process exit code.
int RunServe(const ServeArgs& args);

}  // namespace godwit
