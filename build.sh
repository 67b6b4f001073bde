#!/usr/bin/env bash
# Builds the portable onedir folder dist/jnjp/ with PyInstaller (build.spec) on THIS OS
# (PyInstaller cannot cross-compile: build the Windows folder on Windows), then runs the frozen
# program's self-test. Prints the folder's size.
set -euo pipefail
cd "$(dirname "$0")"
./bootstrap.sh
.venv/bin/python -m pip install -q --disable-pip-version-check -r requirements-build.txt
rm -rf build/jnjp dist/jnjp
.venv/bin/pyinstaller --noconfirm --log-level WARN build.spec
echo "== 便携文件夹 / portable folder: dist/jnjp ($(du -sh dist/jnjp | cut -f1))"
QT_QPA_PLATFORM=offscreen dist/jnjp/jnjp --self-test
