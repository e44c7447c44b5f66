#!/usr/bin/env bash
# Full-migration benchmark: Godwit against the tool a DBA would otherwise
# use, on the same generated data, in the same run, on this machine.
#
#   bench/run.sh [--rows N] [--only mysql-pg|pg-pg|mysql-mysql] [--concurrency N]
#
# Data: sysbench-shaped sbtest1..4 (N rows each, default 1,000,000: id int
# PK, k int indexed, c char(120), pad char(60)) plus a 100,000-row `wide`
# table of every supported type, generated server-side on a private MariaDB
# and a private PostgreSQL (scripts/testdb.sh). Each run loads into a fresh
# destination database, indexes included, and its row counts are checked
# against the source. Prints rows/s, MB/s (source table bytes / wall
# seconds), wall time and peak RSS of the tool's own processes, and writes
# the table to bench/results-latest.md. BENCH_GODWIT=PATH uses a binary
# built elsewhere instead of building build/release (bench/lib.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
rows=1000000
only=""
concurrency=""  # empty: Godwit's default (the core count); mydumper/myloader get the same
while [ $# -gt 0 ]; do
  case "$1" in
    --rows) rows=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    --concurrency) concurrency=$2; shift 2 ;;
    *) echo "usage: $0 [--rows N] [--only mysql-pg|pg-pg|mysql-mysql] [--concurrency N]" >&2; exit 2 ;;
  esac
done
wide_rows=100000
threads=${concurrency:-$(nproc)}
[ "$threads" -lt 2 ] && threads=2
concurrency_flag=()
[ -n "$concurrency" ] && concurrency_flag=(--concurrency "$concurrency")

# shellcheck source=bench/lib.sh
source bench/lib.sh
bench_build
bench_start_servers godwit-bench

echo "== generating 4 x $rows sysbench rows and $wide_rows wide rows on MariaDB and PostgreSQL"
gen_sysbench "$rows"
gen_wide "$wide_rows"
bench_analyze

total_rows=$((4 * rows + wide_rows))
my_bytes=$("${MY[@]}" -N -e "SELECT SUM(DATA_LENGTH) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'bench'")
my_sbtest_bytes=$("${MY[@]}" -N -e "SELECT SUM(DATA_LENGTH) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'bench' AND TABLE_NAME LIKE 'sbtest%'")
pg_bytes=$("${PGS[@]}" bench -c "SELECT sum(pg_table_size(oid)) FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace")
echo "source data: MariaDB $((my_bytes / 1048576)) MiB, PostgreSQL $((pg_bytes / 1048576)) MiB, $total_rows rows"

results="$dir/results.tsv"
: >"$results"

pwd_env="?password_env=GODWIT_BENCH_PW"
export GODWIT_BENCH_PW=godwit-pw
my_uri="mysql://godwit@127.0.0.1:$GODWIT_TEST_MYSQL_PORT/bench$pwd_env"
pgsrc_uri="postgresql://godwit@127.0.0.1:$GODWIT_TEST_PG_SOURCE_PORT/bench$pwd_env"

if [ -z "$only" ] || [ "$only" = mysql-pg ]; then
  echo "== MySQL -> PostgreSQL"
  "${PGD[@]}" -c "CREATE DATABASE g_mysql_pg OWNER godwit"
  measure mysql-pg godwit "$my_bytes" timed godwit "$godwit" migrate -q "${concurrency_flag[@]}" \
    --state-dir "$dir/state-mysql-pg" "$my_uri" \
    "postgresql://godwit@127.0.0.1:$GODWIT_TEST_PG_DEST_PORT/g_mysql_pg$pwd_env"
  check_counts mysql-pg godwit pg_count g_mysql_pg public
  "${PGD[@]}" -c "CREATE DATABASE pgloader_dst"
  # Debian's pgloader exhausts its default heap on 4 x 1M rows; 4 GiB is
  # what it needs (prefetch rows = 10000 would be the other way).
  # pgloader cannot load the wide table (BIT(10) arrives as a 16-bit
  # string PostgreSQL refuses), so it is timed on the sysbench rows it
  # does copy, and its MB/s on the sysbench share of the bytes.
  run_rows=$((4 * rows))
  measure mysql-pg "pgloader (4 GiB heap, wide fails)" "$my_sbtest_bytes" timed pgloader pgloader --dynamic-space-size 4096 --no-ssl-cert-verification \
    "mysql://root@127.0.0.1:$GODWIT_TEST_MYSQL_PORT/bench" \
    "postgresql://postgres@127.0.0.1:$GODWIT_TEST_PG_DEST_PORT/pgloader_dst"
  tables="sbtest1 sbtest2 sbtest3 sbtest4" check_counts mysql-pg pgloader pg_count pgloader_dst bench
fi

if [ -z "$only" ] || [ "$only" = pg-pg ]; then
  echo "== PostgreSQL -> PostgreSQL"
  "${PGD[@]}" -c "CREATE DATABASE g_pg_pg OWNER godwit"
  measure pg-pg godwit "$pg_bytes" timed godwit "$godwit" migrate -q "${concurrency_flag[@]}" \
    --state-dir "$dir/state-pg-pg" "$pgsrc_uri" \
    "postgresql://godwit@127.0.0.1:$GODWIT_TEST_PG_DEST_PORT/g_pg_pg$pwd_env"
  check_counts pg-pg godwit pg_count g_pg_pg public
  "${PGD[@]}" -c "CREATE DATABASE dump_dst"
  # Plain, uncompressed dump piped into psql (-Fd would compress: 7x slower).
  export -f timed
  export dir GODWIT_TEST_PG_SOURCE_PORT GODWIT_TEST_PG_DEST_PORT
  measure pg-pg "pg_dump | psql" "$pg_bytes" bash -c 'set -o pipefail;
    timed pg_dump pg_dump -h 127.0.0.1 -p "$GODWIT_TEST_PG_SOURCE_PORT" -U postgres bench |
    timed psql psql -q -h 127.0.0.1 -p "$GODWIT_TEST_PG_DEST_PORT" -U postgres -d dump_dst -v ON_ERROR_STOP=1'
  check_counts pg-pg "pg_dump | psql" pg_count dump_dst public
fi

if [ -z "$only" ] || [ "$only" = mysql-mysql ]; then
  echo "== MySQL -> MySQL"
  "${MY[@]}" -e "CREATE DATABASE g_mysql_mysql CHARACTER SET utf8mb4"
  measure mysql-mysql godwit "$my_bytes" timed godwit "$godwit" migrate -q "${concurrency_flag[@]}" \
    --state-dir "$dir/state-mysql-mysql" "$my_uri" \
    "mysql://godwit@127.0.0.1:$GODWIT_TEST_MYSQL_PORT/g_mysql_mysql$pwd_env"
  check_counts mysql-mysql godwit my_count g_mysql_mysql
  export -f timed
  export dir GODWIT_TEST_MYSQL_PORT threads
  measure mysql-mysql "mydumper + myloader" "$my_bytes" bash -c 'set -e
    timed mydumper mydumper -h 127.0.0.1 -P "$GODWIT_TEST_MYSQL_PORT" -u root -B bench -o "$dir/dump" -t "$threads" -r 100000
    timed myloader myloader -h 127.0.0.1 -P "$GODWIT_TEST_MYSQL_PORT" -u root -d "$dir/dump" -B myloader_dst -t "$threads" -o'
  check_counts mysql-mysql "mydumper + myloader" my_count myloader_dst
fi

{
  echo "| pair | tool | seconds | rows/s | MB/s | peak RSS MiB | rows/s vs Godwit |"
  echo "|---|---|---|---|---|---|---|"
  awk -F'\t' '
    { secs[NR] = $3; rate = $6 / $3; if ($2 == "godwit") g[$1] = rate; gsub(/\|/, "\\|", $2)
      line[NR] = sprintf("| %s | %s | %.1f | %.0f | %.1f | %.0f |", $1, $2, $3, rate, $5 / 1e6 / $3, $4 / 1024)
      pair[NR] = $1; r[NR] = rate }
    END { for (i = 1; i <= NR; i++) printf "%s %s |\n", line[i], (g[pair[i]] ? sprintf("%.2fx", r[i] / g[pair[i]]) : "-") }' \
    "$results"
} >bench/results-latest.md
echo
echo "rows: $total_rows (4 x $rows sysbench + $wide_rows wide); machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); $(date -u +%F)"
cat bench/results-latest.md
