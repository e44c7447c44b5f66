// godwit::DefaultDataDir (declared in cli/serve_command.h): kept apart from
// serve_command.cc so that the client commands, which only need to find the
// token file, do not pull in the daemon. EnsurePrivateDirectory: see
// cli/data_dir.h.
#include "cli/data_dir.h"

#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "cli/serve_command.h"

namespace godwit {

std::string DefaultDataDir() {
  if (const char* home = std::getenv("GODWIT_HOME"); home != nullptr && *home != '\0') return home;
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') return std::string(home) + "/.godwit";
  return ".godwit";
}

Status EnsurePrivateDirectory(const std::string& dir, const std::string& what, const std::string& flag) {
  std::error_code ec;
  {
    // 077: the directory and any parent made here are the owner's only
    // from their first moment, not after a chmod.
    mode_t old = umask(077);
    std::filesystem::create_directories(dir, ec);
    umask(old);
  }
  if (ec) {
    return Status(ErrorCode::kMetadata, "cannot create " + what + " " + dir + ": " + ec.message(),
                  "Give a writable directory with " + flag + ".");
  }
  struct stat sb;
  if (::stat(dir.c_str(), &sb) != 0 || !S_ISDIR(sb.st_mode)) {
    return Status(ErrorCode::kMetadata, what + " " + dir + " is not a directory",
                  "Give a directory with " + flag + ".");
  }
  if ((sb.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(sb.st_mode & 07777));
    return Status(ErrorCode::kInvalidArgument,
                  what + " " + dir + " is open to other users (mode " + mode +
                      "): it holds secrets and migrated data, so only its owner may enter it",
                  "Run `chmod 700 " + dir + "` (and check who could have read it), or give another directory with " +
                      flag + ".");
  }
  return Status();
}

}  // namespace godwit
