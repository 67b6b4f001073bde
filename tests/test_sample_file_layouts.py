"""The benchmark's township files differ in their lists' lengths (``make_township_files(extra_rows=…)``),
as real townships' do: no hidden map is the same in every file, and each file is still received."""

from __future__ import annotations

import zipfile
from pathlib import Path

from district.intake import intake_files
from district.sample_files import add_synthetic_townships, make_township_files
from export.submission_file import read_submission
from storage.workspace import Workspace


def test_extra_rows_give_each_file_its_own_lists_and_map(tmp_path: Path, catalogue) -> None:
    files = sorted(make_township_files(tmp_path / "files", catalogue, 3, extra_rows=lambda n: 2 * n).values())
    reads = [read_submission(path, catalogue) for path in files]
    lengths = [sorted((f.key, t, len(rows)) for f in read.forms for t, rows in f.list_rows.items()) for read in reads]
    counts = sorted({tuple(n for *_, n in each) for each in lengths})
    assert len(counts) == 3  # three layouts: the demo's lists, two more rows each, four more each
    assert [b - a for a, b in zip(counts[0], counts[1])] == [2] * len(counts[0])
    maps = set()
    for path in files:
        with zipfile.ZipFile(path) as book:
            maps.add(tuple(sorted((i.filename, i.CRC) for i in book.infolist() if i.filename.startswith("xl/worksheets/"))))
    assert len(maps) == 3
    codes = [v for read in reads for f in read.forms for (t, r, c), v in f.values.items() if c == "uscc" and v]
    assert len(codes) == len(set(codes))  # every enterprise its own 统一社会信用代码
    ws = Workspace.create_district(tmp_path / "区库.sqlite", catalogue=catalogue, user="区统计局")
    try:
        add_synthetic_townships(ws.store, 0)
        batch = intake_files(ws, files, backup=False, workers=0)
    finally:
        ws.close()
    assert all(r.applied for r in batch.results), batch.summary()
