"""District 审核 and 退回 on real files: findings per township with 说明 and remarks, filtered; the
cross-township rule declared in the form file (one 统一社会信用代码 in two townships' lists); the
identical-data finding; the 反馈 workbook written, read back and the forms marked 已退回."""

from __future__ import annotations

from pathlib import Path

import pytest

from district.completeness import CellState, completeness
from district.feedback import NothingToSendBack, send_back
from district.intake import intake_files
from district.review import IDENTICAL_RULE, district_findings
from export.feedback_file import read_feedback
from export.submission_file import read_submission
from main import main
from storage.workspace import Workspace
from tests.district_helpers import reexport


@pytest.fixture
def district(tmp_path: Path, catalogue):
    ws = Workspace.create_district(tmp_path / "区库.sqlite", catalogue=catalogue, user="区统计局")
    yield ws
    ws.close()


def _first_uscc(path: Path, catalogue) -> str:
    units = read_submission(path, catalogue).form("key_energy_units")
    return units.values[("units", units.list_rows["units"][0], "uscc")]


def test_findings_per_township_filtered(district, township_files) -> None:
    intake_files(district, [township_files["三教镇"], township_files["临江镇"]])
    every = district_findings(district, "2025")
    assert {f.township for f in every} == {"三教镇", "临江镇"}
    warnings = district_findings(district, "2025", severity="警告")
    assert warnings and all(f.severity == "警告" for f in warnings)
    assert all(f.note and f.explained for f in warnings)  # the samples explain every 警告
    town = district.find_township("三教镇").id
    one = district_findings(district, "2025", township_id=town, form_key="green_building", rule_id="V001")
    assert one and {(f.township, f.form_key, f.rule_id) for f in one} == {("三教镇", "green_building", "V001")}
    assert one[0].value is not None and one[0].col_label


def test_same_credit_code_in_two_townships_is_a_warning(district, township_files, tmp_path, catalogue) -> None:
    code = _first_uscc(township_files["三教镇"], catalogue)
    twice = reexport(township_files["临江镇"], tmp_path / "临江镇_2025.xlsx", catalogue,
                     edits={("key_energy_units", "units", "r1", "uscc"): code})
    intake_files(district, [township_files["三教镇"], twice, township_files["朱沱镇"]])
    across = district_findings(district, "2025", rule_id="D201")
    assert sorted(f.township for f in across) == ["三教镇", "临江镇"]
    assert all(f.severity == "警告" and f.across and f.value == code for f in across)
    assert "另见：临江镇" in next(f.text for f in across if f.township == "三教镇")


def test_identical_files_are_a_finding(district, township_files, tmp_path, catalogue) -> None:
    copied = reexport(township_files["宝峰镇"], tmp_path / "双石镇_2025.xlsx", catalogue, as_township="双石镇")
    intake_files(district, [township_files["宝峰镇"], copied])
    same = district_findings(district, "2025", rule_id=IDENTICAL_RULE)
    assert sorted(f.township for f in same) == ["双石镇", "宝峰镇"]


def test_feedback_workbook_round_trip_and_returned(district, township_files, tmp_path: Path) -> None:
    intake_files(district, [township_files["三教镇"]])
    town = district.find_township("三教镇")
    hint = next(f for f in district_findings(district, "2025", township_id=town.id, severity="提示"))
    district.set_district_remark(town.id, "2025", hint.form_key, hint.rule_id, hint.cell, "请补充说明口径")
    warning = district_findings(district, "2025", township_id=town.id, severity="警告")[0]
    district.set_district_remark(town.id, "2025", warning.form_key, warning.rule_id, warning.cell, "说明不充分")
    out = tmp_path / "反馈.xlsx"
    items = send_back(district, town.id, "2025", out)
    back = read_feedback(out)
    assert back.township == "三教镇" and back.period == "2025"
    assert back.items == items and len(items) == 5  # 4 警告 (one W007 on 其他能源) + the 提示 with a remark
    item = next(i for i in back.items if i.rule_id == warning.rule_id and i.cell == warning.cell)
    assert item.remark == "说明不充分" and item.note == warning.note and item.finding == warning.text
    assert item.form_code == warning.form_code and item.row_label == warning.row_label
    matrix = completeness(district, "2025")
    returned = {k for k, _ in matrix.forms if matrix.state(town.id, k) == CellState.RETURNED}
    assert returned == {i.form_key for i in items}


def test_nothing_to_send_back(district) -> None:
    with pytest.raises(NothingToSendBack):
        send_back(district, district.find_township("三教镇").id, "2025", Path("unused.xlsx"))


def test_cli_findings_accept_feedback(district, township_files, tmp_path: Path, capsys) -> None:
    import json

    intake_files(district, [township_files["三教镇"]])
    db = district.path
    district.close()
    assert main(["findings", "--db", str(db), "--period", "2025", "--severity", "警告", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 4 and {r["township"] for r in rows} == {"三教镇"}
    assert main(["accept", "--db", str(db), "--township", "三教镇", "--period", "2025"]) == 0
    assert "已标记为已审核" in capsys.readouterr().out
    out = tmp_path / "反馈.xlsx"
    assert main(["feedback", "--db", str(db), "--township", "三教镇", "--period", "2025", "--out", str(out)]) == 0
    assert "已写出反馈" in capsys.readouterr().out and len(read_feedback(out).items) == 4
    assert main(["feedback", "--db", str(db), "--township", "仙龙镇", "--period", "2025",
                 "--out", str(tmp_path / "x.xlsx")]) == 2
    assert "还没有收到仙龙镇" in capsys.readouterr().err


@pytest.mark.parametrize(("rule", "problem"), [
    ("{id: D9, kind: same_value_in_townships, table: nosuch, column: uscc, message: m}", "不是本表式中的清单表"),
    ("{id: D9, kind: same_value_in_townships, table: units, column: nosuch, message: m}", "没有栏目"),
    ("{id: D9, kind: sum_equals, table: units, column: uscc, message: m}", "不在允许范围"),
    ("{id: K001, kind: same_value_in_townships, table: units, column: uscc, message: m}", "重复"),
])
def test_district_rules_are_checked_on_load(tmp_path: Path, rule: str, problem: str) -> None:
    from forms.catalogue import FormCatalogue
    from forms.loader import FormDefinitionError
    from tests.catalogue_files import full_catalogue_folder

    (tmp_path / "forms").mkdir()
    folder = full_catalogue_folder(tmp_path / "forms")
    path = folder / "key_energy_units.yaml"
    text = path.read_text(encoding="utf-8")
    head = text[:text.index("district_rules:")]
    path.write_text(head + f"district_rules:\n  - {rule}\n", encoding="utf-8")
    with pytest.raises(FormDefinitionError, match=problem):
        FormCatalogue.load(folder)


def test_a_feedback_workbook_is_read_once_and_never_taken_as_data(district, township_files, tmp_path: Path,
                                                                   catalogue) -> None:
    """The 反馈 workbook is recognised by the one reading of the file: the township's 导入… gets its
    remarks (``open_for_import``), the district's intake refuses it saying what it is, and nothing
    is written."""
    import pickle

    from export.errors import FeedbackGiven
    from export.import_preview import ImportPreview, open_for_import
    from tests.district_helpers import table_dump

    intake_files(district, [township_files["三教镇"]], backup=False)
    town = district.find_township("三教镇")
    out = tmp_path / "三教镇_反馈.xlsx"
    items = send_back(district, town.id, "2025", out)
    with pytest.raises(FeedbackGiven) as given:
        read_submission(out, catalogue)
    assert given.value.feedback == read_feedback(out) and given.value.feedback.items == items
    assert "审核反馈文件" in str(given.value) and "导入" in str(given.value)
    again = pickle.loads(pickle.dumps(given.value))
    assert str(again) == str(given.value) and again.feedback == given.value.feedback
    before = table_dump(district.path, ("cell_values", "cell_columns", "reports", "intake_register"))
    batch = intake_files(district, [out], backup=False)
    assert [str(r.verdict) for r in batch.results] == ["拒收"] and "审核反馈文件" in "；".join(batch.results[0].reasons)
    assert table_dump(district.path, ("cell_values", "cell_columns", "reports")) == {
        k: v for k, v in before.items() if k != "intake_register"}
    township = Workspace.open(tmp_path / "镇街.sqlite", catalogue=catalogue, demo=False)
    try:
        mine = township.find_township("三教镇")
        assert open_for_import(township, out, township_id=mine.id, period="2025") == read_feedback(out)
        preview = open_for_import(township, township_files["三教镇"])
        assert isinstance(preview, ImportPreview) and preview.forms
    finally:
        township.close()
