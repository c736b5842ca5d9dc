# shellcheck shell=bash
# Starts a throw-away PostgreSQL (Debian's package, installed when missing) on
# a loopback port for tests, and stops it again. Sourced by test scripts.
#   pg_test_start   -> exports PG_TEST_PORT, PG_TEST_DIR, POSTGRES_* variables
#   pg_test_stop

pg_bin_dir() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1
}

pg_test_start() {
  if [ -z "$(pg_bin_dir)" ]; then
    echo "[kebap] PostgreSQL not found: installing Debian's postgresql package" >&2
    [ "$(id -u)" = 0 ] || { echo "[kebap] need root to apt-get install postgresql" >&2; return 1; }
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi
  local bin; bin="$(pg_bin_dir)"
  PG_TEST_PORT="${PG_TEST_PORT:-$(( 54000 + RANDOM % 900 ))}"
  PG_TEST_DIR="$(mktemp -d /tmp/kebap-pg.XXXXXX)"
  local run_as=()
  if [ "$(id -u)" = 0 ]; then
    # PostgreSQL refuses to run as root
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    chown postgres "$PG_TEST_DIR"
    run_as=(runuser -u postgres --)
  fi
  local pw="kebap-test-$RANDOM$RANDOM"
  echo "$pw" >"$PG_TEST_DIR/.pw"; chmod 600 "$PG_TEST_DIR/.pw"
  [ "$(id -u)" = 0 ] && chown postgres "$PG_TEST_DIR/.pw"
  "${run_as[@]}" "$bin/initdb" -D "$PG_TEST_DIR/data" -U kebap --pwfile="$PG_TEST_DIR/.pw" \
    --auth=scram-sha-256 >"$PG_TEST_DIR/initdb.log" 2>&1 \
    || { cat "$PG_TEST_DIR/initdb.log" >&2; return 1; }
  "${run_as[@]}" "$bin/pg_ctl" -D "$PG_TEST_DIR/data" -l "$PG_TEST_DIR/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $PG_TEST_PORT -k $PG_TEST_DIR -c max_connections=200" start >/dev/null \
    || { cat "$PG_TEST_DIR/server.log" >&2; return 1; }
  export PG_TEST_PORT PG_TEST_DIR
  export POSTGRES_HOST=127.0.0.1 POSTGRES_PORT="$PG_TEST_PORT" POSTGRES_USER=kebap POSTGRES_PASSWORD="$pw"
  echo "[kebap] PostgreSQL $("$bin/postgres" --version | awk '{print $3}') listening on 127.0.0.1:$PG_TEST_PORT" >&2
}

pg_test_stop() {
  [ -n "${PG_TEST_DIR:-}" ] && [ -d "$PG_TEST_DIR/data" ] || return 0
  local bin; bin="$(pg_bin_dir)"
  local run_as=()
  [ "$(id -u)" = 0 ] && run_as=(runuser -u postgres --)
  "${run_as[@]}" "$bin/pg_ctl" -D "$PG_TEST_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$PG_TEST_DIR"
}
