#!/usr/bin/env bash
# One-time set-up on a fresh Debian/Ubuntu machine, safe to re-run: Debian packages Qt needs
# (and a CJK font), a virtual environment in .venv, pinned Python packages.
# Used by `make run` and `make test`; installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")"

APT_PACKAGES=(
  fonts-wqy-microhei                      # Chinese renders as boxes without a CJK font
  libgl1 libegl1 libfontconfig1 libglib2.0-0 libdbus-1-3 libxkbcommon0
  libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0
  libxcb-image0 libxcb-render-util0 libxcb-randr0 libxcb-xinerama0 libxcb-xkb1 libx11-xcb1
  xvfb xauth                              # a virtual screen for windowed tests and screenshots
)

# --test (passed by test.sh only): LibreOffice as well, to make the .xls/.ods/LibreOffice-saved
# files the import tests read. run.sh never installs it; those tests skip when it is absent.
if [ "${1:-}" = "--test" ]; then
  APT_PACKAGES+=(libreoffice-calc-nogui)
fi

PYTHON="${PYTHON:-python3}"
if command -v dpkg >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  missing=()
  # Debian's own python3 needs python3-venv for `python3 -m venv`.
  "$PYTHON" -c "import ensurepip" >/dev/null 2>&1 || missing+=(python3-venv)
  for p in "${APT_PACKAGES[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    echo "== 安装系统软件包 / installing Debian packages: ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
else
  echo "== 不是 Debian/Ubuntu：请自行安装 Qt 6 运行库和中文字体 / not Debian: install Qt's libraries and a CJK font yourself"
fi

if [ ! -x .venv/bin/python ]; then
  echo "== 创建虚拟环境 / creating .venv"
  "$PYTHON" -m venv .venv
fi
# Reinstall only when the pinned requirements changed.
stamp=.venv/.requirements.sha256
want=$(cat requirements.txt requirements-dev.txt | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "== 安装 Python 依赖 / installing pinned Python packages"
  .venv/bin/python -m pip install -q --disable-pip-version-check -r requirements-dev.txt
  echo "$want" > "$stamp"
fi
