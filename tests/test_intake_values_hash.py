"""``district.read_ahead.data_sha256`` with each cell's tuple text kept between files (y8, issue 11):
byte for byte the hash of the definition (``repr`` of the sorted tuples) for keys and values of every
kind, with the kept texts warm, cold, and made by a file of other values. The real files and the
5,000-row list are compared in ``tests/test_read_rows_shared.py``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from district import read_ahead
from export.submission_file import FileForm, SubmissionFile
from tests.read_rows_helpers import data_sha256_before

ODD_VALUES = [1e308, -1e308, 12345678901234567890, -(10**19), 0, -0.0, 0.1 + 0.2, 5e-324, float("inf"), "",
              "中文", '"', "'", "'\"", "\\", "\n", "\x00", "\x1f\x7f", "a\u2028b", "é", True, 7]
ODD_KEYS = ["t", "表", "a'b", 'a"b', "a\\b", "a\nb", "\x00", " ", "(", ")", ", ", "r1", "r10", "r2", "", "\u2028"]


def _file(forms: list[tuple[Any, dict[Any, Any]]]) -> SubmissionFile:
    read = SubmissionFile(Path("x.xlsx"), "submission")
    for form, values in forms:
        item = FileForm(form, "code")
        item.values = dict(values)
        read.forms.append(item)
    return read


def _odd_forms(catalogue_keys: list[str], shift: int) -> list[tuple[Any, dict[Any, Any]]]:
    forms = []
    for n, key in enumerate(catalogue_keys):
        values = {}
        for i in range(60):
            value = ODD_VALUES[(i + n + shift) % len(ODD_VALUES)]
            values[(ODD_KEYS[i % len(ODD_KEYS)], ODD_KEYS[(i * 7 + n) % len(ODD_KEYS)], ODD_KEYS[(i * 3) % 5])] = value
        values[("t", "r1", "blank")] = None
        forms.append((_Form(key), values))
    return forms


class _Form:
    """A stand-in for a FormSpec: ``FileForm.key`` is its form's key."""

    def __init__(self, key: Any) -> None:
        self.key = key


@pytest.fixture(autouse=True)
def _cold(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(read_ahead, "_CELL_TEXTS", {})


def test_odd_keys_and_values_hash_as_the_definition_cold_warm_and_after_other_values() -> None:
    keys = ["agriculture", "企业", "x'y"]
    first, second = _file(_odd_forms(keys, 0)), _file(_odd_forms(keys, 5))
    for read in (first, first, second, first):  # cold, warm, the same cells with other values, back
        assert read_ahead.data_sha256(read) == data_sha256_before(read) != ""
    assert read_ahead.data_sha256(first) != read_ahead.data_sha256(second)


def test_keys_equal_but_printed_otherwise_are_never_taken_from_the_kept_texts() -> None:
    """1, 1.0 and True are equal dict keys with different texts: such keys are printed each time."""
    files = [_file([(_Form("f"), {(first, "r", "c"): 2, (first + 1, "r", "c"): 3})]) for first in (1, True, 1.0)]
    for read in files:
        assert read_ahead.data_sha256(read) == data_sha256_before(read)
    assert len({read_ahead.data_sha256(read) for read in files}) == 3


def test_a_form_key_that_is_not_text_and_no_value_at_all() -> None:
    for key in (1, True):
        read = _file([(_Form(key), {("t", "r", "c"): 1})])
        assert read_ahead.data_sha256(read) == data_sha256_before(read)
    empty = _file([(_Form("f"), {("t", "r", "c"): None})])
    assert read_ahead.data_sha256(empty) == "" == data_sha256_before(empty)


def test_5000_cells_of_one_list_with_the_kept_texts_emptied_when_too_many(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(read_ahead, "_CELL_TEXTS_KEPT", 1000)
    values = {("list", f"r{i}", col): (i * 1.5 if col == "amount" else f"名称{i}\n") for i in range(1, 5001)
              for col in ("amount", "name")}
    values[("list", "r77", "amount")] = 12345678901234567890
    read = _file([(_Form("enterprises"), values)])
    other = _file([(_Form("agriculture"), {("t", "r1", "c"): 1})])
    for _ in range(2):
        assert read_ahead.data_sha256(other) == data_sha256_before(other)
        assert read_ahead.data_sha256(read) == data_sha256_before(read)
    assert len(read_ahead._CELL_TEXTS["agriculture"]) == 1
    read_ahead.data_sha256(other)  # (over the bound, all forms' texts together: every form's emptied)
    assert list(read_ahead._CELL_TEXTS) == ["agriculture"]
