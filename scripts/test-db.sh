#!/usr/bin/env bash
# Throwaway PostgreSQL (15 preferred) on 127.0.0.1 for Workcell's tests.
#
#   scripts/test-db.sh start [--dir DIR] [--durable]
#                                          start one (or reuse the running one); prints its DSN
#   scripts/test-db.sh stop  [--dir DIR]   stop it and remove its data
#   scripts/test-db.sh status [--dir DIR]  print the DSN and exit 0 if running, else exit 3
#   scripts/test-db.sh restart [--dir DIR] restart the running server (fast shutdown: open sessions
#                                          are cut, as in a plant's database failover); same data and port
#   scripts/test-db.sh --help
#
# The DSN is the only thing written to stdout, one line:
#   postgres://workcell:workcell@127.0.0.1:PORT/workcell_test?sslmode=disable
# so `DSN=$(scripts/test-db.sh start)` works. Everything else goes to stderr. With --unix-socket
# (start, status, restart) the DSN names the server's Unix socket directory instead of TCP:
#   postgres://workcell:workcell@:PORT/workcell_test?host=/path/to/socket/dir
# which a client in another network namespace can still reach.
#
# Environment:
#   WORKCELL_TEST_DB_PORT   port to listen on (default: a free one)
#   WORKCELL_TEST_DB_STATE  state file (default: ${TMPDIR:-/tmp}/workcell-test-db.state)
#   WORKCELL_PG_BINDIR      directory holding initdb/pg_ctl/psql (default: /usr/lib/postgresql/15/bin,
#                           else the newest /usr/lib/postgresql/*/bin; installed with apt-get if none)
#
# Without --dir the server lives in a fresh mktemp directory that `stop` deletes, and its state
# is kept in the state file above. With --dir DIR it lives in DIR/pgdata (socket DIR/pgsock, log
# DIR/postgres.log), its state in DIR/workcell-test-db.state, and `stop --dir DIR` deletes those
# but not DIR. Each state file names one instance, so a --dir instance runs beside a default one;
# the default state file also points at a --dir instance unless it records another live server,
# so a plain `stop`/`status` finds the last one started.
# As root, a DIR of mode 700 (mktemp -d) is given o+x so the postgres user can reach it; if a
# parent directory is closed to postgres, the cluster goes to a separate /tmp/workcell-test-db.*
# directory instead (recorded in the state, deleted by `stop`).
#
# The server is tuned for tests (fsync, synchronous_commit and full_page_writes off): never keep
# data you care about in it. With --durable a new server runs as plants run PostgreSQL (all three
# on: every commit waits for its WAL on disk) — what `workcell-bench yield-ingest --durable` measures
# on; a server already running keeps the settings it was started with. PostgreSQL refuses to run as root, so as root the data directory
# belongs to the `postgres` user and initdb/pg_ctl run via `runuser -u postgres`.
set -euo pipefail

prog=$(basename "$0")
DB_USER=workcell
DB_PASSWORD=workcell
DB_NAME=workcell_test
PG_START_TIMEOUT=30   # seconds pg_ctl waits for the server to start / stop
PSQL_TIMEOUT=30       # seconds any single psql invocation may take
APT_TIMEOUT=900       # seconds apt-get may take
default_state="${WORKCELL_TEST_DB_STATE:-${TMPDIR:-/tmp}/workcell-test-db.state}"

log() { printf '%s: %s\n' "$prog" "$*" >&2; }
die() { log "error: $*"; exit 1; }

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
}

is_root() { [ "$(id -u)" = 0 ]; }

# Runs a PostgreSQL server-side command as the user that owns the cluster. fd 9 (the state lock)
# is closed so the daemonised postmaster does not inherit it and hold the lock forever.
as_pg() {
  if is_root; then
    runuser -u postgres -- "$@" 9>&-
  else
    "$@" 9>&-
  fi
}

# --- locating / installing the binaries ------------------------------------------------------------

find_bindir() {
  if [ -n "${WORKCELL_PG_BINDIR:-}" ]; then
    [ -x "$WORKCELL_PG_BINDIR/initdb" ] && [ -x "$WORKCELL_PG_BINDIR/pg_ctl" ] \
      || die "WORKCELL_PG_BINDIR=$WORKCELL_PG_BINDIR has no initdb/pg_ctl"
    printf '%s\n' "$WORKCELL_PG_BINDIR"
    return 0
  fi
  if [ -x /usr/lib/postgresql/15/bin/initdb ] && [ -x /usr/lib/postgresql/15/bin/pg_ctl ]; then
    printf '%s\n' /usr/lib/postgresql/15/bin
    return 0
  fi
  local d best=""
  # Newest version first (sort -V on the version component).
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5,5Vr); do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then best=$d; break; fi
  done
  [ -n "$best" ] || return 1
  printf '%s\n' "$best"
}

install_postgres() {
  local sudo=()
  if ! is_root; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      sudo=(sudo -n)
    else
      die "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin and not root: run 'apt-get install -y postgresql' as root (or set WORKCELL_PG_BINDIR)"
    fi
  fi
  command -v apt-get >/dev/null 2>&1 \
    || die "PostgreSQL server binaries not found and apt-get is unavailable; install PostgreSQL 15 (or set WORKCELL_PG_BINDIR)"
  log "PostgreSQL server binaries not found; installing with apt-get (up to ${APT_TIMEOUT}s)"
  export DEBIAN_FRONTEND=noninteractive
  if ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive timeout "$APT_TIMEOUT" \
      apt-get install -y -q postgresql >&2; then
    log "apt-get install failed; running apt-get update and retrying"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive timeout "$APT_TIMEOUT" apt-get update -q >&2 \
      || die "apt-get update failed"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive timeout "$APT_TIMEOUT" \
      apt-get install -y -q postgresql >&2 || die "apt-get install -y postgresql failed"
  fi
}

# --- state -----------------------------------------------------------------------------------------
# The state file is plain KEY=VALUE lines, read without eval.

STATE_BASE="" STATE_DATA="" STATE_SOCK="" STATE_LOG="" STATE_PORT="" STATE_BINDIR=""
STATE_OWNED_BASE="" STATE_DSN="" STATE_PGROOT="" STATE_OWNED_PGROOT=""

read_state() { # read_state FILE -> 0 if it was read
  local file=$1 key value
  [ -f "$file" ] || return 1
  STATE_BASE="" STATE_DATA="" STATE_SOCK="" STATE_LOG="" STATE_PORT="" STATE_BINDIR=""
  STATE_OWNED_BASE="" STATE_DSN="" STATE_PGROOT="" STATE_OWNED_PGROOT=""
  while IFS='=' read -r key value; do
    case $key in
      base) STATE_BASE=$value ;;
      data) STATE_DATA=$value ;;
      sock) STATE_SOCK=$value ;;
      log) STATE_LOG=$value ;;
      port) STATE_PORT=$value ;;
      bindir) STATE_BINDIR=$value ;;
      owned_base) STATE_OWNED_BASE=$value ;;
      pgroot) STATE_PGROOT=$value ;;
      owned_pgroot) STATE_OWNED_PGROOT=$value ;;
      dsn) STATE_DSN=$value ;;
    esac
  done <"$file"
  [ -n "$STATE_DATA" ] && [ -n "$STATE_PORT" ] && [ -n "$STATE_BINDIR" ]
}

write_state() { # write_state FILE...
  local f tmp
  for f in "$@"; do
    tmp="$f.tmp.$$"
    {
      printf 'base=%s\n' "$STATE_BASE"
      printf 'data=%s\n' "$STATE_DATA"
      printf 'sock=%s\n' "$STATE_SOCK"
      printf 'log=%s\n' "$STATE_LOG"
      printf 'port=%s\n' "$STATE_PORT"
      printf 'bindir=%s\n' "$STATE_BINDIR"
      printf 'owned_base=%s\n' "$STATE_OWNED_BASE"
      printf 'pgroot=%s\n' "$STATE_PGROOT"
      printf 'owned_pgroot=%s\n' "$STATE_OWNED_PGROOT"
      printf 'dsn=%s\n' "$STATE_DSN"
    } >"$tmp"
    mv -f "$tmp" "$f"
  done
}

state_running() {
  [ -n "$STATE_DATA" ] && [ -f "$STATE_DATA/postmaster.pid" ] || return 1
  as_pg "$STATE_BINDIR/pg_ctl" -D "$STATE_DATA" status >/dev/null 2>&1 || return 1
  # pg_ctl status only checks kill(pid, 0), which also succeeds for an unreaped zombie.
  pid_is_live_postgres "$(postmaster_pid)"
}

make_dsn() { printf 'postgres://%s:%s@127.0.0.1:%s/%s?sslmode=disable\n' \
  "$DB_USER" "$DB_PASSWORD" "$1" "$DB_NAME"; }

print_dsn() { # the recorded DSN, or its Unix-socket form with --unix-socket
  if [ "$unix_socket" = 1 ]; then
    printf 'postgres://%s:%s@:%s/%s?host=%s\n' "$DB_USER" "$DB_PASSWORD" "$STATE_PORT" "$DB_NAME" "$STATE_SOCK"
  else
    printf '%s\n' "$STATE_DSN"
  fi
}

log_tail() {
  local f=$STATE_LOG
  if [ -n "$f" ] && [ -f "$f" ]; then
    log "---- last lines of $f ----"
    tail -n 40 "$f" >&2 || true
    log "---- end of log ----"
  fi
}

# --- ports -----------------------------------------------------------------------------------------

port_in_use() { # connectable on 127.0.0.1?
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

free_port() {
  local p
  if command -v python3 >/dev/null 2>&1; then
    p=$(python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()' 2>/dev/null) \
      && [ -n "$p" ] && { printf '%s\n' "$p"; return 0; }
  fi
  for _ in $(seq 1 200); do
    p=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
    port_in_use "$p" || { printf '%s\n' "$p"; return 0; }
  done
  return 1
}

# --- stop / cleanup ----------------------------------------------------------------------------------

postmaster_pid() {
  [ -f "$STATE_DATA/postmaster.pid" ] && head -n 1 "$STATE_DATA/postmaster.pid" 2>/dev/null || true
}

pid_is_live_postgres() { # a running (not zombie) process named postgres/postmaster?
  local stat comm
  [ -n "$1" ] || return 1
  stat=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
  comm=$(ps -o comm= -p "$1" 2>/dev/null) || return 1
  case $stat in Z*) return 1 ;; esac
  case $comm in postgres*|postmaster*) return 0 ;; esac
  return 1
}

stop_server() { # stops the server described by STATE_*; never fails
  [ -n "$STATE_DATA" ] && [ -d "$STATE_DATA" ] || return 0
  local pid
  pid=$(postmaster_pid)
  if [ -f "$STATE_DATA/postmaster.pid" ] && pid_is_live_postgres "$pid"; then
    if ! as_pg "$STATE_BINDIR/pg_ctl" -D "$STATE_DATA" -w -t "$PG_START_TIMEOUT" stop -m fast >&2 2>&1; then
      log "fast shutdown failed; trying immediate shutdown"
      as_pg "$STATE_BINDIR/pg_ctl" -D "$STATE_DATA" -w -t 10 stop -m immediate >&2 2>&1 || true
    fi
  fi
  # Last resort: the postmaster is still alive (or the pid file is gone but the process is not).
  if [ -n "$pid" ] && pid_is_live_postgres "$pid"; then
    log "postmaster $pid still running; killing it"
    kill -KILL "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + 10))
    while pid_is_live_postgres "$pid" && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
  fi
}

remove_files() { # removes what STATE_* says this script created
  if [ -n "$STATE_DATA" ]; then rm -rf -- "$STATE_DATA"; fi
  if [ -n "$STATE_SOCK" ]; then rm -rf -- "$STATE_SOCK"; fi
  if [ -n "$STATE_LOG" ]; then rm -f -- "$STATE_LOG"; fi
  if [ "$STATE_OWNED_PGROOT" = 1 ] && [ -n "$STATE_PGROOT" ]; then rm -rf -- "$STATE_PGROOT"; fi
  if [ -n "$STATE_BASE" ]; then
    if [ "$STATE_OWNED_BASE" = 1 ]; then
      rm -rf -- "$STATE_BASE"
    else
      rm -f -- "$STATE_BASE/workcell-test-db.state"
    fi
  fi
}

# --- commands --------------------------------------------------------------------------------------

lock_state() { # serialise concurrent start/stop on the same state file
  exec 9>"$1.lock" \
    || die "cannot open the lock file $1.lock (owned by another user?); set WORKCELL_TEST_DB_STATE"
  flock -w 120 9 || die "timed out after 120s waiting for the lock $1.lock"
}

state_file_for() { # state_file_for DIR -> the state file that identifies the instance
  if [ -n "$1" ]; then printf '%s\n' "$1/workcell-test-db.state"; else printf '%s\n' "$default_state"; fi
}

# Writes the state of the instance being started: to its own state file and, for --dir, also to
# the default state file (unless that records another running server) so plain stop/status find it.
record_state() { # record_state PRIMARY WITH_POINTER
  write_state "$1"
  if [ "$2" = 1 ] && [ "$1" != "$default_state" ]; then write_state "$default_state"; fi
}

forget_state() { # forget_state PRIMARY: remove the state file and a default pointing at it
  local data=$STATE_DATA
  rm -f -- "$1"
  if [ "$1" != "$default_state" ] && [ -f "$default_state" ]; then
    if read_state "$default_state" && [ "$STATE_DATA" = "$data" ]; then rm -f -- "$default_state"; fi
  fi
}

cmd_status() {
  local f
  f=$(state_file_for "$1")
  if read_state "$f" && state_running; then
    print_dsn
    log "running: data $STATE_DATA, port $STATE_PORT (state $f)"
    return 0
  fi
  log "not running"
  return 3
}

cmd_restart() {
  local f
  lock_state "$default_state"
  f=$(state_file_for "$1")
  read_state "$f" && state_running || die "no running test database recorded in $f; start one first"
  log "restarting server on port $STATE_PORT (data $STATE_DATA; fast shutdown)"
  # pg_ctl restart keeps the command line the server was started with (postmaster.opts).
  as_pg "$STATE_BINDIR/pg_ctl" -D "$STATE_DATA" -l "$STATE_LOG" -w -t "$PG_START_TIMEOUT" restart -m fast >&2 \
    || { log_tail; die "PostgreSQL did not restart within ${PG_START_TIMEOUT}s"; }
  print_dsn
}

cmd_stop() {
  local f
  lock_state "$default_state"
  f=$(state_file_for "$1")
  if ! read_state "$f"; then
    log "no test database recorded in $f; nothing to stop"
    return 0
  fi
  log "stopping server on port $STATE_PORT (data $STATE_DATA)"
  stop_server
  remove_files
  forget_state "$f"
  # Stopped via the default state file: the --dir state file is gone with remove_files.
  return 0
}

cmd_start() {
  local dir=$1 primary pointer=0
  lock_state "$default_state"
  primary=$(state_file_for "$dir")

  # Already running? Print the same DSN.
  if read_state "$primary"; then
    if state_running; then
      log "already running on port $STATE_PORT"
      print_dsn
      return 0
    fi
    log "stale state in $primary (server not running); cleaning up"
    stop_server
    remove_files
    forget_state "$primary"
  fi
  # With --dir, the default state file also points here unless it records another live server.
  if [ -n "$dir" ]; then
    if read_state "$default_state"; then
      if ! state_running; then
        log "stale state in $default_state (server not running); cleaning up"
        stop_server
        remove_files
        rm -f -- "$default_state"
        pointer=1
      fi
    else
      pointer=1
    fi
  fi

  local bindir
  if ! bindir=$(find_bindir); then
    install_postgres
    bindir=$(find_bindir) || die "apt-get install postgresql succeeded but no initdb/pg_ctl under /usr/lib/postgresql/*/bin"
  fi
  [ -x "$bindir/psql" ] || die "$bindir/psql is missing"
  log "using $("$bindir/pg_ctl" --version) from $bindir"
  if is_root; then
    id postgres >/dev/null 2>&1 || die "running as root but there is no 'postgres' user to run the server as"
    command -v runuser >/dev/null 2>&1 || die "running as root but runuser is missing"
  fi

  # Directories: base holds the state (with --dir) and normally the cluster too (pgroot).
  local base owned_base pgroot owned_pgroot=0
  if [ -n "$dir" ]; then
    mkdir -p -- "$dir"
    base=$(cd "$dir" && pwd)
    owned_base=0
  else
    base=$(mktemp -d "${TMPDIR:-/tmp}/workcell-test-db.XXXXXX")
    owned_base=1
    if is_root; then chown postgres: "$base"; fi
  fi
  pgroot=$base
  if is_root && ! runuser -u postgres -- test -x "$pgroot" 9>&-; then
    # The server runs as postgres, which must be able to reach the data directory. A directory
    # from `mktemp -d` is mode 700: let others traverse (not list) it if it is ours.
    local mode
    mode=$(stat -c %A "$pgroot")
    if [ "$(stat -c %u "$pgroot")" = 0 ] && [ "${mode: -1}" != x ] && [ "${mode: -1}" != t ]; then
      chmod o+x -- "$pgroot"
      log "made $pgroot traversable (o+x) for user postgres"
    fi
    if ! runuser -u postgres -- test -x "$pgroot" 9>&-; then
      # A parent directory is closed to postgres: keep the cluster in a directory of its own.
      pgroot=$(mktemp -d /tmp/workcell-test-db.XXXXXX)
      owned_pgroot=1
      chown postgres: "$pgroot"
      log "user postgres cannot reach $base; keeping the cluster in $pgroot instead"
    fi
  fi
  case $pgroot in *"'"*|*'"'*|*' '*|*'\'*) die "directory $pgroot contains quotes, spaces or backslashes; choose another --dir" ;; esac
  STATE_BASE=$base
  STATE_OWNED_BASE=$owned_base
  STATE_PGROOT=$pgroot
  STATE_OWNED_PGROOT=$owned_pgroot
  STATE_DATA="$pgroot/pgdata"
  STATE_SOCK="$pgroot/pgsock"
  STATE_LOG="$pgroot/postgres.log"
  STATE_BINDIR=$bindir
  STATE_PORT=""
  STATE_DSN=""
  # Write state early so `stop` can clean up even if start fails half way.
  record_state "$primary" "$pointer"

  # Unix socket paths are limited to ~107 bytes.
  if [ $(( ${#STATE_SOCK} + 25 )) -gt 107 ]; then
    remove_files; forget_state "$primary"
    die "socket directory path $STATE_SOCK is too long for a unix socket; use a shorter --dir or TMPDIR"
  fi

  fail() { # fail MESSAGE: show the log, clean up, exit 1
    log "error: $1"
    log_tail
    stop_server
    remove_files
    forget_state "$primary"
    exit 1
  }

  rm -rf -- "$STATE_DATA" "$STATE_SOCK"
  mkdir -p -- "$STATE_DATA" "$STATE_SOCK"
  chmod 700 "$STATE_DATA"
  : >"$STATE_LOG"
  if is_root; then
    chown -R postgres: "$STATE_DATA" "$STATE_SOCK" "$STATE_LOG"
    runuser -u postgres -- test -w "$STATE_DATA" 9>&- \
      || fail "user postgres cannot write to $STATE_DATA; use --dir somewhere like /tmp/..."
  fi

  if [ -n "${WORKCELL_TEST_DB_PORT:-}" ] && port_in_use "$WORKCELL_TEST_DB_PORT"; then
    fail "WORKCELL_TEST_DB_PORT=$WORKCELL_TEST_DB_PORT is already in use on 127.0.0.1"
  fi

  # initdb: superuser 'postgres', trust over the unix socket, passwords over TCP.
  if ! as_pg timeout 120 "$bindir/initdb" -D "$STATE_DATA" -U postgres -E UTF8 --locale=C \
      --auth-local=trust --auth-host=scram-sha-256 --no-sync >>"$STATE_LOG" 2>&1; then
    fail "initdb failed"
  fi

  # Start, retrying on another port if the chosen one was taken in the meantime.
  local port started=0 durability="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  if [ "$durable" = 1 ]; then
    durability="-c fsync=on -c synchronous_commit=on -c full_page_writes=on"
    log "durable: fsync, synchronous_commit and full_page_writes on"
  fi
  for _ in 1 2 3; do
    if [ -n "${WORKCELL_TEST_DB_PORT:-}" ]; then
      port=$WORKCELL_TEST_DB_PORT
      case $port in ''|*[!0-9]*) fail "WORKCELL_TEST_DB_PORT=$port is not a port number" ;; esac
      if port_in_use "$port"; then fail "WORKCELL_TEST_DB_PORT=$port is already in use on 127.0.0.1"; fi
    else
      port=$(free_port) || fail "could not find a free port on 127.0.0.1"
    fi
    STATE_PORT=$port
    STATE_DSN=$(make_dsn "$port")
    record_state "$primary" "$pointer"
    log "starting PostgreSQL on 127.0.0.1:$port (data $STATE_DATA)"
    if as_pg "$bindir/pg_ctl" -D "$STATE_DATA" -l "$STATE_LOG" -w -t "$PG_START_TIMEOUT" start \
        -o "-c listen_addresses=127.0.0.1 -p $port -k '$STATE_SOCK' $durability" \
        >&2; then
      started=1
      break
    fi
    stop_server
    if [ -n "${WORKCELL_TEST_DB_PORT:-}" ] || ! grep -qi 'could not bind\|address already in use' "$STATE_LOG"; then
      break
    fi
    log "port $port was taken; retrying with another"
  done
  [ "$started" = 1 ] || fail "PostgreSQL did not start within ${PG_START_TIMEOUT}s"

  # Role and database, as the postgres superuser over the unix socket.
  local psql=(timeout "$PSQL_TIMEOUT" "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h "$STATE_SOCK" -p "$port" -U postgres)
  if ! PGCONNECT_TIMEOUT=10 "${psql[@]}" -d postgres >>"$STATE_LOG" 2>&1 <<SQL
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$DB_USER') THEN
    CREATE ROLE $DB_USER LOGIN CREATEDB PASSWORD '$DB_PASSWORD';
  ELSE
    ALTER ROLE $DB_USER LOGIN CREATEDB PASSWORD '$DB_PASSWORD';
  END IF;
END
\$\$;
SQL
  then
    fail "creating role $DB_USER failed"
  fi
  if ! PGCONNECT_TIMEOUT=10 "${psql[@]}" -d postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'" 2>>"$STATE_LOG" | grep -q 1; then
    PGCONNECT_TIMEOUT=10 "${psql[@]}" -d postgres -c "CREATE DATABASE $DB_NAME OWNER $DB_USER" >>"$STATE_LOG" 2>&1 \
      || fail "creating database $DB_NAME failed"
  fi
  # Prove the DSN works over TCP with the password before handing it out.
  if ! PGCONNECT_TIMEOUT=10 timeout "$PSQL_TIMEOUT" "$bindir/psql" -X -q -tA "$STATE_DSN" -c 'select 1' >/dev/null 2>>"$STATE_LOG"; then
    fail "cannot connect with $STATE_DSN"
  fi

  log "ready (stop with: $0 stop${dir:+ --dir $dir})"
  print_dsn
}

# --- main ------------------------------------------------------------------------------------------

cmd=""
dir=""
durable=0
unix_socket=0
while [ $# -gt 0 ]; do
  case $1 in
    -h|--help|help) usage; exit 0 ;;
    start|stop|status|restart)
      [ -z "$cmd" ] || die "only one command at a time (got $cmd and $1)"
      cmd=$1 ;;
    --dir) [ $# -ge 2 ] || die "--dir needs a directory"; dir=$2; shift ;;
    --dir=*) dir=${1#--dir=} ;;
    --durable) durable=1 ;;
    --unix-socket) unix_socket=1 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
  shift
done
[ -n "$cmd" ] || { usage >&2; exit 2; }
if [ -n "$dir" ] && [ -d "$dir" ]; then dir=$(cd "$dir" && pwd); fi

case $cmd in
  start) cmd_start "$dir" ;;
  stop) cmd_stop "$dir" ;;
  status) cmd_status "$dir" ;;
  restart) cmd_restart "$dir" ;;
esac
