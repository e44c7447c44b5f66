#!/usr/bin/env bash
# The demo: sets everything up (Debian packages, a release build), starts a
# private MariaDB and PostgreSQL on loopback, loads a sample shop into
# MariaDB and migrates it to PostgreSQL with `godwit migrate`, shows a few
# rows on the PostgreSQL side, then proves the copy with `godwit verify`
# (and shows it finding and correcting a row changed on PostgreSQL).
# Servers are stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
scripts/install-deps.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release -j"$(nproc)" --target godwit

dir=$(mktemp -d /tmp/godwit-demo.XXXXXX)
chmod 755 "$dir"
trap 'scripts/testdb.sh stop "$dir"; rm -rf "$dir"' EXIT
scripts/testdb.sh start "$dir"
# shellcheck disable=SC1091
source "$dir/env"

echo "== loading the sample shop into MariaDB (127.0.0.1:$GODWIT_TEST_MYSQL_PORT)"
mariadb --no-defaults -h127.0.0.1 -P"$GODWIT_TEST_MYSQL_PORT" -uroot \
  -e "CREATE DATABASE shop CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
mariadb --no-defaults -h127.0.0.1 -P"$GODWIT_TEST_MYSQL_PORT" -uroot --default-character-set=utf8mb4 shop \
  <demo/shop_mariadb.sql
psql -q -h 127.0.0.1 -p "$GODWIT_TEST_PG_DEST_PORT" -U postgres -c "CREATE DATABASE shop OWNER godwit"

echo "== godwit migrate MariaDB -> PostgreSQL"
export SHOP_PASSWORD=godwit-pw
build/release/src/cli/godwit migrate --state-dir "$dir/state" \
  "mysql://godwit@127.0.0.1:$GODWIT_TEST_MYSQL_PORT/shop?password_env=SHOP_PASSWORD" \
  "postgresql://godwit@127.0.0.1:$GODWIT_TEST_PG_DEST_PORT/shop?password_env=SHOP_PASSWORD"

echo "== on PostgreSQL now"
psql -h 127.0.0.1 -p "$GODWIT_TEST_PG_DEST_PORT" -U postgres -d shop -c '\dt public.*' \
  -c 'SELECT id, c_decimal, c_varchar, c_timestamp, c_json, c_set, c_bit, c_uuid FROM every_type ORDER BY id' \
  -c 'SELECT status, count(*) FROM orders GROUP BY status ORDER BY status' \
  -c 'SELECT count(*) AS paid FROM paid_orders'
src_uri="mysql://godwit@127.0.0.1:$GODWIT_TEST_MYSQL_PORT/shop?password_env=SHOP_PASSWORD"
dst_uri="postgresql://godwit@127.0.0.1:$GODWIT_TEST_PG_DEST_PORT/shop?password_env=SHOP_PASSWORD"
echo "== godwit verify: every table compared row by row (exit 0: identical)"
build/release/src/cli/godwit verify -q --state-dir "$dir/state" "$src_uri" "$dst_uri"

echo "== a row changed on PostgreSQL behind Godwit's back: found, the correction shown, then applied"
psql -q -h 127.0.0.1 -p "$GODWIT_TEST_PG_DEST_PORT" -U postgres -d shop \
  -c "UPDATE orders SET placed_at = placed_at + interval '1 second' WHERE id = (SELECT min(id) FROM orders)"
build/release/src/cli/godwit verify -q --state-dir "$dir/state" --corrections "$dir/fix.sql" "$src_uri" "$dst_uri" ||
  echo "(exit $?: differences found)"
grep -v '^--' "$dir/fix.sql"
build/release/src/cli/godwit verify -q --state-dir "$dir/state" --apply "$src_uri" "$dst_uri"
echo "demo finished; everything ran in $dir (removed on exit)"
