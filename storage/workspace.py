"""The core API every caller uses (window, headless commands, export, tests).

Ties the form catalogue to the database: open a report, apply an edit (parse → store → audit),
validate it and keep its status — and the statuses of the forms whose rules read it. Every change
returns a ``Changes`` saying what it touched; the window refreshes from that and never reaches
the database by itself. No Qt here.
"""

from __future__ import annotations

import functools
import getpass
import sqlite3
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from forms.catalogue import FormCatalogue
from forms.compute_context import ComputeContext
from forms.findings import ValidationResult
from forms.periods import period_year
from forms.spec import FormSpec
from records import record
from storage.changes import Changes, ReportState
from storage.database import CellKey, LazyReportData, Report, ReportData, StorageError, Store, Township
from storage.report_status import STATUSES, ReportStatus, rederived_status, status_for
from user_error import UserError

__all__ = ["Workspace", "EditResult", "STATUSES", "ReportStatus", "status_for", "Changes", "ReportState", "PeriodLockedError"]


# s1: the validation engine (forms.validation, forms.compute, the formula parser) and the input
# parser (forms.values, imported by the edit methods) are imported when first used: a command
# whose validations are all kept needs neither.
def validate_report(*args: Any, **kwargs: Any) -> ValidationResult:
    from forms.validation import validate_report as validate

    return validate(*args, **kwargs)


T = TypeVar("T")
KEPT_VALIDATIONS = 32  # reports whose last validation is kept for the next edit or look


class PeriodLockedError(UserError):
    """An edit in a locked (submitted) period without a reason, or an unlock without one."""


@record(frozen=True)
class EditResult:
    parsed: ParsedValue
    changed: bool


def _copy(data: ReportData, report: Report) -> ReportData:
    """A copy of a report's data to change in memory (the caller's copy stays as it was)."""
    # (``dict.copy``: a dict with holes — cells cleared — is copied by ``dict(…)`` key by key, ≈ 6× slower)
    return ReportData(report, _dict_copy(data.values), _dict_copy(data.notes),
                      {k: list(v) for k, v in data.list_rows.items()})


def _dict_copy(values: Mapping[CellKey, Any]) -> dict[CellKey, Any]:
    return values.copy() if type(values) is dict else dict(values)


def _writes_report(method: Callable[..., T]) -> Callable[..., T]:
    """Attributes the rows a Workspace method changes to its report (the first argument), so the
    validations of reports that do not read it stay valid (see ``Workspace._unchanged_for``)."""

    @functools.wraps(method)
    def attributed(self: Workspace, report_id: int, *args: Any, **kwargs: Any) -> T:
        try:
            report: Report | None = self.store.get_report(report_id)
        except Exception:  # noqa: BLE001 - the method itself says what is wrong
            report = None
        start = self.store.conn.total_changes
        try:
            return method(self, report_id, *args, **kwargs)
        finally:
            self._attributed(start, report)
    return attributed


def _reads(form: FormSpec, reader: Report, written: Report) -> bool:
    """Whether validating ``reader`` (of ``form``) reads ``written``: itself, a form of the same
    township and period its rules name, or its own form in an earlier period."""
    from forms.validation import referenced_forms

    if written.id == reader.id:
        return True
    if written.township_id != reader.township_id:
        return False
    if written.period == reader.period:
        return written.form_key in referenced_forms(form)
    return written.form_key == reader.form_key and written.period < reader.period


class Workspace:
    """One database plus the form catalogue, used by one thread."""

    # r4: ``open_state(defer=True)`` validates a report of this many stored values or more off the
    # window's thread (about 700 enterprises: below, validating takes less than ~50 ms)
    DEFER_VALIDATION_FROM = 10_000

    def __init__(self, store: Store, catalogue: FormCatalogue, user: str | None = None) -> None:
        self.store = store
        self.catalogue = catalogue
        self.user = user or _login_name()
        # The last validation of each report, to re-validate only what an edit can affect.
        self._validated: dict[int, _Validated] = {}
        # This connection's writes, attributed: (total changes before, after, the report written).
        self._writes: list[tuple[int, int, Report | None]] = []
        self._opened: dict[int, ReportData] = {}  # the reports as open_state last read them
        # r4: reports shown before validating them: (change marks then, the data shown, its cache marker)
        self._pending: dict[int, tuple[tuple[int, int], ReportData, str]] = {}
        self.task_package = ""  # s8: the installed 任务参数 package's label ("" = built-in catalogue)

    @classmethod
    def open(cls, path: str | Path, *, catalogue: FormCatalogue | None = None, demo: bool = True,
             user: str | None = None, readonly: bool = False, check: bool = False,
             allow_new: bool = True) -> Workspace:
        """Open or create the database; a new one gets the township catalogue and the demo.

        ``readonly``/``check``/``allow_new``: see ``Store.open`` (the commands use them)."""
        store = Store.open(path, readonly=readonly, check=check, allow_new=allow_new)
        label = ""
        if catalogue is None:  # s8: the installed 任务参数 package, else the built-in catalogue
            try:
                catalogue, label = _task_catalogue(store)
            except BaseException:
                store.close()
                raise
        workspace = cls(store, catalogue, user)
        workspace.task_package = label
        workspace = workspace._forms_up_to_date()  # d3: reports of an older form version upgraded
        if not store.readonly and not store.townships():
            from storage.demo import create_demo
            from storage.townships import seed_townships

            seed_townships(store)
            if demo:
                create_demo(workspace)
        return workspace

    def close(self) -> None:
        try:
            self._keep_for_next_session()
        except Exception:  # noqa: BLE001 - only a head start for the next session: closing goes on
            pass
        self.store.close()

    def _keep_for_next_session(self) -> None:
        """Keep the findings of the reports this session validated as stored and left unchanged since
        (e.g. a report edited here), so the next session opens them without validating them again."""
        from forms.validation_kept import KeptResult
        from storage import validation_cache

        if self.store.readonly:
            return
        current = [seen for seen in self._validated.values() if seen.stored and seen.result.index is not None
                   and not isinstance(seen.result, KeptResult) and self._unchanged_for(seen)]
        wanted: dict[int, tuple[str, list[Finding]]] = {}
        for township_id in {seen.data.report.township_id for seen in current}:
            mine = [seen for seen in current if seen.data.report.township_id == township_id]
            markers = self._markers(township_id, [seen.data.report for seen in mine])
            have = validation_cache.kept_findings(self.store, markers)
            wanted.update((seen.data.report.id, (markers[seen.data.report.id], seen.result.findings))
                          for seen in mine if seen.data.report.id not in have)
        validation_cache.keep_findings(self.store, wanted)

    # -- lookups -----------------------------------------------------------------------------
    def townships(self) -> list[Township]:
        return self.store.townships()

    def township(self, township_id: int) -> Township:
        return self.store.township(township_id)

    def form(self, form_key: str) -> FormSpec:
        return self.catalogue.get(form_key)

    @property
    def path(self) -> Path:
        """The database file (background operations open their own Workspace on it)."""
        return Path(self.store.path)

    @property
    def closed(self) -> bool:
        """Closed (the window closed or opened another database): a later result is not applied."""
        return self.store.closed

    def load(self, report_id: int) -> ReportData:
        return self.store.load(report_id)

    def report_state(self, report_id: int) -> ReportState:
        """The report as stored, validated, with its stored status (nothing is written)."""
        data = self.store.load(report_id)
        return ReportState(data, self.validate(data), data.report.status)

    def period_names(self, township_id: int) -> list[str]:
        """The township's stored periods, newest first."""
        return self.store.periods(township_id)

    def period_infos(self, township_id: int) -> list[PeriodInfo]:
        """Every period of the township, newest first, with lock state and report statuses."""
        from storage.periods_store import list_periods

        return list_periods(self.store, township_id)

    def period_locked(self, township_id: int, period: str) -> bool:
        """A locked (submitted) period: edits need a reason."""
        from storage.periods_store import is_locked

        return is_locked(self.store, township_id, period)

    def needs_reason(self, report_id: int) -> bool:
        """Whether an edit of this report must carry a reason (its period is locked)."""
        report = self.store.get_report(report_id)
        return self.period_locked(report.township_id, report.period)

    def context(self, period: str) -> ComputeContext:
        return ComputeContext(self.catalogue.reference, period_year(period))

    def open_report(self, township_id: int, form_key: str, period: str) -> ReportData:
        form = self.form(form_key)
        report = self.store.ensure_report(township_id, form_key, form.version, period)
        return self.store.load(report.id)

    def open_state(self, township_id: int, form_key: str, period: str, *, defer: bool = False) -> ReportState:
        """Open (creating if needed) a report to show it: as stored, validated, with its status.

        A report an earlier session validated, unchanged since with everything its rules read, shows
        the findings kept then (``storage.validation_cache``) without validating it again; its
        computed values are computed as the view asks for them. Otherwise it is validated here and
        (in a session that writes) its findings are kept for the next session.

        ``defer`` (r4, the window): such a report holding at least ``DEFER_VALIDATION_FROM`` values
        (where validating it takes a noticeable time) is not validated here; its result is a
        ``PendingResult`` and the caller validates it elsewhere and hands the result to
        ``adopt_validation``."""
        from forms.compute import compute_form
        from forms.validation import KeptResult
        from storage import validation_cache

        form = self.form(form_key)
        report = self.store.ensure_report(township_id, form_key, form.version, period)
        markers = self._markers(township_id, [report])  # (read before the report: see _markers)
        found = validation_cache.kept_findings(self.store, markers)
        data = self.store.load(report.id)
        seen = self._validated.get(report.id)
        if report.id in found and (seen is None or isinstance(seen.result, KeptResult)):
            self._opened[report.id] = data  # (validated once painted: see ``validate``)
            result: ValidationResult = KeptResult(found[report.id], functools.partial(
                compute_form, form, data.values, data.list_rows, self.context(period)))
            return ReportState(data, result, data.report.status)
        self._opened[report.id] = data  # just read: validated, it is the report as stored
        if defer and len(data.values) >= self.DEFER_VALIDATION_FROM and report.id not in found and not (
                seen is not None and not isinstance(seen.result, KeptResult) and self._unchanged_for(seen)
                and _same_contents(seen.data, data)):  # (else ``validate`` has it at once)
            from forms.validation import PendingResult

            self._pending[report.id] = (self._token(), data, markers[report.id])
            return ReportState(data, PendingResult(functools.partial(
                compute_form, form, data.values, data.list_rows, self.context(period))), data.report.status)
        result = self.validate(data)
        if report.id not in found:
            start = self.store.conn.total_changes
            validation_cache.keep_findings(self.store, {report.id: (markers[report.id], result.findings)})
            self._attributed(start, _STATUS_ONLY)
        return ReportState(data, result, data.report.status)

    def find_report_data(self, township_id: int, form_key: str, period: str) -> ReportData | None:
        report = self.store.find_report(township_id, form_key, period)
        return self.store.load(report.id) if report else None

    def find_report_lazily(self, township_id: int, form_key: str, period: str) -> LazyReportData | None:
        """``find_report_data`` read on first use (y4, issue 16: the import preview compares the
        file with the values by column, ``input_values``, and makes the cell dict only if they differ)."""
        report = self.store.find_report(township_id, form_key, period)
        return LazyReportData(report, self.store) if report else None

    def cell_history(self, report_id: int, cell: CellKey) -> list[PeriodValue]:
        """The cell in every period (of the same kind) up to this report's, oldest first."""
        from storage.cell_history import cell_history

        return cell_history(self, report_id, cell)

    def cell_changes(self, report_id: int, cell: CellKey) -> list[dict[str, Any]]:
        """Who changed the cell (value or 说明), when, from what to what, and why; oldest first."""
        return self.store.audit(report_id, cell)

    def validate(self, data: ReportData) -> ValidationResult:
        """审核 one report, with the other forms it refers to and its own earlier periods.

        Nothing written since this report was last validated with the same contents: that result."""
        from forms.validation import KeptResult

        token = self._token()
        seen = self._validated.get(data.report.id)
        # (findings kept by an earlier session serve ``validate_period``; here a result that can
        # re-validate an edit incrementally is wanted)
        if (seen is not None and not isinstance(seen.result, KeptResult) and self._unchanged_for(seen)
                and _same_contents(seen.data, data)):
            seen.data, seen.rows, seen.token = data, _rows_of(data), token  # edits now start from ``data``
            return seen.result
        result = self._validate_fully(data)
        # a report as ``open_state`` read it is known to be as stored: its edits keep it so (the
        # incremental results inherit ``stored``), and closing keeps their findings for the next session
        self._keep(_Validated(data, result, token, _rows_of(data), self._opened.get(data.report.id) is data))
        return result

    def _validate_fully(self, data: ReportData) -> ValidationResult:
        from forms.validation import ReportInput, needs_history, needs_reported, referenced_forms
        from storage.history import earlier_inputs

        form = self.form(data.report.form_key)
        report, others = data.report, {}
        for key in referenced_forms(form):
            other = self.find_report_data(report.township_id, key, report.period)
            if other is not None:
                others[key] = ReportInput(self.form(key), other.values, other.notes, other.list_rows)
        history = earlier_inputs(self.store, report.township_id, form.key, report.period) if needs_history(form) else {}
        reported = _first_values_read(self.store, form, report.id) if needs_reported(form) else {}
        return validate_report(form, data.values, data.notes, data.list_rows, self.context(report.period),
                               period=report.period, history=history, others=others, reported=reported)

    def _token(self) -> tuple[int, int]:
        """Changes since: this connection's row changes and other connections' commits."""
        return self.store.conn.total_changes, self.store.conn.execute("PRAGMA data_version").fetchone()[0]

    def _unchanged_for(self, seen: _Validated) -> bool:
        """Whether what ``seen``'s validation read is as it was: no other connection committed,
        and every row this one changed since was written for a report it does not read."""
        total, version = self._token()
        if version != seen.token[1]:
            return False
        mark = seen.token[0]
        for start, end, report in self._writes:
            if end <= mark or mark == total:
                continue
            if start != mark or report is None or (report is not _STATUS_ONLY and _reads(
                    self.form(seen.data.report.form_key), seen.data.report, report)):
                return False
            mark = end
        return mark == total

    def _keep(self, seen: _Validated) -> None:
        """Remember a validation; the least recently validated go first beyond ``KEPT_VALIDATIONS``
        (a district batch validates thousands of reports)."""
        self._validated.pop(seen.data.report.id, None)
        self._validated[seen.data.report.id] = seen
        while len(self._validated) > KEPT_VALIDATIONS:
            del self._validated[next(iter(self._validated))]

    def _attributed(self, start: int, report: Report | None) -> None:
        end = self.store.conn.total_changes
        if end != start:
            self._writes.append((start, end, report))
            del self._writes[:-500]  # older marks are not needed: a validation that old is validated again

    def _previous(self, report_id: int, base: ReportData | None) -> _Validated | None:
        """The last validation of ``base`` when nothing has been written since (then only what an
        edit changes needs validating again), else None."""
        seen = self._validated.get(report_id)
        # ``base`` may be another object with the same contents: a dependent form re-validated after
        # an edit of the form it reads keeps the freshly loaded copy, while the window holds its own
        if (base is None or seen is None or not _same_contents(seen.data, base) or not self._unchanged_for(seen)
                or seen.rows_validated() != _rows_of(base)):
            return None
        return seen

    def _validate_change(self, data: ReportData, previous: _Validated | None, cells: frozenset[CellKey],
                         notes: frozenset[CellKey]) -> ValidationResult:
        """The report validated after an edit of ``cells`` (values) / ``notes`` (说明): only what
        they affect when ``previous`` is the validation before the edit, else in full."""
        if previous is not None:
            from forms.incremental import revalidate
            from forms.validation import needs_reported
            from storage.history import first_values

            form = self.form(data.report.form_key)
            values = cells - notes
            # the edited rows' first values that the rule reads (a full validation read only the rows
            # that had changed: ``_first_values_read``)
            reported = first_values(self.store, data.report.id, _with_rows_read(form, values)) \
                if needs_reported(form) else None
            token = self._token()
            result = revalidate(form, previous.result, data.values, data.notes, data.list_rows, values, notes,
                                reported)
            if result is not None:  # as stored when the previous one was (the edit was stored as applied)
                self._keep(_Validated(data, result, token, _rows_of(data), previous.stored))
                return result
        return self.validate(data)

    def validate_period(self, township_id: int, period: str, *, leave_out: str | None = None,
                        available_only: bool = False, known: dict[int, Any] | None = None,
                        given: Mapping[str, list[Finding]] | None = None,
                        ) -> dict[str, tuple[ReportData, ValidationResult]]:
        """审核 every stored report of one township and period together (the bundle).

        ``leave_out`` (r4, the findings panel): a form key not validated nor returned (the window
        shows that report's own state); the others still read it where their rules do.
        ``available_only`` (r4): validate nothing; only the reports validated already (this session,
        or kept by an earlier one and unchanged since). ``known`` (u3, the intake): report id → its
        (values, 说明, list rows) exactly as ``Store.load`` would read them now (not read again).
        ``given`` (y3, the intake): form key → findings made elsewhere exactly as validating here
        would make them (``_checked_exactly``): kept as validated, when they cover every report to
        validate (their computed values computed when first asked for)."""
        from forms.validation_kept import KeptResult, needs_history, needs_reported, referenced_forms
        from storage import validation_cache

        token = self._token()
        forms = {f.key for f in self.catalogue}
        reports = [r for r in self.store.reports_for(township_id, period) if r.form_key in forms]
        kept = {r.form_key: (seen, r) for r in reports if (seen := self._validated.get(r.id)) is not None
                and seen.stored and self._unchanged_for(seen)}
        if all(r.form_key in kept or r.form_key == leave_out for r in reports):  # nothing written since
            return {k: (_as_of(seen.data, r), seen.result) for k, (seen, r) in kept.items() if k != leave_out}
        revisions = validation_cache.revisions(self.store, township_id)
        markers = self._markers(township_id, reports, revisions)  # (read before the reports: see _markers)
        found = validation_cache.kept_findings(self.store, markers)
        # r4: each report is read only when something uses its contents (validated here, read by a
        # form validated here, its computed values, a caller): a kept period reads none
        known = known or {}
        datas: dict[str, ReportData] = {r.form_key: LazyReportData(r, self.store, contents=known.get(r.id))
                                        for r in reports}
        context = self.context(period)
        # each report validated by an earlier session, with nothing it reads changed since: its findings
        results: dict[str, ValidationResult] = {k: KeptResult(found[d.report.id], functools.partial(
            _compute_contents, self.form(k), d, context)) for k, d in datas.items()
            if d.report.id in found and k != leave_out}
        for k, result in results.items():  # (for this session's next validate_period; ``validate`` skips them)
            self._keep(_Validated(datas[k], result, token, None, True))
        again = {k for k in datas if k not in results and k != leave_out and not available_only}
        if again and given is not None and again <= given.keys():
            fresh: dict[str, ValidationResult] = {k: KeptResult(given[k], functools.partial(
                _compute_contents, self.form(k), datas[k], context)) for k in again}
        elif again:
            from forms.validation import ReportInput, validate_bundle  # (s1: the engine only here)
            from gc_pause import gc_paused
            from storage.history import earlier_inputs

            # r4: only the reports validated and those their rules read (the others are not computed)
            wanted = again | {ref for k in again for ref in referenced_forms(self.form(k))}
            earlier = {key for key, p in revisions if p < period}  # (u4: forms with no earlier report read nothing)
            with gc_paused():  # the reports read and validated: ~200,000 new objects at 5,000 rows, no cycle
                inputs = {k: ReportInput(self.form(k), d.input_values, d.notes, d.list_rows,  # (by column: issue 16)
                                         earlier_inputs(self.store, township_id, k, period)
                                         if k in again and k in earlier and needs_history(self.form(k))
                                         else {},  # read only by vs-last-period / vs-history rules
                                         _first_values_read(self.store, self.form(k), d.report.id, d.input_values)
                                         if k in again and needs_reported(self.form(k)) else {})
                          for k, d in datas.items() if k in wanted}
                fresh = validate_bundle(inputs, context, period, only=again)
        if again:
            for k in again:  # the same as validating each alone (rules read only the forms they name)
                self._keep(_Validated(datas[k], fresh[k], token, _rows_of(datas[k]), True))
            start = self.store.conn.total_changes
            validation_cache.keep_findings(self.store, {datas[k].report.id: (markers[datas[k].report.id],
                                                                               fresh[k].findings) for k in again})
            self._attributed(start, _STATUS_ONLY)  # read by no validation: the ones just kept stay valid
            results.update(fresh)
        return {k: (datas[k], results[k]) for k in datas if k != leave_out and k in results}

    def _markers(self, township_id: int, reports: list[Report],
                 known: dict[tuple[str, str], tuple[int, int]] | None = None) -> dict[int, str]:
        """report id → the marker of what validating it reads now (``storage.validation_cache``).
        Read before the reports themselves: a change committed in between gives a marker that is
        older than the data validated, which no later look-up asks for (revisions only grow).
        ``known``: ``validation_cache.revisions`` of the township just read (None: read here)."""
        from forms.validation_kept import needs_history, referenced_forms
        from storage import validation_cache

        if known is None:
            known = validation_cache.revisions(self.store, township_id)
        mark = validation_cache.fingerprint(self.catalogue)
        return {r.id: validation_cache.marker(r, mark, referenced_forms(self.form(r.form_key)),
                                              needs_history(self.form(r.form_key)), known) for r in reports}

    def statuses(self, township_id: int, period: str) -> dict[str, str]:
        """Status of every form of the catalogue for one township and period."""
        found = {r.form_key: r.status for r in self.store.reports_for(township_id, period)}
        return {f.key: found.get(f.key, "未填") for f in self.catalogue}

    # -- edits -------------------------------------------------------------------------------
    @_writes_report
    def edit(self, report_id: int, cell: CellKey, raw: Any, reason: str = "") -> EditResult:
        """Parse what the user typed and store it at once (autosave), audited."""
        from forms.values import parse_input

        report = self.store.get_report(report_id)
        table = self.form(report.form_key).table(cell[0])
        parsed = parse_input(table.column(cell[2]), raw)
        changed = self.store.set_value(report_id, cell, parsed.value, self.user, reason)
        return EditResult(parsed, changed)

    @_writes_report
    def edit_many(self, report_id: int, cells: list[tuple[CellKey, Any]], reason: str = "") -> list[ParsedValue]:
        """Several edits in one transaction (a paste, an import)."""
        from forms.values import parse_input

        report = self.store.get_report(report_id)
        form = self.form(report.form_key)
        parsed = [parse_input(form.table(c[0]).column(c[2]), raw) for c, raw in cells]
        self.store.set_values(report_id, [(c, p.value) for (c, _), p in zip(cells, parsed)], self.user, reason)
        return parsed

    @_writes_report
    def change_cells(self, report_id: int, cells: list[tuple[CellKey, Any]], reason: str = "", *,
                     locked_reason: str | None = None, base: ReportData | None = None) -> Changes:
        """An edit, paste or clear from the window: parse and store raw values in one transaction,
        re-validate, store the report's status and re-derive the forms that read it.

        In a locked period ``locked_reason`` is required (``PeriodLockedError`` otherwise) and goes
        into the audit. ``base`` is the report as the caller holds it: the new values are applied
        to a copy of it instead of re-reading the report (an edit stays well under a frame)."""
        from forms.values import parse_input

        report = self.store.get_report(report_id)
        reason = self._reason(report, reason, locked_reason)
        form = self.form(report.form_key)
        parsed = [parse_input(form.table(c[0]).column(c[2]), raw) for c, raw in cells]
        previous = self._previous(report_id, base)
        values = [(c, p.value) for (c, _), p in zip(cells, parsed)]

        def after() -> Changes:
            if base is None:
                data = self.store.load(report_id)
            else:
                data = _copy(base, report)
                for cell, value in values:
                    if value is None:
                        data.values.pop(cell, None)
                    else:
                        data.values[cell] = value
            return self._after_change(data, frozenset(c for c, _ in cells), parsed=tuple(parsed), previous=previous)
        return self._in_one_commit(lambda: self.store.set_values(report_id, values, self.user, reason), after)

    @_writes_report
    def set_note(self, report_id: int, cell: CellKey, note: str, *, enforce_lock: bool = False,
                 locked_reason: str | None = None, base: ReportData | None = None) -> Changes:
        """Store the 说明 of a cell (e.g. explaining a 警告) and re-validate; true when it changed.

        With ``enforce_lock`` (the grid) a locked period needs ``locked_reason`` like an edit;
        ``base`` as in ``change_cells``."""
        report = self.store.get_report(report_id)
        reason = self._reason(report, "", locked_reason) if enforce_lock else ""
        previous = self._previous(report_id, base)
        changed = [False]

        def write() -> None:
            changed[0] = self.store.set_note(report_id, cell, note, self.user, reason)

        def after() -> Changes:
            if base is None:
                data = self.store.load(report_id)
            else:
                data = _copy(base, report)
                if note.strip():
                    data.notes[cell] = note.strip()
                else:
                    data.notes.pop(cell, None)
            cells = frozenset({cell}) if changed[0] else frozenset()
            return self._after_change(data, cells, previous=previous, notes=cells)
        return self._in_one_commit(write, after)

    def _in_one_commit(self, write: Callable[[], object], after: Callable[[], Changes]) -> Changes:
        """``write`` (an edit's values or 说明), then ``after`` (its validation and the statuses it
        gives) in ONE transaction: one commit — one fsync, ≈ 4 ms here — per edit, not two (r28).
        A failed write undoes it all and says so (``StorageError``); anything else that fails in
        ``after`` (a validation bug) must not cost the clerk the edit: it is committed, then raised."""
        failure: Exception | None = None
        with self.store.atomic():
            write()
            try:
                return after()
            except (StorageError, sqlite3.Error):  # a write failed: the transaction is undone
                raise
            except Exception as exc:  # noqa: BLE001 - raised below, once the edit is committed
                failure = exc
        assert failure is not None
        raise failure

    def _reason(self, report: Report, reason: str, locked_reason: str | None) -> str:
        """The audit reason of an edit; in a locked period it must say why (asked from the user)."""
        if not self.period_locked(report.township_id, report.period):
            return reason
        from storage.periods_store import LOCKED_REASON_PREFIX

        if not locked_reason or not locked_reason.strip():
            raise PeriodLockedError("该报告期已锁定（已上报）：未填写修改原因，修改未保存。")
        locked = LOCKED_REASON_PREFIX + locked_reason.strip()
        return f"{reason}；{locked}" if reason else locked

    def _after_change(self, data: ReportData, cells: frozenset[CellKey], *, rows: bool = False,
                      store_status: bool = True, previous: _Validated | None = None,
                      notes: frozenset[CellKey] = frozenset(), **extra: Any) -> Changes:
        """Validate the changed report (only what changed when ``previous`` is its validation
        before the change: see ``_validate_change``), store its new status (only when it changes)
        and the new statuses of the forms whose cross-form rules read it; the ``Changes`` of it all."""
        result = self._validate_change(data, previous, cells, notes) if cells else self.validate(data)
        statuses: dict[int, str] = {}
        status = data.report.status
        if store_status:
            status = status_for(data, result, False)
            if status != data.report.status:
                self.store.set_status(data.report.id, status, who=self.user)
                statuses[data.report.id] = status
            if cells or rows:
                statuses.update(self._refresh_dependents(data.report))
        seen = self._validated.get(data.report.id)
        if seen is not None and seen.data is data:
            seen.token = self._token()  # only statuses were written since: still this report's validation
        return Changes(data.report.id, cells, rows, statuses, state=ReportState(data, result, status), **extra)

    # -- list tables -------------------------------------------------------------------------
    @_writes_report
    def add_list_row(self, report_id: int, table_key: str, count: int = 1) -> Changes:
        """Append ``count`` empty rows to a list table in one transaction (a paste makes room this
        way); ``Changes.row_keys`` are their stable keys. An empty row changes no status."""
        with self.store.atomic():
            row_keys = tuple(self.store.add_list_rows(report_id, table_key, count, self.user))
        return self._after_change(self.store.load(report_id), frozenset(), rows=True, store_status=False,
                                  row_keys=row_keys)

    @_writes_report
    def remove_list_row(self, report_id: int, table_key: str, row_key: str) -> Changes:
        """Delete a list-table row and its values; statuses are re-derived."""
        self.store.remove_list_row(report_id, table_key, row_key, self.user)
        return self._after_change(self.store.load(report_id), frozenset(), rows=True)

    @_writes_report
    def move_list_row(self, report_id: int, table_key: str, row_key: str, offset: int) -> Changes:
        """Move a row ``offset`` places; no change (false) when it is already at that end."""
        from storage.list_ops import move_list_row

        if not move_list_row(self.store, report_id, table_key, row_key, offset, self.user):
            return Changes(report_id)
        return self._after_change(self.store.load(report_id), frozenset(), rows=True, store_status=False)

    @_writes_report
    def copy_previous_rows(self, report_id: int, table_key: str) -> Changes:
        """复制上期: last period's rows (names, codes) without figures; ``Changes.count`` says how many."""
        from storage.list_ops import copy_previous_rows

        report = self.store.get_report(report_id)
        added = copy_previous_rows(self.store, report_id, self.form(report.form_key).table(table_key), self.user)
        if not added:
            return Changes(report_id)
        return self._after_change(self.store.load(report_id), frozenset(), rows=True, count=added)

    # -- periods -----------------------------------------------------------------------------
    def create_next_period(self, township_id: int, after: str) -> Changes:
        """Create (idempotently) the period following ``after``; ``Changes.period`` names it."""
        from storage.periods_store import create_next_period

        return Changes(periods=True, period=create_next_period(self.store, township_id, after))

    def set_period_locked(self, township_id: int, period: str, locked: bool, reason: str = "") -> Changes:
        """Lock a period once submitted, or unlock it (which needs a reason, kept in the audit)."""
        from storage.periods_store import set_locked

        if not locked and not reason.strip():
            raise PeriodLockedError("解锁报告期须填写原因")
        set_locked(self.store, township_id, period, locked, self.user, reason.strip() or "上报后锁定")
        return Changes(periods=True, period=period)

    def refresh_status(self, report_id: int, *, audited: bool = False) -> tuple[str, ValidationResult]:
        """Re-validate one report and store its status; 审核 (audited=True) can make it 已审核."""
        changes = self.revalidate(report_id, audited=audited)
        assert changes.state is not None
        return changes.state.status, changes.state.result

    def revalidate(self, report_id: int, *, audited: bool = False) -> Changes:
        """Re-validate one report and store its status (and its dependents')."""
        data = self.store.load(report_id)
        result = self.validate(data)
        status = status_for(data, result, audited)
        self.store.set_status(report_id, status, validated=audited, who=self.user)
        statuses = {report_id: status} if status != data.report.status else {}
        statuses.update(self._refresh_dependents(data.report))
        return Changes(report_id, statuses=statuses, state=ReportState(data, result, status))

    def audit_report(self, report_id: int) -> Changes:
        """审核: validate and store the status; 已审核 when nothing blocks."""
        return self.revalidate(report_id, audited=True)

    def refresh_dependents(self, report: Report) -> list[int]:
        """Re-derive the status of the reports whose cross-form rules read ``report``'s form;
        returns the reports changed."""
        return list(self._refresh_dependents(report))

    def _refresh_dependents(self, report: Report) -> dict[int, str]:
        """Re-derive the status of the same township-period's reports whose cross-form rules read
        ``report``'s form (e.g. form 7's coal vs form 1), so an edit here shows there at once.
        An 已审核/已导出 report keeps that status while it stays clean. Returns id → new status."""
        from forms.validation import referenced_forms

        changed: dict[int, str] = {}
        for other in self.store.reports_for(report.township_id, report.period):
            if other.id == report.id or report.form_key not in referenced_forms(self.form(other.form_key)):
                continue
            data = self.store.load(other.id)
            status = rederived_status(data, self.validate(data), other.status)
            if status != other.status:
                self.store.set_status(other.id, status, who=self.user)
                changed[other.id] = status
        return changed

    def mark_exported(self, report_id: int) -> None:
        start = self.store.conn.total_changes
        try:
            self.store.set_status(report_id, ReportStatus.EXPORTED, exported=True, who=self.user)
        finally:  # p2: a status and its audit row, which no validation reads: the validations stay
            self._attributed(start, _STATUS_ONLY)

    def update_profile(self, township_id: int, **profile: str) -> Changes:
        """Store 单位信息 after the core checks (``ProfileError`` with the reason); ``Changes.township``."""
        from storage.profile import ProfileError, profile_problem

        problem = profile_problem(profile)
        if problem:
            raise ProfileError(problem)
        code = profile.get("stat_code")
        if code:
            holder = self.store.township_with_stat_code(code)
            if holder is not None and holder.id != township_id:
                raise ProfileError(f"统计代码 {code} 已属于另一个镇街（{holder.name}）")
        township = self.store.update_profile(township_id, **profile)
        return Changes(townships=True, township=township)

    def report(self, report_id: int) -> Report:
        return self.store.get_report(report_id)

    # -- import (H1) -------------------------------------------------------------------------
    def find_township(self, text: str) -> Township | None:
        """By 统计代码, 区划代码 or exact name."""
        return self.store.find_township(text)

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
                added = {(t, r): key for t, rows in write.add_rows.items()
                         for r, key in zip(rows, store.add_list_rows(report.id, t, len(rows), self.user), strict=True)}

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

        restored = restore(self.store, record, self.user)
        self.upgrade_forms()  # d3: a report restored as stored before a form version step is upgraded again
        return restored

    # -- 汇总 (W2-E) ----------------------------------------------------------------------------
    # Reads for the district 汇总 and the plan progress (district/summary.py, district/progress_data.py);
    # the SQL is in storage.summary_store.
    def period_reports(self, period: str, form_keys: list[str] | None = None, *,
                       notes: bool = True) -> dict[tuple[int, str], ReportData]:
        """(township id, form key) → every stored report of ``period`` (all townships), in bulk;
        ``notes=False`` leaves out the 说明 (the 汇总 does not read them)."""
        from storage.summary_store import period_reports

        return period_reports(self.store, period, form_keys, notes=notes)

    def report_periods(self) -> list[str]:
        """Every period any township has a report in, oldest first."""
        from storage.summary_store import report_periods

        return report_periods(self.store)

    # -- district (W2-D) -----------------------------------------------------------------------
    # The district database (区级汇总库): its kind, the intake register, the district's marks and
    # remarks. The SQL is in storage.district_store; the rules in district/.
    @classmethod
    def create_district(cls, path: str | Path, *, catalogue: FormCatalogue | None = None,
                        user: str | None = None) -> Workspace:
        """A new district database at ``path`` (which must not exist): every 镇街 of the
        catalogue, no demo township, kind ``district``."""
        from storage.database import StorageError
        from storage.district_store import DISTRICT, retire_refused_log, set_database_kind

        path = Path(path)
        if path.exists():
            raise StorageError(f"文件 {path} 已存在，不能在其上新建区级汇总库")
        retire_refused_log(path)  # p1: an earlier database's refused lines are not this one's
        ws = cls.open(path, catalogue=catalogue, demo=False, user=user)
        set_database_kind(ws.store, DISTRICT)
        return ws

    @property
    def is_district(self) -> bool:
        from storage.district_store import DISTRICT, database_kind

        return database_kind(self.store) == DISTRICT

    def add_intake_line(self, **line: Any) -> int:
        """A register line for a file whose values are not written (refused, duplicate …): in the
        refused log beside the database, so the database file stays byte-identical (p1)."""
        from storage.district_store import add_refused_line

        return add_refused_line(self.store, who=self.user, **line)

    def intake_lines(self, period: str | None = None, township_id: int | None = None) -> list[RegisterLine]:
        from storage.district_store import register_lines

        return register_lines(self.store, period, township_id)

    def current_intake(self, period: str) -> dict[int, RegisterLine]:
        """township id → the received file whose values the township-period holds now."""
        from storage.district_store import current_lines

        return current_lines(self.store, period)

    def intake_line_with_sha(self, sha256: str) -> RegisterLine | None:
        from storage.district_store import find_current_by_sha

        return find_current_by_sha(self.store, sha256)

    def identical_data(self, period: str, data_sha256: str, township_id: int) -> list[int]:
        from storage.district_store import identical_data

        return identical_data(self.store, period, data_sha256, township_id)

    def write_intake(self, township_id: int, period: str, writes: list[Any], *, data_sha256: str,
                     reasons: list[str], judge: Any, no_data: dict[str, str] | None = None,
                     checked: dict[str, list[Finding]] | None = None, **line: Any) -> tuple[int, dict[str, str], int]:
        """Write one received file in ONE transaction: the township-period's state before it (import
        log), each form's whole input replacing the stored one (audited), the register line, earlier
        lines marked 已被替代, the district's marks on those forms cleared, the statuses re-derived.
        The forms of the township-period the file leaves out are emptied (``_clear_left_out``).
        ``judge(statuses, replaced, cleared)`` returns the line's (verdict, reasons) inside the transaction.
        ``checked`` (y3): form key → findings the reading process made of the file's forms as a new
        township-period (``district.file_check``), used when they are exactly what validating here gives.
        Returns (line id, form key → status, lines replaced)."""
        from storage import district_store as ds
        from storage.import_log import record_import, snapshot

        store = self.store
        reason = f"收件 {line['file_name']}"
        with store.atomic():
            before = snapshot(store, township_id, period)
            record_import(store, township_id, period, line["file_name"], [w.form_key for w in writes],
                          before, self.user)
            stored = ds.ensure_reports(store, township_id, period, [(w.form_key, w.form_version) for w in writes])
            # u3: each report as the snapshot read it (not read again), the revisions paused once for all
            # the forms, and each form's contents as now stored kept for the validation below
            written = ds.replace_reports(
                store, [(stored[w.form_key].id, w.values, w.notes, w.list_rows) for w in writes], self.user, reason,
                before, ds.FormAudit(store, self.user, "intake", line["file_name"], reason))
            line_id = ds.add_register_line(store, who=self.user, verdict="已接收", reasons=reasons,
                                           data_sha256=data_sha256, applied=True, township_id=township_id,
                                           period=period, **line)
            replaced = ds.mark_replaced(store, township_id, period, line_id)
            cleared = self._clear_left_out(township_id, period, {w.form_key for w in writes}, reason,
                                           list(stored.values()))
            ds.clear_marks(store, township_id, period, [w.form_key for w in writes] + cleared)
            from storage.no_data import replace_declarations  # e6: the file's 本期无数据 declarations

            replace_declarations(store, township_id, period, no_data or {}, self.user)
            given = self._checked_exactly(township_id, period, writes, checked, before, stored, written) \
                if checked is not None else None
            statuses = self._restatus(township_id, period, written, given)
            verdict, final_reasons = judge(statuses, replaced, cleared)
            ds.finish_line(store, line_id, verdict, final_reasons)
        return line_id, statuses, replaced

    def _checked_exactly(self, township_id: int, period: str, writes: list[Any], checked: dict[str, list[Finding]],
                         before: dict[str, Any], stored: dict[str, Report], written: dict[int, Any],
                         ) -> dict[str, list[Finding]] | None:
        """``checked`` when validating the township-period here would give exactly those findings:
        it held no report before the file (so no first stored value, no form left out), its reports
        are the file's forms, each stored as ``district_store.stored_as_new`` made it for the reading
        process, and no form whose rules read earlier periods has one; else None (validate here)."""
        from forms.validation_kept import needs_history
        from storage.district_store import earlier_forms

        keys = {w.form_key for w in writes}
        forms = {f.key for f in self.catalogue}
        if before["reports"] or set(checked) != keys or {k for k in stored if k in forms} != keys:
            return None
        for w in writes:
            got = written.get(stored[w.form_key].id)
            if got is None or got[0] != {c: v for c, v in w.values.items() if v is not None} \
                    or got[1] != {c: t for c, n in w.notes.items() if (t := (n or "").strip())} \
                    or got[2] != {t: list(rows) for t, rows in w.list_rows.items() if rows}:
                return None
        historic = {k for k in keys if needs_history(self.form(k))}
        if historic and historic & earlier_forms(self.store, township_id, period):
            return None
        return checked

    def _restatus(self, township_id: int, period: str, known: dict[int, Any] | None = None,
                  given: dict[str, list[Finding]] | None = None) -> dict[str, str]:
        """Validate the township-period together and store each report's status (as after an edit).
        ``known``: report id → (values, 说明, list rows) as just written (``validate_period``).
        ``given`` (y3): form key → the findings of every report, exact (``_checked_exactly``): kept
        as validating here keeps them, nothing validated again."""
        from storage.district_store import set_statuses

        statuses: dict[str, str] = {}
        changed: list[tuple[int, str, str]] = []
        for key, (data, result) in self.validate_period(township_id, period, known=known, given=given).items():
            status = status_for(data, result, False)
            if status != data.report.status:
                changed.append((data.report.id, data.report.status, status))
            statuses[key] = str(status)
        set_statuses(self.store, changed, self.user)  # s4: as Store.set_status for each, in two statements
        return statuses

    def report_statuses(self, period: str) -> dict[tuple[int, str], tuple[int, str]]:
        """(township id, form key) → (report id, status) for the whole period, in one query."""
        from storage.district_store import report_statuses

        return report_statuses(self.store, period)

    def district_marks(self, period: str) -> dict[tuple[int, str], str]:
        from storage.district_store import marks

        return marks(self.store, period)

    def district_mark(self, township_id: int, period: str, form_key: str) -> str | None:
        return self.district_marks(period).get((township_id, form_key))

    def set_district_mark(self, township_id: int, period: str, form_keys: list[str], mark: str | None) -> None:
        """已审核 / 已退回 on these forms of a township-period (None removes the mark), audited."""
        from storage import district_store as ds

        with self.store.atomic():
            ds.clear_marks(self.store, township_id, period, form_keys)
            for key in form_keys:
                if mark:
                    ds.set_mark(self.store, township_id, period, key, mark, self.user)
                report = self.store.find_report(township_id, key, period)
                if report is not None:
                    from storage.import_log import audit_import

                    audit_import(self.store, report.id, self.user, "district-mark", mark or "（取消）", "区里标记")

    def set_district_remark(self, township_id: int, period: str, form_key: str, rule_id: str, cell: CellKey,
                            remark: str) -> None:
        from storage.district_store import set_remark

        with self.store.atomic():
            set_remark(self.store, township_id, period, form_key, rule_id, cell, remark, self.user)

    def district_remarks(self, township_id: int, period: str) -> dict[tuple[str, str, str, str, str], str]:
        from storage.district_store import remarks

        return remarks(self.store, township_id, period)

    def setting(self, key: str, default: Any = None) -> Any:
        return self.store.get_setting(key, default)

    def set_setting(self, key: str, value: Any) -> None:
        self.store.set_setting(key, value)

    # -- d3: form version steps ------------------------------------------------------------------
    # Reports stored by an older form version are brought to the current layout (the form files'
    # ``upgrades``) when the database is opened; the SQL and the rules are in storage.form_upgrades.
    def upgrade_forms(self) -> UpgradeSummary:
        """Upgrade every report stored by an older form version, in one transaction, audited
        (who = 'upgrade'); a database with a report of a newer version raises NewerFormVersionError."""
        from storage.form_upgrades import upgrade_reports

        summary = upgrade_reports(self.store, self.catalogue, district_unit=self._district_unit_id())
        if summary:
            self._validated.clear()
        return summary

    def _district_unit_id(self) -> int | None:
        """The township row holding the district's own reports (``scope: district`` forms); None in a
        township database."""
        unit = self.district_unit()
        return unit.id if unit is not None else None

    # -- d3: the district department form (scope: district) ----------------------------------------
    # Filled once per period in the district database, under the district's own unit
    # (storage.district_unit), never in a township database; not summed from townships.
    def district_unit(self) -> Township | None:
        """The district's own unit (added on first use) in a district database; None in a township one."""
        if not self.is_district:
            return None
        from storage.district_unit import district_unit

        return district_unit(self.store)

    def district_forms(self) -> list[FormSpec]:
        """The forms the district fills itself (``scope: district``), in print order."""
        return list(self.catalogue.district_forms)

    def district_report(self, form_key: str, period: str) -> ReportState:
        """The district's own report of a ``scope: district`` form (created when first opened), validated."""
        from storage.database import StorageError

        form = self.form(form_key)
        unit = self.district_unit()
        if form.scope != "district":
            raise StorageError(f"《{form.name}》由镇街填报，不是区级部门指标表")
        if unit is None:
            raise StorageError(f"《{form.name}》只在区级汇总库中填报，镇街数据库中没有这张表")
        return self.report_state(self.open_report(unit.id, form_key, period).report.id)

    def find_district_report(self, form_key: str, period: str) -> ReportData | None:
        """The district's own report of a ``scope: district`` form as stored, or None (nothing created)."""
        if not self.is_district:
            return None
        from storage.district_unit import district_unit

        unit = district_unit(self.store, create=False)
        return self.find_report_data(unit.id, form_key, period) if unit is not None else None

    def _forms_up_to_date(self) -> Workspace:
        """Called by ``open``: refuse a newer form version, upgrade older ones (after a backup).
        A read-only workspace with older reports is upgraded through a writable one, then reopened."""
        from storage.database import StorageError
        from storage.form_upgrades import check_form_versions

        try:
            if not check_form_versions(self.store, self.catalogue):
                return self
            if self.store.readonly:
                path, user, label = self.path, self.user, self.task_package
                self.close()
                Workspace.open(path, catalogue=self.catalogue, demo=False, user=user).close()
                reopened = Workspace.open(path, catalogue=self.catalogue, demo=False, user=user, readonly=True)
                reopened.task_package = label
                return reopened
            from storage.backup import BackupError, make_backup

            try:
                make_backup(self.path, "表式升级前")
            except BackupError as exc:
                raise StorageError(f"升级报表表式前无法备份，未做任何改动：{exc}") from None
            self.upgrade_forms()
        except BaseException:
            self.close()
            raise
        return self
    # -- e6: 本期无数据, the forms list's words, the window's place per database ---------------------
    # 本期无数据 declarations (SQL in storage.no_data, migration 6); what the forms list shows for
    # each form; the township / period / form the window showed last, kept in this database.
    def no_data(self, township_id: int, period: str) -> dict[str, NoDataDeclaration]:
        """form key → its 本期无数据 declaration, for one township and period."""
        from storage.no_data import declarations

        return declarations(self.store, township_id, period)

    def period_no_data(self, period: str) -> dict[tuple[int, str], NoDataDeclaration]:
        """(township id, form key) → declaration, every township of ``period`` (the district)."""
        from storage.no_data import period_declarations

        return period_declarations(self.store, period)

    def declare_no_data(self, township_id: int, period: str, form_key: str, reason: str) -> Changes:
        """Declare a form empty for the period with a reason (``NoDataError`` while it holds figures)."""
        from storage.no_data import declare

        declare(self.store, township_id, period, form_key, self.form(form_key).version, reason, self.user)
        return Changes(periods=True, period=period)

    def withdraw_no_data(self, township_id: int, period: str, form_key: str) -> Changes:
        """Withdraw a 本期无数据 declaration (the form is to be filled after all)."""
        from storage.no_data import withdraw

        withdraw(self.store, township_id, period, form_key, self.form(form_key).version, self.user)
        return Changes(periods=True, period=period)

    def form_states(self, township_id: int, period: str) -> dict[str, str]:
        """What the forms list shows per form: the status, 本期无数据 for a declared form, and
        已修改，须重新导出 for a report changed after it was exported (its status left 已导出)."""
        declared = self.no_data(township_id, period)
        reports = {r.form_key: r for r in self.store.reports_for(township_id, period)}
        states: dict[str, str] = {}
        for form in self.catalogue:
            report = reports.get(form.key)
            if form.key in declared:
                states[form.key] = NO_DATA_STATE
            elif report is None:
                states[form.key] = str(ReportStatus.EMPTY)
            elif report.exported_at and report.status != ReportStatus.EXPORTED:
                states[form.key] = CHANGED_SINCE_EXPORT
            else:
                states[form.key] = report.status
        return states

    def remembered_place(self) -> dict[str, Any]:
        """The township, period and form the window showed last in THIS database (JSON setting)."""
        value = self.setting(PLACE_SETTING, {})
        return value if isinstance(value, dict) else {}

    def remember_place(self, **place: Any) -> None:
        """Keep the window's place in this database (written only when it changed)."""
        kept = self.remembered_place()
        wanted = {**kept, **{k: v for k, v in place.items() if v is not None}}
        if wanted != kept:
            self.set_setting(PLACE_SETTING, wanted)


    # -- s8: keys (security/) --------------------------------------------------------------------------
    # The district's public key pinned in this database (a district database verifies signatures
    # with it; a township database seals to it and checks packages with it) and a township's issued
    # key file (its private key still under the passphrase). Settings rows, JSON, no schema change.
    def district_public_key(self) -> Any:
        """The pinned ``security.keys.DistrictPublic``, or None."""
        from security.keys import DistrictPublic

        data = self.store.get_setting(_DISTRICT_PUBLIC_SETTING)
        return DistrictPublic.from_dict(data) if data else None

    def pin_district_public_key(self, public: Any) -> None:
        """Pin ``public`` (a ``DistrictPublic``); SecurityError when another key is pinned already."""
        from security.suite import SecurityError

        pinned = self.district_public_key()
        if pinned is not None and pinned.key_id != public.key_id:
            raise SecurityError(f"本数据库已认定区密钥 {pinned.key_id}，与 {public.key_id} 不同：拒绝更换"
                                "（区密钥遗失需重新签发时，请由区统计局按说明处理）")
        if pinned is None:
            self.store.set_setting(_DISTRICT_PUBLIC_SETTING, public.to_dict())

    def township_key(self) -> Any:
        """The imported ``security.keys.TownshipKey`` (locked), or None."""
        from security.keys import parse_township_key

        data = self.store.get_setting(_TOWNSHIP_KEY_SETTING)
        return parse_township_key(data) if data else None

    def township_sends_signed(self, township_id: int) -> bool:
        """A district database has received a validly signed file from this township before."""
        from storage.district_store import sends_signed

        return sends_signed(self.store, township_id)

    def set_township_key(self, key: Any) -> None:
        """Store an issued township key (its district pinned first: the same district only)."""
        self.pin_district_public_key(key.district)
        self.store.set_setting(_TOWNSHIP_KEY_SETTING, key.data)

    # -- p1: intake replaces the whole township-period ---------------------------------------------
    def _clear_left_out(self, township_id: int, period: str, kept: set[str], reason: str,
                        reports: list[Report] | None = None) -> list[str]:
        """A received file replaces everything the township-period held: each stored report of a
        form the file leaves out is emptied — values and 说明 cleared, list rows removed, each
        audited, so the earlier file's figures stay in the trail. Returns the forms emptied (in the
        caller's transaction). ``reports``: the township-period's reports (ids and forms), as read
        in this transaction (None: read here)."""
        store = self.store
        cleared = []
        why = f"{reason}：文件中没有此表，此前收到的数据已清除"
        for report in store.reports_for(township_id, period) if reports is None else reports:
            if report.form_key in kept:
                continue
            data = store.load(report.id)
            if not (data.values or data.notes or any(data.list_rows.values())):
                continue
            store.set_values(report.id, [(cell, None) for cell in data.values], self.user, why)
            for cell in data.notes:
                store.set_note(report.id, cell, "", self.user, why)
            for table, rows in data.list_rows.items():
                for row in rows:
                    store.remove_list_row(report.id, table, row, self.user)
            cleared.append(report.form_key)
        return cleared

    # -- r4: open first, findings a moment later ----------------------------------------------
    def adopt_validation(self, state: ReportState, result: ValidationResult) -> ReportState | None:
        """The state of a report ``open_state(defer=True)`` showed, with ``result``: the report as
        stored validated elsewhere (another connection, off the window's thread). Used only while
        nothing was written since it was shown, here or by another connection (then it is this
        report's validation as if made here: edits re-validate only what they affect, and its
        findings are kept for the next session); otherwise None (validate it again)."""
        pending = self._pending.get(state.report_id)
        if pending is None or pending[1] is not state.data:
            return None
        del self._pending[state.report_id]  # (asked once: a refused result is not asked for again)
        token, data, mark = pending
        seen = _Validated(data, result, token, _rows_of(data), True)
        # (writes it does not read are allowed: statuses, findings kept, reports its rules do not read)
        if not self._unchanged_for(seen):
            return None
        self._keep(seen)
        self.keep_period_findings({data.report.id: (mark, result.findings)})
        return ReportState(data, result, state.status)

    def period_findings_now(self, township_id: int, period: str, leave_out: str,
                            ) -> tuple[dict[str, tuple[ReportData, ValidationResult]], bool]:
        """The findings panel's other forms (``validate_period(leave_out=…)``) as far as known without
        validating, and whether the rest is worth validating elsewhere (``period_findings_to_keep``):
        at least ``DEFER_VALIDATION_FROM`` stored values; otherwise they are validated here at once."""
        known = self.validate_period(township_id, period, leave_out=leave_out, available_only=True)
        forms = {f.key for f in self.catalogue}
        rest = [r.id for r in self.store.reports_for(township_id, period)
                if r.form_key in forms and r.form_key != leave_out and r.form_key not in known]
        if rest and self.store.value_count(rest) >= self.DEFER_VALIDATION_FROM:
            return known, True
        return (self.validate_period(township_id, period, leave_out=leave_out) if rest else known), False

    def period_findings_to_keep(self, township_id: int, period: str,
                                leave_out: str | None = None) -> dict[int, tuple[str, list[Finding]]]:
        """(A read-only Workspace on the window's pool thread) the findings ``validate_period`` makes
        for the reports with none kept, each with its marker read before the reports (as
        ``validate_period`` keeps them): for the window's connection to keep (``keep_period_findings``)."""
        from forms.validation import KeptResult

        forms = {f.key for f in self.catalogue}
        reports = [r for r in self.store.reports_for(township_id, period) if r.form_key in forms]
        markers = self._markers(township_id, reports)
        return {data.report.id: (markers[data.report.id], result.findings) for data, result
                in self.validate_period(township_id, period, leave_out=leave_out).values()
                if not isinstance(result, KeptResult) and data.report.id in markers}

    def keep_period_findings(self, found: dict[int, tuple[str, list[Finding]]]) -> None:
        """Keep findings validated elsewhere with their markers (used only while those still match)."""
        from storage import validation_cache

        start = self.store.conn.total_changes
        validation_cache.keep_findings(self.store, found)
        self._attributed(start, _STATUS_ONLY)  # read by no validation

    # -- s1: start cost of the headless commands --------------------------------------------------
    def townships_with_input(self, period: str) -> list[Township]:
        """The townships (in ``townships()`` order) with a report of ``period`` holding any value:
        one query (a command without --township asked every township in turn)."""
        ids = self.store.townships_with_input(period)
        return [t for t in self.townships() if t.id in ids]


# A write attributed to no report's contents: statuses and their audit rows (p2: an export marks
# its reports 已导出 without making their validations stale).
_STATUS_ONLY = Report(0, 0, "", 0, "", "", "", "", None, None)


_DISTRICT_PUBLIC_SETTING = "security.district_public_key"  # s8
_TOWNSHIP_KEY_SETTING = "security.township_key"  # s8
TASK_FOLDER_NAME = "任务参数"  # = security.packages.task_folder(db).name (a test keeps them equal)


def _task_catalogue(store: Store) -> tuple[FormCatalogue, str]:
    """s8: (catalogue, label) of the 任务参数 package installed beside the database, or the built-in
    catalogue with label "". A package edited after installation raises TaskPackageError (a
    StorageError: the database is not opened) unless the database is in local-edits mode; so do
    built-in files that differ from the build's manifest (q3, ``security.builtin``)."""
    if not (Path(store.path).resolve().parent / TASK_FOLDER_NAME).exists():
        from security.builtin import manifest_present

        if not manifest_present():  # a source checkout, no package: cryptography stays off the start path
            return FormCatalogue.load(), ""
    from security.builtin import check_builtin
    from security.packages import load_installed_catalogue, task_folder
    from security.suite import SecurityError

    try:
        found = load_installed_catalogue(task_folder(store.path))
        if found is not None:
            return found
        label = check_builtin(task_folder(store.path))  # q3: the shipped catalogue is the first package
    except SecurityError as exc:
        raise TaskPackageError(str(exc)) from None
    return FormCatalogue.load(), label


class TaskPackageError(StorageError):
    """s8: the installed 任务参数 files were edited after installation."""


@record
class _Validated:
    """A report's data as validated, the result, and the database's change marks at that time."""

    data: ReportData
    result: ValidationResult
    token: tuple[int, int]
    # the list rows as validated; None: ``data`` is a LazyReportData, read as stored at ``token``
    rows: dict[str, tuple[str, ...]] | None
    stored: bool = False  # ``data`` is known to be the report as stored (not only as a caller holds it)

    def rows_validated(self) -> dict[str, tuple[str, ...]]:
        if self.rows is None:
            self.rows = _rows_of(self.data)
        return self.rows


def _rows_of(data: ReportData) -> dict[str, tuple[str, ...]]:
    return {k: tuple(v) for k, v in data.list_rows.items()}


def _first_values_read(store: Store, form: FormSpec, report_id: int, values: Any = None) -> dict[CellKey, Any]:
    """The first stored values a full validation of the form's ``reported`` rules needs: those of
    the rows where a compared figure may have changed since (issue 16: not all 30,000 of a
    5,000-row list; ``storage.history.changed_first_values``). ``values``: the report's values as
    just read for the validation (held by column: not read again)."""
    from forms.column_values import ColumnValues
    from forms.validation import compared_columns, reported_columns
    from storage.history import changed_first_values

    stored = values.columns if isinstance(values, ColumnValues) else None
    return changed_first_values(store, report_id, reported_columns(form), compared_columns(form), stored)


def _with_rows_read(form: FormSpec, cells: frozenset[CellKey]) -> list[CellKey]:
    """The edited cells and every cell of their rows that the form's ``reported`` rules read."""
    from forms.validation import reported_columns

    read = reported_columns(form)
    rows = {(t, r) for t, r, _c in cells if t in read}
    return sorted(set(cells) | {(t, r, c) for t, r in rows for c in read[t]})


def _as_of(data: ReportData, report: Report) -> ReportData:
    """r4: ``data``'s contents with a newer ``Report`` row (a lazy one stays unread)."""
    if isinstance(data, LazyReportData):
        return data.as_of(report)
    return ReportData(report, data.values, data.notes, data.list_rows)


def _compute_contents(form: FormSpec, data: ReportData, context: ComputeContext) -> Any:
    """r4: the computed values of ``data`` (a KeptResult's, when first asked: reads a lazy one then)."""
    from forms.compute import compute_form

    return compute_form(form, data.input_values, data.list_rows, context)


def _same_contents(a: ReportData, b: ReportData) -> bool:
    return a is b or (a.values == b.values and a.notes == b.notes and _rows_of(a) == _rows_of(b))


def _login_name() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name on some Windows setups
        return "本机用户"


# -- import (H1): the types of the import methods above (kept here, apart from the rest of the file)
# -- district (W2-D): the type of the register methods above
# -- p2: only for type checkers: importing them costs every start a few ms (their dataclasses)
if TYPE_CHECKING:
    from forms.findings import Finding
    from forms.values import ParsedValue  # (s1: imported by the edit methods when first used)
    from storage.cell_history import PeriodValue
    from storage.district_store import RegisterLine
    from storage.form_upgrades import UpgradeSummary  # d3: form version steps
    from storage.import_log import ImportRecord, ImportWrite
    from storage.no_data import NoDataDeclaration  # e6: 本期无数据
    from storage.periods_store import PeriodInfo

# -- e6: 本期无数据 and the forms list's words
NO_DATA_STATE = "本期无数据"
CHANGED_SINCE_EXPORT = "已修改，须重新导出"
PLACE_SETTING = "window_place"  # JSON {"township_id", "period", "form_key"}
