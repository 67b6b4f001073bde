"""Form version steps applied to stored reports (d3): when a form file raises ``version`` and
declares ``upgrades`` (forms/README.md), every stored report of an older version is brought to
the current layout in ONE transaction, audited, never losing a figure.

* A moved cell's value and 说明 go to the new place: the same report, or the same township's
  report of another form (a form with ``scope: district`` is the district's own: in a district
  database it is the district unit's report, in a township database it does not exist).
* A dropped cell is removed; its value stays in the audit trail (``old``, with the step's note).
* A move that cannot be placed — no district report in a township database, the target already
  holds another value, or several reports moving different values into the one district cell —
  is removed like a drop and its audit line says why: the value stays in the trail.
* Cells no step names stay as they are. A version before the form's first step is taken as it
  is (the behaviour before steps existed): only its version number is raised, audited.
* A report stored by a NEWER form version than this program knows refuses the database
  (``NewerFormVersionError``) before anything is written.

Every audit line is written by ``UPGRADER`` ('upgrade'). No Qt here; the Workspace calls it on open.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from forms.spec import FormSpec, UpgradeStep
from records import field, record
from storage import cell_packs
from storage.database import CellKey, Report, StorageError, Store, now_text

if TYPE_CHECKING:
    from forms.catalogue import FormCatalogue

__all__ = ["UPGRADER", "NewerFormVersionError", "UpgradeSummary", "check_form_versions", "stale_reports",
           "upgrade_reports"]

UPGRADER = "upgrade"


class NewerFormVersionError(StorageError):
    """The database holds reports of a form version newer than this program's."""


@record
class UpgradeSummary:
    """What one upgrade did (all zero when nothing was stale)."""

    reports: int = 0  # reports raised to the current version
    moved: int = 0  # cells placed at their new place
    dropped: int = 0  # cells removed by a drop (value kept in the audit trail)
    unplaced: list[str] = field(default_factory=list)  # moves that could not be placed, why (Chinese)

    def __bool__(self) -> bool:
        return bool(self.reports)


@record
class _Outgoing:
    """A value moving to another report, placed once every stale report has been read."""

    report: Report  # the source report
    form: FormSpec
    source: CellKey
    target_form: str
    target: CellKey
    value: Any
    note: str
    step: UpgradeStep


def _stored_versions(store: Store) -> list[tuple[str, int, int]]:
    """(form key, lowest, highest stored version) per form: one scan, on every open."""
    return list(store.conn.execute("SELECT form_key, MIN(form_version), MAX(form_version) FROM reports"
                                   " GROUP BY form_key ORDER BY form_key"))


def check_form_versions(store: Store, catalogue: FormCatalogue) -> bool:
    """Refuse a database with reports of a newer form version than the catalogue's (nothing
    written); True when some report is of an older version (an upgrade is due)."""
    newer, older = [], False
    for form_key, lowest, highest in _stored_versions(store):
        try:
            form = catalogue.get(form_key)
        except KeyError:
            continue  # a form this program no longer has: left alone
        older = older or lowest < form.version
        if highest > form.version:
            newer.append(f"《{form.name}》（{form.code}）为第{highest}版，本程序为第{form.version}版")
    if newer:
        raise NewerFormVersionError("数据库中的报表由较新版本的程序填报：" + "；".join(newer)
                                    + "。请使用新版程序打开，数据库未改动。")
    return older


def stale_reports(store: Store, catalogue: FormCatalogue) -> list[Report]:
    """Reports of a known form stored by an older version, in id order."""
    found: list[Report] = []
    for form in catalogue.forms:
        rows = store.conn.execute(f"SELECT {store._REPORT_COLUMNS} FROM reports WHERE form_key = ? AND form_version < ?",
                                  (form.key, form.version))
        found += [Report(*r) for r in rows]
    return sorted(found, key=lambda r: r.id)


def upgrade_reports(store: Store, catalogue: FormCatalogue, *, district_unit: int | None = None,
                    who: str = UPGRADER) -> UpgradeSummary:
    """Bring every stale report to its form's current version in ONE transaction (all or nothing).

    ``district_unit``: the township id of the district's own reports (a district database), None
    in a township database (moves into a ``scope: district`` form are then kept in the audit only)."""
    summary = UpgradeSummary()
    if not check_form_versions(store, catalogue):
        return summary
    stale = stale_reports(store, catalogue)
    stamp = now_text()
    with store.atomic():
        outgoing: list[_Outgoing] = []
        for report in stale:
            form = catalogue.get(report.form_key)
            _upgrade_one(store, form, report, outgoing, summary, who, stamp)
        _place(store, catalogue, outgoing, summary, district_unit, who, stamp)
    return summary


def _upgrade_one(store: Store, form: FormSpec, report: Report, outgoing: list[_Outgoing], summary: UpgradeSummary,
                 who: str, stamp: str) -> None:
    """Apply the steps from the report's version (forms.upgrade_steps), then write the difference, audited."""
    from forms.upgrade_steps import apply_steps  # (s1: only when upgrading, not at every open's check)

    stored: dict[CellKey, list[Any]] = {}
    for cell, (value, note) in cell_packs.read_cells(store.conn, report.id).items():
        stored[cell] = [value, note or ""]
    result = apply_steps(form, report.form_version, stored)
    summary.moved += result.moved
    summary.dropped += result.dropped
    summary.unplaced += [f"{report.period} {line}" for line in result.unplaced]
    leaving = {out.source for out in result.outgoing}  # audited with their outcome in _place
    outgoing += [_Outgoing(report, form, o.source, o.target_form, o.target, o.value, o.note, o.step)
                 for o in result.outgoing]
    for cell in sorted(set(stored) | set(result.cells)):
        if cell in leaving and cell not in result.cells:
            continue
        _write_cell(store, report.id, cell, stored.get(cell, [None, ""]), result.cells.get(cell, [None, ""]),
                    result.reasons.get(cell, "表式升级"), who, stamp)
    notes = "；".join(s.note for s in result.steps) or "表式格式升级，数据不变"
    store.conn.execute("UPDATE reports SET form_version = ?, updated_at = ? WHERE id = ?",
                       (form.version, stamp, report.id))
    store.conn.execute("INSERT INTO audit (at, who, report_id, field, old, new, reason)"
                       " VALUES (?, ?, ?, 'form_version', ?, ?, ?)",
                       (stamp, who, report.id, report.form_version, form.version, f"表式升级：{notes}"))
    summary.reports += 1


def _write_cell(store: Store, report_id: int, cell: CellKey, before: list[Any], after: list[Any], reason: str,
                who: str, stamp: str) -> None:
    """One cell's value and 说明 as ``after``, each change audited; a cell emptied loses its first value."""
    changed = False
    if before[0] != after[0] or type(before[0]) is not type(after[0]):
        changed |= store._write(report_id, cell, "value", after[0], who, stamp, reason)
    if (before[1] or "") != (after[1] or ""):
        changed |= store._write(report_id, cell, "note", after[1] or "", who, stamp, reason)
    if changed and after[0] is None:
        store.conn.execute("DELETE FROM first_values WHERE report_id = ? AND table_key = ? AND row_key = ?"
                           " AND col_key = ?", (report_id, *cell))


def _same_key(value: Any) -> Any:
    """Two moved values that are the same figure (12 and 12.0) agree; text only with the same text."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return ("number", float(value))
    return (type(value).__name__, value)


def _place(store: Store, catalogue: FormCatalogue, outgoing: list[_Outgoing], summary: UpgradeSummary,
           district_unit: int | None, who: str, stamp: str) -> None:
    """Place the values moving to other reports: a target gets a value when every move into it
    agrees and it is blank (or holds that value); otherwise each source keeps its value in the trail."""
    from forms.upgrade_steps import step_head

    groups: dict[tuple[int | None, str, str, CellKey], list[_Outgoing]] = defaultdict(list)
    for out in outgoing:
        target_form = catalogue.get(out.target_form)
        owner = district_unit if target_form.scope == "district" else out.report.township_id
        groups[(owner, out.target_form, out.report.period, out.target)].append(out)
    for (owner, form_key, period, target), moves in groups.items():
        target_form = catalogue.get(form_key)
        where = f"《{target_form.name}》{'.'.join(target)}"
        values = {_same_key(m.value) for m in moves}
        problem = None
        report = None
        if owner is None:
            problem = f"{where}为区级指标，由区里在区级库中填报；镇街库不保存，原值保留在本记录中"
        elif len(values) > 1:
            problem = f"移入{where}的数值不一致（{len(moves)}份报表），未移入，请由数据来源部门填报；原值保留在本记录中"
        else:
            report = store.find_report(owner, form_key, period)
            current = store._current(report.id, target) if report else None
            if current is not None and current[0] is not None and current[0] != moves[0].value:
                problem = f"{where}已有数值 {current[0]}，未移入；原值保留在本记录中"
        for m in moves:
            head = step_head(m.step)
            reason = f"{head}：{problem}" if problem else f"{head}：移至{where}"
            if problem:
                summary.unplaced.append(f"{m.form.code} {period} {'.'.join(m.source)}：{problem}")
            _write_cell(store, m.report.id, m.source, [m.value, m.note], [None, ""], reason, who, stamp)
        if problem:
            continue
        if report is None:
            report = store.ensure_report(owner, form_key, target_form.version, period)
        current = store._current(report.id, target) or (None, "")
        notes = [n for n in dict.fromkeys(m.note for m in moves) if n]
        note = current[1] or "；".join(notes)
        sources = "、".join(dict.fromkeys(f"{m.form.code} {'.'.join(m.source)}" for m in moves))
        _write_cell(store, report.id, target, [current[0], current[1]], [moves[0].value, note],
                    f"表式升级：由{sources}移入", who, stamp)
        summary.moved += len(moves)
