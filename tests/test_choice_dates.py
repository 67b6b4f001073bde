"""A choice named by its code ("C30" → "C30 非金属矿物制品业") and dates written the ways people write
them: read by the core (``forms.values.parse_input``), so typing, paste and import all accept them."""

from __future__ import annotations

import pytest

from forms.values import parse_input


@pytest.mark.parametrize(("typed", "stored"), [
    ("C30", "C30 非金属矿物制品业"), ("c30", "C30 非金属矿物制品业"), (" C30 ", "C30 非金属矿物制品业"),
    ("非金属矿物制品业", "C30 非金属矿物制品业"), ("C30 非金属矿物制品业", "C30 非金属矿物制品业"),
    ("G", "G 交通运输、仓储和邮政业"), ("其他行业", "其他行业")])
def test_a_choice_is_named_by_its_code_everywhere(catalogue, typed, stored):
    col = catalogue.get("key_energy_units").table("units").column("industry")
    assert parse_input(col, typed).value == stored and parse_input(col, typed).error is None


@pytest.mark.parametrize("typed", ["C3", "C300", "C", "30", "非金属", "C30 纺织业"])
def test_a_code_that_names_no_choice_is_refused(catalogue, typed):
    col = catalogue.get("key_energy_units").table("units").column("industry")
    assert parse_input(col, typed).error


@pytest.mark.parametrize("typed", ["2025-3-1", "2025/03/01", "2025年3月1日", "2025.3.1", " 2025-03-01 "])
def test_dates_are_read_in_the_ways_people_write_them(catalogue, typed):
    col = catalogue.get("reduction_projects").table("projects").column("start_date")
    assert parse_input(col, typed).value == "2025-03-01"


@pytest.mark.parametrize("typed", ["2025-2-30", "2025年13月1日", "3/1/2025"])
def test_impossible_dates_are_refused(catalogue, typed):
    col = catalogue.get("reduction_projects").table("projects").column("start_date")
    assert parse_input(col, typed).error


def test_an_imported_file_may_name_a_choice_by_its_code(workspace, demo_township, tmp_path):
    """The code → choice reading is the core's: a filled-in Excel file holding "C30" imports as the choice."""
    from openpyxl import load_workbook

    from export.importer import preview_import
    from export.submission import export_submission
    from tests.cell_map import cell_map

    out = tmp_path / "清单.xlsx"
    export_submission(workspace, demo_township.id, "2025", out, form_keys=["key_energy_units"])
    book = load_workbook(out)
    where = cell_map(book)
    row_key = next(k[2] for k in where if k[0] == "key_energy_units" and k[3] == "industry")
    sheet, address = where[("key_energy_units", "units", row_key, "industry")]
    book[sheet][address].value = "c30"
    book.save(out)
    preview = preview_import(workspace, out)
    assert not preview.rejected
    assert preview.forms[0].values[("units", row_key, "industry")] == "C30 非金属矿物制品业"
