#!/usr/bin/env bash
# Installs every build, test and benchmark dependency of Godwit from Debian 12.
# Idempotent: packages already present are left as they are.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  libmariadb-dev mariadb-server mariadb-client
  postgresql-15 postgresql-client-15 libpq-dev
  libsqlite3-dev sqlite3
  nlohmann-json3-dev libcli11-dev libspdlog-dev libfmt-dev libyaml-cpp-dev
  libxxhash-dev libzstd-dev libcpp-httplib-dev libssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  pgloader mydumper procps time bc sysbench
  # pt-table-checksum, the baseline of bench/verify.sh only (Godwit does not use it).
  percona-toolkit
  # clang's -Wthread-safety checks the lock annotations (scripts/test.sh --thread-safety).
  clang
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get update
  # Debian's server packages try to start their service on install; policy-rc.d
  # keeps them stopped: Godwit only ever runs private instances.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo_cmd tee /usr/sbin/policy-rc.d >/dev/null
    $sudo_cmd chmod +x /usr/sbin/policy-rc.d
    trap '$sudo_cmd rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  $sudo_cmd apt-get install -y --no-install-recommends "${missing[@]}"
fi
