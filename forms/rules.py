"""The rules declared in a form file, run against one computed report: check, goal, change,
history and reported. Cross-form references and earlier periods come in a ``Bundle``."""

from __future__ import annotations

import datetime as _dt
import functools
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from itertools import count
from typing import Any

from forms.compute import CellKey, ComputedForm, compiled
from forms.findings import FindingCollector
from forms.formula import Formula, evaluation_state, note_read
from forms.period_rules import change_text, history_text
from forms.rule_messages import fmt, goal_text
from forms.spec import PERIOD_NAMES, ColumnSpec, FormSpec, RuleSpec, TableSpec
from forms.spec_memo import per_spec

__all__ = ["Bundle", "run_rule", "column_sum", "row_local", "rule_reads", "report_end", "PERIOD_NAMES"]


@functools.lru_cache(maxsize=64)  # s4: asked once per rule of every report (a district intake: 80 per file)
def report_end(period: str) -> str | None:
    """The last day of ``period`` (2025 / 2025Q3 / 2025M09) as an ISO date; None when unknown."""
    try:
        year = int(period[:4])
        if len(period) == 4:
            month = 12
        elif period[4] == "Q":
            month = 3 * int(period[5:])
        else:
            month = int(period[5:])
        if not 1 <= month <= 12:
            return None
        # the day before the next month's first (r4: ``calendar`` stays off the start path)
        return (_dt.date(year + month // 12, month % 12 + 1, 1) - _dt.timedelta(days=1)).isoformat()
    except (ValueError, IndexError):
        return None


class _Skip(Exception):
    """A rule reads a cell that already failed its field check: the rule does not apply."""


def _item_keys(table: TableSpec, computed: ComputedForm) -> list[str]:
    keys = computed.list_rows.get(table.key, [])
    if table.kind == "list":
        return list(keys)
    totals = _total_rows(table)
    return [k for k in keys if k not in totals]


# s4: a grid's total rows, found once per table (each rule of each report looked every row up by
# key: about 5 % of a district intake's main process). The entry holds the table: its id is not reused.
@per_spec()
def _total_rows(table: TableSpec) -> frozenset[str]:
    return frozenset(r.key for r in table.rows if r.is_total)


def column_sum(form: FormSpec, computed: ComputedForm, table_key: str, col_key: str, read: Any = None) -> Any:
    """Sum of a column over the item rows (not totals) of a table; None when none is a number."""
    table = form.table(table_key)
    if read is None:  # (v1: the cells looked up by ``map``, not a call per row)
        return _sum_of(map(computed.cell_reader(), [(table_key, k, col_key) for k in _item_keys(table, computed)]))
    numbers = [v for k in _item_keys(table, computed) if isinstance(v := read(k, col_key), (int, float))
               and not isinstance(v, bool)]
    return sum(numbers) if numbers else None


def _sum_of(values: Iterable[Any]) -> Any:
    """The sum of the numbers among ``values`` (not booleans), in order; None when there is none."""
    numbers = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    return sum(numbers) if numbers else None


def _checked_sum(form: FormSpec, computed: ComputedForm, table_key: str, col_key: str,
                 invalid: Collection[CellKey], item_keys: Sequence[str] | None = None) -> Any:
    """``column_sum`` as a rule reads it: a cell that failed its field check stops the rule
    (``_Skip``), as reading it cell by cell does at the first such cell. ``item_keys``: the table's
    item rows when known already."""
    if item_keys is None:
        item_keys = _item_keys(form.table(table_key), computed)
    keys = [(table_key, k, col_key) for k in item_keys]
    if invalid and not invalid.isdisjoint(keys):  # type: ignore[attr-defined]  # (a set)
        raise _Skip
    return _sum_of(map(computed.cell_reader(), keys))


class Bundle:
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
        return column_sum(found[0], found[1], table, col) if found else None


def row_local(rule: RuleSpec) -> bool:
    """Whether the rule's finding on a row depends on that row alone (and on what does not change
    with an edit of the report: other forms, earlier periods), so an edited row is checked alone."""
    return _row_local(rule)


@per_spec(cap=4096)
def _row_local(rule: RuleSpec) -> bool:  # (u1: once per rule; asked for every rule of every report)
    if rule.kind in ("change", "history", "reported"):
        return True
    if rule.scope != "row":
        return False
    texts = [compiled(t) for t in (rule.expr, rule.when) if t]
    return not any(f.cell_refs or f.sum_columns or f.table_refs for f in texts)


def rule_reads(rule: RuleSpec) -> set[str]:
    """The tables of its own form a rule reads."""
    found = {rule.table}
    for text in (rule.expr, rule.when):
        if text:
            found |= {ref[0] for ref in compiled(text).table_refs}
    return found


def run_rule(rule: RuleSpec, form: FormSpec, table: TableSpec, out: FindingCollector, bundle: Bundle,
             only: Collection[str] | None = None) -> None:
    """Run one rule; ``only``: just on these rows (a ``row_local`` rule after an edit of them)."""
    computed = out.computed
    row_keys = computed.list_rows.get(table.key, [])
    plan = _rule_plan(rule, table)  # t1: what depends on the spec alone, once per rule
    columns = plan.columns
    known_rows = table.kind == "grid" and row_keys == plan.row_keys
    item_keys = plan.item_keys if known_rows else _item_keys(table, computed)
    own_items = item_keys  # (the table's item rows, before ``only``: what sum_rows adds up)
    if only is not None:  # a few rows: found by the list's own (C) search, not a loop over every row
        if len(only) > 64:
            item_keys = [k for k in item_keys if k in only]
        else:
            item_keys = sorted((k for k in only if k in item_keys), key=row_keys.index)
    # row key → position (v1: a grid's as its plan holds them; never changed: ``emit`` fills only an empty one)
    positions: dict[str, int] = plan.positions if known_rows else {}

    # (issue 16: ``cell_reader``: a long list's cells read from its columns, not made into ``values``)
    table_key, value_of, invalid = table.key, computed.cell_reader(), out.invalid

    def read(*args: str) -> Any:
        key = (table_key, *args) if len(args) == 2 else args
        if key in invalid:
            raise _Skip
        return value_of(key)

    def sum_rows(*args: str) -> Any:
        if len(args) == 2 and args[0] != table_key:
            return _checked_sum(form, computed, args[0], args[1], invalid)
        return _checked_sum(form, computed, table_key, args[-1], invalid, own_items)

    # The readers are made once per rule (a 5,000-row list evaluates it 5,000 times): ``where``
    # holds the row and column being checked.
    where: list[str | None] = [None, None]
    scope = rule.scope
    period_end = report_end(bundle.period)
    formulas = plan.formulas

    def lookup(name: str) -> Any:
        row_key, col_key = where
        if scope == "row" and row_key is not None and name in columns:
            key = (table_key, row_key, name)
            if key in invalid:
                raise _Skip
            return value_of(key)
        if scope == "column" and col_key is not None and name not in PERIOD_NAMES:
            return read(name, col_key)
        if name == "report_end":
            if period_end is None:  # no report period known: a rule on it does not apply
                raise _Skip
            return period_end
        raise NameError(name)

    def row_read(name: str, run: Any) -> Any:
        """A bare name of a row rule read as ``lookup``, ``is_cell`` and the count read it (v1: one call)."""
        row_key = where[0]
        if row_key is not None and name in columns:
            key = (table_key, row_key, name)
            if key in invalid:
                raise _Skip
            found = value_of(key)
        else:
            found = lookup(name)
            if name not in columns:
                return found
        if found is None:
            return note_read(run, name)
        run.cells += 1
        run.filled += 1
        return found

    def is_cell(name: str) -> bool:
        return name in columns if scope == "row" else scope == "column" and name not in PERIOD_NAMES

    if scope == "row":
        is_cell = columns.__contains__  # noqa: F811 - (v1: the same answer without a call of ours)

    form_cell, form_sum = bundle.form_cell, bundle.form_sum  # (u1: bound once per rule)

    def emit(row_key: str, col_key: str, message: str) -> None:
        if only is not None:
            index = row_keys.index(row_key) + 1 if row_key in row_keys else 0
        else:
            if not positions:
                positions.update(zip(row_keys, count(1)))  # (u1: made in C; a later repeat wins, as before)
            index = positions.get(row_key, 0)
        out.add(rule.severity, rule.id, table, row_key, index, columns[col_key], message)

    if rule.kind in ("change", "history"):
        targets = [k for k in item_keys if not rule.rows or k in rule.rows]
        for row_key in targets:
            for col_key in rule.columns:
                if (table.key, row_key, col_key) in out.invalid:
                    continue
                text = (change_text if rule.kind == "change" else history_text)(rule, bundle, (table.key, row_key, col_key),
                                                                       computed.get(table.key, row_key, col_key))
                if text:
                    emit(row_key, col_key, text)
        return

    def zero(_ref: str) -> str:  # ``when`` asks whether values are there: a blank reads as 0
        return "zero"

    if rule.kind == "reported":
        _reported(rule, table, item_keys, out, bundle, emit, zero)
        return

    fused = row_read if scope == "row" else None
    # (v1: what a blank means told by a dict's look-up, not a call of ours: ``zero`` and ``rule.blank_mode``)
    when_run = evaluation_state(lookup, read, sum_rows, is_cell, form_cell=form_cell, form_sum=form_sum,
                                blank=_ZERO, read=fused) if rule.when else None
    expr_run = evaluation_state(lookup, read, sum_rows, is_cell, form_cell=form_cell, form_sum=form_sum,
                                blank=plan.blank_of, read=fused)

    targets: list[tuple[str | None, str | None]]
    target_rows: list[str] = []
    if rule.scope == "table":
        targets = [(rule.anchor_row, rule.anchor_column)]
    elif rule.scope == "column":
        targets = plan.column_targets
    else:
        target_rows = item_keys if not rule.rows else [k for k in item_keys if k in rule.rows]
        if only is None and table.kind == "list" and len(target_rows) >= _COLUMNWISE_FROM:
            targets = []  # (the rows below: evaluated column by column where that gives the same)
        else:
            targets = [(k, rule.anchor_column) for k in target_rows]

    when = formulas[rule.when] if rule.when else None
    expr = formulas.get(rule.expr)  # (None: no formula — a KeyError below, a finding as before)

    def outcome(row_key: str | None, col_key: str | None) -> tuple[Any, str] | None:
        """The rule on one target, row by row: (result, message), or None when it does not apply."""
        # (v1: ``evaluate`` inlined: ``where`` set once for both formulas, as it held for both)
        where[0], where[1] = row_key, col_key
        try:
            if when is not None and not when.evaluate_in(when_run):
                return None
            if expr is None:
                raise KeyError(rule.expr)
            return expr.evaluate_in(expr_run), rule.message
        except _Skip:
            return None
        except Exception as exc:  # noqa: BLE001 - a broken rule is reported, never a crash
            return False, f"审核规则 {rule.id} 无法执行（{exc}）"

    if rule.scope == "row" and not targets and target_rows:
        outcomes = _columnwise(rule, table.key, target_rows, columns, out, outcome, zero)
        if outcomes is None:  # (the rule reads more than its row)
            targets = [(k, rule.anchor_column) for k in target_rows]
        else:
            goal = rule.kind == "goal"
            for row_key, got in zip(target_rows, outcomes):
                # u1: a row where a check holds (most of a 5,000-row list) is passed over here, as
                # ``_found`` passes it over (no call per row)
                if got is not None and (goal or not (got[0] is None or got[0])):
                    _found(rule, row_key, rule.anchor_column, got, emit)
            return
    goal = rule.kind == "goal"
    for row_key, col_key in targets:
        got = outcome(row_key, col_key)
        # (v1: a check that holds passed over here, as ``_found`` passes it over: no call)
        if got is not None and (goal or not (got[0] is None or got[0])):
            _found(rule, row_key, col_key, got, emit)


class _RulePlan:
    """What ``run_rule`` needs of a rule and its table that depends on the spec alone (t1: a
    district intake runs about 80 rules on every file's forms): the table's columns by key, the
    rule's formulas, a column rule's targets, a grid's row keys and item rows (not totals)."""

    __slots__ = ("rule", "table", "columns", "formulas", "column_targets", "row_keys", "item_keys", "positions",
                 "blank_of")

    def __init__(self, rule: RuleSpec, table: TableSpec) -> None:
        self.rule, self.table = rule, table
        self.columns = {c.key: c for c in table.columns}
        self.formulas = {text: compiled(text) for text in (rule.expr, rule.when) if text}
        self.column_targets: list[tuple[str | None, str | None]] = []
        if rule.scope == "column":
            wanted = rule.columns or tuple(c.key for c in table.columns if c.numeric)
            anchor = table.row(rule.anchor_row) if table.kind == "grid" and rule.anchor_row else None
            self.column_targets = [(rule.anchor_row, c) for c in wanted if not table.is_blocked(anchor, self.columns[c])]
        self.row_keys = [r.key for r in table.rows]  # a grid's rows as ``compute_form`` lists them
        totals = _total_rows(table)
        self.item_keys = [k for k in self.row_keys if k not in totals]
        self.positions = dict(zip(self.row_keys, count(1)))  # (a later repeat wins, as in ``emit``)
        # ``rule.blank_mode`` as a look-up (a name not declared gets ``blank_default`` on its first read)
        self.blank_of = defaultdict(functools.partial(str, rule.blank_default), rule.blank).__getitem__


_RULE_PLANS: dict[int, _RulePlan] = {}
_ZERO = defaultdict(functools.partial(str, "zero")).__getitem__  # ``when``'s blanks: every name reads "zero"


def _rule_plan(rule: RuleSpec, table: TableSpec) -> _RulePlan:
    """The rule's ``_RulePlan``, kept while the rule and its table are the same objects."""
    plan = _RULE_PLANS.get(id(rule))
    if plan is None or plan.rule is not rule or plan.table is not table:
        if len(_RULE_PLANS) > 4096:  # catalogues loaded again and again (tests): keep it small
            _RULE_PLANS.clear()
        plan = _RULE_PLANS[id(rule)] = _RulePlan(rule, table)
    return plan


def _found(rule: RuleSpec, row_key: str | None, col_key: str | None, got: tuple[Any, str], emit: Any) -> None:
    """A rule's (result, message) on one target: a finding where it does not hold (a goal: its figure)."""
    result, message = got
    if rule.kind == "goal":
        if isinstance(result, (int, float)) and not isinstance(result, bool):
            emit(row_key, col_key, goal_text(rule, result))
        return
    if result is None or result:
        return
    emit(row_key, col_key, message)


_COLUMNWISE_FROM = 32  # a row rule on a list this long is evaluated column by column (``_columnwise``)


def _columnwise(rule: RuleSpec, table_key: str, row_keys: list[str], columns: Mapping[str, ColumnSpec],
                out: FindingCollector, outcome: Any, zero: Any) -> list[tuple[Any, str] | None] | None:
    """``outcome`` of a row rule on every row of a list, evaluated column by column (one loop per
    operation: ``forms.column_formula``) where that gives the same: the rows where the rule reads
    no cell that failed its field check nor a blank it ``skip``s (a blank read as 0 is 0 in the
    column); the others, and any row whose evaluation raises, go through ``outcome`` as before.
    None: the rule reads more than its row's columns (left to ``outcome`` entirely)."""
    from forms.column_formula import column_program, evaluate_rows

    formulas = [(compiled(rule.when), zero) if rule.when else None, (compiled(rule.expr), rule.blank_mode)]
    programs = [column_program(f) if f is not None else None for f, _mode in filter(None, formulas)]
    if any(p is None for p in programs) or any(not f.names <= columns.keys() for f, _m in filter(None, formulas)):
        return None
    read = sorted(set().union(*(f.names for f, _m in filter(None, formulas))))
    value_of, invalid = out.computed.cell_reader(), out.invalid
    known = out.computed.columns.get(table_key)  # the columns as computed (issue 16)
    if known is not None and known.row_keys != row_keys:
        known = None
    raw = {name: known.values[name] if known is not None else [value_of((table_key, k, name)) for k in row_keys]
           for name in read}
    slow: set[int] = set()
    if invalid:  # a cell that failed its field check: the rule skips the row if it reads it
        position = {k: i for i, k in enumerate(row_keys)}
        slow |= {position[k[1]] for k in invalid if k[0] == table_key and k[2] in raw and k[1] in position}

    def given(formula: Formula, mode: Any) -> dict[str, list[Any]]:
        """The formula's columns as it reads them: a blank as 0, or the row left to ``outcome``."""
        found = {}
        for name in formula.names:
            column = raw[name]
            if None in column:
                if mode(name) == "skip":
                    slow.update(i for i, v in enumerate(column) if v is None)
                column = [0 if v is None else v for v in column]
            found[name] = column
        return found

    when, expr = formulas
    when_columns = given(*when) if when is not None else None
    expr_columns = given(*expr)
    rows = [i for i in range(len(row_keys)) if i not in slow] if slow else list(range(len(row_keys)))
    outcomes: list[tuple[Any, str] | None] = [None] * len(row_keys)
    if when is not None:
        passed, failed = evaluate_rows(programs[0], when_columns, rows)  # type: ignore[arg-type]
        slow.update(failed)
        rows = [i for i in rows if i in passed and passed[i]]
    results, failed = evaluate_rows(programs[-1], expr_columns, rows)  # type: ignore[arg-type]
    slow.update(failed)
    message = rule.message
    for i, result in results.items():
        outcomes[i] = (result, message)
    for i in slow:
        outcomes[i] = outcome(row_keys[i], rule.anchor_column)
    return outcomes


def _reported(rule: RuleSpec, table: TableSpec, item_keys: Sequence[str], out: FindingCollector, bundle: Bundle,
              emit: Any, zero: Any) -> None:
    """A figure first stored from an enterprise's own report and changed since needs a 说明.

    ``when`` reads the row as first stored (its original 数据来源), so relabelling the source
    afterwards does not hide the change."""
    columns = {c.key: c for c in table.columns}
    when = compiled(rule.when) if rule.when else None
    read = [k for k in columns if k in rule.columns or (when is not None and k in when.names)]  # what is used
    reported, computed, table_key = bundle.reported.get, out.computed.cell_reader(), table.key
    rule_columns = [k for k in rule.columns if k in columns]  # (the loader allows no other)
    # a row with no first stored value has nothing to report: only the others are looked at (a
    # 5,000-row list's full validation reads the first values of the rows that changed alone)
    having = {k[1] for k in bundle.reported if k[0] == table_key}
    for row_key in (item_keys if len(having) * 4 > len(item_keys) else [k for k in item_keys if k in having]):
        if rule.rows and row_key not in rule.rows:
            continue
        # the changed figures first: ``when`` only decides whether they are reported (p2: most rows
        # have none, and then ``when`` need not be evaluated at all)
        changed = []
        for col_key in rule_columns:
            before = reported((table_key, row_key, col_key))
            if before is not None:
                now = computed((table_key, row_key, col_key))
                if before != now and not _same(before, now):  # equal is the same: the common case first
                    changed.append((col_key, before, now))
        if not changed:
            continue
        original = {k: reported((table_key, row_key, k)) for k in read}
        if when is not None:
            def lookup(name: str, original: dict[str, Any] = original, row_key: str = row_key) -> Any:
                if name in columns:
                    return original[name] if name in original else reported((table_key, row_key, name))
                raise NameError(name)

            try:
                if not when.evaluate(lookup, lambda *a: None, lambda *a: None, lambda n: n in columns, blank=zero):
                    continue
            except Exception:  # noqa: BLE001 - an odd original row simply does not qualify
                continue
        for col_key, before, now in changed:
            shown = "（空白或不是数值）" if now is None else fmt(now)  # (text typed: its own finding says so)
            emit(row_key, col_key, f"原报数为 {fmt(before)}，现为 {shown}，"
                 + (rule.message or "修改企业直报数据须在说明中写明修改依据。"))


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))
    return a == b
