"""w1 (issues 11 and 16): a submission is read with less work per row and per value — a row met for
the first time is not looked for among the cells mapped before (none of them can be there), a
long list's later rows are read in one pass from the shape their columns share (instead of cell
by cell, then their input cells), a computed cell's number is normalised inline, the checksum's
records are made with less work, and the reading process hashes the values per form — and every
file reads, and hashes, exactly as before.

"Before" is kept in ``tests.read_rows_helpers`` (``rows_as_before``, ``data_sha256_before``); each
file is read both ways in the same run and the outcomes compared whole
(``tests.test_read_submission_fast.outcome``: values and their types, 说明, addresses, computed
cells, rejected cells, notices, verdict, every refusal's words, dict orders included)."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

import district.read_ahead as read_ahead
import export.submission_file as submission_file
from bench.sizes import FORM, TABLE
from export.submission_file import FileForm, SubmissionFile, read_submission
from tests.hostile_files import sheet_xml, xlsx_bytes
from tests.read_rows_helpers import data_sha256_before, rows_as_before
from tests.test_read_less_work import long_lists  # noqa: F401 - the 5,000-row files' fixture (plain, tampered)
from tests.test_read_submission_fast import outcome, variants  # noqa: F401 - variants: the altered files' fixture


def _same_both_ways(paths: list[Path], catalogue) -> list:
    new = [outcome(p, catalogue) for p in paths]
    with rows_as_before():
        old = [outcome(p, catalogue) for p in paths]
    for path, n, o in zip(paths, new, old):
        assert n == o, path.name
    return new


def test_sample_altered_older_and_layout_files_read_as_before(variants, catalogue) -> None:  # noqa: F811
    outcomes = dict(zip((p.name for p in variants), _same_both_ways(variants, catalogue)))
    assert outcomes["仙龙镇_2025.xlsx"][7] == "一致" and outcomes["改了数.xlsx"][7] == "已被修改"
    assert outcomes["重复行.xlsx"][7] == "已被修改"  # a record repeated: looked up, found, cell by cell


def test_every_later_row_of_a_short_list_read_in_one_pass_reads_as_before(variants, catalogue,  # noqa: F811
                                                                              monkeypatch) -> None:
    monkeypatch.setattr(submission_file, "_LIST_ROWS_KEPT", 1)  # every list row after the first: a later row
    monkeypatch.setattr(submission_file, "_ROW_PLANS", {})
    shaped = submission_file._MapReader.row_shape
    shapes: list = []
    monkeypatch.setattr(submission_file._MapReader, "row_shape",
                        lambda self, *args: shapes.append(args) or shaped(self, *args))
    _same_both_ways(variants, catalogue)
    assert shapes  # the one-pass reading was taken (and "before", cell by cell, too: rows_as_before)


def test_a_5000_row_list_reads_as_before_with_its_types(long_lists, catalogue) -> None:  # noqa: F811
    (read,) = _same_both_ways([long_lists["plain"]], catalogue)
    assert read[7] == "一致"
    (form,) = [f for f in read[13] if f[0] == FORM]
    assert len(form[5][TABLE]) == 5000 and not form[7]
    values = dict(form[3])
    assert {type(v) for v in values.values()} >= {int, float, str}  # an integral number read as int
    assert not any(type(v) is float and v.is_integer() for v in values.values())
    computed = [v for _, v in dict(form[9]).values()]
    assert len(computed) >= 5000 and not any(type(v) is float and v.is_integer() for v in computed)


def test_a_5000_row_list_tampered_in_its_later_rows_reads_as_before(long_lists, catalogue) -> None:  # noqa: F811
    (read,) = _same_both_ways([long_lists["tampered"]], catalogue)
    assert read[7] == "已被修改"
    notices = [n for f in read[13] for n in f[8]]
    assert any("no_such_column" in n for n in notices)


@pytest.mark.parametrize("cells", [
    '<c r="A1"><v>1</v></c>', "<c r='B2'><v>1</v></c>", '<c r ="C3"/>', '<c r=\n"AB70000"/>',
    '<c r="XFD1048576"><v>1</v></c>', '<c r="A1" t="e"><v>#DIV/0!</v></c>',
])
def test_hostile_sheets_are_read_or_refused_as_before(cells, catalogue, tmp_path) -> None:
    path = tmp_path / "怪.xlsx"
    path.write_bytes(xlsx_bytes({"S": sheet_xml(f'<row r="1">{cells}</row>')}))
    (read,) = _same_both_ways([path], catalogue)
    assert read[0] in ("refused", "layout")


def test_the_values_hash_is_the_one_it_was(township_files, long_lists, catalogue, monkeypatch) -> None:  # noqa: F811
    """``data_sha256`` (stored in the register, compared with older lines) is byte for byte the old
    one for every sample file and the 5,000-row list — and the reading process's, worked out after
    the values are left travelling, too — and so is what travels back."""
    monkeypatch.setattr(read_ahead, "_catalogue", catalogue)
    for path in [*township_files.values(), long_lists["plain"], long_lists["tampered"]]:
        read = read_submission(path, catalogue)
        expected = data_sha256_before(read)
        assert expected and read_ahead.data_sha256(read) == expected, path.name
        assert read_ahead._work(path).data_sha256 == expected, path.name


def test_the_values_hash_of_extreme_values_and_odd_forms_is_the_one_it_was(catalogue) -> None:
    forms = list(catalogue)[:3]
    odd = [1e308, -1e308, 12345678901234567890, -(10**19), 0, -0.0, 0.1 + 0.2, 5e-324, 2**53, 2.0**53 + 2,
           "", "中文", '"', "'", "\\", "\n", "\x00", "a\u2028b", None, True, float("inf")]
    read = SubmissionFile(Path("x.xlsx"), "submission")
    for n, form in enumerate(forms):
        item = FileForm(form, form.code)
        for i, value in enumerate(odd[n:] + odd[:n]):
            item.values[(f"t{i % 3}", f"r{i}", f"c{(i * 7) % 5}")] = value
        read.forms.append(item)
    assert read_ahead.data_sha256(read) == data_sha256_before(read) != ""
    assert read_ahead.data_sha256(SubmissionFile(Path("y.xlsx"), "submission")) == "" == data_sha256_before(
        SubmissionFile(Path("y.xlsx"), "submission"))
    read.forms.append(read.forms[0])  # a form twice (never in a file read): the definition itself
    assert read_ahead.data_sha256(read) == data_sha256_before(read)


def test_what_travels_back_is_what_it_was(township_files, catalogue, monkeypatch) -> None:
    """The reading process's answer, pickled, is the same bytes whichever way the map was read."""
    monkeypatch.setattr(read_ahead, "_catalogue", catalogue)
    paths = list(township_files.values())[:6]
    new = [pickle.dumps(read_ahead._work(p).read) for p in paths]
    with rows_as_before():
        old = [pickle.dumps(read_ahead._work(p).read) for p in paths]
    assert new == old
