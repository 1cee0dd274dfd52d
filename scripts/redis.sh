#!/usr/bin/env bash
# Start a private Debian redis-server for the tests (its own unix socket and port, nothing
# persisted) unless it already runs. Prints the redis URL on stdout; diagnostics go to stderr.
set -euo pipefail
dir="${REFLECT_TEST_REDIS_DIR:-/tmp/reflect-test-redis-$(id -u)}"
port="${REFLECT_TEST_REDIS_PORT:-6391}"
{
  mkdir -p "$dir"
  chmod 700 "$dir"
  if ! redis-cli -s "$dir/redis.sock" ping >/dev/null 2>&1; then
    # No RDB snapshots, no AOF: test data lives in memory only. Loopback only.
    redis-server --daemonize yes --port "$port" --bind 127.0.0.1 --unixsocket "$dir/redis.sock" \
      --unixsocketperm 700 --save "" --appendonly no --dir "$dir" \
      --pidfile "$dir/redis.pid" --logfile "$dir/redis.log"
    for _ in $(seq 1 50); do
      redis-cli -s "$dir/redis.sock" ping >/dev/null 2>&1 && break
      sleep 0.1
    done
  fi
  redis-cli -s "$dir/redis.sock" ping >/dev/null
} 1>&2
echo "redis://127.0.0.1:${port}/0"
