#!/usr/bin/env bash
# Verification benchmark: `godwit verify` against what a DBA would otherwise
# run to compare a source and its copy, on the same data, in the same run,
# on this machine.
#
#   bench/verify.sh [--rows N] [--only mysql-mysql|pg-pg|mysql-pg|pg-mysql] [--concurrency N]
#
# Data: sysbench-shaped sbtest1..4 (N rows each, default 1,000,000),
# generated on a private MariaDB (database `bench`) and PostgreSQL source
# as bench/run.sh does (bench/lib.sh), then copied by `godwit migrate` for
# each pair: mysql-mysql into `bench_copy` of the same MariaDB instance,
# pg-pg into `bench` of the destination cluster, mysql-pg into
# `from_mysql` there, pg-mysql into MariaDB's `from_pg`. Copies are not
# timed; their row counts are checked.
#
# Timed (rows/s = 4N / wall seconds, MB/s = source table bytes / wall
# seconds, peak RSS of the tool's own processes, servers not counted):
#   - reading every row once, one stream per engine (`mariadb --quick`
#     SELECT *, psql COPY TO STDOUT): the ceiling of any comparison;
#   - mysql-mysql: pt-table-checksum on the MariaDB source (no replicas,
#     so it computes the source's chunk checksums and compares nothing),
#     and on both databases; Godwit (default method, then hashed);
#   - pg-pg: one full-table hash query per table on both clusters at once
#     (ordered md5 of every row's text, and an unordered sum of
#     hashtextextended), answers compared; Godwit (default, then hashed);
#   - mysql-pg, pg-mysql: Godwit;
#   - every pair: Godwit again after 1% of the destination's sbtest1 was
#     changed (exit 1 expected: the cost of the second pass).
# `godwit verify` must exit 0 on the copies and 1 on the changed data, or
# the benchmark fails. Writes the table to bench/verify-latest.md.
#
# MariaDB's buffer pool is raised to 4 GiB for this run (scripts/testdb.sh
# gives it 1 GiB): the source, its copy and the pg-mysql copy then all stay
# cached, so no tool is timed reading pages the others had cached.
set -euo pipefail
cd "$(dirname "$0")/.."
rows=1000000
only=""
concurrency=""  # empty: Godwit's default
while [ $# -gt 0 ]; do
  case "$1" in
    --rows) rows=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    --concurrency) concurrency=$2; shift 2 ;;
    *) echo "usage: $0 [--rows N] [--only mysql-mysql|pg-pg|mysql-pg|pg-mysql] [--concurrency N]" >&2; exit 2 ;;
  esac
done
concurrency_flag=()
[ -n "$concurrency" ] && concurrency_flag=(--concurrency "$concurrency")
want() { [ -z "$only" ] || [ "$only" = "$1" ]; }

# shellcheck source=bench/lib.sh
source bench/lib.sh
bench_build
bench_start_servers godwit-verify

echo "== generating 4 x $rows sysbench rows on MariaDB and PostgreSQL"
"${MY[@]}" -e "SET GLOBAL innodb_buffer_pool_size = 4294967296"
gen_sysbench "$rows"

total_rows=$((4 * rows))
tables="sbtest1 sbtest2 sbtest3 sbtest4"  # for check_counts
results="$dir/results.tsv"
: >"$results"

pwd_env="?password_env=GODWIT_BENCH_PW"
export GODWIT_BENCH_PW=godwit-pw
my_uri() { echo "mysql://godwit@127.0.0.1:$GODWIT_TEST_MYSQL_PORT/$1$pwd_env"; }
pgsrc_uri="postgresql://godwit@127.0.0.1:$GODWIT_TEST_PG_SOURCE_PORT/bench$pwd_env"
pgdst_uri() { echo "postgresql://godwit@127.0.0.1:$GODWIT_TEST_PG_DEST_PORT/$1$pwd_env"; }

copy() {  # copy PAIR SOURCE_URI DEST_URI: godwit migrate, untimed
  if ! "$godwit" migrate -q --state-dir "$dir/state-copy-$1" "$2" "$3" >"$dir/copy-$1.log" 2>&1; then
    echo "!! godwit migrate ($1) failed; its output:" >&2
    tail -20 "$dir/copy-$1.log" >&2
    exit 1
  fi
}
echo "== copying with godwit migrate"
if want mysql-mysql; then
  "${MY[@]}" -e "CREATE DATABASE bench_copy CHARACTER SET utf8mb4"
  copy mysql-mysql "$(my_uri bench)" "$(my_uri bench_copy)"
  check_counts mysql-mysql "godwit migrate" my_count bench_copy
fi
if want pg-pg; then
  "${PGD[@]}" -c "CREATE DATABASE bench OWNER godwit"
  copy pg-pg "$pgsrc_uri" "$(pgdst_uri bench)"
  check_counts pg-pg "godwit migrate" pg_count bench public
fi
if want mysql-pg; then
  "${PGD[@]}" -c "CREATE DATABASE from_mysql OWNER godwit"
  copy mysql-pg "$(my_uri bench)" "$(pgdst_uri from_mysql)"
  check_counts mysql-pg "godwit migrate" pg_count from_mysql public
fi
if want pg-mysql; then
  "${MY[@]}" -e "CREATE DATABASE from_pg CHARACTER SET utf8mb4"
  copy pg-mysql "$pgsrc_uri" "$(my_uri from_pg)"
  check_counts pg-mysql "godwit migrate" my_count from_pg
fi
# Statistics everywhere, and PostgreSQL's hint bits set, so that the first
# reader of a fresh table does not pay for writing them.
bench_analyze
for db in $("${PGD[@]}" -c "SELECT datname FROM pg_database WHERE datname IN ('bench', 'from_mysql')"); do
  "${PGD[@]}" "$db" -c "VACUUM ANALYZE"
done
"${PGS[@]}" bench -c "VACUUM"

my_bytes=$("${MY[@]}" -N -e "SELECT SUM(DATA_LENGTH) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'bench'")
pg_bytes=$("${PGS[@]}" bench -c "SELECT sum(pg_table_size(oid)) FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace")
echo "source data: MariaDB $((my_bytes / 1048576)) MiB, PostgreSQL $((pg_bytes / 1048576)) MiB, $total_rows rows"

exits() {  # exits CODE CMD...: succeeds when CMD exits with CODE
  local want=$1 rc=0; shift
  "$@" || rc=$?
  if [ "$rc" -ne "$want" ]; then
    echo "!! exit status $rc, expected $want"
    return 1
  fi
}

read_mariadb() {  # every sbtest row once, one stream, result not buffered by the client
  timed mariadb "${MY[@]}" --quick -N bench -e "SELECT * FROM sbtest1; SELECT * FROM sbtest2;
    SELECT * FROM sbtest3; SELECT * FROM sbtest4" >/dev/null
}
read_pg() {
  timed psql "${PGS[@]}" bench -c "COPY sbtest1 TO STDOUT" -c "COPY sbtest2 TO STDOUT" \
    -c "COPY sbtest3 TO STDOUT" -c "COPY sbtest4 TO STDOUT" >/dev/null
}

# pt_checksum DATABASES ROWS: pt-table-checksum on the MariaDB instance.
# Without replicas (--recursion-method=none) it only writes each chunk's
# checksum into percona.checksums (created on first use; its session sets
# binlog_format=STATEMENT, which needs SUPER or BINLOG ADMIN). Defaults:
# chunks sized to take --chunk-time 0.5 s, starting at --chunk-size 1000
# rows; one chunk at a time. Its own row total must be ROWS.
pt_checksum() {
  timed pt pt-table-checksum "h=127.0.0.1,P=$GODWIT_TEST_MYSQL_PORT,u=root" --databases "$1" \
    --recursion-method=none --no-version-check --replicate=percona.checksums >"$dir/pt.out" || return 1
  cat "$dir/pt.out"
  awk -v want="$2" '$NF ~ /\.sbtest[0-9]+$/ { n += $4 } END { if (n != want) { print "!! rows checksummed: " n ", expected " want; exit 1 } }' \
    "$dir/pt.out"
}

# pg_hash_both DEST_DB QUERY: QUERY for each sbtest table (@T in it) on the
# source's bench and the destination's DEST_DB at once; same answers.
pg_hash_both() {
  local db=$1 q=$2 t args=() rc=0
  for t in $tables; do args+=(-c "${q//@T/$t}"); done
  timed pgsrc "${PGS[@]}" bench "${args[@]}" >"$dir/hash.src" &
  local src=$!
  timed pgdst "${PGD[@]}" "$db" "${args[@]}" >"$dir/hash.dst" &
  wait $! || rc=1
  wait "$src" || rc=1
  paste "$dir/hash.src" "$dir/hash.dst"
  [ "$rc" -eq 0 ] || return 1
  if ! cmp -s "$dir/hash.src" "$dir/hash.dst"; then
    echo "!! source and destination answers differ"
    return 1
  fi
}

runs=0
# gw_verify PAIR TOOL BYTES EXIT SOURCE_URI DEST_URI [ARGS...]: godwit
# verify, with a fresh state directory, must exit EXIT.
gw_verify() {
  local pair=$1 tool=$2 bytes=$3 code=$4 src=$5 dst=$6; shift 6
  runs=$((runs + 1))
  measure "$pair" "$tool" "$bytes" exits "$code" timed godwit "$godwit" verify -q "${concurrency_flag[@]}" \
    --state-dir "$dir/state-verify-$runs" "$@" "$src" "$dst"
}
# plant PAIR: 1% of the destination's sbtest1 rows changed (k + 1)
plant() {
  case $1 in
    mysql-mysql) "${MY[@]}" bench_copy -e "UPDATE sbtest1 SET k = k + 1 WHERE id % 100 = 0" ;;
    pg-mysql) "${MY[@]}" from_pg -e "UPDATE sbtest1 SET k = k + 1 WHERE id % 100 = 0" ;;
    pg-pg) "${PGD[@]}" bench -c "UPDATE sbtest1 SET k = k + 1 WHERE id % 100 = 0" -c "VACUUM sbtest1" ;;
    mysql-pg) "${PGD[@]}" from_mysql -c "UPDATE sbtest1 SET k = k + 1 WHERE id % 100 = 0" -c "VACUUM sbtest1" ;;
  esac
}
changed="godwit verify, sbtest1 1% changed"

echo "== reading every row once (the ceiling)"
measure mariadb "read: mariadb --quick SELECT" "$my_bytes" read_mariadb
measure postgresql "read: psql COPY TO STDOUT" "$pg_bytes" read_pg

if want mysql-mysql; then
  echo "== MySQL -> MySQL (one MariaDB instance: bench and bench_copy)"
  measure mysql-mysql "pt-table-checksum (source only)" "$my_bytes" pt_checksum bench "$total_rows"
  measure mysql-mysql "pt-table-checksum (both databases)" "$my_bytes" pt_checksum bench,bench_copy $((2 * total_rows))
  gw_verify mysql-mysql "godwit verify" "$my_bytes" 0 "$(my_uri bench)" "$(my_uri bench_copy)"
  gw_verify mysql-mysql "godwit verify --method hashed" "$my_bytes" 0 "$(my_uri bench)" "$(my_uri bench_copy)" --method hashed
  plant mysql-mysql
  gw_verify mysql-mysql "$changed" "$my_bytes" 1 "$(my_uri bench)" "$(my_uri bench_copy)"
fi

if want pg-pg; then
  echo "== PostgreSQL -> PostgreSQL"
  measure pg-pg "ordered md5, both sides" "$pg_bytes" pg_hash_both bench \
    "SELECT md5(string_agg(t::text, '' ORDER BY id)) FROM @T t"
  measure pg-pg "sum(hashtextextended), both sides" "$pg_bytes" pg_hash_both bench \
    "SELECT count(*), sum(hashtextextended(t::text, 0)) FROM @T t"
  gw_verify pg-pg "godwit verify" "$pg_bytes" 0 "$pgsrc_uri" "$(pgdst_uri bench)"
  gw_verify pg-pg "godwit verify --method hashed" "$pg_bytes" 0 "$pgsrc_uri" "$(pgdst_uri bench)" --method hashed
  plant pg-pg
  gw_verify pg-pg "$changed" "$pg_bytes" 1 "$pgsrc_uri" "$(pgdst_uri bench)"
fi

if want mysql-pg; then
  echo "== MySQL -> PostgreSQL"
  gw_verify mysql-pg "godwit verify" "$my_bytes" 0 "$(my_uri bench)" "$(pgdst_uri from_mysql)"
  plant mysql-pg
  gw_verify mysql-pg "$changed" "$my_bytes" 1 "$(my_uri bench)" "$(pgdst_uri from_mysql)"
fi

if want pg-mysql; then
  echo "== PostgreSQL -> MySQL"
  gw_verify pg-mysql "godwit verify" "$pg_bytes" 0 "$pgsrc_uri" "$(my_uri from_pg)"
  plant pg-mysql
  gw_verify pg-mysql "$changed" "$pg_bytes" 1 "$pgsrc_uri" "$(my_uri from_pg)"
fi

{
  echo "| tool | pair | rows | wall s | rows/s | MB/s | peak RSS MiB |"
  echo "|---|---|---|---|---|---|---|"
  awk -F'\t' '{ t = $2; gsub(/\|/, "\\|", t)
    printf "| %s | %s | %d | %.1f | %.0f | %.1f | %.0f |\n", t, $1, $6, $3, $6 / $3, $5 / 1e6 / $3, $4 / 1024 }' "$results"
} >bench/verify-latest.md
echo
echo "rows: $total_rows (4 x $rows sysbench); machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); $(date -u +%F)"
cat bench/verify-latest.md
