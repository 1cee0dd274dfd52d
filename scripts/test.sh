#!/usr/bin/env bash
# Set up everything the tests need (system packages, venv, PostgreSQL, Redis) and run the whole suite.
source "$(dirname "$0")/lib.sh"
apt_install espeak-ng sox libportaudio2 postgresql redis-server chromium
make_venv "[test]"
# A real PostgreSQL for the storage tests; the URL is handed to pytest.
if [ -z "${REFLECT_TEST_POSTGRES_URL:-}" ]; then
  REFLECT_TEST_POSTGRES_URL="$("$ROOT/scripts/postgres.sh")"
  export REFLECT_TEST_POSTGRES_URL
fi
# A real Redis for the multi-server tests (two `reflect serve` processes).
if [ -z "${REFLECT_TEST_REDIS_URL:-}" ]; then
  REFLECT_TEST_REDIS_URL="$("$ROOT/scripts/redis.sh")"
  export REFLECT_TEST_REDIS_URL
fi
cd "$ROOT"
echo "==> ruff, mypy"
"$VENV/bin/ruff" check .
"$VENV/bin/mypy"
echo "==> pytest"
exec "$VENV/bin/python" -m pytest -p no:cacheprovider "$@"
