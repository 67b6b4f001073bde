"""本期无数据 (issue 13.12): a form declared empty with a reason is complete for the export gate,
exported marked 本期无数据, read back from the file, and kept by the district at intake, whose
completeness shows 本期无数据 from the declaration."""

from __future__ import annotations

import shutil

import openpyxl
import pytest

from district.completeness import CellState, completeness
from district.intake import Verdict, intake_files
from export.export_gate import ExportBlocked
from export.submission import export_submission
from export.submission_file import read_submission
from storage.no_data import NoDataError
from storage.workspace import CHANGED_SINCE_EXPORT, NO_DATA_STATE, Workspace
from tests.no_data_helpers import clear_form, township_with_file

FORM = "agriculture"


@pytest.fixture
def township(tmp_path, township_files, catalogue):
    source = shutil.copy(township_files["卫星湖街道"], tmp_path / "卫星湖街道.xlsx")
    ws, town = township_with_file(source, tmp_path / "镇街.sqlite", catalogue)
    yield ws, town
    ws.close()


def test_a_form_with_figures_cannot_be_declared_and_a_reason_is_required(township) -> None:
    ws, town = township
    with pytest.raises(NoDataError, match="已填有数据"):
        ws.declare_no_data(town.id, "2025", FORM, "本街道无农业生产")
    clear_form(ws, town.id, FORM)
    for reason in ("", "   ", "无"):
        with pytest.raises(NoDataError, match="原因"):
            ws.declare_no_data(town.id, "2025", FORM, reason)
    assert ws.no_data(town.id, "2025") == {}


def test_declared_form_is_complete_exported_marked_and_read_back(township, tmp_path) -> None:
    ws, town = township
    report_id, held = clear_form(ws, town.id, FORM)
    with pytest.raises(ExportBlocked, match="永节统5表|农业农村"):
        export_submission(ws, town.id, "2025", tmp_path / "未声明.xlsx")
    ws.declare_no_data(town.id, "2025", FORM, "本街道无农业生产")
    assert ws.form_states(town.id, "2025")[FORM] == NO_DATA_STATE
    assert any(r["field"] == "no_data" and r["new"] == "本街道无农业生产" for r in ws.cell_changes(report_id, None))
    out = export_submission(ws, town.id, "2025", tmp_path / "卫星湖街道_2025.xlsx").path
    sheet = openpyxl.load_workbook(out)["永节统5表"]
    texts = [str(c.value) for row in sheet.iter_rows() for c in row if c.value]
    assert "本期无数据（原因：本街道无农业生产）" in texts
    read = read_submission(out, ws.catalogue)
    assert read.no_data == {FORM: "本街道无农业生产"} and not read.modified

    # edited after the export: the forms list says it must be exported again
    energy = ws.find_report_data(town.id, "energy_consumption", "2025")
    cell = next(c for c, v in energy.values.items() if isinstance(v, (int, float)) and v > 0)
    ws.change_cells(energy.report.id, [(cell, energy.values[cell] + 1)])
    assert ws.form_states(town.id, "2025")["energy_consumption"] == CHANGED_SINCE_EXPORT

    # a declared form that gets figures again blocks the export until one of the two is undone
    cell, value = next(iter(held.items()))
    ws.change_cells(report_id, [(cell, value)])
    with pytest.raises(ExportBlocked, match="已声明本期无数据，但填有数据"):
        export_submission(ws, town.id, "2025", tmp_path / "又填了.xlsx")
    ws.withdraw_no_data(town.id, "2025", FORM)
    assert ws.form_states(town.id, "2025")[FORM] == CHANGED_SINCE_EXPORT  # exported as 本期无数据, now holds a figure


def test_district_keeps_the_declaration_and_completeness_shows_it(township, tmp_path, catalogue) -> None:
    ws, town = township
    clear_form(ws, town.id, FORM)
    ws.declare_no_data(town.id, "2025", FORM, "本街道无农业生产")
    out = export_submission(ws, town.id, "2025", tmp_path / "卫星湖街道_2025.xlsx").path
    district = Workspace.create_district(tmp_path / "区库.sqlite", catalogue=catalogue, user="区统计局")
    try:
        batch = intake_files(district, [out], backup=False)
        assert batch.results[0].verdict == Verdict.ACCEPTED
        assert any("声明本期无数据：永节统5表（本街道无农业生产）" in r for r in batch.results[0].reasons)
        d_town = district.find_township("卫星湖街道")
        assert district.no_data(d_town.id, "2025")[FORM].reason == "本街道无农业生产"
        matrix = completeness(district, "2025")
        assert matrix.state(d_town.id, FORM) == CellState.NO_DATA
        assert matrix.state(d_town.id, "energy_consumption") == CellState.RECEIVED
    finally:
        district.close()


def test_cli_declares_and_withdraws(township) -> None:
    from tests.test_cli import run

    ws, town = township
    clear_form(ws, town.id, FORM)
    db = str(ws.path)
    ws.store.checkpoint()
    base = ("no-data", "--db", db, "--township", town.name, "--period", "2025", "--form", FORM)
    refused = run(*base, "--reason", "无")
    assert refused.returncode == 2 and "原因" in refused.stdout + refused.stderr
    filled = run("no-data", "--db", db, "--township", town.name, "--period", "2025", "--form", "energy_consumption",
                 "--reason", "本街道无能源消费")
    assert filled.returncode == 2 and "已填有数据" in filled.stdout + filled.stderr
    done = run(*base, "--reason", "本街道无农业生产")
    assert done.returncode == 0 and "已声明本期无数据（本街道无农业生产）" in done.stdout
    assert ws.no_data(town.id, "2025")[FORM].reason == "本街道无农业生产"
    assert run(*base, "--withdraw").returncode == 0
    assert ws.no_data(town.id, "2025") == {}
