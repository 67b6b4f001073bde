"""任务参数 packages (issue 15): the district signs its (edited) catalogue files, the township program
shows what changes, verifies the signature, installs with the previous version kept, refuses a
package signed by another key, unsigned, or edited after signing, and refuses to run files edited
after installation unless local-edits mode is on (shown in the title and every export)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from forms.catalogue import FormCatalogue
from main import main
from security.packages import (
    builtin_files,
    install_package,
    make_package,
    package_changes,
    read_package,
    task_folder,
)
from security.suite import SecurityError
from storage.workspace import TaskPackageError, Workspace
from tests.security_helpers import PASS, district_key, meta_rows

COEF = "resources/coefficients.csv"
AGRI = "forms/definitions/agriculture.yaml"


def _edited() -> dict[str, bytes]:
    """The district's edit: raw coal's coefficient and the wording of rule A003."""
    files = builtin_files()
    files[COEF] = files[COEF].replace(b"raw_coal,\xe5\x8e\x9f\xe7\x85\xa4,kg,0.7143", "raw_coal,原煤,kg,0.7150".encode())
    files[AGRI] = files[AGRI].replace("行政村数（13≤12）。".encode(), "行政村数（13≤12），请核对。".encode())
    assert files != builtin_files()
    return files


@pytest.fixture
def keys(tmp_path: Path):
    return district_key(tmp_path / "keys")


@pytest.fixture
def township_db(tmp_path: Path) -> Path:
    db = tmp_path / "镇街" / "jnjp.sqlite"
    db.parent.mkdir()
    Workspace.open(db).close()
    return db


def test_a_package_says_what_it_changes(keys, tmp_path) -> None:
    made = make_package(keys[0], tmp_path / "p.jnjptask", version=1, title="2026年任务参数", changelog=["原煤系数更新"],
                        files=_edited())
    package = read_package(tmp_path / "p.jnjptask", keys[0].public)
    assert package.manifest == made.manifest and package.label == "2026年任务参数 第1版"
    changes = package_changes(builtin_files(), package.files)
    assert "折标系数修改：原煤（raw_coal） 0.7143 → 0.7150" in changes
    version = FormCatalogue.load().get("agriculture").version  # the form file's own version, whatever it is now
    assert any(line.startswith(f"表式修改：农业农村节能减排统计表（agriculture），第{version}版（版本号未变）") for line in changes)
    assert "  修改审核规则 A003" in changes


def test_a_broken_catalogue_is_never_signed(keys, tmp_path) -> None:
    files = builtin_files()
    files[AGRI] = files[AGRI].replace(b"key: agriculture", b"key: Agriculture!")
    with pytest.raises(SecurityError, match="表式或参考表有错误"):
        make_package(keys[0], tmp_path / "p.jnjptask", version=1, title="t", changelog=[], files=files)
    assert not (tmp_path / "p.jnjptask").exists()


def _rewrite(source: Path, out: Path, *, drop: str | None = None, change: tuple[str, bytes] | None = None) -> Path:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(out, "w") as new:
        for info in old.infolist():
            if info.filename == drop:
                continue
            data = old.read(info.filename)
            if change and info.filename == change[0]:
                data = change[1]
            new.writestr(info.filename, data)
    return out


def test_unsigned_foreign_and_edited_packages_are_refused(keys, tmp_path) -> None:
    good = tmp_path / "good.jnjptask"
    make_package(keys[0], good, version=1, title="t", changelog=[], files=_edited())
    with pytest.raises(SecurityError, match="没有区里的签名"):
        read_package(_rewrite(good, tmp_path / "unsigned.jnjptask", drop="manifest.sig"), keys[0].public)
    edited = _rewrite(good, tmp_path / "edited.jnjptask", change=(COEF, builtin_files()[COEF] + b"x,y,kg,1,,,,,\n"))
    with pytest.raises(SecurityError, match="在签名后被改动"):
        read_package(edited, keys[0].public)
    stranger, _ = district_key(tmp_path / "stranger")
    foreign = tmp_path / "foreign.jnjptask"
    make_package(stranger, foreign, version=2, title="t", changelog=[], files=_edited())
    with pytest.raises(SecurityError, match="另一把密钥"):
        read_package(foreign, keys[0].public)
    with pytest.raises(SecurityError, match="不是任务参数文件"):
        (tmp_path / "zero.jnjptask").write_bytes(b"")
        read_package(tmp_path / "zero.jnjptask", None)


def test_township_installs_runs_and_rolls_back_from_the_command_line(keys, township_db, tmp_path, monkeypatch,
                                                                     capsys) -> None:
    monkeypatch.setenv("JNJP_PASSPHRASE", PASS)
    first, second = tmp_path / "v1.jnjptask", tmp_path / "v2.jnjptask"
    make_package(keys[0], first, version=1, title="2026年任务参数", changelog=[], files=builtin_files())
    make_package(keys[0], second, version=2, title="2026年任务参数", changelog=["原煤系数更新"], files=_edited())
    assert main(["task", "import", str(first), "--db", str(township_db)]) == 0
    assert main(["task", "import", str(second), "--db", str(township_db), "--dry-run"]) == 0
    shown = capsys.readouterr().out
    assert "折标系数修改：原煤（raw_coal） 0.7143 → 0.7150" in shown and "未安装" in shown
    ws = Workspace.open(township_db)
    assert ws.task_package == "2026年任务参数 第1版"
    assert ws.district_public_key().key_id == keys[0].public.key_id  # pinned by the first package
    ws.close()
    assert main(["task", "import", str(second), "--db", str(township_db)]) == 0
    ws = Workspace.open(township_db)
    assert ws.task_package == "2026年任务参数 第2版"
    assert ws.catalogue.reference.coefficients["raw_coal"].kgce_per_base_unit == pytest.approx(0.7150)
    ws.close()
    assert main(["task", "import", str(first), "--db", str(township_db)]) == 2  # not newer
    assert "不比已安装的第2版新" in capsys.readouterr().err
    assert main(["task", "rollback", "--db", str(township_db)]) == 0
    ws = Workspace.open(township_db)
    assert ws.task_package == "2026年任务参数 第1版"
    ws.close()
    stranger, _ = district_key(tmp_path / "stranger")
    foreign = tmp_path / "foreign.jnjptask"
    make_package(stranger, foreign, version=9, title="t", changelog=[], files=builtin_files())
    assert main(["task", "import", str(foreign), "--db", str(township_db)]) == 2
    assert "不是本程序认定的区密钥" in capsys.readouterr().err


def test_files_edited_after_installation_stop_the_program_unless_local_edits(keys, township_db, tmp_path,
                                                                             capsys) -> None:
    package = make_package(keys[0], tmp_path / "p.jnjptask", version=1, title="2026年任务参数", changelog=[],
                           files=builtin_files())
    install_package(package, task_folder(township_db))
    coefficients = task_folder(township_db) / "current" / COEF
    coefficients.write_bytes(_edited()[COEF])
    with pytest.raises(TaskPackageError, match="在安装后被修改：resources/coefficients.csv"):
        Workspace.open(township_db)
    assert main(["validate", "--db", str(township_db), "--period", "2025"]) == 2
    assert "安装后被修改" in capsys.readouterr().err
    assert main(["task", "local-edits", "on", "--db", str(township_db)]) == 0
    ws = Workspace.open(township_db)
    try:
        assert ws.task_package == "2026年任务参数 第1版（本地修改）"
        assert ws.catalogue.reference.coefficients["raw_coal"].kgce_per_base_unit == pytest.approx(0.7150)
    finally:
        ws.close()
    assert main(["task", "local-edits", "off", "--db", str(township_db)]) == 0
    with pytest.raises(TaskPackageError):
        Workspace.open(township_db)


def test_an_export_names_the_package_and_local_edits(keys, township_db, tmp_path) -> None:
    from export.submission import export_submission
    from security.packages import set_local_edits

    package = make_package(keys[0], tmp_path / "p.jnjptask", version=3, title="2026年任务参数", changelog=[],
                           files=builtin_files())
    install_package(package, task_folder(township_db))
    (task_folder(township_db) / "current" / AGRI).write_bytes(_edited()[AGRI])
    set_local_edits(task_folder(township_db), True)
    ws = Workspace.open(township_db)
    try:
        demo = next(t for t in ws.townships() if t.is_demo)
        out = export_submission(ws, demo.id, "2025", tmp_path / "out.xlsx").path
    finally:
        ws.close()
    assert meta_rows(out)["task_package"] == "2026年任务参数 第3版（本地修改）"


def test_the_window_shows_the_changes_installs_and_names_the_package(qtbot, keys, tmp_path, messages) -> None:
    from PySide6.QtCore import QSettings

    from ui.main_window import MainWindow
    from ui.task_package import import_task_package, roll_back_task_package

    db = tmp_path / "w" / "jnjp.sqlite"
    window = MainWindow(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    assert window.open_database(db)
    first, second = tmp_path / "v1.jnjptask", tmp_path / "v2.jnjptask"
    make_package(keys[0], first, version=1, title="2026年任务参数", changelog=[], files=builtin_files())
    make_package(keys[0], second, version=2, title="2026年任务参数", changelog=["原煤系数更新"], files=_edited())
    shown: list[str] = []
    assert import_task_package(window, first, confirm=lambda title, text: shown.append(text) or True)
    assert "2026年任务参数 第1版" in window.windowTitle()
    assert not import_task_package(window, second, confirm=lambda title, text: shown.append(text) and False)
    assert "折标系数修改：原煤（raw_coal） 0.7143 → 0.7150" in shown[-1] and "更新说明：原煤系数更新" in shown[-1]
    assert "第1版" in window.windowTitle()  # declined: nothing installed
    assert import_task_package(window, second, confirm=lambda title, text: True)
    assert "第2版" in window.windowTitle()
    assert window.workspace.catalogue.reference.coefficients["raw_coal"].kgce_per_base_unit == pytest.approx(0.7150)
    stranger, _ = district_key(tmp_path / "stranger")
    foreign = tmp_path / "foreign.jnjptask"
    make_package(stranger, foreign, version=5, title="t", changelog=[], files=builtin_files())
    assert not import_task_package(window, foreign, confirm=lambda title, text: True)
    assert messages[-1][0] == "拒绝安装任务参数" and "另一把密钥" in messages[-1][1]
    assert roll_back_task_package(window) and "第1版" in window.windowTitle()
    window.close()


def test_a_package_raising_a_form_version_upgrades_stored_reports_on_the_next_open(keys, tmp_path) -> None:
    """Package import → the stored data follows the new form version (the form files' ``upgrades``
    steps, storage.form_upgrades) the next time the database is opened: audited, backed up first."""
    from security.packages import apply_import, plan_import
    from storage.backup import list_backups
    from tests.upgrade_helpers import audit_rows

    db = tmp_path / "镇街" / "jnjp.sqlite"
    ws = Workspace.open(db, demo=False)
    town = next(t for t in ws.townships() if not t.is_demo).id
    rid = ws.open_report(town, "agriculture", "2025").report.id
    ws.change_cells(rid, [(("items", "villages", "value"), "20"), (("items", "villages_sewage", "value"), "13")])
    ws.close()
    files = builtin_files()
    step = ("  - from: 2\n    to: 3\n    note: 生活污水治理村数改由区生态环境局提供\n"
            "    drops: [items.villages_sewage.value]\norder: 50\n")
    files[AGRI] = files[AGRI].replace(b"version: 2\n", b"version: 3\n", 1).replace(b"order: 50\n", step.encode(), 1)
    package = tmp_path / "p.jnjptask"
    make_package(keys[0], package, version=1, title="2027年任务参数", changelog=["农业表第3版"], files=files)
    ws = Workspace.open(db)
    try:
        plan = plan_import(ws, package)
        assert any("agriculture" in line and "第3版" in line for line in plan.changes)
        apply_import(ws, plan)
        assert ws.load(rid).report.form_version == 2  # installed: in effect at the next open
    finally:
        ws.close()
    ws = Workspace.open(db)
    try:
        data = ws.load(rid)
        assert ws.task_package and data.report.form_version == 3
        assert ("items", "villages_sewage", "value") not in data.values and data.values[("items", "villages", "value")] == 20
        lines = audit_rows(ws, rid)
        dropped = [a for a in lines if a["row"] == "villages_sewage"]
        assert dropped and dropped[0]["old"] == 13 and "区生态环境局" in dropped[0]["reason"]
        assert [(a["old"], a["new"]) for a in lines if a["field"] == "form_version"] == [(2, 3)]
    finally:
        ws.close()
    assert any(b.reason == "表式升级前" for b in list_backups(db))
