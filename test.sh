#!/usr/bin/env bash
# Sets up what is missing (bootstrap.sh), then runs the whole test suite offscreen, on every core
# (pytest-xdist; JNJP_TEST_WORKERS=0 runs it in one process, e.g. to debug with -x or --pdb).
set -euo pipefail
cd "$(dirname "$0")"
./bootstrap.sh --test
export QT_QPA_PLATFORM=offscreen
exec .venv/bin/python -m pytest -q -n "${JNJP_TEST_WORKERS:-auto}" "$@"
