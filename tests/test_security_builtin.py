"""The shipped catalogue as the first package (issue 15): the build's manifest of the catalogue
files; a built program refuses catalogue files that differ from it unless in local-edits mode. A
source checkout has no manifest and checks nothing (tests with their own form files are unaffected)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from security import builtin
from security.packages import builtin_files, set_local_edits, task_folder
from storage.workspace import TaskPackageError, Workspace

AGRI = "forms/definitions/agriculture.yaml"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def manifest(tmp_path: Path, monkeypatch) -> Path:
    """The build's manifest of the files as shipped, where a built program finds it."""
    path = builtin.write_builtin_manifest(tmp_path / "build" / builtin.MANIFEST_NAME)
    monkeypatch.setattr(builtin, "_manifest_path", lambda: path)
    return path


def _edited() -> dict[str, bytes]:
    files = builtin_files()
    files[AGRI] = files[AGRI].replace("行政村数（13≤12）。".encode(), "行政村数（13≤12）！".encode())
    assert files != builtin_files()
    return files


def test_the_manifest_lists_every_catalogue_file_and_names_each_edit(manifest) -> None:
    listed = json.loads(manifest.read_text(encoding="utf-8"))["files"]
    assert set(listed) == set(builtin_files()) and any(n.startswith("forms/definitions/") for n in listed)
    assert "resources/coefficients.csv" in listed and "resources/townships.csv" in listed
    assert builtin.builtin_edits() == []
    assert builtin.builtin_edits(files=_edited()) == [AGRI]
    fewer = builtin_files()
    fewer.pop("resources/units.csv")
    fewer["forms/definitions/extra.yaml"] = b"key: extra\n"
    assert builtin.builtin_edits(files=fewer) == ["forms/definitions/extra.yaml", "resources/units.csv"]


@pytest.mark.parametrize("spoiled", [b"", b"\xff\xfe", b"[]", b'{"format": "jnjp-builtin-manifest", "files": 3}'])
def test_a_spoiled_manifest_counts_as_an_edit(manifest, spoiled) -> None:
    manifest.write_bytes(spoiled)
    assert builtin.builtin_edits() == [builtin.MANIFEST_NAME]


def test_a_source_checkout_has_no_manifest_and_checks_nothing(tmp_path) -> None:
    assert not (ROOT / "resources" / builtin.MANIFEST_NAME).exists()
    assert builtin.builtin_edits(tmp_path / "none.json", _edited()) is None


def test_the_program_refuses_edited_builtin_files_unless_local_edits(manifest, tmp_path, monkeypatch) -> None:
    db = tmp_path / "data" / "jnjp.sqlite"
    Workspace.open(db).close()  # files as shipped: opens, the built-in catalogue
    edited = _edited()
    monkeypatch.setattr("security.packages.builtin_files", lambda: edited)
    before = db.read_bytes()
    with pytest.raises(TaskPackageError, match="程序自带的表式和参考文件被修改：forms/definitions/agriculture.yaml"):
        Workspace.open(db)
    assert db.read_bytes() == before
    set_local_edits(task_folder(db), True)
    ws = Workspace.open(db)
    try:
        assert ws.task_package == "内置（本地修改）"
    finally:
        ws.close()


def test_the_build_writes_the_manifest(tmp_path) -> None:
    out = tmp_path / builtin.MANIFEST_NAME
    subprocess.run([sys.executable, "-m", "security.builtin", str(out)], cwd=ROOT, check=True, capture_output=True)
    assert builtin.builtin_edits(out) == []
    assert "write_builtin_manifest" in (ROOT / "build.spec").read_text(encoding="utf-8")


def test_the_self_test_checks_the_build_manifest_and_refuses_a_tampered_copy(tmp_path, monkeypatch) -> None:
    """r1: the self-test's manifest step, as in a frozen build (a manifest beside the resources);
    a shipped file that differs from the manifest fails it; the real folders stay untouched."""
    from selftest import check_manifest

    before = builtin_files()
    manifest = builtin.write_builtin_manifest(tmp_path / "build" / "builtin_manifest.json")
    monkeypatch.setattr(builtin, "_manifest_path", lambda: manifest)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert check_manifest(tmp_path / "t1").endswith("与构建清单一致；改动原煤折标系数的副本被拒绝")
    assert builtin_files() == before
    spoiled = json.loads(manifest.read_text(encoding="utf-8"))
    spoiled["files"]["resources/units.csv"] = "0" * 64
    manifest.write_text(json.dumps(spoiled), encoding="utf-8")
    with pytest.raises(AssertionError, match="不一致：resources/units.csv"):
        check_manifest(tmp_path / "t2")
    manifest.unlink()  # a frozen build without its manifest fails rather than checks nothing
    with pytest.raises(AssertionError, match="缺少内置表式清单"):
        check_manifest(tmp_path / "t3")
