// godwit::DefaultDataDir (declared in cli/serve_command.h): kept apart from
// serve_command.cc so that the client commands, which only need to find the
// token file, do not pull in the daemon. EnsurePrivateDirectory: see
// cli/data_dir.h.
#include "cli/data_dir.h"

#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
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
  if (sb.st_uid != ::geteuid()) {
    // Its owner could read everything in it and plant links the daemon
    // would follow, whatever its mode.
    std::string owner = std::to_string(sb.st_uid), me = std::to_string(::geteuid());
    if (const passwd* pw = ::getpwuid(sb.st_uid); pw != nullptr) owner = pw->pw_name;
    if (const passwd* pw = ::getpwuid(::geteuid()); pw != nullptr) me = pw->pw_name;
    return Status(ErrorCode::kInvalidArgument,
                  what + " " + dir + " belongs to " + owner + ", not to " + me +
                      " who runs Godwit: it holds secrets and migrated data, so only its owner may use it",
                  "Run `chown " + me + " " + dir +
                      "` (and check what its owner could have read or left in it), "
                      "or give a directory of your own with " +
                      flag + ".");
  }
  if ((sb.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(sb.st_mode & 07777));
    return Status(
        ErrorCode::kInvalidArgument,
        what + " " + dir + " is open to other users (mode " + mode +
            "): it holds secrets and migrated data, so only its owner may enter it",
        "Run `chmod 700 " + dir + "` (and check who could have read it), or give another directory with " + flag + ".");
  }
  return Status();
}

Status WritePrivateFile(const std::string& path, std::string_view content) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    int err = errno;
    return Status(ErrorCode::kInvalidArgument,
                  "cannot write " + path + ": " +
                      (err == ELOOP ? std::string("it is a symbolic link, which Godwit does not write through")
                                    : std::string(std::strerror(err))),
                  err == ELOOP ? "Remove the link or give another path." : "Check the path and permissions.");
  }
  // O_CREAT's mode applies to a new file only; one that existed may have
  // been readable by others (fails harmlessly on a file not the user's).
  (void)::fchmod(fd, 0600);
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = errno;
      ::close(fd);
      return Status(ErrorCode::kInvalidArgument, "cannot write " + path + ": " + std::strerror(err),
                    "Check the free space and permissions.");
    }
    done += static_cast<size_t>(n);
  }
  if (::close(fd) != 0) {
    return Status(ErrorCode::kInvalidArgument, "cannot write " + path + ": " + std::strerror(errno),
                  "Check the free space and permissions.");
  }
  return Status();
}

}  // namespace godwit
