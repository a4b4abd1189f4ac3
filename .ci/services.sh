#!/usr/bin/env bash
# What the tests need from the machine (DEVELOPERS.md), on Debian: PostgreSQL on 127.0.0.1:5432
# with a role `root` that connects without a password and a database `test`; Redis on
# 127.0.0.1:6379; curl (a test shells out to it); chromium and a CJK font (the browser tests).
# Installs what is missing with apt-get, starts what is down, waits a bounded time for each, and
# stops with the reason when something does not come up. Safe to run again: it changes nothing
# that already works.
set -euo pipefail

WAIT=${SHOPAUTH_CI_WAIT_SECONDS:-60}
PG_PORT=5432
PG_ROLE=${SHOPAUTH_CI_PG_ROLE:-root}
PG_DB=${SHOPAUTH_CI_PG_DB:-test}
REDIS_PORT=6379

die() {
  echo "ci: FAILED: $*" >&2
  exit 1
}
say() { echo "== $*"; }

[ "$(id -u)" -eq 0 ] || die "run as root (apt-get, and starting PostgreSQL as its owner, need it)"

# ---- packages ------------------------------------------------------------------------------
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
missing=()
# Any PostgreSQL server version will do; the `postgresql` package brings Debian's current one.
compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null || missing+=(postgresql)
command -v pg_ctlcluster >/dev/null || missing+=(postgresql-common)
command -v psql >/dev/null || missing+=(postgresql-client)
command -v redis-server >/dev/null || missing+=(redis-server)
command -v redis-cli >/dev/null || missing+=(redis-tools)
command -v curl >/dev/null || missing+=(curl)
command -v chromium >/dev/null || missing+=(chromium)
installed fonts-noto-cjk || missing+=(fonts-noto-cjk)
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q || die "apt-get update failed"
  apt-get install -y -q --no-install-recommends "${missing[@]}" || die "apt-get install ${missing[*]} failed"
fi

# Waits up to $WAIT seconds for "$@" to succeed.
wait_for() {
  for _ in $(seq 1 "$WAIT"); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 1
  done
  return 1
}

# ---- PostgreSQL ----------------------------------------------------------------------------
# The cluster on port 5432: zero clusters (a fresh install in a container whose package scripts
# made none) -> create one with the newest installed version; several -> the one on 5432.
cluster=$(pg_lsclusters -h | awk -v port="$PG_PORT" '$3 == port { print $1 " " $2; exit }')
if [ -z "$cluster" ]; then
  version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
  [ -n "$version" ] || die "no PostgreSQL server installed under /usr/lib/postgresql"
  say "creating PostgreSQL $version cluster 'ci' on port $PG_PORT"
  pg_createcluster "$version" ci --port "$PG_PORT" || die "pg_createcluster $version ci failed"
  cluster="$version ci"
fi
read -r pg_version pg_name <<<"$cluster"
pg_log=$(pg_lsclusters -h | awk -v v="$pg_version" -v n="$pg_name" '$1 == v && $2 == n { print $7 }')
if ! pg_isready -q -h 127.0.0.1 -p "$PG_PORT"; then
  say "starting PostgreSQL $pg_version/$pg_name"
  # Without systemd (containers) pg_ctlcluster must not hand over to systemctl.
  pg_ctlcluster --skip-systemctl-redirect "$pg_version" "$pg_name" start ||
    die "pg_ctlcluster $pg_version $pg_name start failed; last log lines:
$(tail -n 20 "$pg_log" 2>/dev/null)"
fi
wait_for pg_isready -q -h 127.0.0.1 -p "$PG_PORT" ||
  die "PostgreSQL $pg_version/$pg_name not accepting connections on 127.0.0.1:$PG_PORT after ${WAIT}s; last log lines:
$(tail -n 20 "$pg_log" 2>/dev/null)"

# Role and database, as the postgres superuser over the local socket.
as_postgres() { runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -p "$PG_PORT" -d postgres -Atc "$1"; }
if [ "$(as_postgres "select 1 from pg_roles where rolname = '$PG_ROLE'")" != 1 ]; then
  say "creating role $PG_ROLE"
  as_postgres "create role \"$PG_ROLE\" superuser login" || die "cannot create role $PG_ROLE"
fi
if [ "$(as_postgres "select 1 from pg_database where datname = '$PG_DB'")" != 1 ]; then
  say "creating database $PG_DB"
  as_postgres "create database \"$PG_DB\" owner \"$PG_ROLE\"" || die "cannot create database $PG_DB"
fi
# The role connects over TCP without a password (a CI machine only): trust it on loopback, first in pg_hba.conf.
pg_ok() { psql -X -h 127.0.0.1 -p "$PG_PORT" -U "$PG_ROLE" -d "$PG_DB" -Atc 'select 1'; }
if ! pg_ok >/dev/null 2>&1; then
  hba=$(as_postgres 'show hba_file')
  say "trusting $PG_ROLE on loopback in $hba"
  sed -i "1i host all $PG_ROLE 127.0.0.1/32 trust\nhost all $PG_ROLE ::1/128 trust" "$hba"
  as_postgres 'select pg_reload_conf()' >/dev/null || die "cannot reload PostgreSQL's configuration"
  wait_for pg_ok || die "$PG_ROLE cannot connect to 127.0.0.1:$PG_PORT/$PG_DB: $(pg_ok 2>&1)"
fi
say "PostgreSQL $pg_version/$pg_name on 127.0.0.1:$PG_PORT, role $PG_ROLE, database $PG_DB"

# ---- Redis ---------------------------------------------------------------------------------
redis_up() { [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]; }
if ! redis_up; then
  say "starting Redis"
  # Nothing to keep: no snapshots, no append-only file. ::1 only where the machine has IPv6 (the - prefix).
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$REDIS_PORT" --save '' --appendonly no --dir /tmp \
    --logfile /tmp/shopauth-ci-redis.log || die "redis-server did not start; last log lines:
$(tail -n 20 /tmp/shopauth-ci-redis.log 2>/dev/null)"
fi
wait_for redis_up || die "Redis not answering PING on 127.0.0.1:$REDIS_PORT after ${WAIT}s; last log lines:
$(tail -n 20 /tmp/shopauth-ci-redis.log 2>/dev/null)"
say "Redis on 127.0.0.1:$REDIS_PORT"
