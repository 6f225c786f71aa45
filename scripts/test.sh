#!/usr/bin/env bash
# Run every test: knnlib's tests and doctests, the notebooks (nbval), the
# project checks, and the real-browser tests against the freshly built book.
#
#   bash scripts/test.sh [extra pytest arguments]
#
# Does all its own set-up: .venv (scripts/setup.sh), Debian's chromium for
# the browser tests (apt-get, when /usr/bin/chromium is missing), and the
# book (scripts/build-book.sh, which the browser tests read from _build/html).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh

if [ ! -x /usr/bin/chromium ]; then
  echo "test: installing Debian's chromium for the browser tests"
  if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
  else
    SUDO="unavailable"
  fi
  if [ "$SUDO" = "unavailable" ]; then
    echo "test: cannot install chromium (not root, no sudo): browser tests will skip, or fail under CI" >&2
  else
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq chromium >/dev/null
  fi
fi

bash scripts/build-book.sh

# notebooks/ may not exist yet on a fresh clone (git keeps no empty folders).
paths=(tests knnlib)
if compgen -G "notebooks/*.ipynb" >/dev/null; then
  paths+=(notebooks)
fi

# Two workers; --dist loadfile keeps each file (and so each notebook's
# kernel, for nbval) on one worker. --doctest-modules comes from pyproject.toml.
# tests/fixtures holds data for tests (e.g. a notebook the browser tests
# build), not tests.
exec .venv/bin/python -m pytest -n 2 --dist loadfile --nbval-lax \
  --ignore=tests/fixtures "${paths[@]}" "$@"
