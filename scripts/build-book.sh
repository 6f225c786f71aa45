#!/usr/bin/env bash
# Build the whole book into _build/html, executing every notebook.
#
#   bash scripts/build-book.sh
#
# Sets up .venv first (scripts/setup.sh). Builds every page from scratch
# (--all) with warnings as errors (-W), nit-picky references (-n) and
# --keep-going (so one run lists every problem). Jupyter Book can still exit
# 0 with a notebook that raised, so scripts/check_build.py then inspects the
# log and myst-nb's reports and fails loudly if any notebook raised.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh

# Interactive figures draw every frame in advance, so they respond in the static book (knnlib/widgets/figure.py).
export KNNBOOK_PRECOMPUTE=1

mkdir -p _build
# A clean output folder: no page, or myst-nb failure report, of an earlier
# build may linger (--all re-reads every source but deletes nothing).
rm -rf _build/html
LOG=_build/build.log

set +e
.venv/bin/jupyter-book build . --all -W -n --keep-going 2>&1 | tee "$LOG"
build_status=${PIPESTATUS[0]}
set -e

check_status=0
.venv/bin/python scripts/check_build.py --html _build/html --log "$LOG" || check_status=$?

if [ "$build_status" -ne 0 ] || [ "$check_status" -ne 0 ]; then
  echo "build-book: FAILED (jupyter-book exit $build_status, check_build exit $check_status); log: $LOG" >&2
  exit 1
fi
echo "build-book: the book is in _build/html (open _build/html/index.html)"
