#!/usr/bin/env bash
# Makes sure the local PostgreSQL and Redis the tests use are running, starting (or, on a bare
# Debian machine, installing) them when they are not. Idempotent.
set -euo pipefail

PG_HOST=127.0.0.1
PG_PORT=5432
REDIS_PORT=6379

log() { printf '[services] %s\n' "$*" >&2; }

have() { command -v "$1" >/dev/null 2>&1; }

apt_install() {
  if [ "$(id -u)" -ne 0 ] || ! have apt-get; then
    log "cannot install $* (needs root and apt-get); install it and run again"
    exit 1
  fi
  log "installing $*"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

postgres_up() { pg_isready -q -h "$PG_HOST" -p "$PG_PORT" 2>/dev/null; }
redis_up() { redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; }

# --- PostgreSQL
if ! have pg_ctlcluster || ! have pg_isready; then
  apt_install postgresql
fi
if ! postgres_up; then
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  log "starting PostgreSQL $version"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 60); do postgres_up && break; sleep 0.5; done
  postgres_up || { log "PostgreSQL did not come up on $PG_HOST:$PG_PORT"; exit 1; }
fi
# The tests connect as `postgres` without a password over TCP.
if ! psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -Atqc 'select 1' >/dev/null 2>&1; then
  log "PostgreSQL refuses user postgres over TCP without a password; allow trust auth for 127.0.0.1 (pg_hba.conf)"
  exit 1
fi

# --- Redis
if ! have redis-server || ! have redis-cli; then
  apt_install redis-server
fi
if ! redis_up; then
  log "starting Redis on 127.0.0.1:$REDIS_PORT"
  mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$REDIS_PORT" --save "" --appendonly no \
    --dir /tmp --logfile /tmp/ebay-alerts-redis.log
  for _ in $(seq 1 40); do redis_up && break; sleep 0.25; done
  redis_up || { log "Redis did not come up on 127.0.0.1:$REDIS_PORT"; exit 1; }
fi

# --- leftovers of interrupted test runs (each test drops its own database when it ends). Only
# databases nobody is connected to and created over ten minutes ago: a suite running meanwhile
# on the same machine keeps its own.
stale=$(psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -Atqc \
  "select d.datname from pg_database d where d.datname like 'ebay_alerts_test_%'
     and not exists (select 1 from pg_stat_activity a where a.datname = d.datname)
     and (pg_stat_file('base/' || d.oid || '/PG_VERSION')).modification < now() - interval '10 minutes'" \
  2>/dev/null || true)
for db in $stale; do
  psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -qc "drop database if exists \"$db\" with (force)" >/dev/null 2>&1 || true
done
log "PostgreSQL and Redis are up"
