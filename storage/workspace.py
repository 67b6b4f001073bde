"""The core API every caller uses (window, headless commands, export, tests).

Ties the form catalogue to the database: open a report, apply an edit (parse → store → audit),
validate it and keep its status. No Qt here; the window calls this through ``ui.operations``.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from forms.catalogue import FormCatalogue
from forms.compute import ComputeContext
from forms.periods import period_year
from forms.spec import FormSpec
from forms.validation import ValidationResult, validate_report
from forms.values import ParsedValue, parse_input
from storage.database import CellKey, Report, ReportData, Store, Township

__all__ = ["Workspace", "EditResult", "STATUSES", "status_for"]

# Report statuses, in the order a report moves through them.
STATUSES = ("未填", "填报中", "有错误", "有警告", "已审核", "已导出")


def status_for(data: ReportData, result: ValidationResult, audited: bool) -> str:
    """The status a report has after an edit (audited=False) or after 审核 (audited=True)."""
    if not data.has_input:
        return "未填"
    if result.count("错误"):
        return "有错误"
    if any(f.severity == "警告" and not f.explained for f in result.findings):
        return "有警告"
    return "已审核" if audited else "填报中"


@dataclass(frozen=True)
class EditResult:
    parsed: ParsedValue
    changed: bool


class Workspace:
    """One database plus the form catalogue, used by one thread."""

    def __init__(self, store: Store, catalogue: FormCatalogue, user: str | None = None) -> None:
        self.store = store
        self.catalogue = catalogue
        self.user = user or _login_name()

    @classmethod
    def open(cls, path: str | Path, *, catalogue: FormCatalogue | None = None, demo: bool = True,
             user: str | None = None) -> Workspace:
        """Open or create the database; a new one gets the township catalogue and the demo."""
        store = Store.open(path)
        workspace = cls(store, catalogue or FormCatalogue.load(), user)
        if not store.townships():
            from storage.demo import create_demo
            from storage.townships import seed_townships

            seed_townships(store)
            if demo:
                create_demo(workspace)
        return workspace

    def close(self) -> None:
        self.store.close()

    # -- lookups -----------------------------------------------------------------------------
    def townships(self) -> list[Township]:
        return self.store.townships()

    def form(self, form_key: str) -> FormSpec:
        return self.catalogue.get(form_key)

    def context(self, period: str) -> ComputeContext:
        return ComputeContext(self.catalogue.reference, period_year(period))

    def open_report(self, township_id: int, form_key: str, period: str) -> ReportData:
        form = self.form(form_key)
        report = self.store.ensure_report(township_id, form_key, form.version, period)
        return self.store.load(report.id)

    def find_report_data(self, township_id: int, form_key: str, period: str) -> ReportData | None:
        report = self.store.find_report(township_id, form_key, period)
        return self.store.load(report.id) if report else None

    def validate(self, data: ReportData) -> ValidationResult:
        """审核 one report, with the other forms it refers to and its own earlier periods."""
        from forms.validation import ReportInput, needs_history, needs_reported, referenced_forms
        from storage.history import earlier_inputs, first_values

        form = self.form(data.report.form_key)
        report, others = data.report, {}
        for key in referenced_forms(form):
            other = self.find_report_data(report.township_id, key, report.period)
            if other is not None:
                others[key] = ReportInput(self.form(key), other.values, other.notes, other.list_rows)
        history = earlier_inputs(self.store, report.township_id, form.key, report.period) if needs_history(form) else {}
        reported = first_values(self.store, report.id) if needs_reported(form) else {}
        return validate_report(form, data.values, data.notes, data.list_rows, self.context(report.period),
                               period=report.period, history=history, others=others, reported=reported)

    def validate_period(self, township_id: int, period: str) -> dict[str, tuple[ReportData, ValidationResult]]:
        """审核 every stored report of one township and period together (the bundle)."""
        from forms.validation import ReportInput, needs_reported, validate_bundle
        from storage.history import earlier_inputs, first_values

        datas = {r.form_key: self.store.load(r.id) for r in self.store.reports_for(township_id, period)
                 if r.form_key in {f.key for f in self.catalogue}}
        inputs = {k: ReportInput(self.form(k), d.values, d.notes, d.list_rows,
                                 earlier_inputs(self.store, township_id, k, period),
                                 first_values(self.store, d.report.id) if needs_reported(self.form(k)) else {})
                  for k, d in datas.items()}
        results = validate_bundle(inputs, self.context(period), period)
        return {k: (datas[k], results[k]) for k in datas}

    def statuses(self, township_id: int, period: str) -> dict[str, str]:
        """Status of every form of the catalogue for one township and period."""
        found = {r.form_key: r.status for r in self.store.reports_for(township_id, period)}
        return {f.key: found.get(f.key, "未填") for f in self.catalogue}

    # -- edits -------------------------------------------------------------------------------
    def edit(self, report_id: int, cell: CellKey, raw: Any, reason: str = "") -> EditResult:
        """Parse what the user typed and store it at once (autosave), audited."""
        report = self.store.get_report(report_id)
        table = self.form(report.form_key).table(cell[0])
        parsed = parse_input(table.column(cell[2]), raw)
        changed = self.store.set_value(report_id, cell, parsed.value, self.user, reason)
        return EditResult(parsed, changed)

    def edit_many(self, report_id: int, cells: list[tuple[CellKey, Any]], reason: str = "") -> list[ParsedValue]:
        """Several edits in one transaction (a paste, an import)."""
        report = self.store.get_report(report_id)
        form = self.form(report.form_key)
        parsed = [parse_input(form.table(c[0]).column(c[2]), raw) for c, raw in cells]
        self.store.set_values(report_id, [(c, p.value) for (c, _), p in zip(cells, parsed)], self.user, reason)
        return parsed

    def set_note(self, report_id: int, cell: CellKey, note: str) -> bool:
        return self.store.set_note(report_id, cell, note, self.user)

    def refresh_status(self, report_id: int, *, audited: bool = False) -> tuple[str, ValidationResult]:
        """Re-validate one report and store its status; 审核 (audited=True) can make it 已审核."""
        data = self.store.load(report_id)
        result = self.validate(data)
        status = status_for(data, result, audited)
        self.store.set_status(report_id, status, validated=audited, who=self.user)
        self.refresh_dependents(data.report)
        return status, result

    def refresh_dependents(self, report: Report) -> list[int]:
        """Re-derive the status of the same township-period's reports whose cross-form rules read
        ``report``'s form (e.g. form 7's coal vs form 1), so an edit here shows there at once.
        An 已审核/已导出 report keeps that status while it stays clean. Returns the reports changed."""
        from forms.validation import referenced_forms

        changed = []
        for other in self.store.reports_for(report.township_id, report.period):
            if other.id == report.id or report.form_key not in referenced_forms(self.form(other.form_key)):
                continue
            data = self.store.load(other.id)
            status = status_for(data, self.validate(data), audited=other.status in ("已审核", "已导出"))
            if status == "已审核" and other.status == "已导出":
                status = "已导出"
            if status != other.status:
                self.store.set_status(other.id, status, who=self.user)
                changed.append(other.id)
        return changed

    def mark_exported(self, report_id: int) -> None:
        self.store.set_status(report_id, "已导出", exported=True, who=self.user)

    def update_profile(self, township_id: int, **profile: str) -> Township:
        return self.store.update_profile(township_id, **profile)

    def report(self, report_id: int) -> Report:
        return self.store.get_report(report_id)

    # -- import (H1) -------------------------------------------------------------------------
    def find_township(self, text: str) -> Township | None:
        """By 统计代码, 区划代码 or exact name."""
        return self.store.find_township(text)

    def township(self, township_id: int) -> Township:
        return self.store.township(township_id)

    def write_import(self, township_id: int, period: str, file_name: str, writes: list[ImportWrite],
                     reason: str) -> tuple[int, dict[str, int]]:
        """Write one import in ONE transaction, logging the township-period's state before it (for
        撤销导入) and one audit row per form. Returns (cells changed, form key → report id); the
        caller refreshes the statuses afterwards."""
        from storage.import_log import audit_import, record_import, snapshot

        store = self.store
        changed = 0
        report_ids: dict[str, int] = {}
        with store.atomic():
            before = snapshot(store, township_id, period)
            record_import(store, township_id, period, file_name, [w.form_key for w in writes], before, self.user)
            for write in writes:
                report = store.ensure_report(township_id, write.form_key, write.form_version, period)
                report_ids[write.form_key] = report.id
                added = {(t, r): store.add_list_row(report.id, t, self.user)
                         for t, rows in write.add_rows.items() for r in rows}

                def real(cell: CellKey, added: dict[tuple[str, str], str] = added) -> CellKey:
                    return (cell[0], added.get((cell[0], cell[1]), cell[1]), cell[2])

                changed += store.set_values(report.id, [(real(c), v) for c, v in write.values], self.user, reason)
                for cell, note in write.notes:
                    changed += store.set_note(report.id, real(cell), note, self.user)
                audit_import(store, report.id, self.user, "import", file_name, reason)
        return changed, report_ids

    def last_import(self, township_id: int | None = None, period: str | None = None) -> ImportRecord | None:
        """The latest import not undone yet (of one township and period, when given)."""
        from storage.import_log import last_import

        return last_import(self.store, township_id, period)

    def undo_import(self, record: ImportRecord) -> list[int]:
        """Restore the state before ``record`` (see storage.import_log.restore), audited."""
        from storage.import_log import restore

        return restore(self.store, record, self.user)


def _login_name() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name on some Windows setups
        return "本机用户"


# -- import (H1): the types of the import methods above (kept here, apart from the rest of the file)
from storage.import_log import ImportRecord, ImportWrite  # noqa: E402
