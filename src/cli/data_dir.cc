// godwit::DefaultDataDir (declared in cli/serve_command.h): kept apart from
// serve_command.cc so that the client commands, which only need to find the
// token file, do not pull in the daemon.
#include <cstdlib>
#include <string>

#include "cli/serve_command.h"

namespace godwit {

std::string DefaultDataDir() {
  if (const char* home = std::getenv("GODWIT_HOME"); home != nullptr && *home != '\0') return home;
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') return std::string(home) + "/.godwit";
  return ".godwit";
}

}  // namespace godwit
