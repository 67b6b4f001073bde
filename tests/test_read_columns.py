"""y2 (issue 16): a long list's later rows are read column by column (``_MapReader.read_columns``,
after the run of them ends; a row after the first of a run takes a short way through the map),
the checksum's value texts are made a column at a time, and a list's 统一社会信用代码 are checked
as a whole (``forms.values.plain_codes``) — and every file reads, and every checksum is, exactly as
before.

"Before" is every later row read cell by cell (``tests.read_rows_helpers.rows_as_before``) and the
checksum as its definition says, one line per record (``map_checksum_by_record``); the outcomes are
compared whole (``tests.test_read_submission_fast.outcome``: values and their types, 说明,
addresses, computed cells, rejected cells, notices, verdict, refusals, dict orders included)."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest

import export.checksum as checksum
import export.submission_file as submission_file
from bench.sizes import FORM, TABLE
from export.checksum import FileIdentity, MapRecord, map_checksum
from export.file_format import CELLS_SHEET
from forms.values import USCC_CHARS, plain_codes, plain_text
from storage.demo import _uscc
from tests.read_less_work_helpers import long_list_file, map_checksum_by_record
from tests.read_rows_helpers import rows_as_before
from tests.test_read_submission_fast import outcome

ROWS = 40  # rows 3 … 40 of the list are "later rows" here (``_LIST_ROWS_KEPT`` = 2)


def _list_rows(wb) -> list:
    return [row for row in wb[CELLS_SHEET].iter_rows(min_row=2) if row[2].value == FORM and row[3].value == TABLE]


def _put(wb, record, column: str, value) -> None:
    """``value`` into the cell of ``column`` in the body row of map ``record``."""
    sheet = wb[record[0].value]
    sheet[record[1].value].offset(0, record[5].value.split(",").index(column)).value = value


def _blanks_and_repeats(wb) -> None:
    """Blank cells in number, text and choice columns of later rows; figures repeated."""
    for i, record in enumerate(_list_rows(wb)[5:]):
        if i % 3 == 0:
            _put(wb, record, "energy_equal", None)
            _put(wb, record, "name", None)
        if i % 4 == 0:
            _put(wb, record, "key_unit", None)
            _put(wb, record, "boiler", -0.0)
        _put(wb, record, "raw_energy", 7.0 if i % 2 else 7.25)


ODD = {"energy_equal": ["—", "1,000", True, 1e308, 2.0**53 + 2, -0.0, "12万", 5e-324, dt.datetime(2025, 1, 2)],
       "name": [" 前后有空格 ", "名称\u2028分行", 30, "x" * 40000, "正常名称"],
       "uscc": ["91500118ma0000011l", "91500118MA0000011X", "短", 12.0],
       "key_unit": ["x", "Y", " 是 ", 1.0],
       "industry": ["C30", "C99 不存在", "C30 非金属矿物制品业"]}


def _odd_values(wb) -> None:
    """What a clerk (or a tamperer) puts into a long list: texts in number columns, logical values,
    the extremes, codes in lower case or with a wrong check character, choices not offered."""
    rows = _list_rows(wb)
    for column, values in ODD.items():
        for i, value in enumerate(values):
            _put(wb, rows[6 + 3 * i], column, value)


def _structure(wb) -> None:
    """A 说明, a repeated record, an unknown column and two rows not one below the other, all
    among a list's later rows (each ends a run and starts another)."""
    rows = _list_rows(wb)
    rows[10][8].value = "说明：估算"
    wb[CELLS_SHEET].append([c.value for c in rows[12]])
    rows[20][5].value = ",".join(["no_such_column", *rows[20][5].value.split(",")[1:]])
    rows[30][1].value, rows[31][1].value = rows[31][1].value, rows[30][1].value
    rows[34][4].value = "r34_新"  # a row key of its own, in the run


@pytest.fixture(scope="module")
def lists(township_files, tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("read_columns")
    source = township_files["仙龙镇"]
    return {name: long_list_file(source, folder / f"{name}.xlsx", ROWS, edit=edit)
            for name, edit in (("plain", None), ("blanks", _blanks_and_repeats), ("odd", _odd_values),
                               ("structure", _structure))}


@pytest.fixture
def later_rows(monkeypatch) -> list[bool]:
    """Every list row after the second a later row; what each run's column reading answered."""
    monkeypatch.setattr(submission_file, "_LIST_ROWS_KEPT", 2)
    monkeypatch.setattr(submission_file, "_ROW_PLANS", {})
    answers: list[bool] = []
    read_columns = submission_file._MapReader.read_columns
    monkeypatch.setattr(submission_file._MapReader, "read_columns",
                        lambda self, *args: answers.append(read_columns(self, *args)) or answers[-1])
    return answers


def _same_as_cell_by_cell(path: Path, catalogue) -> tuple:
    new = outcome(path, catalogue)
    with rows_as_before():
        old = outcome(path, catalogue)
    assert new == old, path.name
    return new


@pytest.mark.parametrize("name", ["plain", "blanks"])
def test_plain_later_rows_are_read_by_column_as_cell_by_cell(lists, catalogue, later_rows, name) -> None:
    read = _same_as_cell_by_cell(lists[name], catalogue)
    assert later_rows and all(later_rows)  # each list's run (this one's and the sample's other lists') by column
    (form,) = [f for f in read[13] if f[0] == FORM]
    assert len(form[5][TABLE]) == ROWS and not form[7]
    values = dict(form[3])
    assert not any(type(v) is float and v.is_integer() for v in values.values())
    if name == "blanks":
        assert None in values.values() and 7.25 in values.values() and 7 in values.values()


def test_odd_values_in_later_rows_read_as_cell_by_cell(lists, catalogue, later_rows) -> None:
    read = _same_as_cell_by_cell(lists["odd"], catalogue)
    assert False in later_rows  # a cell needing more than its value: that run read row by row
    (form,) = [f for f in read[13] if f[0] == FORM]
    refused = {r.value for r in form[7]}
    assert {"12万", "C99 不存在", "x", "91500118MA0000011X", "短"} <= {str(v) for v in refused}
    assert "91500118MA0000011L" in dict(form[3]).values()  # a code in lower case, read as parse_input reads it


def test_a_note_a_repeated_record_and_rows_out_of_order_read_as_cell_by_cell(lists, catalogue, later_rows) -> None:
    read = _same_as_cell_by_cell(lists["structure"], catalogue)
    assert read[7] == "已被修改" and len(later_rows) >= 3 and all(later_rows)
    (form,) = [f for f in read[13] if f[0] == FORM]
    assert "说明：估算" in dict(form[4]).values()
    assert any("no_such_column" in n for n in form[8])


def test_a_long_list_of_the_bench_size_reads_by_column_once(tmp_path, township_files, catalogue, monkeypatch) -> None:
    """Rows past the kept 256 with their own row numbers (the rows are not one below the other:
    each column's addresses made, not sliced from the kept ones)."""
    def spread(wb) -> None:
        for record in _list_rows(wb)[300:]:
            record[1].value = record[1].value[0] + str(int(record[1].value[1:]) + 3)

    path = long_list_file(township_files["吉安镇"], tmp_path / "三百行.xlsx", 320, edit=spread)
    answers: list[bool] = []
    read_columns = submission_file._MapReader.read_columns
    monkeypatch.setattr(submission_file._MapReader, "read_columns",
                        lambda self, *args: answers.append(read_columns(self, *args)) or answers[-1])
    read = _same_as_cell_by_cell(path, catalogue)
    assert answers and all(answers) and read[7] == "已被修改"


# -- the checksum's value texts a column at a time ----------------------------------------------------------

IDENTITY = FileIdentity("jnjp-submission", "镇", "1", "", "2025", "f@1")
COLUMNS = [
    [3.0, 3.0, 0.0, -0.0] * 5,  # a few figures again and again (0.0 and -0.0 the same text)
    [0.1 + 0.2, 12085.956, 1e-07, 2.5, 7.0, 1e308, 5e-324, 2.0**53, 2.0**53 + 2, -1.5] * 2,
    [float(i) for i in range(20)],
    [i + 0.5 for i in range(20)],
    ["文字", '"引号"', "a\\b", "行\n", "\x00"] * 4,
    [None] * 20,
    [None, 1.5, "混", 2] * 5,
    ["", "s"] * 10,
]


def _records(columns: list[list]) -> list[MapRecord]:
    n = len(columns)
    keys, kinds = ",".join(f"c{j}" for j in range(n)), "i" * n
    notes = [[None] * n if i % 7 else ["说明"] + [None] * (n - 1) for i in range(len(columns[0]))]
    return [MapRecord("S", f"B{i + 3}", "f", 1, "t", f"r{i}", keys, kinds, list(values), notes[i])
            for i, values in enumerate(zip(*columns))]


@pytest.fixture
def by_column(monkeypatch) -> list[int]:
    """Runs of 8 records done by column (the checksum's own threshold is for longer lists); the
    columns so done."""
    monkeypatch.setattr(checksum, "_COLUMN_RUN", 8)
    done: list[int] = []
    column_texts = checksum._column_texts
    monkeypatch.setattr(checksum, "_column_texts", lambda column: done.append(len(column)) or column_texts(column))
    return done


@pytest.mark.parametrize("with_values", [True, False])
def test_the_checksum_by_column_is_the_defined_one(with_values, by_column) -> None:
    records = _records(COLUMNS)
    short = _records([c[:3] for c in COLUMNS])  # a run too short to go by column
    for made in (records, short + records + short, records + _records(COLUMNS[:3])):
        assert map_checksum(IDENTITY, made, with_values=with_values) == \
            map_checksum_by_record(IDENTITY, made, with_values=with_values)
    assert bool(by_column) == with_values


@pytest.mark.parametrize("bad", [True, float("inf"), float("nan"), dt.date(2025, 1, 1)])
def test_a_value_excel_cannot_hold_fails_the_checksum_by_column_as_by_record(bad, by_column) -> None:
    columns = [list(c) for c in COLUMNS]
    columns[2][11] = bad
    records = _records(columns)
    with pytest.raises(ValueError) as by_record:
        map_checksum_by_record(IDENTITY, records, with_values=True)
    with pytest.raises(ValueError) as by_columns:
        map_checksum(IDENTITY, records, with_values=True)
    assert str(by_columns.value) == str(by_record.value) and by_column


# -- 统一社会信用代码 as a whole list ----------------------------------------------------------------------------

def test_codes_checked_as_a_list_are_those_plain_text_answers() -> None:
    rng = random.Random(16)
    good = [_uscc(f"91500118MA{i:07d}") for i in range(300)]
    assert plain_codes(good) and plain_codes([]) and all(plain_text("uscc", g) == g for g in good)
    for _ in range(3000):
        code = list(rng.choice(good))
        how = rng.randrange(4)
        if how == 0:
            code[rng.randrange(18)] = rng.choice(USCC_CHARS + "IOSVZ a\n\x00中")
        elif how == 1:
            code.insert(rng.randrange(19), rng.choice(USCC_CHARS))
        elif how == 2:
            del code[rng.randrange(18)]
        else:
            code.reverse()
        text = "".join(code)
        plain = plain_text("uscc", text) == text
        assert plain_codes([text]) == plain, text
        assert plain_codes([*good[:5], text, *good[5:9]]) == plain, text
