"""v3 (issue 11): what the reading of one file learnt from a part's bytes is used again for the same
bytes in the files after it — a part unpacked (``safety._INFLATED``), a worksheet's safety answers
(``safety._SHEET_ANSWERS``), the grid calamine made of a worksheet (``reader._GRIDS``, keyed by the
sheet's part and every other part it may depend on) — and every file reads exactly as with nothing
kept: the 23 sample files and their altered copies, and copies crafted to share the kept parts
while differing where it matters (another styles or workbook part, swapped or unusual targets,
duplicate or case-twin entries, a broken header, a stored part), and the crafted hostile files.

"Nothing kept" is forced here (``nothing_kept``): the caches empty and never filled. Each file is
read both ways in the same run and the outcomes compared whole (``outcome``: values, 说明,
addresses, computed cells, rejected cells, notices, verdict, every refusal's words)."""

from __future__ import annotations

import contextlib
import warnings
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import export.reader as reader
import export.safety as safety
from tests.hostile_files import sheet_xml, xlsx_bytes
from tests.test_hostile_files import CRAFTED
from tests.test_read_submission_fast import outcome, variants  # noqa: F401 - variants: the altered files' fixture

_CELLS_PART, _META_PART, _NOTES_PART = "xl/worksheets/sheet10.xml", "xl/worksheets/sheet9.xml", "xl/worksheets/sheet8.xml"
_RELS = "xl/_rels/workbook.xml.rels"


def _empty_caches(mp: pytest.MonkeyPatch) -> None:
    for module, cache in ((safety, "_INFLATED"), (safety, "_SHEET_ANSWERS"), (reader, "_GRIDS")):
        mp.setattr(module, cache, {})


@contextlib.contextmanager
def nothing_kept() -> Iterator[None]:
    """Reading as before v3: every part unpacked, checked and parsed from the file itself."""
    with pytest.MonkeyPatch.context() as mp:
        _empty_caches(mp)
        mp.setattr(safety, "keep_recent", lambda *args: None)
        mp.setattr(reader, "keep_recent", lambda *args: None)
        yield


def _same_both_ways(paths: list[Path], catalogue, prime: Path | None = None) -> list:
    """Each file read after ``prime`` (its parts kept), again (from what it kept itself), and with
    nothing kept: the same outcome each time."""
    if prime is not None:
        outcome(prime, catalogue)
    new = [outcome(p, catalogue) for p in paths]
    again = [outcome(p, catalogue) for p in paths]
    with nothing_kept():
        old = [outcome(p, catalogue) for p in paths]
    for path, n, a, o in zip(paths, new, again, old):
        assert n == o, path.name
        assert a == o, path.name
    return new


@contextlib.contextmanager
def _counted(module, name: str) -> Iterator[list]:
    """Calls of ``module.name`` (its arguments), while the block runs."""
    calls: list = []
    real = getattr(module, name)

    def counting(*args):
        calls.append(args)
        return real(*args)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(module, name, counting)
        yield calls


def test_sample_and_altered_files_read_as_with_nothing_kept(variants, catalogue) -> None:  # noqa: F811
    outcomes = dict(zip((p.name for p in variants), _same_both_ways(variants, catalogue)))
    assert outcomes["仙龙镇_2025.xlsx"][7] == "一致" and outcomes["改了数.xlsx"][7] == "已被修改"
    assert outcomes["无隐藏表.xlsx"][0] == "layout" and outcomes["改成模板.xlsx"][0] == "template"


def test_a_second_township_file_takes_the_map_and_the_shared_parts_from_the_first(township_files, catalogue,
                                                                                  monkeypatch) -> None:
    _empty_caches(monkeypatch)  # nothing from the tests before
    first, second = township_files["仙龙镇"], township_files["吉安镇"]
    outcome(first, catalogue)
    with _counted(safety, "_check_sheet") as scanned, _counted(reader, "recent") as looked_up:
        read = outcome(second, catalogue)
    assert read[7] == "一致"
    # the sheets holding its own figures and name are scanned; the _cells map (the same layout: the
    # first file's bytes) is not
    parts = safety._sheet_parts({"xl/workbook.xml": zipfile.ZipFile(second).read("xl/workbook.xml"),
                                 _RELS: zipfile.ZipFile(second).read(_RELS)}, second.name)
    same = {sheet for sheet, part in parts.items()
            if zipfile.ZipFile(first).read(part) == zipfile.ZipFile(second).read(part)}
    assert same == {"_cells"} and {args[1] for args in scanned} == set(parts) - same
    looked = [args[1][0] for args in looked_up if args[0] is reader._GRIDS]
    assert looked == list(parts)  # every sheet looked up by its bytes, the map's grid found
    assert reader._GRIDS and all(key[0] != "_cells" or len(kept[3]) > 1 for key, kept in reader._GRIDS.items())


def _rewrite(source: Path, out: Path, edit: Callable[[list[list]], None]) -> Path:
    """``source``'s entries, as [name, bytes, method] each, changed by ``edit`` and written to ``out``."""
    with zipfile.ZipFile(source) as zf:
        entries = [[i.filename, zf.read(i), i.compress_type] for i in zf.infolist()]
    edit(entries)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a duplicate name, on purpose
        with zipfile.ZipFile(out, "w") as zf:
            for name, data, method in entries:
                zf.writestr(zipfile.ZipInfo(name, (2025, 1, 1, 0, 0, 0)), data, compress_type=method)
    return out


def _replace(name: str, change: Callable[[bytes], bytes]) -> Callable[[list[list]], None]:
    def edit(entries: list[list]) -> None:
        for entry in entries:
            if entry[0] == name:
                entry[1] = change(entry[1])
    return edit


def _swap_targets(first: str, second: str) -> Callable[[list[list]], None]:
    a, b = first.removeprefix("xl/").encode(), second.removeprefix("xl/").encode()
    return _replace(_RELS, lambda data: data.replace(a, b"@").replace(b, a).replace(b"@", b))


def _add(name: str, data_of: str | None = None, data: bytes = b"") -> Callable[[list[list]], None]:
    def edit(entries: list[list]) -> None:
        known = {e[0]: e[1] for e in entries}
        entries.append([name, known[data_of] if data_of else data, zipfile.ZIP_DEFLATED])
    return edit


def _stored(name: str) -> Callable[[list[list]], None]:
    def edit(entries: list[list]) -> None:
        for entry in entries:
            if entry[0] == name:
                entry[2] = zipfile.ZIP_STORED
    return edit


def _cells_sheet_changed(data: bytes) -> bytes:
    return data.replace(b"</sheetData>", b'<row r="9999"><c r="A9999" t="inlineStr"><is><t>x</t></is></c></row>'
                                         b"</sheetData>", 1)


_CRAFTED_FROM_A_SAMPLE: dict[str, Callable[[list[list]], None]] = {
    "styles_changed.xlsx": _replace("xl/styles.xml", lambda d: d.replace(b"<numFmts", b"<numFmts ", 1) + b" "),
    "dates_from_1904.xlsx": _replace("xl/workbook.xml", lambda d: d.replace(b"<workbookPr", b'<workbookPr date1904="1"', 1)
                                     if b"<workbookPr" in d else d.replace(b"<sheets>", b'<workbookPr date1904="1"/><sheets>', 1)),
    "map_and_meta_swapped.xlsx": _swap_targets(_CELLS_PART, _META_PART),
    "notes_and_meta_swapped.xlsx": _swap_targets(_NOTES_PART, _META_PART),
    "map_target_not_plain.xlsx": _replace(_RELS, lambda d: d.replace(b'"/xl/worksheets/sheet10.xml"',
                                                                     b'"../xl/worksheets/sheet10.xml"')),
    "map_target_relative.xlsx": _replace(_RELS, lambda d: d.replace(b'"/xl/worksheets/sheet10.xml"',
                                                                    b'"worksheets/sheet10.xml"')),
    "map_entry_twice.xlsx": _add(_CELLS_PART, data=_cells_sheet_changed(b"<sheetData></sheetData>")),
    "map_case_twin.xlsx": _add(_CELLS_PART.upper(), data_of=_META_PART),
    "map_stored.xlsx": _stored(_CELLS_PART),
    "map_changed.xlsx": _replace(_CELLS_PART, _cells_sheet_changed),
    "office_document_elsewhere.xlsx": _replace("_rels/.rels", lambda d: d.replace(b"xl/workbook.xml", b"xl/workbook2.xml")),
}


def _broken_local_name(out: Path) -> Path:
    """The map's local header names another part (the directory still names the map)."""
    data = bytearray(out.read_bytes())
    name = _CELLS_PART.encode()
    at = data.index(b"PK\x03\x04")  # the first local header
    while data[at + 30:at + 30 + len(name)] != name:
        at = data.index(b"PK\x03\x04", at + 4)
    data[at + 30 + len(name) - 5] = ord("9")  # sheet10.xml → sheet19.xml
    out.write_bytes(bytes(data))
    return out


@pytest.fixture(scope="module")
def crafted_from_a_sample(township_files, tmp_path_factory) -> tuple[Path, list[Path]]:
    folder = tmp_path_factory.mktemp("kept_parts")
    source = township_files["仙龙镇"]
    base = _rewrite(source, folder / "as_written.xlsx", lambda entries: None)  # the same packed bytes as below
    made = [_rewrite(source, folder / name, edit) for name, edit in _CRAFTED_FROM_A_SAMPLE.items()]
    made.append(_broken_local_name(_rewrite(source, folder / "map_header_broken.xlsx", lambda entries: None)))
    return base, made


def test_files_sharing_the_kept_parts_but_differing_where_it_matters_read_as_with_nothing_kept(
        crafted_from_a_sample, catalogue) -> None:
    base, made = crafted_from_a_sample
    outcomes = dict(zip((p.name for p in made), _same_both_ways(made, catalogue, prime=base)))
    assert outcome(base, catalogue)[7] == "一致"
    # the ways these files read differ: the comparison covers takes, misses and refusals
    assert outcomes["styles_changed.xlsx"][7] == "一致" and outcomes["map_stored.xlsx"][7] == "一致"
    assert outcomes["map_target_relative.xlsx"][7] == "一致"
    refused = {name: o[2] for name, o in outcomes.items() if o[0] == "refused"}
    assert "表式版本" in refused["map_changed.xlsx"] and "已损坏" in refused["map_header_broken.xlsx"]
    assert "隐藏信息表格式不明" in refused["map_and_meta_swapped.xlsx"]
    # calamine takes the upper-case twin (the _meta sheet's bytes) for the map: nothing by its bytes there
    assert "隐藏单元格表不完整" in refused["map_case_twin.xlsx"]


def test_what_is_kept_is_the_bytes_the_parser_reads(crafted_from_a_sample) -> None:
    base, made = crafted_from_a_sample
    plain = safety.check_file(base)
    for name in ("map_target_not_plain.xlsx", "map_target_relative.xlsx"):  # (the targets were changed)
        assert safety.check_file(next(p for p in made if p.name == name)).grid_keys != plain.grid_keys
    assert set(plain.grid_keys) == set(plain.sheet_order) and plain.sheet_order[-1] == "_cells"
    by_name = {p.name: p for p in made}
    # the parser would find its parts elsewhere, or another entry of the same name: nothing by its bytes
    for name in ("map_entry_twice.xlsx", "map_case_twin.xlsx", "office_document_elsewhere.xlsx"):
        assert safety.check_file(by_name[name]).grid_keys == {}, name
    assert "_cells" not in safety.check_file(by_name["map_target_not_plain.xlsx"]).grid_keys
    assert "_cells" in safety.check_file(by_name["map_target_relative.xlsx"]).grid_keys
    # another styles part: another key for the same map bytes
    styled = safety.check_file(by_name["styles_changed.xlsx"]).grid_keys["_cells"]
    assert styled[1][0] == plain.grid_keys["_cells"][1][0] and styled[0] != plain.grid_keys["_cells"][0]


@pytest.mark.parametrize("name", sorted(n for n, (_, refusal) in CRAFTED.items() if refusal or n.endswith(".xlsx")))
def test_crafted_hostile_files_read_as_with_nothing_kept(name, township_files, catalogue, tmp_path) -> None:
    path = tmp_path / name
    path.write_bytes(CRAFTED[name][0])
    (read,) = _same_both_ways([path], catalogue, prime=township_files["仙龙镇"])
    if CRAFTED[name][1]:
        assert read[0] == "refused" and CRAFTED[name][1] in read[2]


def test_the_least_recently_used_entry_goes_first_and_large_parts_are_not_kept(tmp_path, monkeypatch) -> None:
    cache: dict = {}
    for key in "abc":
        safety.keep_recent(cache, key, key.upper(), 3)
    assert safety.recent(cache, "a") == "A" and safety.recent(cache, "x") is None
    safety.keep_recent(cache, "d", "D", 3)  # "b" is the least recently used now
    assert list(cache) == ["c", "a", "d"]
    # a workbook of a small sheet and a large one (over 128 KB unpacked), read twice
    _empty_caches(monkeypatch)
    rows = "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c><c r="B{r}" t="inlineStr"><is><t>{"文" * 20}</t></is></c></row>'
                   for r in range(1, 1601))
    path = tmp_path / "大小两表.xlsx"
    path.write_bytes(xlsx_bytes({"小": sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>'), "大": sheet_xml(rows)}))
    first = reader.read_workbook(path)
    again = reader.read_workbook(path)
    assert again.grids == first.grids and len(first.grids["大"]) == 1600 and first.grids["大"][-1][0] == 1600.0
    kept = [answer[0] for answer in safety._SHEET_ANSWERS.values()]
    assert any(b"<v>1</v></c></row></sheetData>" in data for data in kept)
    assert not any(len(data) > safety._INFLATED_PART_MAX for data in kept)
    assert all(len(data) <= safety._INFLATED_PART_MAX for _, data in safety._INFLATED.values())
    assert [key[0] for key in reader._GRIDS] == ["小", "大"]  # 1,600 × 2 cells: within the grids kept
    assert again.grids["小"] is not first.grids["小"] and again.grids["小"][0] is not first.grids["小"][0]


def test_an_entry_found_by_its_crc_and_sizes_but_of_other_bytes_is_not_taken(township_files, catalogue,
                                                                            monkeypatch) -> None:
    """What a CRC-32 shared by other bytes would find (forced: every entry's bytes replaced, its
    answer made wrong): each file reads from its own bytes, as with nothing kept."""
    _empty_caches(monkeypatch)
    paths = [township_files["仙龙镇"], township_files["吉安镇"]]
    outcome(paths[0], catalogue)
    for key, (packed, data) in list(safety._INFLATED.items()):
        safety._INFLATED[key] = (packed + b" ", b"<!DOCTYPE x>" + data)
    for key, answer in list(safety._SHEET_ANSWERS.items()):
        safety._SHEET_ANSWERS[key] = (answer[0] + b" ", None, frozenset({"A1"}), answer[3])
    for key, (made_of, height, width, rows) in list(reader._GRIDS.items()):
        reader._GRIDS[key] = ((made_of[0] + b" ", made_of[1]), height, width, [["改过"] * len(r) for r in rows])
    with _counted(reader, "recent") as looked_up:
        read = [outcome(p, catalogue) for p in paths]
    with nothing_kept():
        assert read == [outcome(p, catalogue) for p in paths]
    assert read[0][7] == read[1][7] == "一致"
    assert sum(1 for args in looked_up if args[0] is reader._GRIDS and args[1][0] == "_cells") == 2


def test_forget_kept_parts_reads_the_next_file_as_the_first(township_files, catalogue) -> None:
    """``reader.forget_kept_parts`` (the import preview's benchmark reads its file cold) empties every
    kept part, answer and grid; the file then reads the same."""
    path = township_files["仙龙镇"]
    with pytest.MonkeyPatch.context() as mp:
        _empty_caches(mp)  # (this test's own caches, whatever other tests kept)
        first = outcome(path, catalogue)
        assert safety._INFLATED and safety._SHEET_ANSWERS and reader._GRIDS
        reader.forget_kept_parts()
        assert not safety._INFLATED and not safety._SHEET_ANSWERS and not reader._GRIDS
        assert outcome(path, catalogue) == first
