#!/usr/bin/env bash
# A throwaway PostgreSQL server for the test suites, installed from Debian if missing.
#   source scripts/postgres.sh; pg_start   → exports DATABASE_URL (postgresql://…/ordercore)
#   pg_stop                                → stops it and removes its files
# The server listens on 127.0.0.1 only, trusts local connections and skips fsync: test data.

pg_start() {
  local initdb
  initdb=$(ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -1)
  if [ -z "$initdb" ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >/dev/null
    initdb=$(ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -1)
  fi
  local bin; bin=$(dirname "$initdb")
  PG_DIR=$(mktemp -d /tmp/ordercore-pg.XXXXXX)
  local port; port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  # PostgreSQL refuses to run as root: run it as the `postgres` user when we are root.
  local as=()
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    chown postgres "$PG_DIR"
    as=(runuser -u postgres --)
  fi
  "${as[@]}" "$bin/initdb" -D "$PG_DIR/data" -A trust -U postgres --no-sync >/dev/null
  "${as[@]}" "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w start \
    -o "-p $port -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_connections=200" >/dev/null
  "${as[@]}" "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres ordercore
  PG_BIN=$bin
  PG_AS=("${as[@]}")
  export DATABASE_URL="postgresql://postgres@127.0.0.1:$port/ordercore"
}

pg_stop() {
  if [ -n "${PG_DIR:-}" ]; then
    "${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
    PG_DIR=
  fi
}
