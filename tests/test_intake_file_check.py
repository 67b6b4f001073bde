"""y3 (issue 11): a received file's 审核 made in the reading process (``district.file_check``) gives
exactly the register, statuses, findings, kept findings, stored values and audit trail that validating
in the main process gives — for new townships, a replaced file (validated in the main process), a file
with extreme figures, and the ones a reading process cannot validate."""

from __future__ import annotations

import pickle
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from district import read_ahead
from district.intake import receive_file
from district.review import district_findings
from forms import validation
from storage.workspace import Workspace
from tests.district_helpers import copy_as, reexport, set_cells, table_dump
from tests.stored import dump_cells
from tests.test_intake_parallel import _receive as receive_batch
from tests.test_intake_parallel import batch_files  # noqa: F401 (the fixture)
from tests.windows import UNDER_WINE

TOWNS = ("仙龙镇", "吉安镇", "三教镇", "双石镇")
UNITS = ("key_energy_units", "units", "r1")


@pytest.fixture(scope="module")
def checked_files(tmp_path_factory, township_files, catalogue) -> list[Path]:
    """Four new townships, one of them resubmitted with an enterprise's own figure changed and explained
    (its reports replaced: their first stored values are the first file's, so the ``reported`` rule
    finds the change), a township that reported the year before, a template with extreme figures and a
    copied file."""
    folder = tmp_path_factory.mktemp("file_check")
    # 仙龙镇 reported 2024 first: its 2025 表1 is compared with it (vs-last-period rules)
    files = [_template(folder, catalogue, "仙龙镇", "2024", {("energy_consumption", "energy", "raw_coal", "consumption"): 1})]
    files += [copy_as(township_files[t], folder, f"{t}.xlsx") for t in TOWNS]
    files.append(reexport(township_files["三教镇"], folder / "三教镇_更正.xlsx", catalogue,
                          edits={(*UNITS, "energy_equal"): 15999.5},
                          notes={(*UNITS, "energy_equal"): "企业更正后的报表"}))
    # extreme figures (the largest a cell takes, 1e-300, -0.0) and a cross-form 错误
    files.append(_template(folder, catalogue, "来苏镇", "2025", {
        ("energy_consumption", "energy", "raw_coal", "consumption"): 999999999999999,
        ("energy_consumption", "energy", "coke", "consumption"): -0.0,
        ("agriculture", "items", "biogas", "value"): 1e-300,
        ("coal_vocs", "coal", "coal_total", "value"): 5}))
    files.append(reexport(township_files["仙龙镇"], folder / "永荣镇_抄的.xlsx", catalogue, as_township="永荣镇"))
    return files


def _template(folder: Path, catalogue, township: str, period: str, cells: dict) -> Path:
    """The township's blank template of ``period`` (the township and period in it, no checksum) with
    ``cells`` filled in Excel."""
    from export.submission import export_template

    ws = Workspace.create_district(folder / f"{township}{period}.sqlite", catalogue=catalogue, user="区统计局")
    try:
        template = export_template(ws, period, folder / f"{township}{period}模板.xlsx",
                                   township_id=ws.find_township(township).id)
    finally:
        ws.close()
    return set_cells(template, folder / f"{township}{period}_填好.xlsx", cells)


def _read_ahead(path: Path, catalogue, validate: bool) -> read_ahead.PreRead:
    """``path`` as a reading process sends it (``read_ahead._work``, through pickle), forms as ``take`` gives them."""
    pre = pickle.loads(pickle.dumps(read_ahead._work(path, validate)))
    for item in pre.read.forms:
        item.form = catalogue.get(item.form)
    return pre


def _receive(db: Path, files: list[Path], catalogue, validate: bool, monkeypatch) -> tuple:
    monkeypatch.setattr(read_ahead, "_catalogue", catalogue)
    pres = [_read_ahead(path, catalogue, validate) for path in files]
    ws = Workspace.create_district(db, catalogue=catalogue, user="区统计局")
    validated: list[tuple[int, str]] = []  # the township-periods the main process's engine validated
    validate_period, validate_bundle, asked = ws.validate_period, validation.validate_bundle, []

    def counted(township_id: int, period: str, **options):
        asked[:] = [(township_id, period)]
        return validate_period(township_id, period, **options)

    def engine(*args, **options):
        validated.append(asked[0])
        return validate_bundle(*args, **options)

    monkeypatch.setattr(ws, "validate_period", counted)
    monkeypatch.setattr(validation, "validate_bundle", engine)
    try:
        results = [receive_file(ws, path, pre=pre) for path, pre in zip(files, pres)]
        during = validated[:]  # (not those of the review below)
        lines = [(line.file_name, line.verdict, line.reasons, line.township_id, line.data_sha256, line.replaced_by)
                 for line in ws.intake_lines()]
        findings = district_findings(ws, "2025")
    finally:
        ws.close()
    with closing(sqlite3.connect(db)) as conn:
        kept = conn.execute("SELECT report_id, marker, findings FROM validation_cache ORDER BY 1").fetchall()
        cells = dump_cells(conn)
    outcome = [(r.path.name, str(r.verdict), r.reasons, r.statuses, r.identical, r.replaced) for r in results]
    return outcome, lines, findings, kept, cells, table_dump(db, ("reports", "list_rows", "audit", "first_values")), \
        [pre.findings is not None for pre in pres], during


def _no_times(dump: dict[str, list[tuple]]) -> dict[str, list[tuple]]:
    """The tables without their time stamps (the two runs are seconds apart)."""
    stamp = __import__("re").compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$")
    return {t: [tuple("<时间>" if isinstance(v, str) and stamp.match(v) else v for v in row) for row in rows]
            for t, rows in dump.items()}


def test_findings_made_in_the_reading_process_are_those_of_the_main_process(
        checked_files, catalogue, tmp_path: Path, monkeypatch) -> None:
    here = _receive(tmp_path / "here.sqlite", checked_files, catalogue, False, monkeypatch)
    there = _receive(tmp_path / "there.sqlite", checked_files, catalogue, True, monkeypatch)
    assert here[0] == there[0]
    verdicts = [r[1] for r in here[0]]
    assert len(verdicts) == 8 and all(v.startswith("已接收") for v in verdicts), verdicts
    assert "已接收（有错误）" in verdicts
    assert here[0][5][5] == 1, "the resubmitted file replaced the first one"
    assert here[1] == there[1]
    assert here[2] == there[2] and here[2]
    assert [f.explained for f in here[2] if f.rule_id == "K007"] == [True], "the replaced figure is found"
    assert here[3] == there[3] and len(here[3]) == 7 * 7  # each report kept (7 township-periods × 7 forms)
    assert here[4] == there[4]
    assert _no_times(here[5]) == _no_times(there[5])
    # the reading process validated every file; the main process validated again only 仙龙镇's 2025 file
    # (an earlier period to compare with) and the replacing file (its township-period held the first file's)
    assert there[6] == [True] * 8 and here[6] == [False] * 8
    assert len(here[7]) == 8
    assert there[7] == [here[7][1], here[7][5]]
    assert {f.rule_id for f in here[2] if f.township == "仙龙镇"} & {"C001", "C002"}, "2025 compared with 2024"


def test_a_file_without_its_period_is_not_validated_in_the_reading_process(township_files, catalogue,
                                                                          monkeypatch) -> None:
    from district.file_check import file_findings
    from export.submission_file import read_submission

    read = read_submission(township_files["仙龙镇"], catalogue)
    assert file_findings(read, catalogue)
    read.period = None
    assert file_findings(read, catalogue) is None
    read = read_submission(township_files["仙龙镇"], catalogue)
    read.forms.append(read.forms[0])  # a form twice: never in a file read, and not validated here
    assert file_findings(read, catalogue) is None


@pytest.mark.skipif(UNDER_WINE, reason="Wine: a spawned reading process once never started reading")
def test_a_batch_validated_by_its_reading_process_is_the_batch_validated_here(
        batch_files, catalogue, tmp_path: Path, monkeypatch) -> None:  # noqa: F811 (the fixture imported)
    """Every file validated in the reading process (as when it has time to spare): the register, the
    results, the findings, the stored values, statuses and audit trail are those of reading in turn."""
    adopted: list[int] = []
    check = Workspace._checked_exactly

    def counted(self, township_id: int, *args):
        exact = check(self, township_id, *args)
        if exact is not None:  # the reading process's findings kept, not validated here
            adopted.append(township_id)
        return exact

    serial = receive_batch(tmp_path / "serial.sqlite", batch_files, catalogue, workers=0)
    assert not adopted
    monkeypatch.setattr(read_ahead.ReadAhead, "_spare", lambda self: True)
    monkeypatch.setattr(Workspace, "_checked_exactly", counted)
    ahead = receive_batch(tmp_path / "ahead.sqlite", batch_files, catalogue, workers=1)
    assert serial == ahead
    assert len(adopted) == 6, "each file received into a new township-period (not the replacing one)"
