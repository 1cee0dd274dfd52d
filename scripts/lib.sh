# Shared helpers for the run and test scripts. Sourced, not executed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${REFLECT_VENV:-$ROOT/.venv}"
PYTHON="${PYTHON:-python3}"
SMART_TURN_WHEEL="pipecat-ai==1.14.0"

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

apt_install() {
  # Install only what is missing, so repeat runs are quick and need no network.
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "==> apt-get install ${missing[*]}"
    as_root apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
}

make_venv() {
  # $1: pip extras, e.g. "" or "[test]"
  if ! "$PYTHON" -c 'import venv, ensurepip' 2>/dev/null; then
    apt_install python3-venv
  fi
  [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --upgrade pip 2>&1 | grep -v '^WARNING: Location' || true
  echo "==> pip install -e .$1"
  "$VENV/bin/python" -m pip install -q -e "$ROOT$1" 2>&1 | grep -v '^WARNING: Location' || true
  # Smart Turn v3.2 (the end-of-turn audio model) ships inside the pipecat-ai wheel. Only its
  # ONNX file is used (loaded with our onnxruntime, sha256-pinned in voice/model_store.py), so
  # the wheel is installed without its framework dependencies (numba, openai, aiohttp, ...).
  echo "==> pip install --no-deps $SMART_TURN_WHEEL"
  "$VENV/bin/python" -m pip install -q --no-deps "$SMART_TURN_WHEEL" 2>&1 | grep -v '^WARNING: Location' || true
  "$VENV/bin/python" -c 'import faster_whisper, piper, fastapi' # fail loudly if the install did not take
}
