"""y4 (issue 16): the import preview's cheaper steps answer exactly as the ones they replace."""

from __future__ import annotations

import random
import re

import export.safety as safety
from tests.read_less_work_helpers import ODD_OR_LONG_REF_BEFORE

_SPACE_BEFORE_EQ = re.compile(rb"\s=")  # what ``safety._space_before_eq`` answers


def test_space_before_eq_answers_as_the_search() -> None:
    rnd = random.Random(16)
    pieces = [b"r", b"=", b"'", b'"', b" ", b"\t", b"\n", b"\x0b", b"\x0c", b"\r", b"A", b"1", b"12345", b"<c ",
              b"\n" * 70, b"\t" * 65, b"\r\n" * 40, b"\xe4\xb8\xad", b"r=\"AB1\"", b"x=\"1\""]
    for _ in range(30000):
        data = b"".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 12)))
        assert safety._space_before_eq(data) == (_SPACE_BEFORE_EQ.search(data) is not None), data
        assert safety._odd_or_long_ref(data) == (ODD_OR_LONG_REF_BEFORE.search(data) is not None), data


def test_many_rare_spaces_before_the_one_before_an_eq() -> None:
    """Beyond the characters looked at one by one: the rest of the part is searched for the pair."""
    for space in (b"\t", b"\n", b"\r", b"\x0b", b"\x0c"):
        for count in (0, 63, 64, 65, 200):
            tail = b'<c r' + space + b'="A1"/>'
            data = (b"<row>" + space) * count + tail
            assert safety._space_before_eq(data) and safety._odd_or_long_ref(data)
            assert not safety._space_before_eq(data.replace(space + b"=", b"=")), (space, count)
            assert safety._space_before_eq(b"x" + space) is False


# -- the stored report compared by column (``import_preview._same_as_stored``) ---------------------------

_EXTREMES = [1e308, -1e308, -0.0, 0.0, 0, 3, 3.0, 12345678901234567890, -98765432109876543210, 0.1, 2.5,
             "文字", "", " x", "\x07控制", "3"]


def _dict_answer(values, columns) -> bool:
    from forms.column_values import ColumnValues

    present = {c: v for c, v in values.items() if v is not None}
    return present == ColumnValues(columns).as_dict()


def test_same_as_stored_answers_as_the_dict_comparison() -> None:
    """Random stored columns and file values around each other (equal, one value off, 3 against
    3.0, -0.0 against 0.0, blanks, cells only on one side, a stored null, a repeated row key):
    the column comparison gives the dict comparison's answer, or None (the caller then makes it)."""
    from export.import_preview import _same_as_stored
    from forms.column_values import ColumnValues

    rnd = random.Random(1616)
    decided = 0
    for _ in range(4000):
        rows = [f"r{i}" for i in range(1, rnd.randint(1, 6))]
        list_rows = {"units": list(rows)}
        columns = {}
        for col in rnd.sample(["a", "b", "c"], rnd.randint(0, 3)):
            keys = [r for r in rows if rnd.random() < 0.8] if rnd.random() < 0.3 else list(rows)
            if keys and rnd.random() < 0.05:
                keys.append(keys[0])  # a repeated row key (a damaged pack)
            vals = [rnd.choice(_EXTREMES[:-1]) for _ in keys]
            if vals and rnd.random() < 0.05:
                vals[rnd.randrange(len(vals))] = None  # a stored null (never written)
            columns[("units", col)] = (keys, vals)
        if rnd.random() < 0.3:
            columns[("grid", "v")] = (["x", "y"], [rnd.choice(_EXTREMES[:-1]), 7])
        values = {}
        for (table, col), (keys, vals) in columns.items():
            for key, val in zip(keys, vals):
                values[(table, key, col)] = val
        for _ in range(rnd.randint(0, 3)):  # the file differs a little
            cell = (rnd.choice(["units", "grid"]), rnd.choice(rows + ["x", "r9"]), rnd.choice(["a", "b", "c", "v"]))
            values[cell] = rnd.choice([None, *_EXTREMES])
        filled = sum(v is not None for v in values.values())
        got = _same_as_stored(values, filled, ColumnValues(columns), list_rows)
        if got is not None:
            decided += 1
            assert got == _dict_answer(values, columns), (values, columns)
    assert decided > 3000  # the column comparison decides nearly always
    assert _same_as_stored({}, 0, {}, {}) is None  # no report stored: a dict, compared as one


def _preview_lines(preview) -> list:
    return [(f.form.key, f.unchanged, [repr(c) for c in f.changes], [repr(c) for c in f.clears], f.notices,
             f.add_rows) for f in preview.forms] + [preview.warnings, preview.notices, preview.check]


def test_previews_by_column_say_what_the_dict_comparison_says(workspace, demo_township, tmp_path, monkeypatch) -> None:
    """Real database, real files written by the program: unchanged, then the stored report edited
    after the export (extreme numbers, a cleared value, a text where a number was), then a file
    with more list rows than the database — every line the same as the dict comparison's."""
    import export.import_preview as import_preview
    from bench.sizes import FORM as LIST_FORM
    from bench.sizes import TABLE, enterprise
    from export.importer import preview_import
    from export.submission import export_submission

    ws, town = workspace, demo_township
    data = ws.open_report(town.id, LIST_FORM, "2025")
    with ws.store.atomic():
        cells = []
        for i in range(40):
            key = ws.store.add_list_row(data.report.id, TABLE, ws.user)
            cells += [((TABLE, key, col), value) for col, value in enterprise(i, 2025).items()]
        ws.edit_many(data.report.id, cells, reason="测试")
    path = tmp_path / "镇.xlsx"
    export_submission(ws, town.id, "2025", path)

    def both() -> tuple[list, list]:
        fast = _preview_lines(preview_import(ws, path))
        with monkeypatch.context() as mp:
            mp.setattr(import_preview, "_same_as_stored", lambda *args: None)
            general = _preview_lines(preview_import(ws, path))
        return fast, general

    fast, general = both()
    assert fast == general and all(not f[2] and not f[3] for f in fast[:-3])
    rows = ws.open_report(town.id, LIST_FORM, "2025").list_rows[TABLE]
    rid = data.report.id
    ws.edit_many(rid, [((TABLE, rows[0], "energy_equal"), "1e308"), ((TABLE, rows[1], "energy_equiv"), "-0"),
                       ((TABLE, rows[2], "value_added"), "12345678901234567890"), ((TABLE, rows[3], "boiler"), "")],
                 reason="测试")
    fast, general = both()
    assert fast == general and any(f[2] or f[3] for f in fast[:-3])
    ws.remove_list_row(rid, TABLE, rows[-1])  # the file has one list row more than the database
    fast, general = both()
    assert fast == general


def test_record_values_as_value_by_value() -> None:
    """A record's values taken as the grid's slice when it has no blank: the same list as taking
    each value (blank → None), short rows and rows beyond the grid padded, blocked positions None."""
    from types import SimpleNamespace

    from export.submission_file import _MapReader
    from forms.values import CellError

    def by_value(grid, r, c, n, blocked):
        line = grid[r - 1] if r <= len(grid) else ()
        values = [None if v == "" else v for v in line[c - 1:c - 1 + n]]
        values += [None] * (n - len(values))
        for j in blocked:
            values[j] = None
        return values

    rnd = random.Random(4)
    kinds = ["", "", 1.5, -0.0, 1e308, "文字", " ", CellError("#N/A"), True, 12345678901234567890, None]
    for _ in range(5000):
        grid = [[rnd.choice(kinds) for _ in range(rnd.randint(0, 6))] for _ in range(rnd.randint(0, 4))]
        reader = SimpleNamespace(book=SimpleNamespace(grids={"S": grid}))
        r, c, n = rnd.randint(1, 5), rnd.randint(1, 4), rnd.randint(0, 5)
        blocked = tuple(sorted(rnd.sample(range(n), rnd.randint(0, n))))
        got = _MapReader.record_values(reader, "S", r, c, n, blocked)  # type: ignore[arg-type]
        assert got == by_value(grid, r, c, n, blocked) and [type(v) for v in got] == \
            [type(v) for v in by_value(grid, r, c, n, blocked)]
        if r <= len(grid):
            assert got is not grid[r - 1]  # a new list: the caller's changes never reach the grid
    assert _MapReader.record_values(SimpleNamespace(book=SimpleNamespace(grids={})), "X", 1, 1, 2, ()) == [None, None]  # type: ignore[arg-type]
