"""汇总 of one period: 全区汇总, 分类汇总 (镇 / 街道) and 选择汇总 (townships the user picks).

Only the townships whose report of a form is stored (and holds a figure) count in that form's
汇总; the result names the townships in it and the ones missing. Each form's 汇总 is validated
by the form's own rules, like a township's report, plus the "district total = Σ townships"
check: every recomputed quantity that adds up (折标准煤, totals — not ratios) must equal the
sum of the townships' own computed figures; it differs when a township used its own
coefficient, which the district recomputes with the reference one.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from district.aggregate import Aggregate, Member, aggregate_form, entered_form
from forms.compute import ComputeContext, ComputedForm, compute_form, numeric_or_none
from forms.findings import Finding, Severity, ValidationResult
from forms.periods import period_label, period_type_of
from forms.spec import FormSpec, is_ratio_unit
from forms.validation import PeriodInputs, ReportInput, needs_history, validate_bundle
from user_error import UserError

if TYPE_CHECKING:
    from storage.database import ReportData, Township
    from storage.workspace import Workspace

__all__ = ["GROUPS", "DISTRICT_NAME", "DISTRICT_STAT_CODE", "SUM_RULE", "SummaryError", "FormSummary", "Summary",
           "district_summary", "scope_townships", "sum_findings"]

GROUPS = ("镇", "街道")
DISTRICT_NAME = "永川区（汇总）"
DISTRICT_STAT_CODE = "500118000000"  # 统计用区划代码 of 永川区
SUM_RULE = "Σ"  # rule id of the "district total = Σ townships" findings
_TOLERANCE = 1e-6  # relative: sums of floats in another order differ in the last digits only


class SummaryError(UserError, ValueError):
    """The 汇总 cannot be made as asked (an unknown township, an unknown group, nothing chosen)."""


@dataclass
class FormSummary:
    """One form's 汇总: the district report, its 审核, and who is in it."""

    form: FormSpec
    aggregate: Aggregate
    result: ValidationResult
    members: list[Township]  # townships whose report is in it, in the output's order
    missing: list[Township]  # townships of the scope without this report
    inputs: list[PeriodInputs]  # the members' stored inputs, same order as ``members``
    context: ComputeContext

    @cached_property
    def member_computed(self) -> list[ComputedForm]:
        """Each member's own report computed (for the comparison and the Σ check)."""
        return [compute_form(self.form, i.values, i.list_rows, self.context) for i in self.inputs]

    @property
    def computed(self) -> ComputedForm:
        return self.aggregate.computed


@dataclass
class Summary:
    period: str
    kind: str  # 全区汇总 / 分类汇总 / 选择汇总
    title: str  # e.g. 分类汇总（镇）
    scope: list[Township]
    forms: dict[str, FormSummary] = field(default_factory=dict)
    checks: dict[str, list[Finding]] = field(default_factory=dict)  # form key → Σ findings

    @property
    def included(self) -> list[Township]:
        """Townships with at least one form in the 汇总."""
        ids = {t.id for f in self.forms.values() for t in f.members}
        return [t for t in self.scope if t.id in ids]

    @property
    def missing(self) -> list[Township]:
        """Townships of the scope with no report at all in this period."""
        ids = {t.id for t in self.included}
        return [t for t in self.scope if t.id not in ids]

    def findings(self, form_key: str) -> list[Finding]:
        """The form's own rules on the 汇总 plus its Σ checks."""
        return [*self.forms[form_key].result.findings, *self.checks.get(form_key, [])]

    def coverage_lines(self) -> list[str]:
        """Which townships are in it and which are missing, per form when they differ."""
        lines = [f"{self.title} {period_label(self.period)}：范围内{len(self.scope)}个镇街，"
                 f"已纳入{len(self.included)}个，缺报{len(self.missing)}个"]
        if self.missing:
            lines.append("缺报（本期无任何报表）：" + "、".join(t.name for t in self.missing))
        for summary in self.forms.values():
            if summary.form.scope == "district":  # d3: entered once by the district, not by townships
                if not summary.members:
                    lines.append(f"《{summary.form.name}》（{summary.form.code}）区里本期尚未填报")
                continue
            partly = [t for t in summary.missing if t not in self.missing]
            if partly:
                lines.append(f"《{summary.form.name}》另缺：" + "、".join(t.name for t in partly))
        return lines


def scope_townships(workspace: Workspace, *, townships: Sequence[str] | None = None,
                    group: str | None = None) -> tuple[str, str, list[Township]]:
    """(kind, title, townships) of the 汇总 asked for. ``townships``: 统计代码, 区划代码 or names
    (选择汇总, the demo township allowed when named); ``group``: 镇 or 街道 (分类汇总); neither: 全区."""
    if townships is not None and group is not None:
        raise SummaryError("选择汇总（--townships）与分类汇总（--group）只能选一种")
    if townships is not None:
        chosen: list[Township] = []
        for text in townships:
            found = workspace.find_township(text.strip())
            if found is None:
                raise SummaryError(f"数据库中没有镇街 '{text}'（可写统计代码、区划代码或名称）")
            if found not in chosen:
                chosen.append(found)
        if not chosen:
            raise SummaryError("选择汇总须至少选择一个镇街")
        return "选择汇总", f"选择汇总（{len(chosen)}个镇街）", chosen
    real = [t for t in workspace.townships() if not t.is_demo]
    if group is not None:
        if group not in GROUPS:
            raise SummaryError(f"分类汇总的类别须为 {' 或 '.join(GROUPS)}，不是 '{group}'")
        return "分类汇总", f"分类汇总（{group}）", [t for t in real if t.kind == group]
    return "全区汇总", "全区汇总", real


def district_summary(workspace: Workspace, period: str, *, townships: Sequence[str] | None = None,
                     group: str | None = None, form_keys: Sequence[str] | None = None,
                     checks: bool = True, validate: bool = True) -> Summary:
    """The 汇总 of ``period`` over the chosen scope, validated. ``checks`` adds the Σ checks
    (each member's report computed once; off for a quick look); ``validate=False`` only adds up
    (the plan progress reads a few figures of each year)."""
    kind, title, scope = scope_townships(workspace, townships=townships, group=group)
    period_kind = period_type_of(period)
    forms = [f for f in workspace.catalogue if f.period_type == period_kind
             and (form_keys is None or f.key in form_keys)]
    if not forms:
        raise SummaryError(f"没有{period_kind}类型的表式，报告期 {period_label(period)} 无从汇总")
    stored = workspace.period_reports(period, [f.key for f in forms], notes=False)
    context = workspace.context(period)
    summary = Summary(period, kind, title, scope)
    for form in forms:
        members, inputs, missing = _members(form, scope, stored)
        aggregate = aggregate_form(form, [Member(t.name, i) for t, i in zip(members, inputs)], context)
        summary.forms[form.key] = FormSummary(form, aggregate, ValidationResult(aggregate.computed, []), members,
                                              missing, inputs, context)
    if kind == "全区汇总" and workspace.is_district:
        _add_district_forms(workspace, summary, period_kind, form_keys, context)
    if validate:
        _validate(summary, context, _history(workspace, summary))
    if checks:
        summary.checks = {k: sum_findings(f) for k, f in summary.forms.items()}
    return summary


def _add_district_forms(workspace: Workspace, summary: Summary, period_kind: str, form_keys: Sequence[str] | None,
                        context: ComputeContext) -> None:
    """d3: the district's own forms (``scope: district``, 永节统8表) join the 全区汇总 as entered in the
    district database — not summed from townships (a 分类/选择汇总 has no district figure of its own)."""
    for form in workspace.catalogue.district_forms:
        if form.period_type != period_kind or (form_keys is not None and form.key not in form_keys):
            continue
        data = workspace.find_district_report(form.key, summary.period)
        unit = workspace.district_unit() if data is not None and data.has_input else None
        members = [unit] if unit is not None else []
        inputs = [PeriodInputs(data.values, data.list_rows)] if unit is not None and data is not None else []
        aggregate = entered_form(form, Member(DISTRICT_NAME, inputs[0]), context) if inputs else \
            aggregate_form(form, [], context)
        summary.forms[form.key] = FormSummary(form, aggregate, ValidationResult(aggregate.computed, []), members,
                                              [], inputs, context)


def _members(form: FormSpec, scope: list[Township], stored: Mapping[tuple[int, str], ReportData]
             ) -> tuple[list[Township], list[PeriodInputs], list[Township]]:
    """(townships with the form's report, their inputs, townships without it)."""
    members, inputs, missing = [], [], []
    for town in scope:
        data = stored.get((town.id, form.key))
        if data is not None and data.has_input:
            members.append(town)
            inputs.append(PeriodInputs(data.values, data.list_rows))
        else:
            missing.append(town)
    return members, inputs, missing


def _history(workspace: Workspace, summary: Summary) -> dict[str, dict[str, PeriodInputs]]:
    """The same scope's 汇总 of each earlier period of the same kind, for the forms whose rules
    compare with last year or with history (form key → period → inputs)."""
    keys = [k for k, f in summary.forms.items() if f.members and needs_history(f.form)]
    kind = period_type_of(summary.period)
    earlier = [p for p in workspace.report_periods() if p < summary.period and period_type_of(p) == kind]
    history: dict[str, dict[str, PeriodInputs]] = {k: {} for k in keys}
    for period in earlier if keys else ():
        stored = workspace.period_reports(period, keys, notes=False)
        context = workspace.context(period)
        for key in keys:
            form = summary.forms[key].form
            if form.scope == "district":  # d3: the district's own report of that year, as entered
                past_data = workspace.find_district_report(key, period)
                if past_data is not None and past_data.has_input:
                    history[key][period] = PeriodInputs(past_data.values, past_data.list_rows)
                continue
            members, inputs, _missing = _members(form, summary.scope, stored)
            if members:
                past = aggregate_form(form, [Member(t.name, i) for t, i in zip(members, inputs)], context)
                history[key][period] = PeriodInputs(past.values, past.list_rows)
    return history


def _validate(summary: Summary, context: ComputeContext, history: Mapping[str, Mapping[str, PeriodInputs]]) -> None:
    """The forms' own rules on the 汇总, all forms together (cross-form rules see each other),
    against the same scope's earlier 汇总 (vs last year, vs history). Cells that are not carried
    (coefficients, text, choices of grid tables) cannot be judged."""
    filled = {k: f for k, f in summary.forms.items() if f.members}
    inputs = {k: ReportInput(f.form, f.aggregate.values, {}, f.aggregate.list_rows, history.get(k, {}))
              for k, f in filled.items()}
    results = validate_bundle(inputs, context, summary.period)
    for key, result in results.items():
        form = filled[key].form
        kept = [f for f in result.findings if not _not_carried(form, f)]
        filled[key].result = ValidationResult(result.computed, kept)


_SUM_FIELD_CHECKS = ("小数", "范围")  # a township's bounds and decimals; a sum of valid figures may exceed them


def _not_carried(form: FormSpec, finding: Finding) -> bool:
    """Findings the 汇总 cannot mean: on cells not carried, or a township-scale field check on a sum."""
    table = form.table(finding.table)
    if table.kind != "grid" or form.scope == "district":  # d3: a district form is carried as entered
        return False
    try:
        row, col = table.row(finding.row), table.column(finding.col)
    except KeyError:
        return False
    mode = table.aggregate_mode(row, col)
    return mode == "none" or (mode == "sum" and finding.rule_id in _SUM_FIELD_CHECKS)


def sum_findings(summary: FormSummary) -> list[Finding]:
    """"District total = Σ townships" for every recomputed quantity that adds up (not ratios)."""
    form = summary.form
    if not summary.members:
        return []
    found: list[Finding] = []
    for table in form.tables:
        if table.kind != "grid":
            continue
        for index, row in enumerate(table.rows, start=1):
            for col in table.columns:
                if table.aggregate_mode(row, col) != "recompute" or not col.numeric \
                        or is_ratio_unit(table.cell_unit(row, col)):
                    continue
                parts = [numeric_or_none(c.get(table.key, row.key, col.key)) for c in summary.member_computed]
                present = [p for p in parts if p is not None]
                if not present:
                    continue
                try:
                    expected = math.fsum(present)
                except OverflowError:  # beyond a float: the form's own checks name the cell
                    continue
                got = numeric_or_none(summary.computed.get(table.key, row.key, col.key))
                if not math.isfinite(expected) or (got is not None and not math.isfinite(got)):
                    continue
                if got is not None and abs(got - expected) <= _TOLERANCE * max(1.0, abs(expected)):
                    continue
                text = (f"汇总值 {_num(got)} 不等于各镇街之和 {_num(expected)}（{len(present)}个镇街）："
                        "可能有镇街填写了自己的折算系数或计算有误，请核对各镇街的该项数字")
                found.append(Finding(Severity.WARNING, SUM_RULE, form.key, table.key, row.key, col.key, text,
                                     False, form.name, index, row.label, col.label, row.code))
    return found


def _num(value: float | None) -> str:
    return "（空）" if value is None else f"{value:,.4f}".rstrip("0").rstrip(".")
