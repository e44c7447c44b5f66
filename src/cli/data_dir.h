// Private directories: the daemon's data directory and `godwit migrate`'s
// and `godwit verify`'s state directory hold passwords, the API token,
// positions and row images, so only their owner may enter them.
//
// Thread-safety: EnsurePrivateDirectory changes the process's umask for a
// moment; call it before other threads start.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace godwit {

// Creates `dir` (and missing parents) with mode 0700, or checks the one
// that exists: refused, with `chmod 700` as the hint, when group or others
// have any access to it, and with `chown` as the hint when another user
// owns it (who could read it and plant links in it whatever its mode). `what` names it in messages ("the data
// directory"), `flag` is the option that chooses another ("--data-dir").
Status EnsurePrivateDirectory(const std::string& dir, const std::string& what, const std::string& flag);

// Writes `content` to the file at `path`, replacing what it held, as the
// command line's outputs that carry data or configuration (corrections
// SQL with full source rows, an exported project): created 0600 (an
// existing one of the user's made 0600), and never through a symbolic
// link, which someone else may have planted where the file goes.
Status WritePrivateFile(const std::string& path, std::string_view content);

}  // namespace godwit
