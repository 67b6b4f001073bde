"""t1 (issue 11, intake speed): what validation works out once per form spec instead of per cell
and per report — each table's cell steps (``forms.compute._cell_steps``), each rule's plan
(``forms.rules._rule_plan``) and the outcome of a blank grid row (``forms.compute._blank_row``) —
gives exactly the findings and computed cells of the per-cell way.

The per-cell way stays reachable: with the steps switched off ``_TableEvaluator.value`` works each
cell out from the spec as before, and a rule plan that matches no report's rows makes ``run_rule``
find the item rows from the report. Both are run in the same test on the same inputs: the 23
sample townships' files as the district receives them, the same reports with hostile values, and
with every grid cell blank."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest

import forms.compute as compute
import forms.rules as rules
import forms.validation as validation
from district.intake import intake_files
from storage.workspace import Workspace

HOSTILE = (None, "文字", 1e308, -5.5, 12345678901234567890, -1e308, 0, "", 1e-9, " 12 ")


def _per_cell_rule_plan(rule: Any, table: Any) -> Any:
    plan = rules._RulePlan(rule, table)
    plan.row_keys = None  # matches no report: the item rows are found from the report, as before
    return plan


def _both_ways(monkeypatch: pytest.MonkeyPatch, bundle: tuple) -> tuple[Any, Any]:
    """``validate_bundle`` on one captured bundle with the plans and the per-cell way."""
    def snapshot(results: dict[str, Any]) -> dict[str, Any]:
        return {k: (r.findings, r.computed.values, r.computed.errors, r.computed.sources, r.computed.list_rows)
                for k, r in results.items()}

    planned = snapshot(validation.validate_bundle(*bundle))
    with monkeypatch.context() as m:
        m.setattr(compute, "_cell_steps", lambda table: {})
        m.setattr(compute, "_rows_alone", lambda table: {})
        m.setattr(rules, "_rule_plan", _per_cell_rule_plan)
        per_cell = snapshot(validation.validate_bundle(*bundle))
    return planned, per_cell


@pytest.fixture(scope="module")
def received_bundles(township_files: dict[str, Path], catalogue, tmp_path_factory) -> list[tuple]:
    """The bundles the district validates when it receives the 23 sample files (captured on their
    way to ``validate_bundle``)."""
    captured: list[tuple] = []
    real = validation.validate_bundle

    def spy(reports, context, period, only=None):  # type: ignore[no-untyped-def]
        captured.append((dict(reports), context, period, only))
        return real(reports, context, period, only)

    ws = Workspace.create_district(tmp_path_factory.mktemp("t1_district") / "区库.sqlite", catalogue=catalogue)
    validation.validate_bundle = spy
    try:
        batch = intake_files(ws, list(township_files.values()), backup=False, workers=0)
    finally:
        validation.validate_bundle = real
        ws.close()
    assert len(batch.results) == 23 and len(captured) == 23
    return captured


def test_received_files_validate_the_same_both_ways(monkeypatch: pytest.MonkeyPatch, received_bundles) -> None:
    findings = 0
    for bundle in received_bundles:
        planned, per_cell = _both_ways(monkeypatch, bundle)
        assert planned == per_cell
        findings += sum(len(v[0]) for v in planned.values())
        assert any(v[1] for v in planned.values())  # computed cells were compared
    assert findings > 0  # (the sample files have findings: the comparison covers them)


def test_blank_grids_validate_the_same_both_ways(monkeypatch: pytest.MonkeyPatch, received_bundles) -> None:
    reports, context, period, only = received_bundles[0]
    blank = {k: validation.ReportInput(r.form, {c: v for c, v in r.values.items() if r.form.table(c[0]).kind != "grid"},
                                       r.notes, r.list_rows, r.history, r.reported) for k, r in reports.items()}
    for _ in range(2):  # the second time from the kept outcome of each blank row
        planned, per_cell = _both_ways(monkeypatch, (blank, context, period, only))
        assert planned == per_cell
        assert planned["energy_consumption"][1] and planned["energy_consumption"][3]  # factors and their sources


def _hostile(report: Any, offset: int) -> Any:
    """The report with every cell of its grid tables set to a hostile value (in turn): the input
    cells, and the computed and blocked ones too (a value stored there must be ignored)."""
    values = dict(report.values)
    cells = [(table.key, row.key, col.key) for table in report.form.tables if table.kind == "grid"
             for row in table.rows for col in table.columns]
    for cell, value in zip(cells, itertools.islice(itertools.cycle(HOSTILE), offset, None)):
        values[cell] = value
    return validation.ReportInput(report.form, values, report.notes, report.list_rows, report.history,
                                  report.reported)


def test_hostile_grid_values_validate_the_same_both_ways(monkeypatch: pytest.MonkeyPatch, received_bundles) -> None:
    kinds: set[str] = set()
    for offset, (reports, context, period, only) in enumerate(received_bundles[:len(HOSTILE)]):
        hostile = {k: _hostile(r, offset) for k, r in reports.items()}
        planned, per_cell = _both_ways(monkeypatch, (hostile, context, period, only))
        assert planned == per_cell
        kinds |= {f.rule_id for v in planned.values() for f in v[0]}
    assert {"类型", "计算", "范围"} <= kinds  # text in a number cell, a sum beyond a float, a negative
