#!/usr/bin/env bash
# Sets up what is missing (bootstrap.sh), then runs the whole test suite offscreen.
set -euo pipefail
cd "$(dirname "$0")"
./bootstrap.sh --test
export QT_QPA_PLATFORM=offscreen
exec .venv/bin/python -m pytest -q "$@"
