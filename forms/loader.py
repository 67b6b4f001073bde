"""Form definition files (YAML) → checked ``FormSpec`` objects.

Like pyxform: file → plain dicts → strict key-by-key check → immutable spec. Every error names
the file, the key path (e.g. ``tables[0].rows[3](raw_coal).unit``) and what is wrong, in Chinese.
Formulas are parsed here once, so a typo in a rule is found on load, not in front of a user.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from forms.form_files import FormDefinitionError, definitions_dir
from forms.formula import Formula, FormulaError, parsed
from forms.reference import ReferenceData
from forms.spec import (
    AGGREGATE_MODES,
    ANY_ROW,
    BLANK_MODES,
    COLUMN_TYPES,
    DEFAULT_BOUNDS,
    FORM_SCOPES,
    NUMERIC_TYPES,
    PERIOD_NAMES,
    PERIOD_TYPES,
    RULE_KINDS,
    SEVERITIES,
    TABLE_KINDS,
    CellRef,
    ColumnSpec,
    FormSpec,
    RowSpec,
    RuleSpec,
    TableSpec,
    UpgradeMove,
    UpgradeStep,
    is_ratio_unit,
)

__all__ = ["FormDefinitionError", "load_form_file", "load_form_text", "definitions_dir", "ROW_NAMES", "PERIOD_NAMES",
           "check_form_refs"]

KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
# Names a row formula may use besides column keys: reference factors of the row's energy.
ROW_NAMES = ("ref_equal", "ref_equiv")


class _Checker:
    """Reads one mapping strictly: unknown keys, missing keys and wrong types are errors."""

    def __init__(self, file: str, path: str, data: Any) -> None:
        self.file, self.path = file, path
        if not isinstance(data, dict):
            self.fail("", f"应为键值对（映射），实际为 {_kind(data)}")
        self.data: dict[str, Any] = data
        self.used: set[str] = set()

    def fail(self, key: str, message: str) -> None:
        full = f"{self.path}.{key}" if self.path and key else (self.path or key)
        raise FormDefinitionError(self.file, full, message)

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = ..., *,
            choices: tuple[str, ...] | None = None) -> Any:
        self.used.add(key)
        if key not in self.data or self.data[key] is None:
            if default is ...:
                self.fail(key, "缺少必填项")
            return default
        value = self.data[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if float in kinds and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if bool not in kinds and isinstance(value, bool):
            self.fail(key, f"应为 {_names(kinds)}，实际为 布尔值")
        if not isinstance(value, kinds):
            self.fail(key, f"应为 {_names(kinds)}，实际为 {_kind(value)}（{value!r}）")
        if choices is not None and value not in choices:
            self.fail(key, f"取值 '{value}' 不在允许范围（{'、'.join(choices)}）")
        return value

    def key(self, key: str = "key") -> str:
        value = self.get(key, str)
        if not KEY_PATTERN.match(value):
            self.fail(key, f"代码 '{value}' 须以小写字母开头，只含小写字母、数字和下划线（至多40字符）")
        return value

    def finish(self) -> None:
        unknown = sorted(set(self.data) - self.used)
        if unknown:
            self.fail(unknown[0], f"未知的键（允许的键：{'、'.join(sorted(self.used))}）")


def _kind(value: Any) -> str:
    return {dict: "映射", list: "列表", str: "文本", int: "整数", float: "数值", bool: "布尔值"}.get(
        type(value), type(value).__name__)


def _names(kinds: tuple[type, ...]) -> str:
    return "或".join(_kind(k()) if k is not type(None) else "空" for k in kinds)


def _list(checker: _Checker, key: str, default: Any = ...) -> list[Any]:
    value = checker.get(key, list, default)
    return list(value) if value is not None else []


def _formula(checker: _Checker, key: str, text: str, allowed: Callable[[Formula], None]) -> str:
    try:
        formula = parsed(text)
        allowed(formula)
    except FormulaError as exc:
        checker.fail(key, str(exc))
    return text


def _column(file: str, path: str, data: Any, number: int) -> ColumnSpec:
    c = _Checker(file, path, data)
    col_type = c.get("type", str, "number", choices=COLUMN_TYPES)
    choices = tuple(str(x) for x in _list(c, "choices", []))
    if col_type == "choice" and not choices:
        c.fail("choices", "选择类型的列须给出 choices 列表")
    decimals = c.get("decimals", int, None)
    if decimals is not None and not 0 <= decimals <= 8:
        c.fail("decimals", f"小数位数 {decimals} 须在 0–8 之间")
    pattern = c.get("pattern", str, None)
    if pattern is not None:
        if col_type not in ("text", "uscc", "choice"):
            c.fail("pattern", "pattern（格式）只适用于文本列")
        try:
            re.compile(pattern)
        except re.error as exc:
            c.fail("pattern", f"正则表达式有误：{exc}")
    bound = c.get("bound", float, None)
    if bound is not None and (col_type not in NUMERIC_TYPES or not 0 < bound <= DEFAULT_BOUNDS["number"]):
        c.fail("bound", f"bound（输入上限）只适用于数值列，须大于0且不超过 {DEFAULT_BOUNDS['number']:g}")
    spec = ColumnSpec(
        bound=bound if bound is not None else DEFAULT_BOUNDS.get(col_type),
        check_decimals=decimals is not None, pattern=pattern, pattern_message=c.get("pattern_message", str, ""),
        unique=c.get("unique", bool, False),
        key=c.key(), label=c.get("label", str), type=col_type, unit=c.get("unit", str, ""),
        decimals=decimals if decimals is not None else (0 if col_type == "integer" else 2 if col_type in ("number", "percent") else None),
        required=c.get("required", bool, False), min=c.get("min", float, None), max=c.get("max", float, None),
        formula=c.get("formula", str, None), choices=choices, note=c.get("note", str, ""),
        width=c.get("width", int, 12), number=number,
        aggregate=c.get("aggregate", str, None, choices=AGGREGATE_MODES))
    if spec.min is not None and spec.max is not None and spec.min > spec.max:
        c.fail("min", f"最小值 {spec.min:g} 大于最大值 {spec.max:g}")
    c.finish()
    return spec


def _row(file: str, path: str, data: Any, columns: dict[str, ColumnSpec], reference: ReferenceData) -> RowSpec:
    c = _Checker(file, path, data)
    key = c.key()
    c.path = f"{path}({key})"
    formulas = c.get("formulas", dict, {})
    for col_key in formulas:
        if col_key not in columns:
            c.fail(f"formulas.{col_key}", "没有这个列代码")
    blocked = tuple(_list(c, "blocked", []))
    integer = tuple(_list(c, "integer", []))
    required = tuple(_list(c, "required", []))
    for name, keys in (("blocked", blocked), ("required", required), ("integer", integer)):
        for col_key in keys:
            if col_key not in columns:
                c.fail(name, f"列代码 '{col_key}' 不存在")
    limits_raw = c.get("limits", dict, {})
    limits: dict[str, dict[str, float]] = {}
    for col_key, bounds in limits_raw.items():
        if col_key not in columns:
            c.fail(f"limits.{col_key}", "没有这个列代码")
        lc = _Checker(file, f"{c.path}.limits.{col_key}", bounds)
        limits[col_key] = {k: v for k in ("min", "max") if (v := lc.get(k, float, None)) is not None}
        lc.finish()
    aggregate = {str(k): v for k, v in c.get("aggregate", dict, {}).items()}
    for col_key, mode in aggregate.items():
        if col_key not in columns:
            c.fail(f"aggregate.{col_key}", "没有这个列代码")
        if mode not in AGGREGATE_MODES:
            c.fail(f"aggregate.{col_key}", f"取值 '{mode}' 不在允许范围（{'、'.join(AGGREGATE_MODES)}）")
    energy = c.get("energy", str, None)
    unit = c.get("unit", str, "")
    if energy is not None:
        problem = reference.check_energy_unit(energy, unit)
        if problem:
            c.fail("energy", problem)
    spec = RowSpec(
        key=key, label=c.get("label", str), code=str(c.get("code", (str, int), "")), unit=unit,
        kind=c.get("kind", str, "item", choices=("item", "total")), indent=c.get("indent", int, 0),
        energy=energy, formulas={k: str(v) for k, v in formulas.items()}, blocked=blocked, integer=integer,
        required=required, limits=limits, aggregate=aggregate)
    c.finish()
    return spec


def _table(file: str, path: str, data: Any, reference: ReferenceData) -> TableSpec:
    c = _Checker(file, path, data)
    key = c.key()
    c.path = f"{path}({key})"
    kind = c.get("kind", str, choices=TABLE_KINDS)
    raw_columns = _list(c, "columns")
    if not raw_columns:
        c.fail("columns", "至少需要一列")
    columns: dict[str, ColumnSpec] = {}
    for i, raw in enumerate(raw_columns):
        col = _column(file, f"{c.path}.columns[{i}]", raw, i + 1)
        if col.key in columns:
            c.fail(f"columns[{i}].key", f"列代码 '{col.key}' 重复")
        columns[col.key] = col
    rows: dict[str, RowSpec] = {}
    raw_rows = _list(c, "rows", [])
    if kind == "grid" and not raw_rows:
        c.fail("rows", "固定表须列出行")
    if kind == "list" and raw_rows:
        c.fail("rows", "清单表的行由用户添加，不能预先列出")
    for i, raw in enumerate(raw_rows):
        row = _row(file, f"{c.path}.rows[{i}]", raw, columns, reference)
        if row.key in rows:
            c.fail(f"rows[{i}].key", f"行代码 '{row.key}' 重复")
        rows[row.key] = row
    table = TableSpec(key=key, title=c.get("title", str, ""), kind=kind, columns=tuple(columns.values()),
                      rows=tuple(rows.values()), row_label=c.get("row_label", str, "指标名称"),
                      max_rows=c.get("max_rows", int, 5000))
    c.finish()
    _check_table_formulas(file, c.path, table)
    _check_aggregation(file, c.path, table)
    return table


def _check_aggregation(file: str, path: str, table: TableSpec) -> None:
    """A declared 汇总 mode must make sense for the cell: computed cells are recomputed, only
    entered quantities are summed (a rate, share or intensity summed is a wrong district figure)."""
    for row in table.rows or (None,):
        for col in table.columns:
            declared = table.declared_aggregate(row, col)
            if declared is None or table.is_blocked(row, col):
                continue
            where = (f"{path}.rows({row.key}).aggregate.{col.key}" if row is not None and col.key in row.aggregate
                     else f"{path}.columns({col.key}).aggregate")
            computed = table.cell_formula(row, col) is not None
            unit = table.cell_unit(row, col)
            if computed and declared != "recompute":
                raise FormDefinitionError(file, where, f"计算单元格汇总时只能按汇总后的数据重新计算（recompute），不能为 {declared}")
            if not computed and declared == "recompute":
                raise FormDefinitionError(file, where, "填报单元格没有公式，不能重新计算（recompute）：请用 sum 或 none")
            if declared == "sum" and (col.type not in ("number", "integer") or is_ratio_unit(unit)):
                what = f"计量单位为“{unit}”" if is_ratio_unit(unit) else f"类型为 {col.type}"
                raise FormDefinitionError(file, where, f"{what}的比率、比重或强度不能相加（sum）：汇总时应由合计数重新计算")


def _check_formula_refs(formula: Formula, table: TableSpec, names: set[str], *, rule: bool = False) -> None:
    formula.check_names(names)
    if formula.form_refs and not rule:
        raise FormulaError(f"form_cell()/form_sum() 只能用于审核规则，计算公式只能引用本表式：{formula.text}")
    row_keys = {r.key for r in table.rows}
    for row_key, col_key in formula.cell_refs:
        if table.kind == "grid" and row_key not in row_keys:
            raise FormulaError(f"cell() 引用了不存在的行 '{row_key}'：{formula.text}")
        if col_key not in table.column_keys:
            raise FormulaError(f"cell() 引用了不存在的列 '{col_key}'：{formula.text}")
    for col_key in formula.sum_columns:
        if col_key not in table.column_keys:
            raise FormulaError(f"sum_rows() 引用了不存在的列 '{col_key}'：{formula.text}")


def _check_table_formulas(file: str, path: str, table: TableSpec) -> None:
    names = set(table.column_keys) | set(ROW_NAMES)
    for i, col in enumerate(table.columns):
        if col.formula:
            try:
                _check_formula_refs(parsed(col.formula), table, names)
            except FormulaError as exc:
                raise FormDefinitionError(file, f"{path}.columns[{i}]({col.key}).formula", str(exc)) from None
    for i, row in enumerate(table.rows):
        for col_key, text in row.formulas.items():
            try:
                _check_formula_refs(parsed(text), table, names)
            except FormulaError as exc:
                raise FormDefinitionError(file, f"{path}.rows[{i}]({row.key}).formulas.{col_key}", str(exc)) from None
        uses_ref = any(
            {"ref_equal", "ref_equiv"} & parsed(f).names
            for col in table.columns if (f := table.cell_formula(row, col)) and not table.is_blocked(row, col))
        if uses_ref and not row.energy:
            raise FormDefinitionError(file, f"{path}.rows[{i}]({row.key}).energy",
                                      "该行的公式用到折标系数（ref_equal/ref_equiv），须指定 energy")
    # Cycles: a computed cell that (through others) depends on itself.
    from forms.compute import find_cycle

    cycle = find_cycle(table)
    if cycle:
        raise FormDefinitionError(file, f"{path}", "公式循环引用：" + " → ".join(f"{r}.{c}" for r, c in cycle))


def _rule(file: str, path: str, data: Any, tables: dict[str, TableSpec]) -> RuleSpec:
    c = _Checker(file, path, data)
    rule_id = c.get("id", str)
    c.path = f"{path}({rule_id})"
    kind = c.get("kind", str, "check", choices=RULE_KINDS)
    table_key = c.get("table", str)
    if table_key not in tables:
        c.fail("table", f"表 '{table_key}' 不存在")
    table = tables[table_key]
    row_keys = {r.key for r in table.rows}
    default_scope = "table" if kind == "goal" else "row"
    scope = c.get("scope", str, default_scope, choices=("row", "column", "table"))
    rows = tuple(_list(c, "rows", []))
    for row_key in rows:
        if row_key not in row_keys:
            c.fail("rows", f"行代码 '{row_key}' 不存在")
    columns = tuple(_list(c, "columns", []))
    for col_key in columns:
        if col_key not in table.column_keys:
            c.fail("columns", f"列代码 '{col_key}' 不存在")
    if kind in ("change", "history"):
        if table.kind != "grid":
            c.fail("kind", "与上期/历史比较只适用于固定表（清单表的行在各期之间没有固定对应）")
        if scope == "column":
            c.fail("scope", "与上期/历史比较的规则用 scope: row（各行）或 table（rows × columns 所列单元格）")
        if not columns:
            c.fail("columns", "须列出要比较的列")
        if scope == "table" and not rows:
            c.fail("rows", "scope: table 时须列出要比较的行")
    if kind == "reported":
        if scope != "row":
            c.fail("scope", "企业直报数据修改检查逐行进行，scope 只能为 row")
        if not columns:
            c.fail("columns", "须列出不得擅自修改的列（企业直报的数值）")
    severity_default = {"change": "警告", "history": "提示", "goal": "提示", "reported": "警告"}.get(kind, ...)
    severity = c.get("severity", str, severity_default, choices=SEVERITIES)
    if kind == "goal" and severity != "提示":
        c.fail("severity", "规划目标只作提示（全区目标不作为镇街的错误或警告）")
    anchor_row: str | None = None
    anchor_col = ""
    if kind == "check" or kind == "goal":
        anchor = c.get("anchor", str)
        if scope == "table":
            if "." not in anchor:
                c.fail("anchor", "表级规则的定位单元格须写成 行代码.列代码")
            anchor_row, anchor_col = anchor.split(".", 1)
            if anchor_row not in row_keys:
                c.fail("anchor", f"行代码 '{anchor_row}' 不存在")
        elif scope == "column":
            anchor_row = anchor
            if anchor_row not in row_keys:
                c.fail("anchor", f"行代码 '{anchor_row}' 不存在（scope: column 的定位为行代码）")
        else:
            anchor_col = anchor
        if scope != "column" and anchor_col not in table.column_keys:
            c.fail("anchor", f"列代码 '{anchor_col}' 不存在")
    if scope == "row":
        names = set(table.column_keys) | set(ROW_NAMES)
    elif scope == "column":
        names = set(row_keys)
    else:
        names = set()
    names |= set(PERIOD_NAMES)  # m4: the report period's last day, for date rules
    reads: set[str] = set()

    def check(formula: Formula) -> None:
        if scope == "column":
            formula.check_names(names)
            for row_key, col_key in formula.cell_refs:
                if row_key not in row_keys or col_key not in table.column_keys:
                    raise FormulaError(f"cell() 引用了不存在的单元格 '{row_key}.{col_key}'：{formula.text}")
        else:
            _check_formula_refs(formula, table, names, rule=True)
        _check_table_refs(formula, tables)
        reads.update(formula.refs)

    expr = ""
    if kind == "check":
        expr = _formula(c, "assert", c.get("assert", str), check)
    elif kind == "goal":
        value = c.get("value", str, None)
        expr = _formula(c, "value", value, check) if value else f"cell('{anchor_row}', '{anchor_col}')"
    when = _formula(c, "when", w, check) if (w := c.get("when", str, None)) else None
    blank_raw = c.get("blank", (str, dict), "skip")
    blank: dict[str, str] = {}
    blank_default = "skip"
    if isinstance(blank_raw, str):
        if blank_raw not in BLANK_MODES:
            c.fail("blank", f"取值 '{blank_raw}' 不在允许范围（{'、'.join(BLANK_MODES)}）")
        blank_default = blank_raw
    else:
        for ref, mode in blank_raw.items():
            if mode not in BLANK_MODES:
                c.fail(f"blank.{ref}", f"取值 '{mode}' 不在允许范围（{'、'.join(BLANK_MODES)}）")
            if ref == "default":
                blank_default = mode
            elif ref not in reads:
                c.fail(f"blank.{ref}", f"规则没有读取 '{ref}'（可写：{'、'.join(sorted(reads)) or '无'}）")
            else:
                blank[str(ref)] = mode
    threshold = c.get("threshold", float, 0.3)
    if threshold <= 0:
        c.fail("threshold", "变化幅度阈值须大于0（0.3 表示±30%）")
    direction = c.get("direction", str, "at_least", choices=("at_least", "at_most"))
    spec = RuleSpec(
        id=rule_id, severity=severity, table=table_key, scope=scope, expr=expr,
        message=c.get("message", str, "" if kind != "check" else ...),
        anchor_column=anchor_col, anchor_row=anchor_row, rows=rows, when=when, kind=kind, columns=columns,
        blank=blank, blank_default=blank_default, threshold=threshold, points=c.get("points", float, None),
        min_periods=c.get("min_periods", int, 3), target=c.get("target", float, None if kind != "goal" else ...),
        direction=direction, goal=c.get("goal", str, "" if kind != "goal" else ...), unit=c.get("unit", str, ""),
        path=c.path)
    c.finish()
    return spec


def _check_table_refs(formula: Formula, tables: dict[str, TableSpec]) -> None:
    """cell('table', 'row', 'col') and sum_rows('table', 'col') name real tables, rows and columns."""
    for table_key, row_key, col_key in formula.table_refs:
        table = tables.get(table_key)
        if table is None:
            raise FormulaError(f"引用了不存在的表 '{table_key}'：{formula.text}")
        if row_key != "*" and table.kind == "grid" and row_key not in {r.key for r in table.rows}:
            raise FormulaError(f"引用了表 '{table_key}' 中不存在的行 '{row_key}'：{formula.text}")
        if col_key not in table.column_keys:
            raise FormulaError(f"引用了表 '{table_key}' 中不存在的列 '{col_key}'：{formula.text}")


def check_form_refs(forms: dict[str, FormSpec]) -> None:
    """Cross-form references of every rule name a real form, table, row and column.

    Run once the whole catalogue is loaded; the error names the file and the rule."""
    for form in forms.values():
        _check_upgrade_targets(form, forms)
        for rule in form.rules:
            for name, text in (("assert", rule.expr), ("when", rule.when)):
                if not text:
                    continue
                for form_key, table_key, row_key, col_key in parsed(text).form_refs:
                    other = forms.get(form_key)
                    problem = None
                    if other is None:
                        problem = f"表式 '{form_key}' 不存在"
                    elif table_key not in {t.key for t in other.tables}:
                        problem = f"表式 '{form_key}' 中没有表 '{table_key}'"
                    else:
                        table = other.table(table_key)
                        if row_key != "*" and table.kind == "grid" and row_key not in {r.key for r in table.rows}:
                            problem = f"表式 '{form_key}' 的表 '{table_key}' 中没有行 '{row_key}'"
                        elif col_key not in table.column_keys:
                            problem = f"表式 '{form_key}' 的表 '{table_key}' 中没有列 '{col_key}'"
                    if problem:
                        raise FormDefinitionError(form.source_file, f"{rule.path}.{name}", f"{problem}：{text}")


def load_form_text(text: str, file: str, reference: ReferenceData) -> FormSpec:
    """Parse and check one definition given as text; ``file`` names it in errors."""
    import yaml  # here, not at the top: a start with the cached catalogue never parses YAML

    try:
        # libyaml's C parser when present (several times faster: the catalogue loads at start-up).
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 - safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第{mark.line + 1}行第{mark.column + 1}列" if mark else ""
        raise FormDefinitionError(file, "", f"YAML 格式错误 {where}：{getattr(exc, 'problem', exc)}") from None
    c = _Checker(file, "", data)
    raw_tables = _list(c, "tables")
    if not raw_tables:
        c.fail("tables", "至少需要一张表")
    tables: dict[str, TableSpec] = {}
    for i, raw in enumerate(raw_tables):
        table = _table(file, f"tables[{i}]", raw, reference)
        if table.key in tables:
            c.fail(f"tables[{i}].key", f"表代码 '{table.key}' 重复")
        tables[table.key] = table
    for i, table in enumerate(tables.values()):
        for col in table.columns:
            texts = [(f"columns.{col.key}.formula", col.formula)] + [
                (f"rows({r.key}).formulas.{col.key}", r.formulas.get(col.key)) for r in table.rows]
            for where, text in texts:
                if text:
                    try:
                        _check_table_refs(parsed(text), tables)
                    except FormulaError as exc:
                        c.fail(f"tables[{i}]({table.key}).{where}", str(exc))
    rules = []
    seen: set[str] = set()
    for i, raw in enumerate(_list(c, "rules", [])):
        rule = _rule(file, f"rules[{i}]", raw, tables)
        if rule.id in seen:
            c.fail(f"rules[{i}].id", f"规则编号 '{rule.id}' 重复")
        seen.add(rule.id)
        rules.append(rule)
    if data.get("scope") == "district":  # d3: a district form's goals show the district's own figure
        from dataclasses import replace

        rules = [replace(r, subject="全区") for r in rules]
    version = c.get("version", int)
    if version < 1:
        c.fail("version", "版本号须为正整数")
    form = FormSpec(
        key=c.key(), code=c.get("code", str), name=c.get("name", str), authority=c.get("authority", str),
        approval_authority=c.get("approval_authority", str, ""), approval_no=c.get("approval_no", str, ""),
        valid_until=str(c.get("valid_until", (str, int))), period_type=c.get("period_type", str, choices=PERIOD_TYPES),
        version=version, tables=tuple(tables.values()), rules=tuple(rules),
        notes=tuple(str(n) for n in _list(c, "notes", [])), order=c.get("order", int, 100), source_file=file,
        district_rules=_district_rules(file, c, tables, seen), scope=c.get("scope", str, "township", choices=FORM_SCOPES),
        upgrades=_upgrades(file, c, version, tables))
    c.finish()
    return form


DISTRICT_RULE_KINDS = ("same_value_in_townships",)


def _district_rules(file: str, c: _Checker, tables: dict[str, TableSpec], seen: set[str]) -> tuple[Any, ...]:
    """``district_rules``: rules across townships, checked by the district (see forms/README.md)."""
    from forms.spec import DistrictRuleSpec

    rules = []
    for i, raw in enumerate(_list(c, "district_rules", [])):
        r = _Checker(file, f"district_rules[{i}]", raw)
        rule = DistrictRuleSpec(id=r.get("id", str), kind=r.get("kind", str, choices=DISTRICT_RULE_KINDS),
                                table=r.get("table", str), column=r.get("column", str),
                                severity=r.get("severity", str, "警告", choices=SEVERITIES),
                                message=r.get("message", str))
        r.finish()
        table = tables.get(rule.table)
        if table is None or table.kind != "list":
            r.fail("table", f"'{rule.table}' 不是本表式中的清单表")
        if rule.column not in {col.key for col in table.columns}:
            r.fail("column", f"清单表 {rule.table} 中没有栏目 '{rule.column}'")
        if rule.id in seen:
            r.fail("id", f"规则编号 '{rule.id}' 重复")
        seen.add(rule.id)
        rules.append(rule)
    return tuple(rules)


def load_form_file(path: Path, reference: ReferenceData) -> FormSpec:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FormDefinitionError(path.name, "", f"无法读取（{exc}）") from None
    return load_form_text(text, path.name, reference)


# -- d3: form version steps (``upgrades``, see forms/README.md) ----------------------------------
_REF_PATTERN = re.compile(r"^(?:([a-z][a-z0-9_]{0,39}):)?([a-z][a-z0-9_]{0,39})\.([a-z][a-z0-9_]{0,39}|\*)"
                          r"\.([a-z][a-z0-9_]{0,39})$")


def _cell_ref(c: _Checker, key: str, text: Any, *, other_form: bool) -> CellRef:
    if not isinstance(text, str) or not (m := _REF_PATTERN.match(text.strip())):
        c.fail(key, f"单元格应写成 表代码.行代码.列代码{'（另一表式：表式代码:表代码.行代码.列代码）' if other_form else ''}"
                    f"，清单表的各行写 *，实际为 {text!r}")
    form, table, row, col = m.groups()
    if form and not other_form:
        c.fail(key, f"只能是本表式旧版中的单元格，不能写表式代码：{text}")
    return CellRef(table, row, col, form or "")


def _target_problem(table: TableSpec | None, ref: CellRef, where: str) -> str | None:
    """Why ``ref`` is not an input cell of ``table`` (the current layout), or None."""
    if table is None:
        return f"{where}中没有表 '{ref.table}'"
    if ref.col not in table.column_keys:
        return f"{where}的表 '{ref.table}' 中没有列 '{ref.col}'"
    if (ref.row == ANY_ROW) != (table.kind == "list"):
        return f"清单表的各行写 *，固定表写行代码：{ref.text()}"
    row = None
    if ref.row != ANY_ROW:
        if ref.row not in {r.key for r in table.rows}:
            return f"{where}的表 '{ref.table}' 中没有行 '{ref.row}'"
        row = table.row(ref.row)
    if not table.is_input(row, table.column(ref.col)):
        return f"{ref.text()} 是计算或不适用的单元格，不能移入数值"
    return None


def _upgrades(file: str, c: _Checker, version: int, tables: dict[str, TableSpec]) -> tuple[UpgradeStep, ...]:
    """``upgrades``: one step per earlier version (1 → 2 → … → ``version``); the last step's targets
    in this form must be input cells of the current layout (other forms': ``check_form_refs``)."""
    steps: list[UpgradeStep] = []
    for i, raw in enumerate(_list(c, "upgrades", [])):
        u = _Checker(file, f"upgrades[{i}]", raw)
        start, end = u.get("from", int), u.get("to", int)
        if start < 1 or end != start + 1:
            u.fail("to", f"每步只升一版：from {start} 须≥1，to 须为 {start + 1}")
        if end > version:
            u.fail("to", f"目标版本 {end} 高于本表式的版本 {version}")
        note = u.get("note", str)
        if not note.strip():
            u.fail("note", "须写明为什么（进入修改记录）")
        moves: list[UpgradeMove] = []
        sources: set[tuple[str, str, str]] = set()
        targets: set[str] = set()
        for j, move in enumerate(_list(u, "moves", [])):
            m = _Checker(file, f"{u.path}.moves[{j}]", move)
            source = _cell_ref(m, "from", m.get("from", str), other_form=False)
            target = _cell_ref(m, "to", m.get("to", str), other_form=True)
            m.finish()
            if (source.row == ANY_ROW) != (target.row == ANY_ROW) or (
                    source.row == ANY_ROW and (target.form or target.table != source.table)):
                m.fail("to", "清单表的栏目（行写 *）只能移到同一清单表的另一栏目")
            if source.cell in sources:
                m.fail("from", f"单元格 {source.text()} 在本步中出现两次")
            if target.text() in targets:
                m.fail("to", f"两个单元格移到同一位置 {target.text()}")
            if end == version and not target.form and (problem := _target_problem(
                    tables.get(target.table), target, "本表式")):
                m.fail("to", problem)
            sources.add(source.cell)
            targets.add(target.text())
            moves.append(UpgradeMove(source, target))
        drops = []
        for j, text in enumerate(_list(u, "drops", [])):
            ref = _cell_ref(u, f"drops[{j}]", text, other_form=False)
            if ref.cell in sources:
                u.fail(f"drops[{j}]", f"单元格 {ref.text()} 在本步中出现两次")
            sources.add(ref.cell)
            drops.append(ref)
        u.finish()
        steps.append(UpgradeStep(start, end, tuple(moves), tuple(drops), note.strip()))
    froms = sorted(s.from_version for s in steps)
    if steps and froms != list(range(froms[0], version)):
        gap = next((v for v in range(froms[0], version) if froms.count(v) != 1), froms[-1])
        c.fail("upgrades", f"各步须连续到本表式的版本 {version}（{froms[0]}→{froms[0] + 1} … {version - 1}→{version}）："
                           f"从第 {gap} 版的一步{'缺少' if gap not in froms else '重复'}")
    return tuple(sorted(steps, key=lambda s: s.from_version))


def _check_upgrade_targets(form: FormSpec, forms: dict[str, FormSpec]) -> None:
    """The last step's moves into other forms name input cells of their current layout."""
    for i, step in enumerate(form.upgrades):
        if step.to_version != form.version:
            continue
        for j, move in enumerate(step.moves):
            if not move.target.form:
                continue
            other = forms.get(move.target.form)
            problem = (f"表式 '{move.target.form}' 不存在" if other is None else
                       _target_problem(other.table(move.target.table) if move.target.table in
                                       {t.key for t in other.tables} else None, move.target,
                                       f"表式 '{other.key}' "))
            if other is not None and not problem and other.period_type != form.period_type:
                problem = f"表式 '{other.key}' 为{other.period_type}，本表式为{form.period_type}，报告期不对应"
            if problem:
                raise FormDefinitionError(form.source_file, f"upgrades[{i}].moves[{j}].to", problem)
