"""收件 on real files: 23 townships' submissions made by the program, received into a district
database by the core and by the command line — own township and period, register, replacement,
tampered, copied, hostile and wrong-version files, 已审核 needing confirmation."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from district.intake import Verdict, intake_files
from main import main
from storage.workspace import Workspace
from tests.district_helpers import copy_as, reexport, set_cells, table_dump

BIOGAS = ("agriculture", "items", "biogas", "value")
RAW_COAL = ("energy_consumption", "energy", "raw_coal", "consumption")


@pytest.fixture
def district(tmp_path: Path, catalogue):
    ws = Workspace.create_district(tmp_path / "区库.sqlite", catalogue=catalogue, user="区统计局")
    yield ws
    ws.close()


def _value(ws: Workspace, town: str, key: tuple[str, str, str, str]):
    data = ws.find_report_data(ws.find_township(town).id, key[0], "2025")
    return None if data is None else data.values.get(key[1:])


def test_new_district_database_knows_every_township_and_no_demo(district) -> None:
    towns = district.townships()
    assert district.is_district
    assert len(towns) == 24 and not any(t.is_demo for t in towns)
    assert "永昌街道" in {t.name for t in towns}


def test_a_township_database_is_not_a_district_one(workspace, township_files, capsys) -> None:
    assert not workspace.is_district
    db = workspace.path
    workspace.close()
    code = main(["intake", str(township_files["仙龙镇"]), "--db", str(db)])
    assert code == 2
    assert "不是区级汇总库" in capsys.readouterr().err


def test_23_files_each_into_its_own_township(district, township_files, tmp_path: Path) -> None:
    folder = tmp_path / "U盘"
    for name, path in township_files.items():
        copy_as(path, folder / "sub", f"报表_{len(name)}_{hashlib.md5(name.encode()).hexdigest()[:6]}.xlsx")
    batch = intake_files(district, [folder])
    assert len(batch.results) == 23 and batch.count(Verdict.ACCEPTED) == 23, batch.summary()
    lines = district.intake_lines("2025")
    assert {district.township(line.township_id).name for line in lines} == set(township_files)
    by_town = {district.township(line.township_id).name: line for line in lines}
    for name, path in township_files.items():
        line = by_town[name]
        assert line.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
        assert line.period == "2025" and not line.given and line.program_version
        assert "energy_consumption@" in line.forms and line.verdict == "已接收"
    first, second = list(township_files)[:2]  # each its own figures (the samples scale by township)
    assert _value(district, first, RAW_COAL) == 16920.0
    assert _value(district, second, RAW_COAL) == round(16920.0 * 1.03, 1)


def test_a_file_named_for_another_township_goes_to_its_own(district, township_files, tmp_path: Path) -> None:
    misleading = copy_as(township_files["仙龙镇"], tmp_path, "吉安镇_2025.xlsx")
    result = intake_files(district, [misleading]).results[0]
    assert result.township == "仙龙镇" and result.verdict == Verdict.ACCEPTED
    assert _value(district, "吉安镇", RAW_COAL) is None
    assert _value(district, "仙龙镇", RAW_COAL) is not None


def test_a_later_file_replaces_the_earlier_one(district, township_files, tmp_path: Path, catalogue) -> None:
    first = township_files["三教镇"]
    intake_files(district, [first])
    old = _value(district, "三教镇", BIOGAS)
    second = reexport(first, tmp_path / "三教镇_更正.xlsx", catalogue, edits={BIOGAS: old + 5})
    result = intake_files(district, [second]).results[0]
    assert result.verdict == Verdict.ACCEPTED and result.replaced == 1
    assert _value(district, "三教镇", BIOGAS) == old + 5
    lines = district.intake_lines("2025", district.find_township("三教镇").id)
    assert [line.shown_verdict for line in lines] == ["已接收", "已被替代"]
    report = district.find_report_data(district.find_township("三教镇").id, "agriculture", "2025").report
    trail = [a for a in district.cell_changes(report.id, BIOGAS[1:]) if a["field"] == "value"]
    assert [a["old"] for a in trail][-1] == old and trail[-1]["new"] == old + 5  # the old value kept


def test_the_same_file_twice_is_a_duplicate_and_changes_nothing(district, township_files) -> None:
    path = township_files["来苏镇"]
    intake_files(district, [path])
    before = table_dump(district.path, ("reports", "cell_values", "cell_columns", "audit"))
    again = intake_files(district, [path]).results[0]
    assert again.verdict == Verdict.DUPLICATE
    assert table_dump(district.path, ("reports", "cell_values", "cell_columns", "audit")) == before


def test_a_tampered_file_is_flagged_and_not_written(district, township_files, tmp_path: Path) -> None:
    tampered = set_cells(township_files["五间镇"], tmp_path / "五间镇_2025.xlsx", {RAW_COAL: 1.0})
    before = table_dump(district.path)
    result = intake_files(district, [tampered]).results[0]
    assert result.verdict == Verdict.MODIFIED and result.township == "五间镇"
    assert table_dump(district.path) == before
    assert district.intake_lines()[0].verdict == "文件已被修改（校验码不符）"


def test_a_copied_file_is_flagged_as_identical(district, township_files, tmp_path: Path, catalogue) -> None:
    copied = reexport(township_files["宝峰镇"], tmp_path / "双石镇_2025.xlsx", catalogue, as_township="双石镇")
    batch = intake_files(district, [township_files["宝峰镇"], copied])
    assert [r.township for r in batch.results] == ["宝峰镇", "双石镇"]
    assert batch.results[1].identical == ["宝峰镇"]
    assert "疑似复制" in district.intake_lines()[0].reasons[-1]
    assert batch.results[0].identical == []


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04 not a zip at all", b"\x00" * 64])
def test_a_hostile_file_is_refused_and_changes_no_data(district, tmp_path: Path, content: bytes) -> None:
    bad = tmp_path / "坏文件.xlsx"
    bad.write_bytes(content)
    before = table_dump(district.path)
    result = intake_files(district, [bad]).results[0]
    assert result.verdict == Verdict.REFUSED and result.reasons
    assert table_dump(district.path) == before  # only the register has its line
    assert district.intake_lines()[0].verdict == "拒收"


def test_a_file_without_meta_needs_township_and_period(district, township_files, tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.load_workbook(township_files["朱沱镇"])
    for hidden in ("_meta", "_cells"):
        del wb[hidden]
    bare = tmp_path / "另存的模板.xlsx"
    wb.save(bare)
    refused = intake_files(district, [bare]).results[0]
    assert refused.verdict == Verdict.REFUSED and "请指定镇街和报告期" in refused.reasons[0]
    town = district.find_township("朱沱镇")
    given = intake_files(district, [bare], township=town, period="2025").results[0]
    assert given.verdict == Verdict.ACCEPTED and given.given
    assert district.intake_lines()[0].given and "收件人指定" in district.intake_lines()[0].reasons[0]
    assert _value(district, "朱沱镇", RAW_COAL) is not None


def _agriculture_v3(folder: Path):  # noqa: ANN202
    """The shipped catalogue with 永节统5表 raised 2 → 3 by an (empty) version step."""
    from tests.upgrade_helpers import edited_catalogue

    return edited_catalogue(folder, {"agriculture.yaml": [
        ("\nversion: 2\nupgrades:\n", "\nversion: 3\nupgrades:\n  - {from: 2, to: 3, note: 测试}\n")]})


def test_an_older_form_version_is_received_upgraded(tmp_path: Path, township_files) -> None:
    """r5: the file's version 2 is brought to the district's version 3 by its steps, and said so."""
    ws = Workspace.create_district(tmp_path / "区库.sqlite", catalogue=_agriculture_v3(tmp_path / "forms"))
    try:
        result = intake_files(ws, [township_files["红炉镇"]]).results[0]
        assert result.verdict == Verdict.ACCEPTED
        assert any("已按第3版表式升级" in r for r in ws.intake_lines()[0].reasons)
        assert _value(ws, "红炉镇", RAW_COAL) is not None
        town = ws.find_township("红炉镇").id
        assert ws.find_report_data(town, "agriculture", "2025").report.form_version == 3
    finally:
        ws.close()


def test_a_newer_form_version_is_not_received(district, tmp_path: Path, township_files) -> None:
    newer = reexport(township_files["红炉镇"], tmp_path / "红炉镇_2025.xlsx", _agriculture_v3(tmp_path / "forms"))
    result = intake_files(district, [newer]).results[0]
    assert result.verdict == Verdict.VERSION and "永节统5表" in result.reasons[0]
    assert _value(district, "红炉镇", RAW_COAL) is None


def test_an_audited_report_is_replaced_only_when_confirmed(district, township_files, tmp_path, catalogue) -> None:
    first = township_files["永荣镇"]
    intake_files(district, [first])
    town = district.find_township("永荣镇")
    district.set_district_mark(town.id, "2025", ["agriculture"], "已审核")
    old = _value(district, "永荣镇", BIOGAS)
    second = reexport(first, tmp_path / "永荣镇_2025.xlsx", catalogue, edits={BIOGAS: old + 1})
    refused = intake_files(district, [second]).results[0]
    assert refused.verdict == Verdict.REFUSED and "--confirm-replace" in refused.reasons[0]
    assert _value(district, "永荣镇", BIOGAS) == old
    confirmed = intake_files(district, [second], confirm_replace=True).results[0]
    assert confirmed.verdict == Verdict.ACCEPTED and _value(district, "永荣镇", BIOGAS) == old + 1
    assert district.district_mark(town.id, "2025", "agriculture") is None  # a new report to look at
    assert [line.shown_verdict for line in district.intake_lines("2025", town.id)] == ["已接收", "拒收", "已被替代"]


def test_cli_creates_the_district_database_and_receives_a_folder(tmp_path: Path, township_files, capsys) -> None:
    folder = tmp_path / "U盘"
    for path in list(township_files.values())[:3]:
        copy_as(path, folder, path.name)
    (folder / "~$锁文件.xlsx").write_bytes(b"lock")
    db = tmp_path / "新库" / "区库.sqlite"
    assert main(["intake", str(folder), "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "已新建区级汇总库" in out and "共收件3份：已接收3份" in out
    bad = folder / "坏.xlsx"
    bad.write_bytes(b"")
    assert main(["intake", str(folder), "--db", str(db), "--json"]) == 1  # a file not received
    import json

    report = json.loads(capsys.readouterr().out)
    verdicts = sorted(f["verdict"] for f in report["files"])
    assert verdicts == ["与已接收文件相同（重复）"] * 3 + ["拒收"]
    assert not report["created"]


def test_cli_intake_refuses_a_missing_folder_and_creates_nothing(tmp_path: Path, capsys) -> None:
    db = tmp_path / "区库.sqlite"
    assert main(["intake", str(tmp_path / "没有"), "--db", str(db)]) == 2
    assert "不存在" in capsys.readouterr().err and not db.exists()


def test_cli_accept_then_replacing_needs_confirm_replace(tmp_path: Path, township_files, catalogue, capsys) -> None:
    db = tmp_path / "区库.sqlite"
    first = township_files["板桥镇"]
    assert main(["intake", str(first), "--db", str(db)]) == 0
    assert main(["accept", "--db", str(db), "--township", "板桥镇", "--period", "2025"]) == 0
    ws = Workspace.open(db, catalogue=catalogue, demo=False)
    old = _value(ws, "板桥镇", BIOGAS)
    ws.close()
    second = reexport(first, tmp_path / "板桥镇_更正.xlsx", catalogue, edits={BIOGAS: old + 2})
    capsys.readouterr()
    assert main(["intake", str(second), "--db", str(db)]) == 1
    assert "--confirm-replace" in capsys.readouterr().out
    assert main(["intake", str(second), "--db", str(db), "--confirm-replace"]) == 0
    ws = Workspace.open(db, catalogue=catalogue, demo=False)
    try:
        assert _value(ws, "板桥镇", BIOGAS) == old + 2
    finally:
        ws.close()
