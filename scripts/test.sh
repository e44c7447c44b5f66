#!/usr/bin/env bash
# Sets up everything (Debian packages, build) and runs every test: unit tests
# and end-to-end tests against private MariaDB and PostgreSQL servers that
# the CTest fixture starts and stops itself. Ends with CTest's summary.
#
#   scripts/test.sh [CTEST-ARGS...]   the suite, AddressSanitizer and
#                                     UndefinedBehaviorSanitizer build (build/test)
#   scripts/test.sh --tsan [CTEST-ARGS...]
#                                     ThreadSanitizer build (build/tsan): the unit
#                                     tests and the integration tests labelled
#                                     `tsan` (service, synchronization, capture,
#                                     parallel apply)
#   scripts/test.sh --thread-safety   clang build with -Wthread-safety as errors
#                                     (build/thread-safety): checks the lock
#                                     annotations, runs nothing
set -euo pipefail
cd "$(dirname "$0")/.."
mode=asan
case "${1:-}" in
  --tsan) mode=tsan; shift ;;
  --thread-safety) mode=thread-safety; shift ;;
esac
scripts/install-deps.sh
case $mode in
  asan)
    build=build/test
    cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DGODWIT_SANITIZE=ON -DGODWIT_WERROR=ON >/dev/null
    ;;
  tsan)
    build=build/tsan
    cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DGODWIT_TSAN=ON -DGODWIT_WERROR=ON >/dev/null
    ;;
  thread-safety)
    build=build/thread-safety
    CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DGODWIT_THREAD_SAFETY=ON >/dev/null
    exec cmake --build "$build" -j"$(nproc)"
    ;;
esac
cmake --build "$build" -j"$(nproc)"
cd "$build"
if [ $mode = tsan ]; then
  # A race is a failure (the process exits at the first report). Reports go
  # to files, so that those of the daemons the tests start are kept too.
  reports=$PWD/tsan-reports
  rm -rf "$reports" && mkdir -p "$reports"
  export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1 second_deadlock_stack=1 log_path=$reports/report}
  rc=0
  ctest --output-on-failure -j2 -L 'unit|tsan' "$@" || rc=$?
  for report in "$reports"/report.*; do
    [ -e "$report" ] && { echo "== ThreadSanitizer report $report"; cat "$report"; }
  done
  exit $rc
fi
# ASan's leak checker needs ptrace, which some sandboxes forbid; leaks are
# still caught by the unit tests on machines that allow it.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
exec ctest --output-on-failure -j2 "$@"
