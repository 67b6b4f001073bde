"""Impossible numbers and hostile text on every input path (issue 10, points 1, 5 and 6): the real
window survives 1e308/1e309 typed and Enter, an old database holding inf/1e308 opens with the
cells shown as errors, and the parser every path shares refuses what it cannot store faithfully."""

from __future__ import annotations

import math
import sqlite3

import pytest
from PySide6.QtCore import Qt

from forms.spec import DEFAULT_BOUNDS, ColumnSpec
from forms.values import MAX_TEXT_CHARS, CellError, format_value, parse_input
from storage import cell_packs

from . import test_ui_entry as entry
from .test_ui_entry import _editor, _enter, _idx, _stored, _view

window, db_path = entry.window, entry.db_path  # the real main window on a database holding the test forms

NUMBER = ColumnSpec("a", "甲量", bound=DEFAULT_BOUNDS["number"])
TEXT = ColumnSpec("t", "名称", type="text")


def _type(qtbot, view, row: str, text: str) -> None:
    view.setCurrentIndex(_idx(view, row))
    qtbot.keyClick(view, Qt.Key.Key_1)
    editor = _editor(view)
    editor.setText(text)
    _enter(qtbot, view)


@pytest.mark.parametrize("typed", ["1e308", "1e309", "-1e309", "1e15", "12345678901234567890"])
def test_typing_an_impossible_number_and_enter_keeps_the_window(qtbot, window, db_path, typed):
    view = _view(window)
    model = view.grid_model()
    _type(qtbot, view, "r1", typed)
    stored = _stored(db_path, model.report_id, "r1")
    assert stored == typed  # kept as typed (text), never stored as a float
    assert model.data(_idx(view, "r1")) == typed
    assert model.data(_idx(view, "r1"), Qt.ItemDataRole.UserRole + 2) == "错误"  # SEVERITY_ROLE
    assert any(f.cell == ("t", "r1", "a") and f.severity == "错误" for f in model.state.result.findings)
    _type(qtbot, view, "r2", "999999999999999")  # the largest 15-digit number is a value
    assert _stored(db_path, model.report_id, "r2") == 999_999_999_999_999


def test_a_database_holding_inf_and_1e308_opens_and_reports_them(qtbot, window, db_path):
    view = _view(window)
    model = view.grid_model()
    conn = sqlite3.connect(str(db_path))
    with conn:  # (written as the program writes values: into the column's pack)
        for row, value in (("r1", math.inf), ("r2", 1e308), ("r4", -math.inf)):
            cell_packs.write_values(conn, model.report_id, [(("t", row, "a"), value)], "2025-01-01T00:00:00")
            assert conn.total_changes
    conn.close()
    window.controller.select_form(window.controller.form_key, force=True)
    view = _view(window)
    model = view.grid_model()
    assert model.data(_idx(view, "r1")) == "（无效数值）"
    assert model.data(_idx(view, "r2")) == "1e+308"
    for row in ("r1", "r2", "r4"):
        assert model.data(_idx(view, row), Qt.ItemDataRole.UserRole + 2) == "错误"
    problems = [f.message for f in model.state.result.findings if f.rule_id == "类型"]
    assert len(problems) == 3 and any("不是有限的数值" in m for m in problems) and any("超出本栏" in m for m in problems)
    _type(qtbot, view, "r1", "5")  # and the cell can be corrected
    assert _stored(db_path, model.report_id, "r1") == 5


@pytest.mark.parametrize("raw, message", [
    (math.inf, "不是有限的数值"), (math.nan, "不是有限的数值"), (1e308, "超出本栏"), ("1e309", "不是有限的数值"),
    (10**400, "超出本栏"), (-(10**15), "超出本栏"), ("12345678901234567890", "超过15位有效数字"),
    ("0.1234567890123456", "超过15位有效数字"), (True, "逻辑值 TRUE"), (False, "逻辑值 FALSE"),
    (CellError("#DIV/0!"), "#DIV/0!"), (CellError("#N/A"), "#N/A"), (CellError("[1]Sheet1!A1", "external"), "外部链接")])
def test_the_shared_parser_refuses_what_it_cannot_store_faithfully(raw, message):
    parsed = parse_input(NUMBER, raw)
    assert parsed.error and message in parsed.error
    assert not isinstance(parsed.value, float) or math.isfinite(parsed.value) and abs(parsed.value) < 1e15


@pytest.mark.parametrize("raw, value", [("999999999999999", 999_999_999_999_999), ("1.50000000000000000", 1.5),
                                        ("0.000000000000000123", 1.23e-16), (0.30000000000000004, 0.30000000000000004),
                                        ("1,000,000", 1_000_000)])
def test_numbers_within_limits_still_parse(raw, value):
    assert parse_input(NUMBER, raw).value == value and parse_input(NUMBER, raw).error is None


def test_percent_and_declared_bounds():
    percent = ColumnSpec("p", "比重", type="percent", bound=DEFAULT_BOUNDS["percent"])
    assert parse_input(percent, "999999%").value == 999_999
    assert "1e+06" in parse_input(percent, "1000000").error
    small = ColumnSpec("s", "人数", type="integer", bound=1000)
    assert parse_input(small, 999).value == 999 and "1000" in parse_input(small, 1000).error


def test_text_loses_control_characters_and_overlong_text_is_refused():
    assert parse_input(TEXT, "永川\x1b区\x0b\x00镇\u0085").value == "永川区镇"
    assert parse_input(TEXT, "第一行\n第二行\t!").value == "第一行\n第二行\t!"
    assert parse_input(NUMBER, "12\x1b3").value == 123
    parsed = parse_input(TEXT, "长" * (MAX_TEXT_CHARS + 1))
    assert parsed.error and "32767" in parsed.error
    assert parse_input(TEXT, "长" * MAX_TEXT_CHARS).error is None
    assert "15位有效数字" in parse_input(TEXT, 1.2345678901234567e19).error  # a code Excel turned into a number


def test_format_value_never_fails():
    assert format_value(NUMBER, math.inf) == "（无效数值）" and format_value(NUMBER, math.nan) == "（无效数值）"
    assert format_value(NUMBER, 1e308) == "1e+308" and format_value(NUMBER, 1234.5) == "1,234.50"


def test_the_form_schema_declares_bound(catalogue):
    from forms.loader import FormDefinitionError, load_form_text

    from .entry_forms import GRID_FORM

    columns = {c.key: c for c in load_form_text(GRID_FORM, "t.yaml", catalogue.reference).table("t").columns}
    assert columns["a"].bound == 1e15  # the default of a number column
    bounded = GRID_FORM.replace("{key: b, label: 乙量,", "{key: b, label: 乙量, bound: 5000,")
    assert load_form_text(bounded, "t.yaml", catalogue.reference).table("t").column("b").bound == 5000
    for bad in ("bound: 1e16,", "bound: 0,", "bound: -3,"):
        with pytest.raises(FormDefinitionError, match="bound"):
            load_form_text(GRID_FORM.replace("{key: b, label: 乙量,", "{key: b, label: 乙量, " + bad), "t.yaml",
                           catalogue.reference)


def test_a_computed_cell_beyond_any_float_is_an_error_finding_not_inf(catalogue):
    """Two figures an older version stored near the float limit add up to infinity: the total is
    blank with a 计算 错误 naming the cell, never inf in the grid, the export or the 汇总."""
    from forms.compute import ComputeContext
    from forms.validation import validate_report

    form = catalogue.get("energy_consumption")
    inputs = {("energy", "raw_coal", "consumption"): 1.7e308, ("energy", "washed_coal", "consumption"): 1.7e308}
    rows = {}
    result = validate_report(form, inputs, {}, rows, ComputeContext(catalogue.reference, 2025))
    total = result.computed.get("energy", "total", "tce_equal")
    assert total is None
    assert any(f.rule_id == "计算" and f.cell == ("energy", "total", "tce_equal") and "超出数值范围" in f.text
               for f in result.findings)
