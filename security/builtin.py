"""The shipped catalogue counts as the first 任务参数 package (issue 15, "第0版"): the build writes
``resources/builtin_manifest.json`` (each catalogue file's SHA-256, the same files a package holds,
``packages.builtin_files``), and a program that finds the manifest refuses catalogue files that
differ from it, unless the database's task folder is in local-edits mode — the same rule as for an
installed package.

Made at build time (``build.spec`` calls ``write_builtin_manifest``; ``python -m security.builtin
OUT`` does the same by hand), not kept in git: a source checkout has no manifest and checks nothing
(whoever runs from source can edit the program itself, and every edit of a form file in the
repository would otherwise need the manifest regenerated). What it protects is the built program,
whose form files sit in plain folders beside the executable.
"""

from __future__ import annotations

import sys
from pathlib import Path

# (s1) hashlib, json and security.suite are imported where used: a source checkout only asks
# ``manifest_present`` at every start (hashlib alone loads OpenSSL, a few ms)

__all__ = ["MANIFEST_NAME", "manifest_present", "manifest_of", "write_builtin_manifest", "builtin_edits", "check_builtin"]

MANIFEST_NAME = "builtin_manifest.json"
_FORMAT = "jnjp-builtin-manifest"


def manifest_of(files: dict[str, bytes]) -> dict[str, object]:
    import hashlib

    from version import VERSION

    return {"format": _FORMAT, "version": 1, "program_version": VERSION,
            "files": {name: hashlib.sha256(data).hexdigest() for name, data in sorted(files.items())}}


def write_builtin_manifest(out: Path) -> Path:
    """The manifest of the program's catalogue files as they are now, written to ``out``."""
    import json

    from export.atomic import atomic_write
    from security.packages import builtin_files

    text = json.dumps(manifest_of(builtin_files()), ensure_ascii=False, indent=1).encode("utf-8")
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    atomic_write(Path(out), lambda fh: fh.write(text))
    return Path(out)


def _manifest_path() -> Path:
    from resources import resources_dir

    return resources_dir() / MANIFEST_NAME


def manifest_present() -> bool:
    """A built program (its manifest is there): the built-in files are checked at every open."""
    return _manifest_path().exists()


def builtin_edits(manifest: Path | None = None, files: dict[str, bytes] | None = None) -> list[str] | None:
    """The catalogue files that differ from the build's manifest (changed, missing or added), [] when
    none; None when there is no manifest (a source checkout). A manifest that cannot be read is an
    edit too (deleting or spoiling it must not switch the check off)."""
    import json

    from security.packages import builtin_files

    path = Path(manifest) if manifest is not None else _manifest_path()
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        listed = data["files"] if data.get("format") == _FORMAT else None
    except (OSError, ValueError, UnicodeDecodeError, KeyError, TypeError, AttributeError):
        listed = None
    if not isinstance(listed, dict):
        return [MANIFEST_NAME]
    now = manifest_of(files if files is not None else builtin_files())["files"]
    assert isinstance(now, dict)
    return sorted(name for name in set(listed) | set(now) if listed.get(name) != now.get(name))


def check_builtin(task_folder: Path, manifest: Path | None = None, files: dict[str, bytes] | None = None) -> str:
    """The label of the built-in catalogue for a database whose task folder is ``task_folder``: ""
    (or "内置（本地修改）" in local-edits mode); SecurityError when its files were edited."""
    from security.packages import local_edits
    from security.suite import SecurityError

    edited = builtin_edits(manifest, files)
    if not edited:
        return ""
    if local_edits(task_folder):
        return "内置（本地修改）"
    raise SecurityError(f"程序自带的表式和参考文件被修改：{'、'.join(edited[:5])}。程序拒绝使用被改动的表式和系数；"
                        "请恢复原文件（重新解压程序）或导入区里发布的任务参数，或（仅限区里起草时）切换到“本地修改”模式")


if __name__ == "__main__":  # python -m security.builtin OUT: what the build does
    print(write_builtin_manifest(Path(sys.argv[1]) if len(sys.argv) > 1 else _manifest_path()))
