#!/usr/bin/env bash
# Create the project's virtual environment and keep it in step with the pins.
#
#   bash scripts/setup.sh
#
# * Creates .venv with Python 3.11 when it is missing (python3.11, or python3
#   if that is 3.11).
# * (Re)installs requirements.txt (which installs knnlib itself, editable)
#   whenever requirements.txt or pyproject.toml changed since the last
#   install: a SHA-256 stamp of both files is kept in .venv/.knnbook-installed.
# * Idempotent and quiet: when nothing changed it prints nothing and takes
#   well under a second. Every other script calls it first.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

VENV=.venv
STAMP="$VENV/.knnbook-installed"

is_python_311() {
  "$1" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)' 2>/dev/null
}

if [ ! -x "$VENV/bin/python" ]; then
  PYTHON=""
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 && is_python_311 "$candidate"; then
      PYTHON="$candidate"
      break
    fi
  done
  if [ -z "$PYTHON" ]; then
    echo "setup: Python 3.11 is required (neither python3.11 nor python3 is 3.11)." >&2
    exit 1
  fi
  echo "setup: creating $VENV with $PYTHON"
  "$PYTHON" -m venv "$VENV"
fi

if ! is_python_311 "$VENV/bin/python"; then
  echo "setup: $VENV is not Python 3.11; remove it (rm -rf $VENV) and rerun." >&2
  exit 1
fi

wanted="$(cat requirements.txt pyproject.toml | sha256sum | cut -d' ' -f1)"
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$wanted" ]; then
  echo "setup: installing requirements.txt into $VENV (the first time takes a few minutes)"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements.txt
  echo "$wanted" > "$STAMP"
  echo "setup: done"
fi
