"""u2 (issues 11 and 16): a submission is read with less work — the safety check scans a sheet part
fewer times, the checksum's records are joined as they are when the bytes prove the JSON encoder
would write the same, the cell map is read with less work per record and per cell — and every file
reads exactly as before.

"Before" is forced here (``before_u2``): the one search for odd or long references, a colon's
pattern tried at every colon, the JSON encoder for every block of records, each record made by
its own ``__new__``, every record read cell by cell. Each file is read both ways in the same run
and the outcomes compared whole (``tests.test_read_submission_fast.outcome``: values, 说明,
addresses, computed cells, rejected cells, notices, verdict, every refusal's words)."""

from __future__ import annotations

import random
import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

import export.checksum as checksum
import export.safety as safety
import export.submission_file as submission_file
from bench.sizes import FORM, TABLE
from export.file_format import CELLS_SHEET
from export.submission_file import read_submission
from forms.values import parse_input
from tests.cell_map import map_records, meta_row
from tests.hostile_files import sheet_xml, xlsx_bytes
from tests.read_less_work_helpers import (
    ODD_OR_LONG_REF_BEFORE,
    before_u2,
    late_row_tampered,
    long_list_file,
    map_checksum_by_record,
)
from tests.test_read_submission_fast import outcome, variants  # noqa: F401 - variants: the altered files' fixture


def _same_both_ways(paths: list[Path], catalogue, *, cell_by_cell: bool = True) -> list:
    new = [outcome(p, catalogue) for p in paths]
    with before_u2(cell_by_cell=cell_by_cell):
        old = [outcome(p, catalogue) for p in paths]
    for path, n, o in zip(paths, new, old):
        assert n == o, path.name
    return new


@pytest.mark.parametrize("cell_by_cell", [True, False])
def test_sample_altered_older_and_layout_files_read_as_before(variants, catalogue, cell_by_cell) -> None:  # noqa: F811
    outcomes = dict(zip((p.name for p in variants), _same_both_ways(variants, catalogue, cell_by_cell=cell_by_cell)))
    assert outcomes["仙龙镇_2025.xlsx"][7] == "一致" and outcomes["改了数.xlsx"][7] == "已被修改"
    assert outcomes["第1版格式.xlsx"][7] == outcomes["第2版格式.xlsx"][7] == "一致"
    assert outcomes["改成模板.xlsx"][0] == "template" and outcomes["无隐藏表.xlsx"][0] == "layout"


@pytest.fixture(scope="module")
def long_lists(township_files, tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("long_lists")
    source = township_files["仙龙镇"]
    return {"plain": long_list_file(source, folder / "五千行.xlsx"),
            "tampered": long_list_file(source, folder / "五千行_改过.xlsx", edit=late_row_tampered)}


def test_a_5000_row_list_reads_as_before_and_its_checksum_is_the_defined_one(long_lists, catalogue) -> None:
    path = long_lists["plain"]
    (read,) = _same_both_ways([path], catalogue, cell_by_cell=False)
    assert read[7] == "一致"
    (form,) = [f for f in read[13] if f[0] == FORM]
    assert len(form[5][TABLE]) == 5000 and not form[7]  # every row, nothing rejected
    # the fast checksum (two blocks of records here) is the one the definition gives, line by line
    wb = load_workbook(path)
    info = {r[0].value: r[1].value for r in wb["_meta"].iter_rows(min_row=2)}
    identity = checksum.FileIdentity(*(str(info.get(k) or "") for k in (
        "format", "township_name", "township_stat_code", "township_mca_code", "period", "forms")))
    records = map_records(wb)
    assert len(records) > 4096
    assert map_checksum_by_record(identity, records, with_values=True) == meta_row(wb, "sha256")[1].value
    assert checksum.map_checksum(identity, records, with_values=True) == meta_row(wb, "sha256")[1].value


def test_a_5000_row_list_tampered_in_its_later_rows_reads_as_before(long_lists, catalogue) -> None:
    (read,) = _same_both_ways([long_lists["tampered"]], catalogue)
    assert read[7] == "已被修改"
    notices = [n for f in read[13] for n in f[8]]
    assert any("no_such_column" in n for n in notices)
    (form,) = [f for f in read[13] if f[0] == FORM]
    assert any(v == 123.456 for _, v in form[3])


def test_texts_parsed_in_the_reading_loop_are_parse_inputs_answers(township_files, catalogue, tmp_path) -> None:
    """The kept answer for a text read again in a column (inlined in the reading loop) is what
    ``parse_input`` says of it: the same file read with every input cell left for ``_read_cell``
    (which asks ``_Parser.parse``) gives the same values and refusals."""
    texts = ["是", " 否 ", "x", "是", "", "否\n", "C30", "C30 非金属矿物制品业", "91500118MA0000011L", "企业\u3000直报", "名称 "]

    def edit(wb) -> None:
        rows = [row for row in wb[CELLS_SHEET].iter_rows(min_row=2) if row[2].value == FORM and row[3].value == TABLE]
        for i, row in enumerate(rows[:40]):
            first = wb[row[0].value][row[1].value]
            for j in range(1, 5):  # 代码、行业、是否重点 …: text, code and choice columns
                first.offset(0, j).value = texts[(i + j) % len(texts)]

    path = long_list_file(township_files["吉安镇"], tmp_path / "文字.xlsx", rows=60, edit=edit)
    inline = read_submission(path, catalogue).form(FORM)
    init = submission_file._MapReader.__init__

    def every_cell_waits(self, *args) -> None:
        init(self, *args)
        self.plain = False

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(submission_file._MapReader, "__init__", every_cell_waits)
        waited = read_submission(path, catalogue).form(FORM)
    assert inline.values == waited.values and inline.rejected and \
        sorted(inline.rejected, key=repr) == sorted(waited.rejected, key=repr)
    table = inline.form.table(TABLE)
    for r in inline.rejected:
        assert parse_input(table.column(r.cell[2]), r.value).error == r.reason


_TEXTS = ["", "a", "中文", '"', "\\", "\n", "\t", "\x00", "\x1f", "\x7f", "\u2028", "\u3000", ",", "]],[\"", "é"]


def test_a_block_of_records_is_joined_exactly_as_the_encoder_writes_it() -> None:
    rnd = random.Random(20261202)
    for _ in range(3000):
        def text() -> str:
            return "".join(rnd.choice(_TEXTS) for _ in range(rnd.randint(0, 3)))
        block = []
        for _ in range(rnd.randint(1, 4)):
            n = rnd.randint(0, 3)
            block.append([text(), rnd.randint(-3, 9), text(), text(), text(), text(), text(), text(),
                          [text() for _ in range(n)], [text() for _ in range(n)]])
        assert checksum._lines_of(block) == checksum._encoded_lines(block), block


@pytest.mark.parametrize("odd", [["\ud800"], [7], [None], [1.5], ["\\"]])
def test_what_the_encoder_would_escape_or_refuse_goes_through_it(odd) -> None:
    block = [["f", 1, "t", "r1", "S", "A1", "a", "i", ["n1"], ["x"]], ["f", 1, "t", "r2", "S", "A2", "a", "i", odd, odd]]

    def lines(how):
        try:
            return how(block)
        except (ValueError, TypeError) as exc:
            return type(exc)
    assert lines(checksum._lines_of) == lines(checksum._encoded_lines)


def test_the_sheet_scans_answer_as_the_searches_they_replace() -> None:
    rnd = random.Random(11)
    pieces = [b"r", b"=", b"'", b'"', b" ", b"\t", b"\n", b"\x0b", b"\x0c", b"\r", b"A", b"z", b"1", b"12345", b"<c ",
              b"ab", b":", b"c", b"row", b"f", b"/", b">", b"\xe4\xb8\xad", b"r=\"AB1\"", b":" * 70]
    for _ in range(30000):
        data = b"".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 14)))
        assert safety._odd_or_long_ref(data) == (ODD_OR_LONG_REF_BEFORE.search(data) is not None), data
        for pattern in (safety._PREFIXED_TAG, safety._COLON_F):
            assert safety._after_a_colon(data, pattern) == (pattern.search(data) is not None), data


@pytest.mark.parametrize("cells", [
    '<c r="A1"><v>1</v></c>', "<c r='B2'><v>1</v></c>", '<c r ="C3"/>', '<c r\t=\t"D4"/>', '<c r=\n"AB70000"/>',
    '<c r="a12345"/>', '<c r="XFD1048576"><v>1</v></c>', '<x:c r="A1"/>', '<c><v>1</v></c><c r="A9999"/>',
    '<c r="A1"><f>[1]Sheet1!A1</f><v>3</v></c>', '<c r="A1" t="e"><v>#DIV/0!</v></c>', '<c r="Z1"><x:f>1+1</x:f></c>',
])
def test_hostile_and_odd_sheets_are_read_or_refused_as_before(cells, catalogue, tmp_path) -> None:
    path = tmp_path / "怪.xlsx"
    path.write_bytes(xlsx_bytes({"S": sheet_xml(f'<row r="1">{cells}</row>') + b'<pageMargins header="0.3"/>'}))
    (read,) = _same_both_ways([path], catalogue)
    assert read[0] in ("refused", "layout")


def test_the_program_s_own_sheets_need_only_the_usual_scans(township_files) -> None:
    """Guard for the speed (issue 11): a sheet this program writes has none of the rare things the
    scans look for, so each is looked for once and no part is measured reference by reference."""
    with zipfile.ZipFile(township_files["仙龙镇"]) as zf:
        sheets = [zf.read(n) for n in zf.namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)]
    for data in sheets:
        assert not safety._odd_or_long_ref(data) and b" =" not in data
        assert safety._check_sheet(data, "S", "f.xlsx", safety.FileCheck(Path("f.xlsx"), "xlsx")) is None
