"""v1 (issue 11, the district intake's validation): the engine's faster paths give exactly what the
paths they replace give — computed values, errors and sources (in order), findings (in order) and
the index a re-validation starts from (groups, failed cells).

Replaced paths, reachable by monkeypatching (the references are kept here):
- every formula of a table evaluated in one kept state with the caller's one-call name reader
  (``Formula.evaluate_in``, ``read``) → ``Formula.evaluate`` with a new state and the separate
  ``lookup`` / ``is_cell_name`` readers, as before;
- a rule's ``sum_rows`` read by ``map`` with one test of failed cells (``rules._checked_sum``) →
  ``column_sum`` through the rule's reader, cell by cell; what a blank means told by a look-up
  (``_RulePlan.blank_of``, ``_ZERO``) → ``rule.blank_mode`` / "zero" asked by a call;
- a computed total's rows taken from the memo (``_TableEvaluator.column_sum``) → each through ``value``;
  a table evaluator's rows, columns and input columns kept per table (``_evaluator_facts``) → made again;
- ``build_index`` planned once per form → the loop of closures run by ``_Groups.run``;
- a grid row's 代码/label, a severity and whether a 说明 explains, kept (``findings``) → worked
  out at each finding; a grid's row plans in one look-up (``field_checks._row_plans``) → made again;
  a grid row with every input blank and nothing to report passed over (``_row_cells``) → checked.

Compared on the 23 sample townships' bundles as the district receives them (twice: the second time
from what the first kept), with hostile grid values (1e308, -1e308, -0.0, 20-digit numbers, text in
number cells, blanks, '' strings) and with hostile 说明 on every cell."""

from __future__ import annotations

from typing import Any

import pytest

import forms.compute as compute
import forms.field_checks as field_checks
import forms.findings as findings
import forms.incremental as incremental
import forms.rules as rules
import forms.validation as validation
from forms.formula import Formula
from forms.note_check import note_is_acceptable
from tests.test_validation_engine_fast_paths import HOSTILE, _with_grid_values
from tests.test_validation_spec_plans import received_bundles  # noqa: F401 - the fixture, shared

NOTES = ("", " ", "无误", "核实无误。", "新增陶瓷厂投产，用电量增加", "\x00\x1f控制字符", "说明" * 400, "ok")


def _evaluate_as_before(self: Formula, run: Any) -> Any:
    """``Formula.evaluate_in`` as the callers evaluated before: a new state, the separate readers."""
    return self.evaluate(run.lookup, run.cell, run.sum_rows, run.is_cell_name, form_cell=run.form_cell,
                         form_sum=run.form_sum, blank=run.blank)


def _sum_cell_by_cell(form: Any, computed: Any, table_key: str, col_key: str, invalid: Any,
                      item_keys: Any = None) -> Any:
    """A rule's ``sum_rows`` as before: ``column_sum`` through the rule's reader (a failed cell stops it)."""
    def read(row_key: str, col: str) -> Any:
        if (table_key, row_key, col) in invalid:
            raise rules._Skip
        return computed.values.get((table_key, row_key, col))
    return rules.column_sum(form, computed, table_key, col_key, read)


def _build_index_as_before(form: Any, inputs: Any, computed: Any, out: Any, bundle: Any, context: Any) -> Any:
    order = {t.key: i for i, t in enumerate(form.tables)}
    unverified = dict(incremental._unverified(context.reference))
    groups: dict = {}
    runner = incremental._Groups(out, groups)
    for table in form.tables:
        row_keys = computed.list_rows[table.key]
        i = order[table.key]
        runner.run((i, 0, 0), True, lambda t=table, r=row_keys: field_checks.field_checks(t, inputs, r, out))
        runner.run((i, 1, 0), False, lambda t=table, r=row_keys: field_checks.unique_checks(t, inputs, r, out))
        if table.kind == "grid":
            runner.run((i, 2, 0), False, lambda t=table: field_checks.reference_checks(t, inputs, out, unverified))
    for n, rule in enumerate(form.rules):
        runner.run((order[rule.table], 3, n), rules.row_local(rule),
                   lambda r=rule: rules.run_rule(r, form, form.table(r.table), out, bundle))
    return incremental.ValidationIndex(groups, out.invalid, bundle, context, unverified)


def _column_sum_by_value(self: Any, col_key: str) -> Any:
    """``_TableEvaluator.column_sum`` as before: every item row through ``value``."""
    values = [self.value(k, col_key) for k in self.item_keys]
    failed = self.failed_cell(col_key)
    if failed is not None:
        raise compute._CellFailed(failed)
    numbers = [v for v in values if isinstance(v, (int, float))]
    return sum(numbers) if numbers else None


def _plan_as_before(rule: Any, table: Any) -> Any:
    """A rule's plan made at each run, what a blank means asked of the rule (``blank_mode``)."""
    plan = rules._RulePlan(rule, table)
    plan.blank_of = rule.blank_mode
    return plan


def _rows_walked(table: Any) -> dict[str, tuple[str, str]]:
    return {key: (table.row(key).code, table.row(key).label) for key in {r.key for r in table.rows}}


def _replaced_paths(m: pytest.MonkeyPatch) -> None:
    m.setattr(Formula, "evaluate_in", _evaluate_as_before)
    m.setattr(rules, "_checked_sum", _sum_cell_by_cell)
    m.setattr(rules, "_rule_plan", _plan_as_before)
    m.setattr(rules, "_ZERO", lambda _ref: "zero")
    m.setattr(compute._TableEvaluator, "column_sum", _column_sum_by_value)
    m.setattr(compute, "_evaluator_facts", compute._evaluator_facts.__wrapped__)  # made for each table again
    m.setattr(validation, "build_index", _build_index_as_before)
    m.setattr(findings, "_SEVERITIES", {})
    m.setattr(findings, "_grid_rows", _rows_walked)
    m.setattr(findings, "_explains", note_is_acceptable)
    m.setattr(field_checks, "_row_cells", lambda table: {})
    m.setattr(field_checks, "_row_plans", lambda table: {r.key: field_checks._table_cell_plans(table, r)
                                                         for r in {r.key: r for r in table.rows}.values()})


def _snapshot(results: dict[str, Any]) -> dict[str, Any]:
    return {k: (r.findings, list(r.computed.values.items()), list(r.computed.errors.items()),
                list(r.computed.sources.items()), r.computed.list_rows, r.index.groups, r.index.invalid)
            for k, r in results.items()}


def _both_ways(monkeypatch: pytest.MonkeyPatch, bundle: tuple) -> tuple[Any, Any]:
    """(the bundle validated by the faster paths, by the replaced ones)."""
    found = []
    for replaced in (False, True):
        with monkeypatch.context() as m:
            if replaced:
                _replaced_paths(m)
            found.append(_snapshot(validation.validate_bundle(*bundle)))
    return found[0], found[1]


def _with_notes(report: Any, offset: int) -> Any:
    """The report with a hostile 说明 on every cell it holds and every cell of its grids."""
    cells = list(report.values) + [(t.key, r.key, c.key) for t in report.form.tables if t.kind == "grid"
                                   for r in t.rows for c in t.columns]
    notes = {cell: NOTES[(n + offset) % len(NOTES)] for n, cell in enumerate(cells)}
    return validation.ReportInput(report.form, report.values, notes, report.list_rows, report.history,
                                  report.reported)


def test_received_bundles_validate_as_before(monkeypatch: pytest.MonkeyPatch, received_bundles) -> None:  # noqa: F811
    found = 0
    for bundle in received_bundles:
        for _ in range(2):  # the second time from what the first kept
            new, old = _both_ways(monkeypatch, bundle)
            assert new == old
        found += sum(len(v[0]) for v in new.values())
        assert new["energy_consumption"][1] and new["energy_consumption"][3]  # values and factor sources compared
    assert found > 0


def test_hostile_grid_values_validate_as_before(monkeypatch: pytest.MonkeyPatch, received_bundles) -> None:  # noqa: F811
    compared = [_both_ways(monkeypatch, ({k: _with_grid_values(r, offset) for k, r in bundle[0].items()}, *bundle[1:]))
                for offset, bundle in enumerate(received_bundles[:len(HOSTILE)])]
    assert all(new == old for new, old in compared)
    assert all(any(v[2] for v in new.values()) for new, _old in compared)  # computing errors were compared
    assert all(any(v[6] for v in new.values()) for new, _old in compared)  # cells that failed their checks too
    kinds = {f.rule_id for new, _old in compared for v in new.values() for f in v[0]}
    assert {"类型", "计算", "W001", "X701"} <= kinds  # a table rule's and a cross-form rule's findings among them


def test_hostile_notes_explain_as_before(monkeypatch: pytest.MonkeyPatch, received_bundles) -> None:  # noqa: F811
    explained = set()
    for offset, bundle in enumerate(received_bundles[:4]):
        hostile = {k: _with_notes(_with_grid_values(r, offset), offset) for k, r in bundle[0].items()}
        for _ in range(2):
            new, old = _both_ways(monkeypatch, (hostile, *bundle[1:]))
            assert new == old
        explained |= {f.explained for v in new.values() for f in v[0] if f.severity == "警告"}
    assert explained == {True, False}  # warnings explained and not explained were compared


def test_a_rule_sum_over_a_failed_cell_does_not_apply(received_bundles) -> None:  # noqa: F811
    """E001 (合计 = Σ rows) with one row's 当量值 failed: the rule is skipped, as read cell by cell."""
    reports, context, period, only = received_bundles[0]
    form = reports["energy_consumption"].form
    rule = next(r for r in form.rules if r.id == "E001")
    computed = validation.compute_form(form, reports["energy_consumption"].values, {}, context)
    out = findings.FindingCollector(form, computed, {})
    out.invalid.add(("energy", "coke", "tce_equal"))
    bundle = rules.Bundle(period, {}, {})
    for check in (rules._checked_sum, _sum_cell_by_cell):
        with pytest.raises(rules._Skip):
            check(form, computed, "energy", "tce_equal", out.invalid)
        assert check(form, computed, "energy", "tce_equiv", out.invalid) == rules.column_sum(
            form, computed, "energy", "tce_equiv")
    rules.run_rule(rule, form, form.table("energy"), out, bundle)
    assert out.findings == []
