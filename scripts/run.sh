#!/usr/bin/env bash
# Set up and run the service with embedded defaults (no network, no Ollama needed).
source "$(dirname "$0")/lib.sh"
make_venv ""
echo "==> reflect serve  (kiosk: http://127.0.0.1:8000/kiosk  dashboard: http://127.0.0.1:8000/dashboard)"
exec "$VENV/bin/reflect" serve "$@"
