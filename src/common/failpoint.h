// Named crash points for fault-injection tests (in the manner of RocksDB's
// TEST_SYNC_POINT and DM's failpoints): with the environment variable
// GODWIT_CRASH_AT=name:n, the n-th time the process passes
// GODWIT_FAILPOINT("name") it kills itself with SIGKILL — exactly what a
// kill -9 at that instant would do. With GODWIT_DELAY_AT=name:ms[,name:ms...] every pass
// sleeps that long, which holds a process in a window a test wants to act
// in (a project Running mid-copy, or Releasing). Without either variable a
// failpoint costs one relaxed atomic load.
#pragma once

#include <string_view>

namespace godwit {

void FailpointHit(std::string_view name);
bool FailpointsEnabled();

}  // namespace godwit

#define GODWIT_FAILPOINT(name)                                       \
  do {                                                               \
    if (::godwit::FailpointsEnabled()) ::godwit::FailpointHit(name); \
  } while (0)
