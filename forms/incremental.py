"""审核 again after an edit, touching only what the edited cells can affect.

A full validation (``forms.validation``) keeps its findings grouped by where they came from — a
table's field checks, its unique checks, its reference checks, each rule — and, where the checks
go row by row, by row. After an edit of some cells ``revalidate`` recomputes only the cells those
can change (``forms.compute.recompute``: the edited rows of a row-local list table, every cell of
any other edited table and of the tables that read it), re-runs each group only where it reads a
changed table (just the edited rows for row-by-row checks), keeps the other groups as they were
and puts the findings back in the order a full validation gives. The full validation stays the
reference: a property test compares the two on random edit sequences.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

from forms.compute import CellKey, ComputeContext, ComputedForm, recompute, table_plan
from forms.field_checks import field_checks, reference_checks, unique_checks
from forms.findings import Finding, FindingCollector, Severity, ValidationResult, note_is_acceptable, sort_findings
from forms.rules import Bundle, row_local, rule_reads, run_rule
from forms.spec import FormSpec
from forms.spec_memo import per_spec
from records import field, record, replace

__all__ = ["ValidationIndex", "GroupKey", "build_index", "revalidate", "Recomputed"]

# (table's position in the form, phase: 0 field checks / 1 unique / 2 reference / 3 rule, rule's position)
GroupKey = tuple[int, int, int]
# One group's findings by row (row-by-row checks) or all under None (in the order found).
Group = dict[str | None, list[Finding]]


@record(frozen=True)
class Recomputed:
    """What a re-validation changed after ``previous``: the edited cells (values or 说明), and
    what it computed again — rows of row-local lists and whole tables. A view showing
    ``previous`` repaints just these and the cells whose findings changed."""

    cells: frozenset[CellKey]
    rows: Mapping[str, frozenset[str]]
    tables: frozenset[str]
    previous: Callable[[], ValidationResult | None]  # a weak reference: None once it is gone


@record
class ValidationIndex:
    """What ``revalidate`` needs from the previous result (kept on ``ValidationResult.index``)."""

    groups: dict[GroupKey, Group]
    invalid: set[CellKey]  # cells that failed a field check
    bundle: Bundle
    context: ComputeContext
    unverified: Mapping[str, str]
    recomputed: Recomputed | None = None  # None: everything (a full validation)
    positions: dict[str, dict[str, int]] = field(default_factory=dict)  # table → row key → position


def _group(findings: Sequence[Finding], by_row: bool) -> Group:
    if not by_row:
        return {None: list(findings)} if findings else {}
    out: Group = {}
    for f in findings:
        out.setdefault(f.row, []).append(f)
    return out


class _Groups:
    """Runs checks into their groups: ``run`` calls a check that adds to the collector."""

    def __init__(self, out: FindingCollector, groups: dict[GroupKey, Group]) -> None:
        self.out, self.groups = out, groups

    def run(self, key: GroupKey, by_row: bool, check: Callable[[], None], rows: Collection[str] | None = None) -> None:
        start = len(self.out.findings)
        check()
        found = _group(self.out.findings[start:], by_row)
        if rows is None:
            self.groups[key] = found
        else:
            group = {r: f for r, f in self.groups.get(key, {}).items() if r not in rows}
            group.update(found)
            self.groups[key] = group


@per_spec(cap=64)
def _unverified(reference: Any) -> dict[str, str]:
    """energy → what its unverified coefficient says, once per reference object (u1: asked for every
    report; the reference tables are not changed once loaded, as ``forms.compute`` assumes too)."""
    return {k: c.describe() for k, c in reference.coefficients.items() if not c.verified}


def build_index(form: FormSpec, inputs: Mapping[CellKey, Any], computed: ComputedForm, out: FindingCollector,
                bundle: Bundle, context: ComputeContext) -> ValidationIndex:
    """Run every check of one report into ``out`` (a full validation), grouped for ``revalidate``."""
    tables, rules = _index_plan(form)
    unverified = dict(_unverified(context.reference))
    groups: dict[GroupKey, Group] = {}
    findings = out.findings
    # v1: each check called and grouped here (what ``_Groups.run`` does, without a closure per check)
    for i, table, unique in tables:
        row_keys = computed.list_rows[table.key]
        start = len(findings)
        field_checks(table, inputs, row_keys, out)
        groups[(i, 0, 0)] = _group(findings[start:], True) if len(findings) > start else {}
        start = len(findings)
        if unique:  # (a table without a unique column has no unique check to make)
            unique_checks(table, inputs, row_keys, out)
        groups[(i, 1, 0)] = _group(findings[start:], False) if len(findings) > start else {}
        if table.kind == "grid":
            start = len(findings)
            reference_checks(table, inputs, out, unverified)
            groups[(i, 2, 0)] = _group(findings[start:], False) if len(findings) > start else {}
    for key, rule, table in rules:
        start = len(findings)
        run_rule(rule, form, table, out, bundle)
        groups[key] = _group(findings[start:], row_local(rule)) if len(findings) > start else {}
    return ValidationIndex(groups, out.invalid, bundle, context, unverified)


@per_spec()
def _index_plan(form: FormSpec) -> tuple[list[tuple[int, Any, bool]], list[tuple[GroupKey, Any, Any]]]:
    """What ``build_index`` runs, once per form: each table (its position, itself, whether a
    column of it is unique) and each rule (its group key, itself, its table)."""
    order = {t.key: i for i, t in enumerate(form.tables)}
    tables = [(order[t.key], t, any(c.unique for c in t.columns)) for t in form.tables]
    rules = [((order[r.table], 3, n), r, form.table(r.table)) for n, r in enumerate(form.rules)]
    return tables, rules


def _ordered(form: FormSpec, groups: Mapping[GroupKey, Group], list_rows: Mapping[str, Sequence[str]],
             positions: dict[str, dict[str, int]]) -> list[Finding]:
    """The findings in the order a full validation emits them, then sorted as it sorts them.
    ``positions``: table → row key → position, filled as needed (kept while the rows stay)."""
    found: list[Finding] = []
    for key in sorted(groups):
        group = groups[key]
        if None in group:
            found += group[None]
            continue
        if len(group) == 1:
            found += next(iter(group.values()))
            continue
        table_key = form.tables[key[0]].key
        if table_key not in positions:
            positions[table_key] = {k: i for i, k in enumerate(list_rows.get(table_key, ()))}
        where = positions[table_key]
        for row in sorted(group, key=lambda r: where.get(r, -1)):  # type: ignore[arg-type]
            found += group[row]
    sort_findings(form, found)
    return found


def _explained(groups: dict[GroupKey, Group], notes: Mapping[CellKey, str], cells: Collection[CellKey]) -> None:
    """Warnings on cells whose 说明 changed: explained or not, as a full validation says."""
    for key, group in groups.items():
        if any(f.cell in cells for found in group.values() for f in found):
            groups[key] = {row: [replace(f, explained=f.severity == Severity.WARNING and note_is_acceptable(
                notes.get(f.cell))) if f.cell in cells else f for f in found] for row, found in group.items()}


def revalidate(form: FormSpec, previous: ValidationResult, inputs: Mapping[CellKey, Any],
               notes: Mapping[CellKey, str], list_rows: Mapping[str, Sequence[str]],
               values_changed: Collection[CellKey], notes_changed: Collection[CellKey] = (),
               reported: Mapping[CellKey, Any] | None = None) -> ValidationResult | None:
    """``previous`` validated again after ``values_changed`` and ``notes_changed``; what a full
    ``validate_report`` of the same inputs gives, or None when it cannot be done this way (no
    index, or list rows added, removed or moved: validate fully then).

    ``reported``: the first stored values of the edited cells (they join the previous ones; the
    earlier periods and other forms must not have changed — the caller knows)."""
    index: ValidationIndex | None = previous.index
    before = previous.computed
    if index is None or any(list(list_rows.get(t.key, ())) != before.list_rows.get(t.key)
                            for t in form.tables if t.kind == "list"):
        return None
    plan = table_plan(form)
    known = {t.key for t in form.tables}
    rows: dict[str, set[str]] = {}
    tables: set[str] = set()
    for table_key, row_key, _col in values_changed:
        if table_key not in known:
            continue
        if table_key in plan.row_local:
            rows.setdefault(table_key, set()).add(row_key)
        else:
            tables.add(table_key)
        tables |= plan.readers[table_key]
    for table_key in tables:
        rows.pop(table_key, None)
    computed = recompute(form, inputs, before, rows, tables, index.context)
    changed = tables | set(rows)
    if reported:
        index.bundle.reported.update(reported)  # the previous result is superseded: shared, not copied
    out = FindingCollector(form, computed, notes)
    out.invalid = set(index.invalid)
    groups = dict(index.groups)
    runner = _Groups(out, groups)
    order = {t.key: i for i, t in enumerate(form.tables)}
    for table in form.tables:
        if table.key not in changed:
            continue
        i, row_keys = order[table.key], computed.list_rows[table.key]
        edited = rows.get(table.key)
        if edited is None:
            out.invalid = {k for k in out.invalid if k[0] != table.key}
        else:
            out.invalid = {k for k in out.invalid if k[0] != table.key or k[1] not in edited}
        runner.run((i, 0, 0), True, lambda t=table, r=row_keys, e=edited: field_checks(t, inputs, r, out, e),
                   edited)
        unique = {c.key for c in table.columns if c.unique}
        if unique and (edited is None or any(c[0] == table.key and c[2] in unique for c in values_changed)
                       or any(f.row in edited for f in groups.get((i, 1, 0), {}).get(None, ()))):
            runner.run((i, 1, 0), False, lambda t=table, r=row_keys: unique_checks(t, inputs, r, out))
        if table.kind == "grid":
            runner.run((i, 2, 0), False, lambda t=table: reference_checks(t, inputs, out, index.unverified))
    for n, rule in enumerate(form.rules):
        if not rule_reads(rule) & changed:
            continue
        local = row_local(rule)
        edited = rows.get(rule.table) if local else None
        runner.run((order[rule.table], 3, n), local,
                   lambda r=rule, e=edited: run_rule(r, form, form.table(r.table), out, index.bundle, e), edited)
    if notes_changed:
        _explained(groups, notes, set(notes_changed))
    done = Recomputed(frozenset(values_changed) | frozenset(notes_changed),
                      {k: frozenset(v) for k, v in rows.items()}, frozenset(tables), weakref.ref(previous))
    new_index = ValidationIndex(groups, out.invalid, index.bundle, index.context, index.unverified, done,
                                index.positions)  # the rows are the same
    return ValidationResult(computed, _ordered(form, groups, computed.list_rows, index.positions), new_index)
