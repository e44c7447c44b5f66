#!/usr/bin/env bash
# Incremental-synchronization benchmark: Godwit's change capture + Writer
# against the engines' own replication, on the same load, in the same run,
# on this machine.
#
#   bench/incremental.sh
#
# Parameters (environment):
#   BENCH_SECONDS   load duration (default 60)
#   BENCH_THREADS   sysbench threads (default 4)
#   BENCH_TABLES    sysbench tables (default 4)
#   BENCH_ROWS      rows per table (default 100000)
#   BENCH_ONLY      scenarios to run, space-separated (default all):
#                   mysql-mysql (with the MariaDB baseline and native replica),
#                   pg-pg (with the PostgreSQL baseline and native logical
#                   replication), mysql-pg (Godwit only)
#   BENCH_PROBE_MS  probe and poll interval (default 100)
#   BENCH_QUIET_PCT, BENCH_QUIET_WAIT
#                   before each load, wait up to QUIET_WAIT s (default 180)
#                   until the machine is under QUIET_PCT % busy (default 30)
#   BENCH_GODWIT    a godwit binary to use instead of building build/release
#
# Per source engine, each run on freshly prepared data: the load alone
# (baseline), then with Godwit (`godwit migrate --incremental
# --until-caught-up`, load started once its full copy is done and it is in
# sync), then with the engine's native replication (PostgreSQL publication/
# subscription; a MariaDB replica, single-threaded apply, in a second
# mariadbd). The load is sysbench oltp_write_only at full speed.
#
# Lag is measured outside the tools, the same way for every system: a probe
# inserts a row stamped with the source's clock into `probe` (an ordinary
# table, migrated like the others) every 100 ms; a poller reads the newest
# stamp the destination shows every 100 ms; lag = now - that stamp (one
# machine, one clock). Reported: lag p50/p99/max during the load, max lag
# by 10 s window, catch-up (from the load's end until the destination shows
# the last probe committed before it), the source's tps with and without
# replication, the apply rate (rows the load wrote / time from the load's
# start until caught up) and Godwit's peak RSS.
#
# Writes bench/incremental-latest.md; logs and raw samples go to
# build/bench-logs/incremental/.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${BENCH_SECONDS:-60}
threads=${BENCH_THREADS:-4}
ntables=${BENCH_TABLES:-4}
rows=${BENCH_ROWS:-100000}
only=${BENCH_ONLY:-mysql-mysql pg-pg mysql-pg}
probe_ms=${BENCH_PROBE_MS:-100}
want() { [[ " $only " == *" $1 "* ]]; }

scripts/install-deps.sh >/dev/null
if [ -n "${BENCH_GODWIT:-}" ]; then
  godwit=$(realpath "$BENCH_GODWIT")  # a binary built elsewhere (say from a clean checkout of one commit)
else
  cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build build/release --target godwit >/dev/null
  godwit=$PWD/build/release/src/cli/godwit
fi
probe=$PWD/bench/incremental_probe.py

dir=$(mktemp -d /tmp/godwit-incr.XXXXXX)
chmod 755 "$dir"
logs=$PWD/build/bench-logs/incremental
rm -rf "$logs"
mkdir -p "$logs"
bg_pids=()
cleanup() {
  local p
  for p in "${bg_pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  stop_mariadb2 || true
  cp "$dir"/*.log "$m2"/*.log "$dir"/*.tsv "$dir"/*.out "$dir"/*.err "$logs"/ 2>/dev/null || true
  scripts/testdb.sh stop "$dir" >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
scripts/testdb.sh start "$dir" >/dev/null
# shellcheck disable=SC1091
source "$dir/env"
export GODWIT_BENCH_PW=godwit-pw
pw="?password_env=GODWIT_BENCH_PW"
MYP=$GODWIT_TEST_MYSQL_PORT
MY=(mariadb --no-defaults -h127.0.0.1 -P"$MYP" -uroot)
PGS=(psql -qAtX -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$GODWIT_TEST_PG_SOURCE_PORT" -U postgres)
PGD=(psql -qAtX -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$GODWIT_TEST_PG_DEST_PORT" -U postgres)

now_us() { echo $(($(date +%s%N) / 1000)); }
wait_until() {  # wait_until SECONDS DESCRIPTION COMMAND...
  local limit=$1 what=$2; shift 2
  local end=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    if [ $SECONDS -ge $end ]; then echo "!! $what: not within ${limit}s" >&2; return 1; fi
    sleep 0.2
  done
}

# A second MariaDB: the destination of Godwit MariaDB -> MariaDB and the
# native replica (server_id 2, no binlog, single-threaded apply: MariaDB's
# default slave_parallel_threads=0). Same settings as scripts/testdb.sh's.
run_user=""
[ "$(id -u)" -eq 0 ] && run_user="godwit-test"
as_user() { if [ -n "$run_user" ]; then runuser -u "$run_user" -- "$@"; else "$@"; fi; }
m2=$dir/mariadb2
start_mariadb2() {
  mkdir -p "$m2"
  [ -n "$run_user" ] && chown "$run_user" "$m2"
  as_user mariadb-install-db --no-defaults --datadir="$m2/data" --auth-root-authentication-method=normal \
    --skip-test-db >"$dir/mariadb2-install.log" 2>&1
  M2P=$MYP
  while (exec 3<>/dev/tcp/127.0.0.1/"$M2P") 2>/dev/null || [ "$M2P" = "$MYP" ]; do M2P=$((M2P + 1)); done
  cat >"$m2/my.cnf" <<CONF
[mariadbd]
datadir=$m2/data
port=$M2P
bind-address=127.0.0.1
socket=$m2/m.sock
pid-file=$m2/mariadb.pid
log-error=$m2/mariadb2.log
server_id=2
relay-log=$m2/data/relay
innodb_buffer_pool_size=1G
innodb_log_file_size=512M
innodb_flush_log_at_trx_commit=2
max_allowed_packet=256M
local_infile=ON
character-set-server=utf8mb4
collation-server=utf8mb4_unicode_ci
skip-name-resolve
skip-slave-start
CONF
  as_user mariadbd --defaults-file="$m2/my.cnf" >/dev/null 2>&1 &
  wait_until 60 "second MariaDB" mariadb --no-defaults -S "$m2/m.sock" -uroot -e 'select 1'
  mariadb --no-defaults -S "$m2/m.sock" -uroot <<SQL
CREATE USER IF NOT EXISTS 'godwit'@'127.0.0.1' IDENTIFIED BY 'godwit-pw';
GRANT ALL PRIVILEGES ON *.* TO 'godwit'@'127.0.0.1' WITH GRANT OPTION;
CREATE USER IF NOT EXISTS 'root'@'127.0.0.1';
GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
SQL
}
stop_mariadb2() {
  [ -f "$m2/mariadb.pid" ] || return 0
  local pid; pid=$(cat "$m2/mariadb.pid")
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 600); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  rm -f "$m2/mariadb.pid"
}
M2=()
if want mysql-mysql; then
  start_mariadb2
  M2=(mariadb --no-defaults -h127.0.0.1 -P"$M2P" -uroot)
fi

# --- sources: fresh sysbench data + the probe table ---------------------------
SB_MY=(sysbench oltp_write_only --db-driver=mysql --mysql-host=127.0.0.1 --mysql-port="$MYP" --mysql-user=root
  --mysql-db=sbtest --tables="$ntables" --table-size="$rows")
SB_PG=(sysbench oltp_write_only --db-driver=pgsql --pgsql-host=127.0.0.1 --pgsql-port="$GODWIT_TEST_PG_SOURCE_PORT"
  --pgsql-user=postgres --pgsql-db=sbtest --tables="$ntables" --table-size="$rows")
tables_csv=$(seq -f 'sbtest%g' -s, 1 "$ntables")

prepare_mysql() {
  "${MY[@]}" -e "DROP DATABASE IF EXISTS sbtest; CREATE DATABASE sbtest CHARACTER SET utf8mb4"
  "${SB_MY[@]}" prepare >"$dir/$1-prepare.log" 2>&1
  "${MY[@]}" sbtest -e "CREATE TABLE probe (id BIGINT AUTO_INCREMENT PRIMARY KEY, ts_us BIGINT NOT NULL);
    ANALYZE TABLE $tables_csv" >/dev/null
}
prepare_pg() {
  "${PGS[@]}" -c "DROP DATABASE IF EXISTS sbtest WITH (FORCE)" -c "CREATE DATABASE sbtest OWNER godwit"
  "${SB_PG[@]}" prepare >"$dir/$1-prepare.log" 2>&1
  "${PGS[@]}" sbtest -c "CREATE TABLE probe (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, ts_us bigint NOT NULL)" \
    -c "VACUUM ANALYZE" -c "CHECKPOINT"
}

# --- probe, poller, load ----------------------------------------------------
probe_client() {  # probe_client mysql|pg PORT DB: the client command line, into ${client[@]}
  if [ "$1" = mysql ]; then client=(mariadb --no-defaults --force --unbuffered -N -B -h127.0.0.1 -P"$2" -uroot "$3")
  else client=(psql -qAtX -F $'\t' -h 127.0.0.1 -p "$2" -U postgres "$3"); fi
}
start_probe() {  # start_probe LABEL ENGINE PORT DB: the writer on the source
  local label=$1 engine=$2
  probe_client "$engine" "$3" "$4"
  python3 "$probe" write "$engine" "$probe_ms" -- "${client[@]}" >/dev/null 2>"$dir/$label-probe.err" &
  probe_pid=$!; bg_pids+=("$probe_pid")
}
start_poller() {  # start_poller LABEL ENGINE PORT DB: the reader on the destination
  local label=$1 engine=$2
  probe_client "$engine" "$3" "$4"
  python3 "$probe" poll "$engine" "$probe_ms" -- "${client[@]}" >"$dir/$label-poll.tsv" 2>"$dir/$label-poll.err" &
  poller_pid=$!; bg_pids+=("$poller_pid")
}
stop_pid() { kill -TERM "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
# Newest probe visible on the destination is within a second of now.
in_sync() { [ -s "$1" ] && awk -F'\t' 'END { exit !($2 > 0 && $1 - $2 < 1000000) }' "$1"; }

machine_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $2 + $3 + $4 + $5 + $6 + $7 + $8 }' /proc/stat; }
proc_ticks() { if [ -n "${1:-}" ] && [ -r "/proc/$1/stat" ]; then awk '{ print $14 + $15 }' "/proc/$1/stat"; else echo 0; fi; }
# The machine is shared: before each load, wait (up to BENCH_QUIET_WAIT s)
# until the CPU busy share over 2 s, with this run's servers and tools
# idle, is under BENCH_QUIET_PCT; the share measured last is recorded.
quiet_wait=${BENCH_QUIET_WAIT:-180}
quiet_pct=${BENCH_QUIET_PCT:-30}
wait_quiet() {
  local end=$((SECONDS + quiet_wait)) m0 m1
  while :; do
    m0=$(machine_ticks); sleep 2; m1=$(machine_ticks)
    bg_pct=$(echo "$m0 $m1" | awk '{ printf "%.0f", ($3 - $1) * 100 / ($4 - $2) }')
    [ "$bg_pct" -lt "$quiet_pct" ] || [ $SECONDS -ge $end ] && return 0
  done
}
# run_load LABEL mysql|pg: sysbench for $secs; sets t_start t_stop tps qps
# writes, busy_pct (the machine's CPU busy during the load) and, when
# $tool_pid is set, tool_pct (that process's CPU, % of one core).
run_load() {
  local label=$1 sb m0 m1 p0 p1
  if [ "$2" = mysql ]; then sb=("${SB_MY[@]}"); else sb=("${SB_PG[@]}"); fi
  wait_quiet
  m0=$(machine_ticks); p0=$(proc_ticks "${tool_pid:-}")
  t_start=$(now_us)
  "${sb[@]}" run --threads="$threads" --time="$secs" --report-interval=10 >"$dir/$label-sysbench.log" 2>&1
  t_stop=$(now_us)
  m1=$(machine_ticks); p1=$(proc_ticks "${tool_pid:-}")
  busy_pct=$(echo "$m0 $m1" | awk '{ printf "%.0f", ($3 - $1) * 100 / ($4 - $2) }')
  tool_pct=-
  [ -n "${tool_pid:-}" ] && tool_pct=$(awk -v a="$p0" -v b="$p1" -v hz="$(getconf CLK_TCK)" -v s="$(((t_stop - t_start) / 1000))" \
    'BEGIN { printf "%.0f", (b - a) / hz * 100000 / s }')
  tps=$(awk '/transactions:/ { gsub(/\(/, "", $3); print $3 }' "$dir/$label-sysbench.log")
  qps=$(awk '/queries:/ && /per sec/ { gsub(/\(/, "", $3); print $3 }' "$dir/$label-sysbench.log")
  writes=$(awk '$1 == "write:" { print $2 }' "$dir/$label-sysbench.log")
}
last_probe_before_stop() {  # last_probe_before_stop mysql|pg: stamp of the last probe committed before t_stop
  if [ "$1" = mysql ]; then
    "${MY[@]}" -N sbtest -e "SELECT COALESCE(MAX(ts_us), 0) FROM probe WHERE ts_us <= $t_stop"
  else
    "${PGS[@]}" sbtest -c "SELECT COALESCE(max(ts_us), 0) FROM probe WHERE ts_us <= $t_stop"
  fi
}
subscription_ready() {
  [ "$("${PGD[@]}" n_sbtest -c "SELECT count(*) FROM pg_subscription_rel WHERE srsubstate <> 'r'")" = 0 ]
}
caught_up() { awk -F'\t' -v t="$2" '$2 >= t { found = 1 } END { exit !found }' "$1"; }

results=$dir/results.tsv
: >"$results"
record() {  # record PAIR SYSTEM: one result row from the run's variables
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$tps" "$qps" "$writes" \
    "${lag_p50:--}" "${lag_p99:--}" "${lag_max:--}" "${catchup:--}" "${apply_rate:--}" "${rss_mib:--}" \
    "${lag_windows:--}" "$busy_pct" "${tool_pct:--}" "${consistent:--}" "$bg_pct" >>"$results"
  printf '   %-20s %-36s %8s tps  machine CPU %s%% (%s%% just before)' "$1" "$2" "$tps" "$busy_pct" "$bg_pct"
  [ "${tool_pct:--}" != - ] && printf '  godwit CPU %s%%' "$tool_pct"
  [ -n "${consistent:-}" ] && printf '  destination %s' "$consistent"
  if [ -n "${lag_max:-}" ]; then
    printf '  lag p50 %ss p99 %ss max %ss  catch-up %ss  apply %s rows/s' "$lag_p50" "$lag_p99" "$lag_max" \
      "$catchup" "$apply_rate"
  fi
  [ -n "${rss_mib:-}" ] && printf '  peak %s MiB' "$rss_mib"
  printf '\n'
  [ -n "${lag_windows:-}" ] && printf '   %-20s max lag by 10 s: %s\n' "" "$lag_windows"
  lag_p50="" lag_p99="" lag_max="" catchup="" apply_rate="" rss_mib="" lag_windows="" tool_pct=- tool_pid="" consistent=""
}

# digest ENGINE PORT DB: per sbtest table, row count, sums of id and k, and
# an MD5 of every c in id order; the same text from either engine.
digest() {
  local engine=$1 port=$2 db=$3 i
  for i in $(seq "$ntables"); do
    if [ "$engine" = mysql ]; then
      mariadb --no-defaults -N -B -h127.0.0.1 -P"$port" -uroot "$db" -e "SET SESSION group_concat_max_len = 1073741824;
        SELECT COUNT(*), COALESCE(SUM(id), 0), COALESCE(SUM(k), 0), MD5(COALESCE(GROUP_CONCAT(c ORDER BY id SEPARATOR ','), ''))
        FROM sbtest$i"
    else
      psql -qAtX -F $'\t' -h 127.0.0.1 -p "$port" -U postgres "$db" -c "SELECT count(*), COALESCE(sum(id), 0), COALESCE(sum(k), 0),
        md5(COALESCE(string_agg(c, ',' ORDER BY id), '')) FROM sbtest$i"
    fi
  done
}
# check_consistent LABEL SRC_ENGINE SRC_PORT DST_ENGINE DST_PORT DST_DB: sets consistent
check_consistent() {
  digest "$2" "$3" sbtest >"$dir/$1-digest-source.log"
  digest "$4" "$5" "$6" >"$dir/$1-digest-destination.log"
  if cmp -s "$dir/$1-digest-source.log" "$dir/$1-digest-destination.log"; then consistent=identical
  else consistent=DIFFERS; echo "!! $1: the destination's tables differ from the source's:" >&2
    diff "$dir/$1-digest-source.log" "$dir/$1-digest-destination.log" >&2 || true; fi
}

baseline() {  # baseline LABEL mysql|pg SRC_PORT: the load alone (with the probe writing)
  local label=$1 engine=$2
  if [ "$engine" = mysql ]; then prepare_mysql "$label"; else prepare_pg "$label"; fi
  start_probe "$label" "$engine" "$3" sbtest
  sleep 2
  run_load "$label" "$engine"
  stop_pid "$probe_pid"
}

# measure_replicated LABEL ENGINE: with replication already running and its
# copy done, and the poller started: waits until in sync, runs the load,
# waits for catch-up, computes the lag figures.
measure_replicated() {
  local label=$1 engine=$2 poll=$dir/$1-poll.tsv
  wait_until 180 "$label in sync before the load" in_sync "$poll"
  sleep 2
  run_load "$label" "$engine"
  local target; target=$(last_probe_before_stop "$engine")
  if ! wait_until 600 "$label catch-up" caught_up "$poll" "$target"; then
    echo "!! $label did not catch up within 600 s of the load's end" >&2
  fi
  sleep 1
  stop_pid "$probe_pid"
  stop_pid "$poller_pid"
  printf 'load_start_us=%s\nload_stop_us=%s\nlast_probe_before_stop_us=%s\n' "$t_start" "$t_stop" "$target" \
    >"$dir/$label-times.log"
  local caught_us=0
  eval "$(python3 "$probe" stats "$poll" "$t_start" "$t_stop" "$target")"
  if [ "$caught_us" -gt 0 ]; then
    apply_rate=$(echo "$writes / (($caught_us - $t_start) / 1000000)" | bc -l | xargs printf '%.0f')
  else
    apply_rate=-
  fi
}

has_child() { [ -n "$(cat "/proc/$1/task/$1/children")" ]; }
# godwit_run LABEL ENGINE SRC_URI DST_URI DST_ENGINE DST_PORT DST_DB: Godwit
# from copy to caught up; afterwards frees the slot/publication and heartbeat.
godwit_run() {
  local label=$1 engine=$2 src=$3 dst=$4; shift 4
  local state=$dir/state-$label
  /usr/bin/time -f '%M' -o "$dir/$label-rss" "$godwit" migrate --incremental --until-caught-up \
    --state-dir "$state" "$src" "$dst" >"$dir/$label-godwit.out" 2>"$dir/$label-godwit.err" &
  local tpid=$!
  bg_pids+=("$tpid")
  local gpid=""
  wait_until 10 "godwit process" has_child "$tpid"
  gpid=$(tr -d ' ' <"/proc/$tpid/task/$tpid/children")
  local t0=$SECONDS
  until grep -q '^migration completed' "$dir/$label-godwit.out"; do
    if ! kill -0 "$gpid" 2>/dev/null; then
      echo "!! godwit ($label) exited during the copy:" >&2; tail -20 "$dir/$label-godwit.err" "$dir/$label-godwit.out" >&2
      exit 1
    fi
    sleep 0.2
  done
  copy_secs=$((SECONDS - t0))
  tool_pid=$gpid
  if [ "$engine" = mysql ]; then start_probe "$label" mysql "$MYP" sbtest
  else start_probe "$label" pg "$GODWIT_TEST_PG_SOURCE_PORT" sbtest; fi
  start_poller "$label" "$@"
  measure_replicated "$label" "$engine"
  kill -TERM "$gpid"
  local rc=0
  wait "$tpid" || rc=$?
  if [ $rc -ne 0 ]; then
    echo "!! godwit ($label) exited $rc after SIGTERM:" >&2; tail -20 "$dir/$label-godwit.err" "$dir/$label-godwit.out" >&2
  fi
  rss_mib=$(( $(tail -1 "$dir/$label-rss") / 1024 ))
  if [ "$engine" = mysql ]; then check_consistent "$label" mysql "$MYP" "$@"
  else check_consistent "$label" pg "$GODWIT_TEST_PG_SOURCE_PORT" "$@"; fi
  grep -E '^in sync:' "$dir/$label-godwit.out" | sed "s/^/   $label godwit: /" || true
  grep -E 'warning|error' "$dir/$label-godwit.err" | head -5 | sed "s/^/   $label godwit stderr: /" || true
  "$godwit" migrate --release --state-dir "$state" "$src" "$dst" >"$dir/$label-release.out" 2>&1 ||
    { echo "!! godwit --release ($label) failed:" >&2; cat "$dir/$label-release.out" >&2; }
}

my_src="mysql://godwit@127.0.0.1:$MYP/sbtest$pw"
pg_src="postgresql://godwit@127.0.0.1:$GODWIT_TEST_PG_SOURCE_PORT/sbtest$pw"
echo "== sysbench oltp_write_only, $threads threads, ${secs}s, $ntables tables x $rows rows; probe every ${probe_ms} ms"

if want mysql-mysql || want mysql-pg; then
  baseline mysql-base mysql "$MYP"
  record "MariaDB source" "load alone (no replication)"
fi

if want mysql-mysql; then
  prepare_mysql my-godwit-my
  "${M2[@]}" -e "DROP DATABASE IF EXISTS g_sbtest; CREATE DATABASE g_sbtest CHARACTER SET utf8mb4"
  godwit_run my-godwit-my mysql "$my_src" "mysql://godwit@127.0.0.1:$M2P/g_sbtest$pw" mysql "$M2P" g_sbtest
  record "MariaDB -> MariaDB" "Godwit (copy ${copy_secs}s)"
  "${M2[@]}" -e "DROP DATABASE g_sbtest"

  # Native replica: dump with the binlog position, then replicate from it.
  prepare_mysql my-native
  "${M2[@]}" -e "STOP SLAVE" 2>/dev/null || true
  "${M2[@]}" -e "RESET SLAVE ALL; DROP DATABASE IF EXISTS sbtest;
    CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=$MYP, MASTER_USER='root', MASTER_PASSWORD=''"
  t0=$SECONDS
  mariadb-dump --no-defaults -h127.0.0.1 -P"$MYP" -uroot --single-transaction --master-data=1 --databases sbtest |
    "${M2[@]}"
  "${M2[@]}" -e "START SLAVE"
  copy_secs=$((SECONDS - t0))
  start_probe my-native mysql "$MYP" sbtest
  start_poller my-native mysql "$M2P" sbtest
  measure_replicated my-native mysql
  "${M2[@]}" -e "SHOW SLAVE STATUS\G" >"$dir/my-native-slave-status.log"
  check_consistent my-native mysql "$MYP" mysql "$M2P" sbtest
  "${M2[@]}" -e "STOP SLAVE; RESET SLAVE ALL; DROP DATABASE sbtest"
  record "MariaDB -> MariaDB" "native replica, single-threaded apply (dump ${copy_secs}s)"
fi

if want mysql-pg; then
  prepare_mysql my-godwit-pg
  "${PGD[@]}" -c "DROP DATABASE IF EXISTS g_my_sbtest WITH (FORCE)" -c "CREATE DATABASE g_my_sbtest OWNER godwit"
  godwit_run my-godwit-pg mysql "$my_src" "postgresql://godwit@127.0.0.1:$GODWIT_TEST_PG_DEST_PORT/g_my_sbtest$pw" \
    pg "$GODWIT_TEST_PG_DEST_PORT" g_my_sbtest
  record "MariaDB -> PostgreSQL" "Godwit (copy ${copy_secs}s)"
fi

if want pg-pg; then
  baseline pg-base pg "$GODWIT_TEST_PG_SOURCE_PORT"
  record "PostgreSQL source" "load alone (no replication)"

  prepare_pg pg-godwit-pg
  "${PGD[@]}" -c "DROP DATABASE IF EXISTS g_sbtest WITH (FORCE)" -c "CREATE DATABASE g_sbtest OWNER godwit"
  godwit_run pg-godwit-pg pg "$pg_src" "postgresql://godwit@127.0.0.1:$GODWIT_TEST_PG_DEST_PORT/g_sbtest$pw" \
    pg "$GODWIT_TEST_PG_DEST_PORT" g_sbtest
  record "PostgreSQL -> PostgreSQL" "Godwit (copy ${copy_secs}s)"

  # Native logical replication: same table definitions, publication,
  # subscription (initial copy included), wait until every table is ready.
  prepare_pg pg-native
  "${PGD[@]}" -c "DROP DATABASE IF EXISTS n_sbtest WITH (FORCE)" -c "CREATE DATABASE n_sbtest"
  pg_dump -s -h 127.0.0.1 -p "$GODWIT_TEST_PG_SOURCE_PORT" -U postgres sbtest | "${PGD[@]}" n_sbtest >/dev/null
  "${PGS[@]}" sbtest -c "CREATE PUBLICATION bench_pub FOR TABLE $tables_csv, probe"
  t0=$SECONDS
  "${PGD[@]}" n_sbtest -c "CREATE SUBSCRIPTION bench_sub CONNECTION 'host=127.0.0.1 port=$GODWIT_TEST_PG_SOURCE_PORT user=postgres dbname=sbtest' PUBLICATION bench_pub"
  wait_until 600 "the subscription's initial copy" subscription_ready
  copy_secs=$((SECONDS - t0))
  start_probe pg-native pg "$GODWIT_TEST_PG_SOURCE_PORT" sbtest
  start_poller pg-native pg "$GODWIT_TEST_PG_DEST_PORT" n_sbtest
  measure_replicated pg-native pg
  check_consistent pg-native pg "$GODWIT_TEST_PG_SOURCE_PORT" pg "$GODWIT_TEST_PG_DEST_PORT" n_sbtest
  "${PGD[@]}" n_sbtest -c "DROP SUBSCRIPTION bench_sub"
  "${PGS[@]}" sbtest -c "DROP PUBLICATION bench_pub"
  record "PostgreSQL -> PostgreSQL" "native logical replication (copy ${copy_secs}s)"
fi

{
  echo "| pair | system | source tps | vs load alone | lag p50 s | lag p99 s | lag max s | catch-up s | apply rows/s | machine CPU busy (before) | Godwit CPU (1 core = 100%) | Godwit peak RSS MiB | destination after |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
  awk -F'\t' '
    $1 ~ /source$/ { base[$1 == "MariaDB source" ? "MariaDB" : "PostgreSQL"] = $3 }
    { split($1, w, " "); b = base[w[1]]
      printf "| %s | %s | %.0f | %s | %s | %s | %s | %s | %s | %s%% (%s%%) | %s | %s | %s |\n", $1, $2, $3,
        (b > 0 && $1 !~ /source$/) ? sprintf("%+.0f%%", ($3 / b - 1) * 100) : "-", $6, $7, $8, $9, $10, $13, $16,
        ($14 == "-" ? "-" : $14 "%"), $11, $15 }' "$results"
  echo
  echo "Max lag (s) by 10 s window of the load:"
  echo
  awk -F'\t' '$12 != "-" { printf "- %s, %s: %s\n", $1, $2, $12 }' "$results"
} >bench/incremental-latest.md
echo
cat bench/incremental-latest.md
