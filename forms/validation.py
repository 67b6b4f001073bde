"""审核 one report or a bundle: compute it, run the field checks and the form's rules, sort the
findings. The parts live in their own modules: ``forms.findings`` (what a finding is),
``forms.field_checks``, ``forms.rules`` (the five rule kinds), ``forms.period_rules`` (earlier
periods) and ``forms.rule_messages``; their public names are re-exported here.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from forms.compute import CellKey, ComputeContext, ComputedForm, compiled, compute_form
from forms.findings import (
    SEVERITY_ORDER,
    Finding,
    FindingCollector,
    Severity,
    ValidationResult,
    note_is_acceptable,
    sort_findings,
)
from forms.incremental import build_index
from forms.period_rules import PeriodInputs, comparable_periods, last_year
from forms.rules import Bundle
from forms.spec import FormSpec
from forms.validation_kept import KeptResult, PendingResult, needs_history, needs_reported, referenced_forms  # (s1)
from gc_pause import gc_paused
from records import field, record

__all__ = ["Finding", "Severity", "ValidationResult", "validate_report", "validate_bundle", "ReportInput",
           "PeriodInputs", "note_is_acceptable", "SEVERITY_ORDER", "last_year", "comparable_periods",
           "referenced_forms", "needs_history", "needs_reported", "reported_columns", "compared_columns", "KeptResult",
           "PendingResult"]


@record
class ReportInput:
    """One report of a bundle (all forms of one township and period)."""

    form: FormSpec
    values: Mapping[CellKey, Any]
    notes: Mapping[CellKey, str] = field(default_factory=dict)
    list_rows: Mapping[str, Sequence[str]] = field(default_factory=dict)
    history: Mapping[str, PeriodInputs] = field(default_factory=dict)  # earlier period → inputs
    reported: Mapping[CellKey, Any] = field(default_factory=dict)  # each cell's first stored value


def _validate(form: FormSpec, inputs: Mapping[CellKey, Any], notes: Mapping[CellKey, str],
              computed: ComputedForm, context: ComputeContext, bundle: Bundle) -> ValidationResult:
    out = FindingCollector(form, computed, notes)
    index = build_index(form, inputs, computed, out, bundle, context)
    sort_findings(form, out.findings)
    return ValidationResult(computed, out.findings, index)


def _history_computed(form: FormSpec, history: Mapping[str, PeriodInputs], period: str,
                      context: ComputeContext) -> dict[str, ComputedForm]:
    """Earlier periods computed (only those a change/history rule can use)."""
    kinds = {r.kind for r in form.rules}
    if not history or not kinds & {"change", "history"}:
        return {}
    wanted = comparable_periods(period, history) if "history" in kinds else [last_year(period)]
    return {p: compute_form(form, history[p].values, history[p].list_rows,
                            ComputeContext(context.reference, int(p[:4])))
            for p in wanted if p in history}


def validate_report(form: FormSpec, inputs: Mapping[CellKey, Any], notes: Mapping[CellKey, str],
                    list_rows: Mapping[str, Sequence[str]], context: ComputeContext, *,
                    period: str | None = None, history: Mapping[str, PeriodInputs] | None = None,
                    others: Mapping[str, ReportInput] | None = None,
                    reported: Mapping[CellKey, Any] | None = None) -> ValidationResult:
    """Compute every cell of one report and check it; findings are sorted by severity.

    Without ``others`` cross-form rules read blanks (and so, by default, do not apply); without
    ``history`` the vs-last-period and vs-history rules have nothing to compare with. The
    collector paused meanwhile, as for ``validate_bundle``.
    """
    period = period or str(context.year or "")
    with gc_paused():
        computed = compute_form(form, inputs, list_rows, context)
        other = {k: (r.form, compute_form(r.form, r.values, r.list_rows, context)) for k, r in (others or {}).items()
                 if k != form.key}
        bundle = Bundle(period, other, _history_computed(form, history or {}, period, context), reported)
        return _validate(form, inputs, notes, computed, context, bundle)


def reported_columns(form: FormSpec) -> dict[str, set[str]]:
    """table → the columns whose first stored values the form's ``reported`` rules read (their
    ``columns`` and the columns their ``when`` names: see ``forms.rules._reported``)."""
    found: dict[str, set[str]] = {}
    for rule in form.rules:
        if rule.kind != "reported":
            continue
        keys = set(form.table(rule.table).column_keys)
        names = set(rule.columns) | (compiled(rule.when).names if rule.when else set())
        found.setdefault(rule.table, set()).update(names & keys)
    return {t: cols for t, cols in found.items() if cols}


def compared_columns(form: FormSpec) -> dict[str, set[str]]:
    """table → the columns the form's ``reported`` rules compare with their first stored values
    (a part of ``reported_columns``: the others are only read by ``when``)."""
    found: dict[str, set[str]] = {}
    for rule in form.rules:
        if rule.kind == "reported":
            found.setdefault(rule.table, set()).update(set(rule.columns) & set(form.table(rule.table).column_keys))
    return {t: cols for t, cols in found.items() if cols}


def validate_bundle(reports: Mapping[str, ReportInput], context: ComputeContext,
                    period: str, only: Collection[str] | None = None) -> dict[str, ValidationResult]:
    """审核 all reports of one township and period together (cross-form rules see each other);
    ``only``: just these (the others are computed for the rules that read them). The collector
    paused meanwhile (``gc_pause``): a 5,000-row list's computed cells, columns and indexes are
    some 100,000 new tuples and lists, none in a cycle."""
    with gc_paused():
        return _validate_bundle(reports, context, period, only)


def _validate_bundle(reports: Mapping[str, ReportInput], context: ComputeContext,
                     period: str, only: Collection[str] | None) -> dict[str, ValidationResult]:
    computed = {k: compute_form(r.form, r.values, r.list_rows, context) for k, r in reports.items()}
    results: dict[str, ValidationResult] = {}
    for key, report in reports.items():
        if only is not None and key not in only:
            continue
        others = {k: (reports[k].form, c) for k, c in computed.items() if k != key}
        bundle = Bundle(period, others, _history_computed(report.form, report.history, period, context),
                         report.reported)
        results[key] = _validate(report.form, report.values, report.notes, computed[key], context, bundle)
    return results
