#!/usr/bin/env bash
# Start Debian's PostgreSQL cluster and make a test role and database.
# Prints the SQLAlchemy URL on stdout; diagnostics go to stderr.
set -euo pipefail
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi; }
{
  cluster=$(pg_lsclusters -h | awk 'NR==1 {print $1" "$2}')
  if [ -z "$cluster" ]; then
    version=$(ls /usr/lib/postgresql | sort -n | tail -1)
    if [ "$(id -u)" -eq 0 ]; then pg_createcluster "$version" main; else sudo pg_createcluster "$version" main; fi
    cluster="$version main"
  fi
  # shellcheck disable=SC2086
  if [ "$(id -u)" -eq 0 ]; then pg_ctlcluster $cluster start || true; else sudo pg_ctlcluster $cluster start || true; fi
  port=$(pg_lsclusters -h | awk 'NR==1 {print $3}')
  for _ in $(seq 1 30); do as_pg psql -p "$port" -qAtc 'select 1' >/dev/null 2>&1 && break; sleep 1; done
  as_pg psql -p "$port" -qAtc "select 1 from pg_roles where rolname='reflect_test'" | grep -q 1 \
    || as_pg psql -p "$port" -qc "create role reflect_test login superuser password 'reflect_test'"
  as_pg psql -p "$port" -qAtc "select 1 from pg_database where datname='reflect_test'" | grep -q 1 \
    || as_pg createdb -p "$port" -O reflect_test reflect_test
} 1>&2
echo "postgresql+psycopg://reflect_test:reflect_test@127.0.0.1:${port}/reflect_test"
