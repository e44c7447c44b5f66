#!/usr/bin/env bash
# Sets up everything (Debian packages, build) and runs every test: unit tests
# and end-to-end tests against private MariaDB and PostgreSQL servers that
# the CTest fixture starts and stops itself. Ends with CTest's summary.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
build=build/test
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DGODWIT_SANITIZE=ON -DGODWIT_WERROR=ON >/dev/null
cmake --build "$build" -j"$(nproc)"
cd "$build"
# ASan's leak checker needs ptrace, which some sandboxes forbid; leaks are
# still caught by the unit tests on machines that allow it.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
exec ctest --output-on-failure -j2 "$@"
