"""审核: field checks from the column specs plus the rules declared in the form file.

Severities follow the NBS 联网直报: 错误 (强制性) blocks export; 警告 (核实性) may be exported
only with a real 说明 on its cell; 提示 (提示性) informs.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from forms.compute import CellKey, ComputeContext, ComputedForm, compiled, compute_form
from forms.spec import ColumnSpec, FormSpec, RowSpec, RuleSpec, TableSpec
from forms.values import type_problem

__all__ = ["Finding", "ValidationResult", "validate_report", "validate_bundle", "ReportInput", "PeriodInputs",
           "note_is_acceptable", "SEVERITY_ORDER", "last_year", "comparable_periods", "referenced_forms",
           "needs_history", "needs_reported"]

SEVERITY_ORDER = {"错误": 0, "警告": 1, "提示": 2}
# A bare confirmation is not an explanation (NBS practice).
BARE_NOTES = {"核实无误", "无误", "正确", "数据无误", "属实", "确认无误", "数据正确", "核实", "已核实"}
MIN_NOTE_LENGTH = 5


def note_is_acceptable(note: str | None) -> bool:
    """A 说明 explains a 警告 only if it says something: ≥ 5 characters and not a bare "无误"."""
    text = (note or "").strip().rstrip("。.！!")
    return len(text) >= MIN_NOTE_LENGTH and text not in BARE_NOTES


@dataclass(frozen=True)
class Finding:
    severity: str
    rule_id: str
    form_key: str
    table: str
    row: str
    col: str
    message: str  # full text, location first
    explained: bool = False

    @property
    def cell(self) -> CellKey:
        return (self.table, self.row, self.col)

    @property
    def blocks_export(self) -> bool:
        return self.severity == "错误" or (self.severity == "警告" and not self.explained)


@dataclass
class ValidationResult:
    computed: ComputedForm
    findings: list[Finding]

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    @property
    def blocking(self) -> list[Finding]:
        return [f for f in self.findings if f.blocks_export]

    def worst_by_cell(self) -> dict[CellKey, Finding]:
        """The most severe finding of each cell (for cell colours)."""
        worst: dict[CellKey, Finding] = {}
        for f in self.findings:
            current = worst.get(f.cell)
            if current is None or SEVERITY_ORDER[f.severity] < SEVERITY_ORDER[current.severity]:
                worst[f.cell] = f
        return worst


def _location(form: FormSpec, table: TableSpec, row_key: str, row_index: int, col: ColumnSpec,
              row: RowSpec | None, computed: ComputedForm) -> str:
    if row is not None:
        label = row.label
    else:
        first_text = next((c for c in table.columns if c.type == "text"), None)
        label = str(computed.get(table.key, row_key, first_text.key) or "") if first_text else ""
    where = f"第{row_index}行" + (f" {label}" if label else "")
    return f"《{form.name}》{where} / {col.label}"


class _Collector:
    def __init__(self, form: FormSpec, computed: ComputedForm, notes: Mapping[CellKey, str]) -> None:
        self.form, self.computed, self.notes = form, computed, notes
        self.findings: list[Finding] = []
        self.invalid: set[CellKey] = set()  # cells that failed a field check: rules do not read them

    def add(self, severity: str, rule_id: str, table: TableSpec, row_key: str, row_index: int,
            col: ColumnSpec, text: str) -> None:
        row = table.row(row_key) if table.kind == "grid" else None
        location = _location(self.form, table, row_key, row_index, col, row, self.computed)
        explained = severity == "警告" and note_is_acceptable(self.notes.get((table.key, row_key, col.key)))
        self.findings.append(Finding(severity, rule_id, self.form.key, table.key, row_key, col.key,
                                     f"{location}：{text}", explained))


def _field_checks(table: TableSpec, inputs: Mapping[CellKey, Any], row_keys: Sequence[str],
                  out: _Collector) -> None:
    rows = {r.key: r for r in table.rows}
    for index, row_key in enumerate(row_keys, start=1):
        row = rows.get(row_key)
        for col in (table.cell_column(row, c) for c in table.columns):
            key = (table.key, row_key, col.key)
            if key in out.computed.errors:
                out.add("错误", "计算", table, row_key, index, col, out.computed.errors[key])
            if not table.is_input(row, col):
                continue
            value = inputs.get(key)
            problem = type_problem(col, value)
            if problem:
                out.add("错误", "类型", table, row_key, index, col, f"{problem}，请核对后重新填写。")
                out.invalid.add(key)
                continue
            if value is None:
                if col.required or (row is not None and col.key in row.required):
                    out.add("错误", "必填", table, row_key, index, col, "为必填项，请填写（确无数据填0）。")
                continue
            if col.numeric and col.check_decimals and isinstance(value, float) and col.decimals is not None:
                scaled = value * 10 ** col.decimals
                if abs(scaled - round(scaled)) > 1e-6 * max(1.0, abs(scaled)):
                    out.add("错误", "小数", table, row_key, index, col,
                            f"小数位数不得超过{col.decimals}位，请核对后重新填写。")
                    out.invalid.add(key)
                    continue
            if col.pattern and isinstance(value, str) and not re.fullmatch(col.pattern, value):
                out.add("错误", "格式", table, row_key, index, col,
                        (col.pattern_message or f"'{value}' 格式不符合要求") + "，请核对后重新填写。")
                out.invalid.add(key)
                continue
            limits = dict(min=col.min, max=col.max)
            if row is not None:
                limits.update(row.limits.get(col.key, {}))
            if col.numeric and limits["min"] is not None and value < limits["min"]:
                out.add("错误", "范围", table, row_key, index, col, f"数值须≥{limits['min']:g}，请核对后重新填写。")
                out.invalid.add(key)
            elif col.numeric and limits["max"] is not None and value > limits["max"]:
                out.add("错误", "范围", table, row_key, index, col, f"数值须≤{limits['max']:g}，请核对后重新填写。")
                out.invalid.add(key)


def _unique_checks(table: TableSpec, inputs: Mapping[CellKey, Any], row_keys: Sequence[str],
                   out: _Collector) -> None:
    """``unique: true`` columns of a list: a value may appear on one row only (e.g. 信用代码)."""
    for col in table.columns:
        if not col.unique:
            continue
        first: dict[Any, int] = {}
        for index, row_key in enumerate(row_keys, start=1):
            value = inputs.get((table.key, row_key, col.key))
            if value is None or (table.key, row_key, col.key) in out.invalid:
                continue
            norm = value.strip().upper() if isinstance(value, str) else value
            if norm in first:
                out.add("错误", "唯一", table, row_key, index, col,
                        f"与第{first[norm]}行重复（同一{col.label}只能填报一行），请核对后删除或改正。")
            else:
                first[norm] = index


def _reference_checks(table: TableSpec, inputs: Mapping[CellKey, Any], out: _Collector,
                      unverified: Mapping[str, str]) -> None:
    """Say so when a figure rests on an unverified or missing reference value (on the factor cell).

    Only rows with reported data: a blank fuel row uses no factor."""
    for index, row in enumerate(table.rows, start=1):
        if not row.energy or not any(inputs.get((table.key, row.key, c.key)) is not None for c in table.columns):
            continue
        for col in table.columns:
            text = table.cell_formula(row, col)
            key = (table.key, row.key, col.key)
            if text is None or out.computed.get(*key) is None:
                continue
            names = compiled(text).names
            if names == {"ref_equal"} and row.energy in unverified:
                out.add("提示", "参考", table, row.key, index, col, f"所用折标系数未经核实：{unverified[row.energy]}")
            if names == {"ref_equiv"} and "缺失" in out.computed.sources.get(key, ""):
                out.add("提示", "参考", table, row.key, index, col, out.computed.sources[key])


class _Skip(Exception):
    """A rule reads a cell that already failed its field check: the rule does not apply."""


@dataclass(frozen=True)
class PeriodInputs:
    """What is stored for one earlier period of a report: its inputs and list-row order."""

    values: Mapping[CellKey, Any]
    list_rows: Mapping[str, Sequence[str]] = field(default_factory=dict)


@dataclass
class ReportInput:
    """One report of a bundle (all forms of one township and period)."""

    form: FormSpec
    values: Mapping[CellKey, Any]
    notes: Mapping[CellKey, str] = field(default_factory=dict)
    list_rows: Mapping[str, Sequence[str]] = field(default_factory=dict)
    history: Mapping[str, PeriodInputs] = field(default_factory=dict)  # earlier period → inputs
    reported: Mapping[CellKey, Any] = field(default_factory=dict)  # each cell's first stored value


def last_year(period: str) -> str:
    """The same period one year earlier: 2025 → 2024, 2025Q3 → 2024Q3, 2025M09 → 2024M09."""
    return f"{int(period[:4]) - 1}{period[4:]}"


def comparable_periods(period: str, periods: Iterable[str]) -> list[str]:
    """Earlier periods of the same kind and season (same quarter / month), oldest first."""
    return sorted(p for p in periods if p[4:] == period[4:] and p < period)


def _item_keys(table: TableSpec, computed: ComputedForm) -> list[str]:
    keys = computed.list_rows.get(table.key, [])
    return list(keys) if table.kind == "list" else [k for k in keys if not table.row(k).is_total]


def _column_sum(form: FormSpec, computed: ComputedForm, table_key: str, col_key: str,
                read: Any = None) -> Any:
    table = form.table(table_key)
    get = read or (lambda r, c: computed.get(table_key, r, c))
    numbers = [v for k in _item_keys(table, computed) if isinstance(v := get(k, col_key), (int, float))
               and not isinstance(v, bool)]
    return sum(numbers) if numbers else None


class _Bundle:
    """What a rule can see beyond its own report: the other forms, this form's earlier periods."""

    def __init__(self, period: str, others: Mapping[str, tuple[FormSpec, ComputedForm]],
                 history: Mapping[str, ComputedForm], reported: Mapping[CellKey, Any] | None = None) -> None:
        self.period, self.others, self.history = period, others, history
        self.reported = reported or {}

    def form_cell(self, form_key: str, table: str, row: str, col: str) -> Any:
        found = self.others.get(form_key)
        return found[1].get(table, row, col) if found else None

    def form_sum(self, form_key: str, table: str, col: str) -> Any:
        found = self.others.get(form_key)
        return _column_sum(found[0], found[1], table, col) if found else None


def _fmt(value: float) -> str:
    return f"{value:,.2f}".rstrip("0").rstrip(".") if isinstance(value, float) else f"{value:,}"


def _run_rule(rule: RuleSpec, form: FormSpec, table: TableSpec, out: _Collector, bundle: _Bundle) -> None:
    computed = out.computed
    row_keys = computed.list_rows.get(table.key, [])
    columns = {c.key: c for c in table.columns}
    item_keys = _item_keys(table, computed)

    def read(*args: str) -> Any:
        key = (table.key, *args) if len(args) == 2 else tuple(args)
        if key in out.invalid:
            raise _Skip
        return computed.get(*key)

    def sum_rows(*args: str) -> Any:
        table_key = args[0] if len(args) == 2 else table.key
        return _column_sum(form, computed, table_key, args[-1], lambda r, c: read(table_key, r, c))

    def evaluate(text: str, row_key: str | None, col_key: str | None, blank: Any) -> Any:
        def lookup(name: str) -> Any:
            if rule.scope == "row" and row_key is not None and name in columns:
                return read(row_key, name)
            if rule.scope == "column" and col_key is not None:
                return read(name, col_key)
            raise NameError(name)

        def is_cell(name: str) -> bool:
            return name in columns if rule.scope == "row" else rule.scope == "column"

        return compiled(text).evaluate(lookup, read, sum_rows, is_cell, form_cell=bundle.form_cell,
                                       form_sum=bundle.form_sum, blank=blank)

    def emit(row_key: str, col_key: str, message: str) -> None:
        index = row_keys.index(row_key) + 1 if row_key in row_keys else 0
        out.add(rule.severity, rule.id, table, row_key, index, columns[col_key], message)

    if rule.kind in ("change", "history"):
        targets = [k for k in item_keys if not rule.rows or k in rule.rows]
        for row_key in targets:
            for col_key in rule.columns:
                if (table.key, row_key, col_key) in out.invalid:
                    continue
                text = (_change if rule.kind == "change" else _history)(rule, bundle, (table.key, row_key, col_key),
                                                                       computed.get(table.key, row_key, col_key))
                if text:
                    emit(row_key, col_key, text)
        return

    def zero(_ref: str) -> str:  # ``when`` asks whether values are there: a blank reads as 0
        return "zero"

    if rule.kind == "reported":
        _reported(rule, table, item_keys, out, bundle, emit, zero)
        return

    targets: list[tuple[str | None, str | None]]
    if rule.scope == "table":
        targets = [(rule.anchor_row, rule.anchor_column)]
    elif rule.scope == "column":
        wanted = rule.columns or tuple(c.key for c in table.columns if c.numeric)
        anchor = table.row(rule.anchor_row) if table.kind == "grid" and rule.anchor_row else None
        targets = [(rule.anchor_row, c) for c in wanted if not table.is_blocked(anchor, columns[c])]
    else:
        targets = [(k, rule.anchor_column) for k in item_keys if not rule.rows or k in rule.rows]
    for row_key, col_key in targets:
        try:
            if rule.when and not evaluate(rule.when, row_key, col_key, zero):
                continue
            result = evaluate(rule.expr, row_key, col_key, rule.blank_mode)
        except _Skip:
            continue
        except Exception as exc:  # noqa: BLE001 - a broken rule is reported, never a crash
            result = False
            message = f"审核规则 {rule.id} 无法执行（{exc}）"
        else:
            message = rule.message
        if rule.kind == "goal":
            if isinstance(result, (int, float)) and not isinstance(result, bool):
                emit(row_key, col_key, _goal_text(rule, result))
            continue
        if result is None or result:
            continue
        emit(row_key, col_key, message)


def _reported(rule: RuleSpec, table: TableSpec, item_keys: Sequence[str], out: _Collector, bundle: _Bundle,
              emit: Any, zero: Any) -> None:
    """A figure first stored from an enterprise's own report and changed since needs a 说明.

    ``when`` reads the row as first stored (its original 数据来源), so relabelling the source
    afterwards does not hide the change."""
    columns = {c.key: c for c in table.columns}
    for row_key in item_keys:
        if rule.rows and row_key not in rule.rows:
            continue
        original = {k: bundle.reported.get((table.key, row_key, k)) for k in columns}
        if rule.when:
            def lookup(name: str, original: dict[str, Any] = original) -> Any:
                if name in columns:
                    return original[name]
                raise NameError(name)

            try:
                if not compiled(rule.when).evaluate(lookup, lambda *a: None, lambda *a: None,
                                                    lambda n: n in columns, blank=zero):
                    continue
            except Exception:  # noqa: BLE001 - an odd original row simply does not qualify
                continue
        for col_key in rule.columns:
            before, now = original[col_key], out.computed.get(table.key, row_key, col_key)
            if before is None or _same(before, now):
                continue
            shown = "（已删除）" if now is None else _fmt(now)
            emit(row_key, col_key, f"原报数为 {_fmt(before)}，现为 {shown}，"
                 + (rule.message or "修改企业直报数据须在说明中写明修改依据。"))


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))
    return a == b


def _change(rule: RuleSpec, bundle: _Bundle, key: CellKey, value: Any) -> str | None:
    """vs the same period last year: relative change beyond ``threshold`` or ``points`` absolute."""
    before = bundle.history.get(last_year(bundle.period))
    old = before.get(*key) if before else None
    if not isinstance(value, (int, float)) or not isinstance(old, (int, float)):
        return None
    unit = rule.unit
    if rule.points is not None:
        diff = value - old
        if abs(diff) <= rule.points + 1e-9:
            return None
        text = (f"比上年同期变动{diff:+.1f}{unit or '个百分点'}（上年 {_fmt(old)}，本期 {_fmt(value)}），"
                f"超过±{rule.points:g}{unit or '个百分点'}")
    else:
        if old == 0:
            if value == 0:
                return None
            text = f"上年同期为0，本期为 {_fmt(value)}"
        else:
            rate = (value - old) / abs(old)
            if abs(rate) <= rule.threshold + 1e-9:
                return None
            text = (f"比上年同期{'增长' if rate > 0 else '下降'}{abs(rate) * 100:.1f}%（上年 {_fmt(old)}，"
                    f"本期 {_fmt(value)}），变化超过±{rule.threshold * 100:g}%")
    return text + "，" + (rule.message or "请核实并在说明中写明变化原因。")


def _history(rule: RuleSpec, bundle: _Bundle, key: CellKey, value: Any) -> str | None:
    """vs history: outside median ± 3·MAD of the cell's earlier periods, once ≥ min_periods exist.

    MAD is floored at 1 % of |median| so a series that never moved does not flag every change."""
    if not isinstance(value, (int, float)):
        return None
    earlier = [v for p in comparable_periods(bundle.period, bundle.history)
               if isinstance(v := bundle.history[p].get(*key), (int, float)) and not isinstance(v, bool)]
    if len(earlier) < rule.min_periods:
        return None
    median = statistics.median(earlier)
    mad = max(statistics.median([abs(v - median) for v in earlier]), 0.01 * abs(median), 1e-9)
    low, high = median - 3 * mad, median + 3 * mad
    if low <= value <= high:
        return None
    return (f"本期 {_fmt(value)} 超出以往{len(earlier)}期数值的通常范围 {_fmt(low)}～{_fmt(high)}"
            f"（中位数 {_fmt(median)} ± 3倍绝对中位差），" + (rule.message or "请核实。"))


def _goal_text(rule: RuleSpec, value: float) -> str:
    unit = rule.unit
    target = rule.target if rule.target is not None else 0.0
    head = f"全区目标：{rule.goal}；本镇街 {_fmt(round(value, 2))}{unit}"
    if rule.direction == "at_least":
        if value >= target:
            return head + "，已达到全区目标。"
        progress = f"，为目标的{value / target * 100:.0f}%" if target > 0 and value > 0 else ""
        return head + f"，距目标 {target:g}{unit} 尚差 {_fmt(round(target - value, 2))}{unit}{progress}。"
    if value <= target:
        return head + "，已达到全区目标。"
    return head + f"，高于目标 {target:g}{unit} {_fmt(round(value - target, 2))}{unit}。"


def _sort(form: FormSpec, findings: list[Finding]) -> None:
    order = {t.key: i for i, t in enumerate(form.tables)}
    findings.sort(key=lambda f: (SEVERITY_ORDER[f.severity], order[f.table]))


def _validate(form: FormSpec, inputs: Mapping[CellKey, Any], notes: Mapping[CellKey, str],
              computed: ComputedForm, context: ComputeContext, bundle: _Bundle) -> ValidationResult:
    out = _Collector(form, computed, notes)
    unverified = {k: c.describe() for k, c in context.reference.coefficients.items() if not c.verified}
    for table in form.tables:
        _field_checks(table, inputs, computed.list_rows[table.key], out)
        _unique_checks(table, inputs, computed.list_rows[table.key], out)
        if table.kind == "grid":
            _reference_checks(table, inputs, out, unverified)
    for rule in form.rules:
        _run_rule(rule, form, form.table(rule.table), out, bundle)
    _sort(form, out.findings)
    return ValidationResult(computed, out.findings)


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
    ``history`` the vs-last-period and vs-history rules have nothing to compare with.
    """
    period = period or str(context.year or "")
    computed = compute_form(form, inputs, list_rows, context)
    other = {k: (r.form, compute_form(r.form, r.values, r.list_rows, context)) for k, r in (others or {}).items()
             if k != form.key}
    bundle = _Bundle(period, other, _history_computed(form, history or {}, period, context), reported)
    return _validate(form, inputs, notes, computed, context, bundle)


def referenced_forms(form: FormSpec) -> set[str]:
    """Keys of the other forms this form's rules read (form_cell / form_sum)."""
    found: set[str] = set()
    for rule in form.rules:
        for text in (rule.expr, rule.when):
            if text:
                found |= {ref[0] for ref in compiled(text).form_refs}
    found.discard(form.key)
    return found


def needs_history(form: FormSpec) -> bool:
    return any(r.kind in ("change", "history") for r in form.rules)


def needs_reported(form: FormSpec) -> bool:
    """Whether the form has a rule on enterprise-reported figures (the first stored values)."""
    return any(r.kind == "reported" for r in form.rules)


def validate_bundle(reports: Mapping[str, ReportInput], context: ComputeContext,
                    period: str) -> dict[str, ValidationResult]:
    """审核 all reports of one township and period together (cross-form rules see each other)."""
    computed = {k: compute_form(r.form, r.values, r.list_rows, context) for k, r in reports.items()}
    results: dict[str, ValidationResult] = {}
    for key, report in reports.items():
        others = {k: (reports[k].form, c) for k, c in computed.items() if k != key}
        bundle = _Bundle(period, others, _history_computed(report.form, report.history, period, context),
                         report.reported)
        results[key] = _validate(report.form, report.values, report.notes, computed[key], context, bundle)
    return results
