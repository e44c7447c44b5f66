#!/usr/bin/env bash
# Private database instances for tests, benchmarks and the demo.
#
#   scripts/testdb.sh start DIR   start one MariaDB and two PostgreSQL clusters
#                                 under DIR (created if missing) and write
#                                 DIR/env with their connection URIs
#   scripts/testdb.sh stop DIR    stop them by the pids recorded under DIR
#   scripts/testdb.sh restart DIR mariadb|pg-source|pg-dest [immediate]
#                                 restart one of them on the same port (for
#                                 tests of surviving a database restart;
#                                 "immediate": PostgreSQL as after a crash)
#
# Every server binds to 127.0.0.1 on a non-default port chosen from a free
# range, runs as the invoking user (or as `nobody`'s sibling `godwit-test`
# when invoked as root, since neither server runs as root), and is stopped
# only by its own pid: never systemctl, never kill by name.
set -euo pipefail

cmd=${1:-}
dir=${2:-}
if [ -z "$cmd" ] || [ -z "$dir" ]; then
  echo "usage: $0 start|stop DIR" >&2
  exit 2
fi

pg_bin=$(pg_config --bindir 2>/dev/null || true)
if [ ! -x "$pg_bin/initdb" ]; then pg_bin=/usr/lib/postgresql/15/bin; fi

run_user=""
if [ "$(id -u)" -eq 0 ]; then
  run_user=godwit-test
  id "$run_user" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$run_user"
fi
as_user() {
  if [ -n "$run_user" ]; then runuser -u "$run_user" -- "$@"; else "$@"; fi
}

free_port() {
  # First port at or above $1 that nothing listens on.
  local p=$1
  while (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; do p=$((p + 1)); done
  echo "$p"
}

wait_for() {
  # wait_for SECONDS DESCRIPTION COMMAND...
  local secs=$1 what=$2; shift 2
  for _ in $(seq $((secs * 10))); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  echo "testdb: $what did not become ready in ${secs}s" >&2
  return 1
}

start_pg() {
  local name=$1 port=$2 data="$srv/$1"
  if [ ! -f "$data/PG_VERSION" ]; then
    mkdir -p "$data"
    [ -n "$run_user" ] && chown "$run_user" "$data"
    as_user "$pg_bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$srv/$name-initdb.log" 2>&1
    cat >>"$data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
wal_level = logical
max_replication_slots = 20
max_wal_senders = 20
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 256MB
maintenance_work_mem = 256MB
max_wal_size = 4GB
CONF
    # Password authentication over TCP so that tests exercise credentials;
    # the trust line for the socket is the harness's own way in.
    cat >"$data/pg_hba.conf" <<CONF
local all all trust
host all postgres 127.0.0.1/32 trust
host replication postgres 127.0.0.1/32 trust
host all all 127.0.0.1/32 scram-sha-256
host replication all 127.0.0.1/32 scram-sha-256
CONF
  fi
  as_user "$pg_bin/pg_ctl" -D "$data" -o "-p $port -k $sock" -l "$srv/$name.log" -w -t 60 start >/dev/null
  head -1 "$data/postmaster.pid" >"$dir/$name.pid"
  wait_for 30 "PostgreSQL $name" psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -Atc 'select 1'
  psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -qAt >/dev/null <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'godwit') THEN
    CREATE ROLE godwit LOGIN SUPERUSER REPLICATION PASSWORD 'godwit-pw';
  END IF;
END \$\$;
SQL
}

start_mariadb() {
  local port=$1 data="$srv/mariadb"
  if [ ! -d "$data/mysql" ]; then
    mkdir -p "$data"
    [ -n "$run_user" ] && chown "$run_user" "$data" "$srv"
    as_user mariadb-install-db --no-defaults --datadir="$data" --auth-root-authentication-method=normal \
      --skip-test-db >"$srv/mariadb-install.log" 2>&1
  fi
  cat >"$srv/mariadb.cnf" <<CONF
[mariadbd]
datadir=$data
port=$port
bind-address=127.0.0.1
socket=$sock/mariadb.sock
pid-file=$srv/mariadb.pid
log-error=$srv/mariadb.log
log-bin=$data/binlog
binlog_format=ROW
binlog_row_image=FULL
# Row events name their columns as written: capture decodes rows written
# before an ALTER it reads after (docs/incremental.md).
binlog_row_metadata=FULL
server_id=1
local_infile=ON
innodb_buffer_pool_size=1G
innodb_log_file_size=512M
innodb_flush_log_at_trx_commit=2
sync_binlog=0
max_allowed_packet=256M
character-set-server=utf8mb4
collation-server=utf8mb4_unicode_ci
skip-name-resolve
CONF
  [ -n "$run_user" ] && chown "$run_user" "$srv"
  as_user mariadbd --defaults-file="$srv/mariadb.cnf" >/dev/null 2>&1 &
  wait_for 60 "MariaDB" test -S "$sock/mariadb.sock"
  wait_for 60 "MariaDB" mariadb --no-defaults -S "$sock/mariadb.sock" -uroot -e 'select 1'
  mariadb --no-defaults -S "$sock/mariadb.sock" -uroot <<SQL
CREATE USER IF NOT EXISTS 'godwit'@'127.0.0.1' IDENTIFIED BY 'godwit-pw';
GRANT ALL PRIVILEGES ON *.* TO 'godwit'@'127.0.0.1' WITH GRANT OPTION;
CREATE USER IF NOT EXISTS 'root'@'127.0.0.1';
GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
SQL
}

# Where the servers keep their data and logs: DIR itself, unless the
# servers' user cannot reach it (a checkout under /root, say), in which case
# a directory of its own under /tmp, recorded in DIR/srvdir.
resolve_srv() {
  if [ -f "$dir/srvdir" ]; then
    srv=$(cat "$dir/srvdir")
    mkdir -p "$srv"
  elif [ -n "$run_user" ] && ! runuser -u "$run_user" -- test -x "$dir" 2>/dev/null; then
    srv=$(mktemp -d /tmp/godwit-srv.XXXXXX)
    echo "$srv" >"$dir/srvdir"
  else
    srv=$dir
  fi
  [ -n "$run_user" ] && chown "$run_user" "$srv"
  return 0
}

stop_pid_file() {
  local f=$1
  [ -f "$f" ] || return 0
  local pid; pid=$(head -1 "$f")
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 600); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  fi
  rm -f "$f"
}

case "$cmd" in
  start)
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    resolve_srv
    # Unix sockets live in a short path of their own: socket paths are
    # limited to 107 bytes and DIR may be deep inside a build tree.
    if [ -f "$dir/sockdir" ] && [ -d "$(cat "$dir/sockdir")" ]; then
      sock=$(cat "$dir/sockdir")
    else
      sock=$(mktemp -d /tmp/godwit-sock.XXXXXX)
      echo "$sock" >"$dir/sockdir"
    fi
    chmod 755 "$sock"
    [ -n "$run_user" ] && chown "$run_user" "$sock"
    my_port=$(free_port 23306)
    start_mariadb "$my_port"
    pg1_port=$(free_port 25432)
    start_pg pg-source "$pg1_port"
    pg2_port=$(free_port $((pg1_port + 1)))
    start_pg pg-dest "$pg2_port"
    cat >"$dir/env" <<ENV
GODWIT_TEST_MYSQL_PORT=$my_port
GODWIT_TEST_PG_SOURCE_PORT=$pg1_port
GODWIT_TEST_PG_DEST_PORT=$pg2_port
GODWIT_TEST_MYSQL_URI=mysql://godwit:godwit-pw@127.0.0.1:$my_port/
GODWIT_TEST_PG_SOURCE_URI=postgresql://godwit:godwit-pw@127.0.0.1:$pg1_port/
GODWIT_TEST_PG_DEST_URI=postgresql://godwit:godwit-pw@127.0.0.1:$pg2_port/
GODWIT_TEST_DIR=$dir
ENV
    echo "testdb: MariaDB on 127.0.0.1:$my_port, PostgreSQL source on :$pg1_port, destination on :$pg2_port"
    ;;
  stop)
    [ -d "$dir" ] || exit 0
    dir=$(cd "$dir" && pwd)
    resolve_srv
    stop_pid_file "$srv/mariadb.pid"
    stop_pid_file "$dir/pg-source.pid"
    stop_pid_file "$dir/pg-dest.pid"
    if [ -f "$dir/sockdir" ]; then rm -rf "$(cat "$dir/sockdir")"; rm -f "$dir/sockdir"; fi
    if [ -f "$dir/srvdir" ]; then rm -rf "$srv"; rm -f "$dir/srvdir"; fi
    ;;
  restart)
    dir=$(cd "$dir" && pwd)
    which=${3:-}
    # shellcheck disable=SC1091
    source "$dir/env"
    sock=$(cat "$dir/sockdir")
    resolve_srv
    case "$which" in
      mariadb)
        stop_pid_file "$srv/mariadb.pid"
        start_mariadb "$GODWIT_TEST_MYSQL_PORT" ;;
      pg-source|pg-dest)
        # "immediate": a crash (no shutdown checkpoint, WAL buffers not
        # flushed), for tests of commits the server takes back.
        mode=fast
        [ "${4:-}" = immediate ] && mode=immediate
        as_user "$pg_bin/pg_ctl" -D "$srv/$which" -m "$mode" -w -t 60 restart -o "-k $sock -p $([ "$which" = pg-source ] && echo "$GODWIT_TEST_PG_SOURCE_PORT" || echo "$GODWIT_TEST_PG_DEST_PORT")" -l "$srv/$which.log" >/dev/null
        head -1 "$srv/$which/postmaster.pid" >"$dir/$which.pid" ;;
      *) echo "usage: $0 restart DIR mariadb|pg-source|pg-dest" >&2; exit 2 ;;
    esac
    ;;
  *)
    echo "usage: $0 start|stop|restart DIR" >&2; exit 2 ;;
esac
