#!/usr/bin/env bash
# Starts and stops the servers the backend tests use, on loopback ports
# only: a PostgreSQL cluster (Debian's postgresql) and a redis-server.
# `start` prints the environment the tests read, for `eval`:
#
#   eval "$(bash tools/servers.sh start)"   # KVKIT_POSTGRES_URL, KVKIT_REDIS_URL
#   bash tools/servers.sh stop
#
# The data lives in a temporary directory, removed by `stop`. PostgreSQL
# refuses to run as root, so as root it runs as the postgres user.
set -euo pipefail

DIR="${KVKIT_SERVERS_DIR:-/tmp/kvkit-servers}"
PG_PORT="${KVKIT_PG_PORT:-55432}"
REDIS_PORT="${KVKIT_REDIS_PORT:-56379}"
PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"

as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-}" in
  start)
    mkdir -p "$DIR"
    if [ -n "$PG_BIN" ] && [ -x "$PG_BIN/initdb" ]; then
      mkdir -p "$DIR/pg"
      [ "$(id -u)" = 0 ] && chown postgres "$DIR" "$DIR/pg"
      if [ ! -f "$DIR/pg/PG_VERSION" ]; then
        as_postgres "$PG_BIN/initdb" -D "$DIR/pg" -U kvkit --auth=trust -E UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1
      fi
      as_postgres "$PG_BIN/pg_ctl" -D "$DIR/pg" -l "$DIR/pg.log" -w \
        -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -k $DIR/pg -c fsync=off" start >/dev/null
      echo "export KVKIT_POSTGRES_URL=postgres://kvkit@127.0.0.1:$PG_PORT/postgres"
    else
      echo "tools/servers.sh: no PostgreSQL here (apt-get install postgresql)" >&2
    fi
    if command -v redis-server >/dev/null 2>&1; then
      redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no \
        --daemonize yes --pidfile "$DIR/redis.pid" --logfile "$DIR/redis.log" --dir "$DIR"
      for _ in $(seq 50); do
        redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break
        sleep 0.1
      done
      echo "export KVKIT_REDIS_URL=redis://127.0.0.1:$REDIS_PORT"
    else
      echo "tools/servers.sh: no redis-server here (apt-get install redis-server)" >&2
    fi
    ;;
  stop)
    if [ -f "$DIR/pg/postmaster.pid" ]; then
      as_postgres "$PG_BIN/pg_ctl" -D "$DIR/pg" -m fast -w stop >/dev/null || true
    fi
    if [ -f "$DIR/redis.pid" ]; then
      kill "$(cat "$DIR/redis.pid")" 2>/dev/null || true
    fi
    rm -rf "$DIR"
    ;;
  *)
    echo "usage: bash tools/servers.sh start|stop" >&2
    exit 2
    ;;
esac
