"""审核: field checks from the column specs plus the rules declared in the form file.

Severities follow the NBS 联网直报: 错误 (强制性) blocks export; 警告 (核实性) may be exported
only with a real 说明 on its cell; 提示 (提示性) informs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from forms.compute import CellKey, ComputeContext, ComputedForm, compiled, compute_form
from forms.spec import ColumnSpec, FormSpec, RowSpec, RuleSpec, TableSpec
from forms.values import type_problem

__all__ = ["Finding", "ValidationResult", "validate_report", "note_is_acceptable", "SEVERITY_ORDER"]

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
        for col in table.columns:
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
            limits = dict(min=col.min, max=col.max)
            if row is not None:
                limits.update(row.limits.get(col.key, {}))
            if col.numeric and limits["min"] is not None and value < limits["min"]:
                out.add("错误", "范围", table, row_key, index, col, f"数值须≥{limits['min']:g}，请核对后重新填写。")
                out.invalid.add(key)
            elif col.numeric and limits["max"] is not None and value > limits["max"]:
                out.add("错误", "范围", table, row_key, index, col, f"数值须≤{limits['max']:g}，请核对后重新填写。")
                out.invalid.add(key)


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


def _run_rule(rule: RuleSpec, table: TableSpec, out: _Collector) -> None:
    computed = out.computed
    row_keys = computed.list_rows.get(table.key, [])
    columns = {c.key: c for c in table.columns}
    item_keys = [k for k in row_keys if table.kind == "list" or not table.row(k).is_total]

    def read(row_key: str, col_key: str) -> Any:
        if (table.key, row_key, col_key) in out.invalid:
            raise _Skip
        return computed.get(table.key, row_key, col_key)

    def sum_rows(col_key: str) -> Any:
        numbers = [v for k in item_keys if isinstance(v := read(k, col_key), (int, float))]
        return sum(numbers) if numbers else None

    def evaluate(text: str, row_key: str | None) -> Any:
        def lookup(name: str) -> Any:
            if row_key is None or name not in columns:
                raise NameError(name)
            return read(row_key, name)

        return compiled(text).evaluate(lookup, read, sum_rows, lambda n: n in columns)

    if rule.scope == "table":
        targets: Iterable[str | None] = [None]
    else:
        targets = [k for k in item_keys if not rule.rows or k in rule.rows]
    for row_key in targets:
        try:
            if rule.when and not evaluate(rule.when, row_key):
                continue
            result = evaluate(rule.expr, row_key)
        except _Skip:
            continue
        except Exception as exc:  # noqa: BLE001 - a broken rule is reported, never a crash
            result = False
            message = f"审核规则 {rule.id} 无法执行（{exc}）"
        else:
            message = rule.message
        if result is None or result:
            continue
        anchor_row = rule.anchor_row if rule.scope == "table" else row_key
        index = row_keys.index(anchor_row) + 1 if anchor_row in row_keys else 0
        out.add(rule.severity, rule.id, table, anchor_row, index, columns[rule.anchor_column], message)


def validate_report(form: FormSpec, inputs: Mapping[CellKey, Any], notes: Mapping[CellKey, str],
                    list_rows: Mapping[str, Sequence[str]], context: ComputeContext) -> ValidationResult:
    """Compute every cell of one report and check it; findings are sorted by severity."""
    computed = compute_form(form, inputs, list_rows, context)
    out = _Collector(form, computed, notes)
    unverified = {k: c.describe() for k, c in context.reference.coefficients.items() if not c.verified}
    for table in form.tables:
        _field_checks(table, inputs, computed.list_rows[table.key], out)
        if table.kind == "grid":
            _reference_checks(table, inputs, out, unverified)
    for rule in form.rules:
        _run_rule(rule, form.table(rule.table), out)
    order = {t.key: i for i, t in enumerate(form.tables)}
    out.findings.sort(key=lambda f: (SEVERITY_ORDER[f.severity], order[f.table]))
    return ValidationResult(computed, out.findings)
