// Private directories: the daemon's data directory and `godwit migrate`'s
// and `godwit verify`'s state directory hold passwords, the API token,
// positions and row images, so only their owner may enter them.
//
// Thread-safety: EnsurePrivateDirectory changes the process's umask for a
// moment; call it before other threads start.
#pragma once

#include <string>

#include "common/status.h"

namespace godwit {

// Creates `dir` (and missing parents) with mode 0700, or checks the one
// that exists: refused, with `chmod 700` as the hint, when group or others
// have any access to it. `what` names it in messages ("the data
// directory"), `flag` is the option that chooses another ("--data-dir").
Status EnsurePrivateDirectory(const std::string& dir, const std::string& what, const std::string& flag);

}  // namespace godwit
