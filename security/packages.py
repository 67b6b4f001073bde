"""任务参数 packages: the district's forms, rules, coefficients, targets and township catalogue in one
signed file (``.jnjptask``), installed by the township program beside its database.

Package format version 1: a ZIP file with

* ``manifest.json``: ``{"format": "jnjp-task-package", "version": 1, "suite", "package_version"
  (an integer that only grows), "title", "created", "changelog": [lines], "district": <the
  district's public part>, "files": {path: SHA-256 hex}}``;
* ``manifest.sig``: Base64 of the district's Ed25519 signature over the bytes of ``manifest.json``;
* every file the manifest lists, under its path: ``forms/definitions/*.yaml`` and
  ``resources/<name>`` for the names in ``RESOURCE_FILES``.

A package is refused, saying why, when it is not one, is unsigned or signed by another key than
the pinned district key, when a file is missing, extra or differs from its hash, when its version
is not newer than the installed one, or when its forms do not load. The first package pins its
district key (unless a township key pinned it already). Installing keeps the previous package
(``previous/``) to roll back to. At start the installed files are checked against the manifest: a
file edited after installation stops the program unless "local edits" mode is on (the district's
own drafting: a marker file in the task folder, ``task local-edits on``), which the title bar and
every export show.

The built-in catalogue (the program's own files) counts as the first package, version 0: the
changes a first package brings are shown against it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import json
import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from security.keys import DistrictKey, DistrictPublic
from security.suite import SUITE, SecurityError, check_suite

__all__ = ["PACKAGE_SUFFIX", "RESOURCE_FILES", "TaskPackage", "make_package", "read_package", "package_changes",
           "install_package", "roll_back", "installed", "edited_files", "task_folder", "builtin_files",
           "load_installed_catalogue", "InstalledPackage", "local_edits", "set_local_edits", "ImportPlan", "plan_import",
           "apply_import"]

PACKAGE_SUFFIX = ".jnjptask"
RESOURCE_FILES = ("coefficients.csv", "units.csv", "power_coal_rate.csv", "heat_coal_rate.csv", "fuel_densities.csv",
                  "plan_targets.yaml", "townships.csv")
LOCAL_EDITS_MARK = "本地修改模式.txt"  # in the task folder: the district's drafting mode is on
_FORMAT = "jnjp-task-package"
_MAX_PACKAGE = 64 << 20
_MAX_FILE = 16 << 20


def task_folder(db_path: Path) -> Path:
    """Where a database's installed package lives: ``任务参数`` beside it (``current``, ``previous``)."""
    return Path(db_path).resolve().parent / "任务参数"


def builtin_files() -> dict[str, bytes]:
    """The program's own catalogue files (the first package), path → bytes."""
    from forms.loader import definitions_dir
    from resources import resources_dir

    return _files_of(definitions_dir(), resources_dir())


def _files_of(definitions: Path, resources: Path) -> dict[str, bytes]:
    files = {f"forms/definitions/{p.name}": p.read_bytes() for p in sorted(definitions.glob("*.yaml"))}
    for name in RESOURCE_FILES:
        if (resources / name).is_file():
            files[f"resources/{name}"] = (resources / name).read_bytes()
    return files


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class TaskPackage:
    """A package read and verified: its manifest, the signature's bytes and its files."""

    manifest: dict[str, Any]
    manifest_bytes: bytes
    signature: bytes
    files: dict[str, bytes] = field(default_factory=dict)

    @property
    def version(self) -> int:
        return int(self.manifest["package_version"])

    @property
    def title(self) -> str:
        return str(self.manifest.get("title") or "")

    @property
    def district(self) -> DistrictPublic:
        return DistrictPublic.from_dict(self.manifest.get("district"))

    @property
    def label(self) -> str:
        return f"{self.title} 第{self.version}版"


def _check_catalogue(files: dict[str, bytes]) -> None:
    """The forms load with the package's reference tables (nothing broken is ever signed or installed)."""
    import tempfile

    from forms.catalogue import FormCatalogue
    from forms.loader import FormDefinitionError
    from forms.reference import ReferenceData, ReferenceError

    with tempfile.TemporaryDirectory(prefix="jnjp-task-") as folder:
        root = Path(folder)
        _write_tree(root, files)
        try:
            FormCatalogue.load(root / "forms" / "definitions", ReferenceData.load(root / "resources"))
        except (FormDefinitionError, ReferenceError) as exc:
            raise SecurityError(f"任务参数中的表式或参考表有错误：{exc}") from None


def _write_tree(root: Path, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def make_package(district: DistrictKey, out: Path, *, version: int, title: str, changelog: list[str],
                 files: dict[str, bytes] | None = None) -> TaskPackage:
    """Sign ``files`` (default: the program's own catalogue files, as the district edited them)
    into the package ``out``."""
    import datetime as _dt

    files = dict(files if files is not None else builtin_files())
    if not any(name.startswith("forms/definitions/") for name in files):
        raise SecurityError("任务参数中没有任何表式定义文件")
    if version < 1:
        raise SecurityError("任务参数版本号须为正整数（内置参数为第0版）")
    _check_catalogue(files)
    manifest = {"format": _FORMAT, "version": 1, "suite": SUITE, "package_version": version, "title": title,
                "created": _dt.datetime.now().isoformat(timespec="seconds"), "changelog": list(changelog),
                "district": district.public.to_dict(), "files": {name: _sha(data) for name, data in sorted(files.items())}}
    manifest_bytes = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
    signature = district.sign(manifest_bytes)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", manifest_bytes)
        archive.writestr("manifest.sig", base64.b64encode(signature))
        for name, data in sorted(files.items()):
            archive.writestr(name, data)
    from export.atomic import atomic_write

    atomic_write(Path(out), lambda fh: fh.write(buffer.getvalue()))
    return TaskPackage(manifest, manifest_bytes, signature, files)


def _safe_name(name: str) -> bool:
    parts = name.split("/")
    return (name.startswith("forms/definitions/") and len(parts) == 3 and parts[2].endswith(".yaml")
            and parts[2] not in ("", ".yaml") and "\\" not in name) or \
        (len(parts) == 2 and parts[0] == "resources" and parts[1] in RESOURCE_FILES)


def read_package(path: Path, pinned: DistrictPublic | None) -> TaskPackage:
    """Read and verify a package (see the module docstring); SecurityError says why not."""
    path = Path(path)
    name = path.name
    try:
        if path.stat().st_size > _MAX_PACKAGE:
            raise SecurityError(f"{name} 太大，不是任务参数文件")
        archive = zipfile.ZipFile(path)
    except OSError as exc:
        raise SecurityError(f"无法读取 {path}：{exc.strerror or exc}") from None
    except zipfile.BadZipFile:
        raise SecurityError(f"{name} 不是任务参数文件（文件已损坏或不是本程序的格式）") from None
    with archive:
        entries = {info.filename: info for info in archive.infolist()}
        if "manifest.json" not in entries:
            raise SecurityError(f"{name} 不是任务参数文件（没有清单）")
        if "manifest.sig" not in entries:
            raise SecurityError(f"{name} 没有区里的签名：拒绝安装未签名的任务参数")
        if any(info.file_size > _MAX_FILE for info in entries.values()):
            raise SecurityError(f"{name} 中有过大的文件，拒绝安装")
        try:
            manifest_bytes = archive.read("manifest.json")
            signature = base64.b64decode(archive.read("manifest.sig"), validate=True)
            manifest = json.loads(manifest_bytes.decode("utf-8"))
        except (binascii.Error, UnicodeDecodeError, ValueError, RecursionError, zipfile.BadZipFile):
            raise SecurityError(f"{name} 的清单或签名无法读取") from None
        if not isinstance(manifest, dict) or manifest.get("format") != _FORMAT or manifest.get("version") != 1:
            raise SecurityError(f"{name} 不是本程序认识的任务参数格式")
        check_suite(manifest.get("suite"), "任务参数")
        signer = DistrictPublic.from_dict(manifest.get("district"))
        if pinned is not None and signer.key_id != pinned.key_id:
            raise SecurityError(f"{name} 由另一把密钥（编号 {signer.key_id}）签名，不是本程序认定的区密钥"
                                f"（编号 {pinned.key_id}）：拒绝安装")
        if not signer.verify(signature, manifest_bytes):
            raise SecurityError(f"{name} 的签名无效（清单在签名后被改动）：拒绝安装")
        listed = manifest.get("files")
        version = manifest.get("package_version")
        if not isinstance(listed, dict) or not isinstance(version, int) or isinstance(version, bool):
            raise SecurityError(f"{name} 的清单不完整")
        extra = sorted(set(entries) - set(listed) - {"manifest.json", "manifest.sig"})
        if extra:
            raise SecurityError(f"{name} 中有清单以外的文件（{'、'.join(extra[:5])}），可能在签名后被加入：拒绝安装")
        files: dict[str, bytes] = {}
        for file_name, digest in listed.items():
            if not _safe_name(str(file_name)):
                raise SecurityError(f"{name} 的清单中有不允许的文件名 {file_name!r}")
            if file_name not in entries:
                raise SecurityError(f"{name} 中缺少清单列出的 {file_name}")
            data = archive.read(file_name)
            if _sha(data) != digest:
                raise SecurityError(f"{name} 中的 {file_name} 在签名后被改动：拒绝安装")
            files[file_name] = data
    return TaskPackage(manifest, manifest_bytes, signature, files)


# -- what changes --------------------------------------------------------------------------------------

def _form_summaries(files: dict[str, bytes]) -> dict[str, tuple[str, int, str, dict[str, Any]]]:
    """form key → (file, version, name, rules by id) — read leniently, only to describe changes."""
    import yaml

    found: dict[str, tuple[str, int, str, dict[str, Any]]] = {}
    for file_name, data in files.items():
        if not file_name.startswith("forms/definitions/"):
            continue
        try:
            doc = yaml.safe_load(data.decode("utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError):
            continue
        if isinstance(doc, dict) and doc.get("key"):
            rules = {str(r.get("id")): r for r in doc.get("rules") or [] if isinstance(r, dict)}
            found[str(doc["key"])] = (file_name, int(doc.get("version") or 1), str(doc.get("name") or ""), rules)
    return found


def _coefficients(files: dict[str, bytes]) -> dict[str, dict[str, str]]:
    import csv

    data = files.get("resources/coefficients.csv")
    if data is None:
        return {}
    reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig")))
    return {row.get("key") or "": row for row in reader}


def package_changes(old: dict[str, bytes], new: dict[str, bytes]) -> list[str]:
    """What installing ``new`` over ``old`` changes, one Chinese line each."""
    lines: list[str] = []
    before, after = _form_summaries(old), _form_summaries(new)
    for key in sorted(after.keys() - before.keys()):
        lines.append(f"新增表式：{after[key][2]}（{key}，第{after[key][1]}版）")
    for key in sorted(before.keys() - after.keys()):
        lines.append(f"删除表式：{before[key][2]}（{key}）")
    for key in sorted(before.keys() & after.keys()):
        (old_file, old_version, name, old_rules), (new_file, new_version, _n, new_rules) = before[key], after[key]
        if old.get(old_file) == new.get(new_file):
            continue
        version = f"第{old_version}版 → 第{new_version}版" if old_version != new_version else f"第{new_version}版（版本号未变）"
        lines.append(f"表式修改：{name}（{key}），{version}")
        for rule in sorted(new_rules.keys() - old_rules.keys()):
            lines.append(f"  新增审核规则 {rule}")
        for rule in sorted(old_rules.keys() - new_rules.keys()):
            lines.append(f"  删除审核规则 {rule}")
        for rule in sorted(old_rules.keys() & new_rules.keys()):
            if old_rules[rule] != new_rules[rule]:
                lines.append(f"  修改审核规则 {rule}")
    old_coef, new_coef = _coefficients(old), _coefficients(new)
    for key in sorted(old_coef.keys() | new_coef.keys()):
        a, b = old_coef.get(key), new_coef.get(key)
        if a == b:
            continue
        if a is None or b is None:
            lines.append(f"折标系数{'新增' if a is None else '删除'}：{(a or b or {}).get('name', key)}（{key}）")
        else:
            lines.append(f"折标系数修改：{b.get('name', key)}（{key}） {a.get('kgce_per_base_unit')} → "
                         f"{b.get('kgce_per_base_unit')}")
    for name in RESOURCE_FILES[1:]:
        path = f"resources/{name}"
        if old.get(path) != new.get(path):
            lines.append(f"参考文件修改：{name}")
    return lines


# -- installed ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class InstalledPackage:
    folder: Path  # .../任务参数/current
    package: TaskPackage


def installed(folder: Path) -> InstalledPackage | None:
    """The package installed in ``folder`` (``task_folder``), its files as they are on disk now."""
    current = Path(folder) / "current"
    try:
        manifest_bytes = (current / "manifest.json").read_bytes()
        signature = base64.b64decode((current / "manifest.sig").read_bytes(), validate=True)
        manifest = json.loads(manifest_bytes.decode("utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, binascii.Error, UnicodeDecodeError, ValueError):
        raise SecurityError(f"已安装的任务参数清单无法读取（{current}）：请重新导入任务参数") from None
    files = {}
    for name in manifest.get("files", {}):
        path = current / name
        files[name] = path.read_bytes() if path.is_file() else b""
    return InstalledPackage(current, TaskPackage(manifest, manifest_bytes, signature, files))


def edited_files(found: InstalledPackage) -> list[str]:
    """Installed files whose bytes differ from the signed manifest (or extra form files)."""
    package = found.package
    listed = package.manifest.get("files", {})
    changed = [name for name, digest in listed.items() if _sha(package.files.get(name, b"")) != digest]
    definitions = found.folder / "forms" / "definitions"
    extra = [f"forms/definitions/{p.name}" for p in definitions.glob("*.yaml")
             if f"forms/definitions/{p.name}" not in listed]
    if not package.district.verify(package.signature, package.manifest_bytes):
        changed.append("manifest.json")
    return sorted(changed + extra)


def install_package(package: TaskPackage, folder: Path) -> None:
    """Install into ``folder``: the current package moves to ``previous`` (the one before is dropped)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    staging = folder / "incoming"
    if staging.exists():
        shutil.rmtree(staging)
    _write_tree(staging, package.files)
    (staging / "manifest.json").write_bytes(package.manifest_bytes)
    (staging / "manifest.sig").write_bytes(base64.b64encode(package.signature))
    current, previous = folder / "current", folder / "previous"
    if current.exists():
        if previous.exists():
            shutil.rmtree(previous)
        current.rename(previous)
    staging.rename(current)


def roll_back(folder: Path) -> InstalledPackage:
    """The previous package becomes current again (the rolled-back one is kept as ``previous``)."""
    folder = Path(folder)
    current, previous = folder / "current", folder / "previous"
    if not previous.exists():
        raise SecurityError("没有可回退的上一版任务参数")
    aside = folder / "rolled-back"
    if aside.exists():
        shutil.rmtree(aside)
    if current.exists():
        current.rename(aside)
    previous.rename(current)
    if aside.exists():
        aside.rename(previous)
    found = installed(folder)
    assert found is not None
    return found


def local_edits(folder: Path) -> bool:
    """Local-edits mode: the installed files may differ from the signed package (district drafting)."""
    return (Path(folder) / LOCAL_EDITS_MARK).is_file()


def set_local_edits(folder: Path, on: bool) -> None:
    import datetime as _dt
    import getpass

    mark = Path(folder) / LOCAL_EDITS_MARK
    if on:
        mark.parent.mkdir(parents=True, exist_ok=True)
        mark.write_text(f"本地修改模式：{getpass.getuser()} 于 {_dt.datetime.now().isoformat(timespec='seconds')} 开启。"
                        "任务参数文件可以修改；标题栏和每个导出文件都注明“本地修改”。删除本文件即关闭。\n",
                        encoding="utf-8")
    elif mark.exists():
        mark.unlink()


def load_installed_catalogue(folder: Path) -> tuple[Any, str] | None:
    """(catalogue, label) of the package installed in ``folder``; None when none is. SecurityError
    when its files were edited after installation, unless local-edits mode is on."""
    from forms.catalogue import FormCatalogue
    from forms.reference import ReferenceData

    found = installed(folder)
    if found is None:
        return None
    edited = edited_files(found)
    label = found.package.label
    if edited:
        if not local_edits(folder):
            raise SecurityError(f"任务参数（{label}）的文件在安装后被修改：{'、'.join(edited[:5])}。"
                                "程序拒绝使用被改动的表式和系数；请重新导入区里发布的任务参数，"
                                "或（仅限区里起草时）切换到“本地修改”模式")
        label = f"{label}（本地修改）"
    catalogue = FormCatalogue.load(found.folder / "forms" / "definitions",
                                   ReferenceData.load(found.folder / "resources"))
    return catalogue, label


@dataclass(frozen=True)
class ImportPlan:
    """A verified package about to be installed for a database: what it replaces and changes."""

    package: TaskPackage
    folder: Path
    installed_version: int
    changes: list[str]


def plan_import(workspace: Any, path: Path) -> ImportPlan:
    """Read and verify ``path`` for this database (the pinned district key; newer than installed)."""
    folder = task_folder(workspace.path)
    package = read_package(path, workspace.district_public_key())
    current = installed(folder)
    version = current.package.version if current is not None else 0
    if package.version <= version:
        raise SecurityError(f"{Path(path).name} 是第{package.version}版，不比已安装的第{version}版新：未安装"
                            "（回退请用“回退任务参数”）")
    old = current.package.files if current is not None else builtin_files()
    return ImportPlan(package, folder, version, package_changes(old, package.files))


def apply_import(workspace: Any, plan: ImportPlan) -> None:
    """Install: the first package pins the district key (a different pinned key was refused already)."""
    workspace.pin_district_public_key(plan.package.district)
    install_package(plan.package, plan.folder)
