#!/usr/bin/env bash
# Makes sure PostgreSQL and Redis answer on 127.0.0.1; starts them, or installs them with apt and
# starts them, when they do not. Used by `make test` and the bench scripts.
set -euo pipefail

PG_PORT=${PG_PORT:-5432}
REDIS_PORT=${REDIS_PORT:-6379}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for_port() {
  for _ in $(seq 1 60); do port_open "$1" && return 0; sleep 0.5; done
  echo "ensure_services: nothing answers on 127.0.0.1:$1 after 30 s" >&2
  return 1
}

apt_install() {
  if [ "$(id -u)" != "0" ]; then
    echo "ensure_services: $* missing and not root; install it or start it yourself" >&2
    exit 1
  fi
  if [ -z "${APT_UPDATED:-}" ]; then apt-get update -qq; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

ensure_postgres() {
  port_open "$PG_PORT" && return 0
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    echo "ensure_services: installing PostgreSQL" >&2
    apt_install postgresql
  fi
  local version
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  echo "ensure_services: starting PostgreSQL $version" >&2
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  wait_for_port "$PG_PORT"
  # A fresh Debian cluster asks for a password over TCP: give the postgres role the one the test
  # URL uses (with trust auth it is ignored).
  su postgres -c "psql -q -c \"ALTER USER postgres PASSWORD 'postgres'\"" >/dev/null 2>&1 || true
}

ensure_redis() {
  port_open "$REDIS_PORT" && return 0
  if ! command -v redis-server >/dev/null 2>&1; then
    echo "ensure_services: installing Redis" >&2
    apt_install redis-server
  fi
  echo "ensure_services: starting Redis" >&2
  redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no \
    >/dev/null
  wait_for_port "$REDIS_PORT"
}

ensure_postgres
ensure_redis
echo "ensure_services: PostgreSQL on :$PG_PORT and Redis on :$REDIS_PORT answer" >&2
