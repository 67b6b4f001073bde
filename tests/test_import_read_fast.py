"""The map reader takes a plain number without ``parse_input``'s text work (issue 16: import
preview speed): every value a person can put in a cell must still read exactly as
``parse_input`` reads it — the same stored value and type, or the same refusal."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from export.submission_file import normalise, read_submission
from forms.values import parse_input
from tests.district_helpers import set_cells

UNITS = ("key_energy_units", "units", "r1")
NUMBER_CELLS = [("energy_consumption", "energy", row, col) for row in ("raw_coal", "washed_coal", "other_coal")
                for col in ("stock_begin", "purchase", "consumption")]
EXTREMES = [1e15, 999_999_999_999_999, -1e15 + 1, 1e308, -0.0, 1e-300, 2.5, 3.0, 12_345_678_901_234_567, True,
            "1,000", "１２３", "—", "12万", "=1+1", 0]


@pytest.mark.parametrize("text_value", ["仙龙镇企业", 3.0, 12.5, True, "", "  是 "])
def test_every_value_reads_as_parse_input_reads_it(tmp_path: Path, township_files, catalogue, text_value) -> None:
    planted = dict(zip(NUMBER_CELLS, EXTREMES))
    planted.update({(*UNITS, "name"): text_value, (*UNITS, "uscc"): 915001180000000000,
                    (*UNITS, "key_unit"): text_value, (*UNITS, "energy_equal"): EXTREMES[len(NUMBER_CELLS) % 16],
                    (*UNITS, "boiler"): EXTREMES[(len(NUMBER_CELLS) + 1) % 16]})
    path = set_cells(township_files["仙龙镇"], tmp_path / "改过.xlsx", planted)
    read = read_submission(path, catalogue)
    rejected = {(r.form_key, *r.cell): r.reason for r in read.rejected}
    for (form_key, table, row, col_key), value in planted.items():
        col = catalogue.get(form_key).table(table).column(col_key)
        # what the cell holds: a worksheet number is a double; "" is an empty cell
        raw = normalise(float(value) if type(value) is int else value if value != "" else None)
        expected = parse_input(col, raw)
        key = (form_key, table, row, col_key)
        if expected.error:
            assert rejected.get(key) == expected.error, key
        else:
            got = read.form(form_key).values[(table, row, col_key)]
            assert key not in rejected and type(got) is type(expected.value), (key, got, expected)
            assert got == expected.value or (isinstance(got, float) and math.isnan(got))
            if isinstance(got, float):
                assert math.copysign(1, got) == math.copysign(1, expected.value)


def _valid_uscc(body: str) -> str:
    from storage.demo import _uscc

    return _uscc(body)


TEXTS = ["永川测试企业00001有限公司", " 前导空格", "尾随空格 ", "\u3000全角空格", "含\x07控制字符", "零宽\u200b字符", "软\xad连字符",
         "x" * 32_767, "x" * 32_768, "a\ud800b", "9150011", "—", "", "  ", "9150011\n8MA0000001"]
USCCS = [_valid_uscc("91500118MA0000001"), _valid_uscc("91500118MA0000001").lower(), "91500118MA00000019",
         " " + _valid_uscc("91500118MA0000002"), _valid_uscc("91500118MA000000I"[:-1] + "3"), "91500118MA000000IO",
         "９1500118MA0000001X", "91500118MA000000"]


@pytest.mark.parametrize("col_key", ["name", "uscc"])
def test_plain_text_answers_as_parse_input_or_not_at_all(catalogue, col_key: str) -> None:
    from forms.values import plain_text

    col = catalogue.get(UNITS[0]).table(UNITS[1]).column(col_key)
    answered = 0
    for text in TEXTS + USCCS:
        fast = plain_text(col.type, text)
        if fast is not None:
            answered += 1
            assert parse_input(col, text) == type(parse_input(col, text))(fast), (col_key, text)
    assert answered >= 2  # the usual name / code is answered without the general path
    assert plain_text("choice", "是") is None and plain_text("number", "1") is None


# a control character as a worksheet holds it (openpyxl writes no raw one; calamine decodes the escape);
# short test ids: pytest puts the id in PYTEST_CURRENT_TEST, and Windows caps a variable at 32,767 characters
@pytest.mark.parametrize("name, uscc", list(zip([t.replace("\x07", "_x0007_") for t in TEXTS[:8]], USCCS))
                         + [(TEXTS[14], USCCS[7])], ids=lambda v: repr(v)[:40])
def test_names_and_codes_read_as_parse_input_reads_them(tmp_path: Path, township_files, catalogue, name: str,
                                                         uscc: str) -> None:
    planted = {(*UNITS, "name"): name, (*UNITS, "uscc"): uscc}
    path = set_cells(township_files["仙龙镇"], tmp_path / "改过.xlsx", planted)
    read = read_submission(path, catalogue)
    rejected = {(r.form_key, *r.cell): r.reason for r in read.rejected}
    for (form_key, table, row, col_key), value in planted.items():
        held = value.replace("_x0007_", "\x07")
        expected = parse_input(catalogue.get(form_key).table(table).column(col_key), normalise(held or None))
        key = (form_key, table, row, col_key)
        if expected.error:
            assert rejected.get(key) == expected.error, key
        else:
            assert key not in rejected and read.form(form_key).values[(table, row, col_key)] == expected.value, key


def test_plain_text_check_digit_agrees_with_check_uscc() -> None:
    """The fast check digit (a base-34 reading, see forms.values) says valid exactly when
    check_uscc does: random codes (about one in 31 valid) and every code off by one character."""
    import random

    from forms.values import USCC_CHARS, check_uscc, plain_text

    chooser = random.Random(16)
    codes = ["".join(chooser.choice(USCC_CHARS) for _ in range(18)) for _ in range(20_000)]
    good = _valid_uscc("91500118MA0000001")
    codes += [good[:i] + ch + good[i + 1:] for i in range(18) for ch in USCC_CHARS]
    valid = [code for code in codes if check_uscc(code) is None]
    assert len(valid) > 500
    assert [code for code in codes if plain_text("uscc", code) == code] == valid
