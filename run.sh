#!/usr/bin/env bash
# Sets up what is missing (bootstrap.sh), then starts the window (demo database on first run). Without a graphical display it says so and
# renders the window to a PNG instead, so the set-up can still be checked on a server.
set -euo pipefail
cd "$(dirname "$0")"
./bootstrap.sh
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ] && [ "$(uname)" = "Linux" ]; then
  echo "没有图形桌面（DISPLAY 未设置）：改为离屏运行并保存窗口截图 screenshots/main_window.png"
  echo "No graphical display: rendering the window offscreen to screenshots/main_window.png"
  QT_QPA_PLATFORM=offscreen exec .venv/bin/python main.py --screenshot screenshots/main_window.png "$@"
fi
exec .venv/bin/python main.py "$@"
