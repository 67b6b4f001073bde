"""Form version steps (d3): a form file raises ``version`` and declares ``upgrades``; stored
reports of the older version are upgraded on open in one transaction, audited, losing no figure."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from forms.catalogue import FormCatalogue
from forms.loader import FormDefinitionError
from storage import form_upgrades
from storage.backup import list_backups
from storage.form_upgrades import NewerFormVersionError
from storage.workspace import Workspace
from tests.stored import dump_cells
from tests.upgrade_helpers import TRIAL_V1, audit_rows, edited_catalogue

STEP = """version: 2
upgrades:
  - from: 1
    to: 2
    note: 充电桩改称充电设施；装配式建筑不再统计
    moves:
      - {from: totals.chargers.value, to: totals.charging.value}
      - {from: pv.*.area, to: pv.*.roof_area}
      - {from: totals.nev.value, to: "agriculture:items.biogas.value"}
    drops: [totals.prefab.value]
order: 99"""

V2_EDITS = [
    ("version: 1\norder: 99", STEP),
    ("{key: chargers,", "{key: charging,"),
    ("cell('chargers', 'value')", "cell('charging', 'value')"),
    ("{key: area, label: 屋顶面积", "{key: roof_area, label: 屋顶面积"),
    ('      - {key: prefab, code: "02", label: 装配式建筑面积, unit: 万平方米}\n', ""),
    ('      - {key: nev, code: "03", label: 新能源汽车保有量, unit: 辆}\n', ""),
]


def _trial(folder: Path, edits: list[tuple[str, str]], extra: dict[str, str] | None = None) -> FormCatalogue:
    return edited_catalogue(folder, {"trial.yaml": edits}, {"trial.yaml": TRIAL_V1, **(extra or {})})


@pytest.fixture
def v2(tmp_path: Path) -> FormCatalogue:
    return _trial(tmp_path / "v2", V2_EDITS)


@pytest.fixture
def v1(tmp_path: Path) -> FormCatalogue:
    return _trial(tmp_path / "v1", [])


@pytest.fixture
def v1_db(db_path: Path, v1: FormCatalogue) -> dict:
    """A real database written by the version 1 trial form, with known figures."""
    ws = Workspace.open(db_path, catalogue=v1, user="王芳")
    tid = next(t for t in ws.townships() if not t.is_demo).id  # no demo figures in its forms
    rid = ws.open_report(tid, "trial", "2024").report.id
    ws.change_cells(rid, [(("totals", "chargers", "value"), "12"), (("totals", "prefab", "value"), "6.5"),
                          (("totals", "nev", "value"), "345")])
    ws.set_note(rid, ("totals", "chargers", "value"), "含新建公交场站快充桩8个")
    rows = ws.add_list_row(rid, "pv", 2).row_keys
    ws.change_cells(rid, [(("pv", rows[0], "name"), "甲厂屋顶"), (("pv", rows[0], "area"), "1200.5"),
                          (("pv", rows[1], "name"), "乙校屋顶"), (("pv", rows[1], "area"), "800")])
    ws.close()
    return {"path": db_path, "tid": tid, "rid": rid, "rows": rows, "v1": v1}


def _cells(path: Path, report_id: int) -> dict:
    conn = sqlite3.connect(path)
    try:
        return {(t, r, c): (v, n) for t, r, c, v, n in conn.execute(
            f"SELECT table_key, row_key, col_key, value, note FROM {dump_cells(conn)} WHERE report_id = ?"
            " AND (value IS NOT NULL OR note != '')", (report_id,))}
    finally:
        conn.close()


def _versions(path: Path) -> dict[int, int]:
    conn = sqlite3.connect(path)
    try:
        return dict(conn.execute("SELECT id, form_version FROM reports"))
    finally:
        conn.close()


def test_upgrade_moves_drops_and_audits(v1_db: dict, v2: FormCatalogue) -> None:
    rid, rows = v1_db["rid"], v1_db["rows"]
    ws = Workspace.open(v1_db["path"], catalogue=v2, user="王芳")
    try:
        data = ws.load(rid)
        assert data.report.form_version == 2
        assert data.values[("totals", "charging", "value")] == 12
        assert data.notes[("totals", "charging", "value")] == "含新建公交场站快充桩8个"  # the 说明 moved along
        assert ("totals", "chargers", "value") not in data.values
        assert ("totals", "prefab", "value") not in data.values and ("totals", "nev", "value") not in data.values
        assert [data.values[("pv", r, "roof_area")] for r in rows] == [1200.5, 800]
        assert ("pv", rows[0], "area") not in data.values
        agri = ws.find_report_data(v1_db["tid"], "agriculture", "2024")
        assert agri.values[("items", "biogas", "value")] == 345  # moved into another form of the township
        lines = audit_rows(ws, rid)
        dropped = [a for a in lines if a["row"] == "prefab"]
        assert dropped and dropped[0]["old"] == 6.5 and dropped[0]["new"] is None
        assert "装配式建筑不再统计" in dropped[0]["reason"]
        moved = {(a["row"], a["col"], a["field"]): a for a in lines if a["field"] in ("value", "note")}
        assert moved[("chargers", "value", "value")]["old"] == 12 and "移至" in moved[("chargers", "value", "value")]["reason"]
        assert moved[("charging", "value", "value")]["new"] == 12
        assert moved[("nev", "value", "value")]["old"] == 345
        version = [a for a in lines if a["field"] == "form_version"]
        assert [(a["old"], a["new"]) for a in version] == [(1, 2)]
        assert any(a["new"] == 345 for a in audit_rows(ws, agri.report.id))
        assert ws.validate(data) is not None  # the upgraded report validates under the new layout
    finally:
        ws.close()
    assert any(b.reason == "表式升级前" for b in list_backups(v1_db["path"]))


def test_upgrade_is_idempotent(v1_db: dict, v2: FormCatalogue) -> None:
    Workspace.open(v1_db["path"], catalogue=v2).close()
    first = _cells(v1_db["path"], v1_db["rid"])
    conn = sqlite3.connect(v1_db["path"])
    audits = conn.execute("SELECT COUNT(*) FROM audit").fetchone()[0]
    conn.close()
    ws = Workspace.open(v1_db["path"], catalogue=v2)
    assert not ws.upgrade_forms()  # nothing stale any more
    ws.close()
    conn = sqlite3.connect(v1_db["path"])
    assert conn.execute("SELECT COUNT(*) FROM audit").fetchone()[0] == audits
    conn.close()
    assert _cells(v1_db["path"], v1_db["rid"]) == first


def test_crash_mid_way_leaves_the_old_version(v1_db: dict, v2: FormCatalogue, monkeypatch) -> None:
    before_cells = _cells(v1_db["path"], v1_db["rid"])
    before_versions = _versions(v1_db["path"])
    real = form_upgrades._write_cell
    calls = []

    def failing(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        calls.append(args)
        if len(calls) == 3:
            raise OSError("磁盘已满")
        return real(*args, **kwargs)

    monkeypatch.setattr(form_upgrades, "_write_cell", failing)
    with pytest.raises(OSError):
        Workspace.open(v1_db["path"], catalogue=v2)
    assert len(calls) == 3
    assert _cells(v1_db["path"], v1_db["rid"]) == before_cells
    assert _versions(v1_db["path"]) == before_versions
    monkeypatch.setattr(form_upgrades, "_write_cell", real)
    ws = Workspace.open(v1_db["path"], catalogue=v2)  # the next open completes it
    assert ws.load(v1_db["rid"]).values[("totals", "charging", "value")] == 12
    ws.close()


def test_newer_form_version_refuses_the_database(v1_db: dict, v2: FormCatalogue) -> None:
    Workspace.open(v1_db["path"], catalogue=v2).close()
    before = _cells(v1_db["path"], v1_db["rid"])
    with pytest.raises(NewerFormVersionError) as info:
        Workspace.open(v1_db["path"], catalogue=v1_db["v1"])
    assert "第2版" in str(info.value) and "本程序为第1版" in str(info.value) and "新版程序" in str(info.value)
    assert _cells(v1_db["path"], v1_db["rid"]) == before
    assert _versions(v1_db["path"])[v1_db["rid"]] == 2


def test_read_only_open_upgrades_first(v1_db: dict, v2: FormCatalogue) -> None:
    ws = Workspace.open(v1_db["path"], catalogue=v2, readonly=True)
    try:
        assert ws.store.readonly
        assert ws.load(v1_db["rid"]).values[("totals", "charging", "value")] == 12
    finally:
        ws.close()


def test_a_move_onto_another_value_keeps_both(v1_db: dict, v2: FormCatalogue) -> None:
    """The target cell already holds a figure: it stays, and the moved one stays in the audit."""
    ws = Workspace.open(v1_db["path"], catalogue=v1_db["v1"])
    agri = ws.open_report(v1_db["tid"], "agriculture", "2024").report.id
    ws.change_cells(agri, [(("items", "biogas", "value"), "7")])
    ws.close()
    ws = Workspace.open(v1_db["path"], catalogue=v2)
    try:
        assert ws.load(agri).values[("items", "biogas", "value")] == 7
        kept = [a for a in audit_rows(ws, v1_db["rid"]) if a["row"] == "nev" and a["field"] == "value"]
        assert kept[0]["old"] == 345 and "已有数值 7" in kept[0]["reason"]
    finally:
        ws.close()


DEPT_TEST = TRIAL_V1.replace("key: trial", "key: dept_test\nscope: district").replace("code: 测试9表", "code: 测试区表")


def test_a_move_into_a_district_form_stays_in_a_township_audit(v1_db: dict, tmp_path: Path) -> None:
    edits = [(a, b.replace('"agriculture:items.biogas.value"', '"dept_test:totals.nev.value"')) for a, b in V2_EDITS]
    cat = _trial(tmp_path / "v2d", edits, {"dept_test.yaml": DEPT_TEST})
    ws = Workspace.open(v1_db["path"], catalogue=cat)
    try:
        assert ("totals", "nev", "value") not in ws.load(v1_db["rid"]).values
        kept = [a for a in audit_rows(ws, v1_db["rid"]) if a["row"] == "nev" and a["field"] == "value"]
        assert kept[0]["old"] == 345 and "区级指标" in kept[0]["reason"]
        assert ws.store.find_report(v1_db["tid"], "dept_test", "2024") is None
    finally:
        ws.close()


@pytest.mark.parametrize(("step", "where", "says"), [
    ("upgrades: [{from: 1, to: 3, note: x}]", "upgrades[0].to", "只升一版"),
    ("upgrades: [{from: 1, to: 2}]", "upgrades[0].note", "缺少"),
    ("upgrades: [{from: 1, to: 2, note: x, moves: [{from: totals.a, to: totals.b.value}]}]",
     "upgrades[0].moves[0].from", "表代码.行代码.列代码"),
    ("upgrades: [{from: 1, to: 2, note: x, moves: [{from: totals.a.value, to: totals.nothing.value}]}]",
     "upgrades[0].moves[0].to", "没有行 'nothing'"),
    ("upgrades: [{from: 1, to: 2, note: x, moves: [{from: totals.a.value, to: totals.share.value}]}]",
     "upgrades[0].moves[0].to", "计算或不适用"),
    ("upgrades: [{from: 1, to: 2, note: x, moves: [{from: pv.*.a, to: totals.nev.value}]}]",
     "upgrades[0].moves[0].to", "同一清单表"),
    ("upgrades: [{from: 1, to: 2, note: x, moves: [{from: totals.a.value, to: totals.nev.value}], drops: [totals.a.value]}]",
     "upgrades[0].drops[0]", "出现两次"),
    ("upgrades: [{from: 1, to: 2, note: x, drops: ['agriculture:items.biogas.value']}]",
     "upgrades[0].drops[0]", "不能写表式代码"),
])
def test_broken_steps_are_load_errors(tmp_path: Path, step: str, where: str, says: str) -> None:
    with pytest.raises(FormDefinitionError) as info:
        _trial(tmp_path, [("version: 1\norder: 99", f"version: 2\n{step}\norder: 99")])
    assert info.value.key == where and says in info.value.message


def test_steps_must_reach_the_version(tmp_path: Path) -> None:
    with pytest.raises(FormDefinitionError) as info:
        _trial(tmp_path, [("version: 1\norder: 99", "version: 3\nupgrades: [{from: 1, to: 2, note: x}]\norder: 99")])
    assert info.value.key == "upgrades" and "第 2 版的一步缺少" in info.value.message


def test_a_move_into_another_form_names_a_real_input_cell(tmp_path: Path) -> None:
    with pytest.raises(FormDefinitionError) as info:
        _trial(tmp_path, [("version: 1\norder: 99", (
            "version: 2\nupgrades: [{from: 1, to: 2, note: x, moves: [{from: totals.nev.value,"
            " to: 'agriculture:items.straw_rate.value'}]}]\norder: 99"))])
    assert info.value.key == "upgrades[0].moves[0].to" and "计算" in info.value.message


def test_old_database_file_copy_is_untouched_by_a_refusal(v1_db: dict, v2: FormCatalogue, tmp_path: Path) -> None:
    Workspace.open(v1_db["path"], catalogue=v2).close()
    copy = tmp_path / "copy.sqlite"
    shutil.copy(v1_db["path"], copy)
    data = copy.read_bytes()
    with pytest.raises(NewerFormVersionError):
        Workspace.open(copy, catalogue=v1_db["v1"], readonly=True)
    assert copy.read_bytes() == data


# -- r5: a township FILE of an older form version, upgraded as it is read (export.file_upgrade) ----

def _v1_file(v1_db: dict, folder: Path, form_keys: list[str]) -> Path:
    """A submission file written by the version 1 catalogue (the figures of ``v1_db``)."""
    from export.submission import export_submission

    ws = Workspace.open(v1_db["path"], catalogue=v1_db["v1"], user="王芳")
    try:
        out = folder / "v1_submission.xlsx"
        export_submission(ws, v1_db["tid"], "2024", out, form_keys=form_keys)
        return out
    finally:
        ws.close()


def test_an_older_file_is_imported_in_the_current_layout(v1_db: dict, v2: FormCatalogue, tmp_path: Path) -> None:
    from export.import_apply import apply_import
    from export.import_preview import preview_import

    path = _v1_file(v1_db, tmp_path, ["trial"])
    ws = Workspace.open(tmp_path / "v2.sqlite", catalogue=v2, user="李强")
    try:
        tid = next(t for t in ws.townships() if not t.is_demo).id  # the same township as v1_db's
        preview = preview_import(ws, path, township_id=tid, period="2024")
        said = "；".join(preview.notices)
        assert "已按第2版表式升级" in said and "按表中各单元格的代码导入" not in said
        (trial,) = preview.forms
        form_notes = "；".join(trial.notices)
        assert "已跳过" not in form_notes  # no old cell is reported as skipped: each was upgraded
        assert "prefab.value" in form_notes and "6.5" in form_notes  # the dropped cell and its value named
        assert "nev.value" in form_notes and "文件中没有该表" in form_notes  # agriculture is not in the file
        apply_import(ws, preview, backup=False)
        data = ws.find_report_data(tid, "trial", "2024")
        assert data.report.form_version == 2
        assert data.values[("totals", "charging", "value")] == 12
        assert data.notes[("totals", "charging", "value")] == "含新建公交场站快充桩8个"
        assert sorted(v for (t, _r, c), v in data.values.items() if t == "pv" and c == "roof_area") == [800, 1200.5]
        assert not any(c[1] in ("chargers", "prefab", "nev") or c[2] == "area" for c in data.values)
        reasons = {a["reason"] for a in ws.store.audit(data.report.id)}
        assert any("已按第2版表式升级" in r and "v1_submission.xlsx" in r for r in reasons)
    finally:
        ws.close()


def test_an_older_file_moves_into_another_form_it_holds(v1_db: dict, v2: FormCatalogue, tmp_path: Path) -> None:
    from export.submission_file import read_submission

    ws = Workspace.open(v1_db["path"], catalogue=v1_db["v1"], user="王芳")
    try:  # the agriculture report of that year, filled except the cell the step moves into
        rid = ws.open_report(v1_db["tid"], "agriculture", "2024").report.id
        ws.change_cells(rid, [(("items", "straw_total", "value"), "3")])
    finally:
        ws.close()
    read = read_submission(_v1_file(v1_db, tmp_path, ["trial", "agriculture"]), v2)
    assert read.check == "一致" and read.form_versions == {"trial": 2, "agriculture": v2.get("agriculture").version}
    agriculture = read.form("agriculture")
    assert agriculture.values[("items", "biogas", "value")] == 345
    assert agriculture.values[("items", "straw_total", "value")] == 3
    assert ("totals", "nev", "value") not in read.form("trial").values


def test_an_older_file_without_steps_for_its_version_is_read_by_code(v1_db: dict, tmp_path: Path) -> None:
    """A form that raised its version without steps: the file is read by code as before, said so."""
    from export.submission_file import read_submission

    bare = _trial(tmp_path / "bare", [("version: 1\norder: 99", "version: 2\norder: 99")])
    read = read_submission(_v1_file(v1_db, tmp_path, ["trial"]), bare)
    assert any("按表中各单元格的代码导入" in n for n in read.notices)
    assert read.form_versions["trial"] == 1
    assert read.form("trial").values[("totals", "chargers", "value")] == 12
