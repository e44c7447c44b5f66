// `godwit serve`: the daemon — REST API (docs/api.md), the orchestrator and
// the metadata store under a data directory.
//
// The data directory holds every project's password and the API token: it
// is created 0700 (the daemon runs with umask 077, so everything it creates
// is its user's only), refused when group or others may enter it, and
// locked (flock on DATA_DIR/lock, held for the daemon's life) so that a
// second daemon on it stops at once instead of running the same projects
// twice.
#pragma once

#include <string>
#include <vector>

namespace godwit {

struct ServeArgs {
  std::string listen = "127.0.0.1:8190";  // host:port; loopback unless told otherwise
  std::string data_dir;                   // default: $GODWIT_HOME or ~/.godwit
  int max_running_projects = 4;           // projects executing subtasks at once
  int retention_check_seconds = 60;       // stopped projects' source log retention; 0 = never
  // What API clients' endpoints may make the daemon read (EndpointPolicy):
  // password_file (and libpq's sslcert, sslkey...) inside secrets_dir,
  // password_env among secrets_env ("NAME" or "PREFIX*"), sqlite:// files
  // under sqlite_dir. Empty: none.
  std::string secrets_dir;
  std::vector<std::string> secrets_env;
  std::string sqlite_dir;
};

// The data directory a command uses when none is given: $GODWIT_HOME, else
// $HOME/.godwit.
std::string DefaultDataDir();

// Runs until SIGINT/SIGTERM; returns the process exit code.
int RunServe(const ServeArgs& args);

}  // namespace godwit
