"""The presenter (Mu style): holds the current township / period / form / report and drives a view.

No Qt here: the view is any object with the ``MainView`` methods, so tests use a fake one.
Widget slots only forward to this class; the rules themselves live in ``forms`` and ``storage``.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from forms.periods import PeriodError, default_period, period_label, period_type_of, recent_periods
from forms.spec import FormSpec
from forms.validation import Finding, Severity, ValidationResult
from storage.changes import Changes, ReportState

if TYPE_CHECKING:
    from export.export_gate import Readiness
    from storage.database import Township
    from storage.workspace import Workspace

__all__ = ["Controller", "MainView", "ReportState", "ReportSession", "FormEntry", "FormFindings", "summary_text"]


@dataclass
class ReportSession:
    """Everything the view needs to build the grids of one opened report."""

    workspace: Workspace
    form: FormSpec
    township: Township
    period: str
    state: ReportState

    @property
    def report_id(self) -> int:
        return self.state.report_id


@dataclass(frozen=True)
class FormFindings:
    """The 审核 findings of one form of the current township and period (for the grouped panel)."""

    key: str
    code: str
    name: str
    findings: tuple[Finding, ...]
    notes: dict[tuple[str, str, str], str]
    current: bool = False


@dataclass(frozen=True)
class FormEntry:
    key: str
    code: str
    name: str
    status: str


def summary_text(result: ValidationResult) -> str:
    """"错误0 警告1 提示2" — the 审核 summary."""
    return "  ".join(f"{s}{result.count(s)}" for s in Severity)


class MainView(Protocol):
    """What the controller needs from the window (the real one is ``ui.main_window.MainWindow``)."""

    def show_townships(self, townships: list[Township], current_id: int | None) -> None: ...
    def show_periods(self, periods: list[tuple[str, str]], current: str | None) -> None: ...
    def show_forms(self, forms: list[FormEntry], current_key: str | None) -> None: ...
    def show_report(self, session: ReportSession | None) -> None: ...
    def show_state(self, state: ReportState) -> None: ...
    def show_message(self, text: str) -> None: ...
    def show_saved(self, when: str) -> None: ...
    def show_error(self, title: str, text: str) -> None: ...
    def ask_export_path(self, default_name: str) -> Path | None: ...
    def ask_unready_export(self, readiness: Readiness) -> tuple[str, str] | None: ...
    def show_exported(self, path: Path, sealed: Path | None = None, archive: Path | None = None) -> None: ...
    def ask_passphrase(self, title: str, text: str) -> str | None: ...  # s8: None when cancelled
    def run_task(self, label: str, task: Callable[[Workspace], Any], on_done: Callable[[Any], None]) -> None: ...


class Controller:
    """Presenter of the main window."""

    def __init__(self, view: MainView) -> None:
        self.view = view
        self.workspace: Workspace | None = None
        self.township: Township | None = None
        self.period: str | None = None
        self.form_key: str | None = None
        self.session: ReportSession | None = None
        # r4: township-periods whose other forms were sent to validate off the window's thread
        self._others_done: set[tuple[int, str]] = set()

    # -- start -------------------------------------------------------------------------------
    def attach(self, workspace: Workspace, township_id: int | None = None, period: str | None = None,
               form_key: str | None = None) -> None:
        """Show an opened workspace, restoring the last township / period / form when they still exist."""
        self.workspace = workspace
        self._others_done = set()
        forms = list(workspace.catalogue)
        self.form_key = form_key if form_key in {f.key for f in forms} else (forms[0].key if forms else None)
        townships = workspace.townships()
        ids = [t.id for t in townships]
        chosen = township_id if township_id in ids else (ids[0] if ids else None)
        self.view.show_townships(townships, chosen)
        if chosen is not None:
            self.select_township(chosen, period)

    @property
    def form(self) -> FormSpec | None:
        return self.workspace.form(self.form_key) if self.workspace and self.form_key else None

    @property
    def state(self) -> ReportState | None:
        return self.session.state if self.session else None

    # -- selection ---------------------------------------------------------------------------
    def periods(self) -> list[str]:
        """Recent periods of the current form's type plus those already in the database, newest first."""
        assert self.workspace is not None and self.township is not None
        period_type = self.form.period_type if self.form else "年报"
        found = set(recent_periods(period_type))
        for p in self.workspace.period_names(self.township.id):
            try:
                if period_type_of(p) == period_type:
                    found.add(p)
            except PeriodError:
                continue
        return sorted(found, reverse=True)

    def select_township(self, township_id: int, period: str | None = None) -> None:
        assert self.workspace is not None
        if self.township is not None and self.township.id == township_id and period is None:
            return
        self.township = self.workspace.township(township_id)
        periods = self.periods()
        wanted = period or self.period
        if wanted not in periods:
            period_type = self.form.period_type if self.form else "年报"
            wanted = default_period(period_type)
        self.view.show_periods([(p, period_label(p)) for p in periods], wanted)
        self.period = None
        self.select_period(wanted)

    def select_period(self, period: str) -> None:
        if period == self.period and self.session is not None:
            return
        self.period = period
        self._show_forms()
        if self.form_key:
            self.select_form(self.form_key, force=True)

    def select_form(self, form_key: str, *, force: bool = False) -> None:
        """Open (creating if needed) the report of this form for the current township and period."""
        assert self.workspace is not None
        if not force and self.session is not None and form_key == self.form_key:
            return
        old_type = self.form.period_type if self.form else None
        self.form_key = form_key
        if self.township is None or self.period is None:
            self.view.show_report(None)
            return
        if old_type and old_type != self.form.period_type:  # another period type: new period list
            self.select_township(self.township.id, default_period(self.form.period_type))
            return
        # r4: a view that can validate off its thread shows the report first, its findings a moment later
        later = getattr(self.view, "validate_later", None)
        state = self.workspace.open_state(self.township.id, form_key, self.period, defer=later is not None)
        self.session = ReportSession(self.workspace, self.workspace.form(form_key), self.township,
                                     self.period, state)
        self.view.show_report(self.session)
        if state.result.pending:
            assert later is not None
            report_id = state.report_id
            later(lambda workspace: workspace.validate(workspace.load(report_id)),
                  lambda result: self._validated_later(state, result))

    def _validated_later(self, state: ReportState, result: Any) -> None:
        """r4: the findings of a report shown before it was validated: shown when it is still the
        shown state (not edited, not left meanwhile); validated here again when anything was
        written since it was read (the result from elsewhere is then not its validation)."""
        if (self.workspace is None or self.workspace.closed or self.session is None
                or self.session.state is not state):
            return
        if not isinstance(result, ValidationResult):  # (the operation failed: validate here)
            result = None
        adopted = self.workspace.adopt_validation(state, result) if result is not None else None
        if adopted is None:
            adopted = ReportState(state.data, self.workspace.validate(state.data), state.status)
        self.session.state = adopted
        self.view.show_state(adopted)

    def _show_forms(self) -> None:
        assert self.workspace is not None and self.township is not None and self.period is not None
        statuses = self.workspace.form_states(self.township.id, self.period)  # 本期无数据, 已修改，须重新导出 too
        entries = [FormEntry(f.key, f.code, f.name, statuses.get(f.key, "未填")) for f in self.workspace.catalogue]
        self.view.show_forms(entries, self.form_key)

    # -- edits -------------------------------------------------------------------------------
    def report_edited(self, changes: Changes) -> None:
        """A grid stored a change through the core: show what the core says changed — the report's
        new state, and the forms list when a status changed (its own or a form that reads it)."""
        if self.session is None or changes.state is None or changes.report_id != self.session.report_id:
            return
        self.show_changes(changes)
        self.view.show_saved(_dt.datetime.now().strftime("%H:%M:%S"))

    def show_changes(self, changes: Changes) -> None:
        if self.session is not None and changes.state is not None and changes.report_id == self.session.report_id:
            self.session.state = changes.state
            self.view.show_state(changes.state)
        if changes.statuses and self.township is not None and self.period is not None:
            self._show_forms()

    def _revalidate(self, *, audited: bool = False) -> ReportState:
        assert self.workspace is not None and self.session is not None
        changes = self.workspace.revalidate(self.session.report_id, audited=audited)
        assert changes.state is not None
        self.session.state = changes.state
        self.view.show_state(changes.state)
        self._show_forms()
        return changes.state

    def period_findings(self) -> list[FormFindings]:
        """Findings of every stored form of this township and period, validated together (so
        cross-form rules see each other); the open form first, with its freshest state."""
        if self.workspace is None or self.township is None or self.period is None or self.session is None:
            return []
        current = self.session.state
        found: list[FormFindings] = []
        # r4: the other forms as 整期审核 has them: findings kept by an earlier session are shown
        # without reading those reports; the ones validated now are kept for the next session. Large
        # ones never validated are validated off the window's thread (once per township-period: then
        # shown; a second need is validated here)
        place, leave_out = (self.township.id, self.period), self.session.form.key
        later = getattr(self.view, "validate_later", None)
        if later is not None and place not in self._others_done:
            others, more = self.workspace.period_findings_now(*place, leave_out)
            if more:
                self._others_done.add(place)
                later(lambda workspace: workspace.period_findings_to_keep(*place, leave_out),
                      lambda found: self._others_validated(place, found))
        else:
            others = self.workspace.validate_period(*place, leave_out=leave_out)
        for form in self.workspace.catalogue:
            if form.key == self.session.form.key:
                entry = FormFindings(form.key, form.code, form.name, tuple(current.result.findings),
                                     dict(current.data.notes), current=True)
                found.insert(0, entry)
                continue
            if form.key not in others:
                continue
            data, result = others[form.key]
            if not data.has_input:
                continue
            found.append(FormFindings(form.key, form.code, form.name, tuple(result.findings), dict(data.notes)))
        return found

    def _others_validated(self, place: tuple[int, str], found: Any) -> None:
        """r4: the other forms' findings made off the window's thread: kept (used while their
        markers match: nothing written since), then the findings panel shows them."""
        if self.workspace is None or self.workspace.closed:  # the window closed meanwhile
            return
        if isinstance(found, dict) and found:
            self.workspace.keep_period_findings(found)
        if self.session is not None and self.township is not None and (self.township.id, self.period) == place:
            self.view.show_state(self.session.state)

    def open_form_of(self, form_key: str) -> None:
        """Switch to the form a finding belongs to (the window then selects its cell)."""
        if form_key != self.form_key:
            self.select_form(form_key)
            if self.township is not None and self.period is not None:
                self._show_forms()  # the forms list marks the newly opened form

    def save_note(self, cell: tuple[str, str, str], note: str) -> None:
        """Store a 说明 on a cell (committed at once) and re-validate."""
        if self.workspace is None or self.session is None:
            return
        changes = self.workspace.set_note(self.session.report_id, cell, note)
        self.show_changes(changes)
        if changes:
            self.view.show_saved(_dt.datetime.now().strftime("%H:%M:%S"))

    def audit(self) -> ReportState | None:
        """审核: validate, store the status (已审核 when nothing blocks) and show the summary."""
        if self.session is None:
            return None
        state = self._revalidate(audited=True)
        self.view.show_message(f"审核完成（{state.status}）：{summary_text(state.result)}")
        reveal = getattr(self.view, "reveal_findings", None)  # a folded 审核结果 pane unfolds on 审核
        if reveal is not None:
            reveal()
        return state

    # -- export ------------------------------------------------------------------------------
    def _export_keys(self) -> tuple[Any, Any] | None:
        """s8: (signer, district key to seal to) for an export; the township key's passphrase is
        asked when the database holds one. None: cancelled or a wrong passphrase (said)."""
        from security.suite import SecurityError

        assert self.workspace is not None
        try:
            key = self.workspace.township_key()
            seal_to = self.workspace.district_public_key()
            if key is None:
                return None, seal_to
            from security.key_store import remember_under_db_password, stored_signer

            signer = stored_signer(self.workspace)  # q3: kept under the database password, no prompt
            if signer is not None:
                return signer, seal_to
            passphrase = self.view.ask_passphrase("镇街密钥口令", "导出的报送文件将用本镇街的密钥签名。请输入密钥口令：")
            if passphrase is None:
                return None
            signer = key.unlock(passphrase)
            remember_under_db_password(self.workspace, signer)
            return signer, seal_to
        except SecurityError as exc:
            self.view.show_error("无法签名", str(exc))
            return None

    def export_name(self) -> str:
        assert self.township is not None and self.period is not None
        return f"{self.township.name}_{self.period}_节能减排统计.xlsx"

    def sealed_export_name(self) -> str:
        """r1: ``镇街_报告期.jnjp``, offered first when a district key is pinned."""
        from export.submission import sealed_name

        assert self.township is not None and self.period is not None
        return sealed_name(self.township, self.period)

    def readiness(self) -> Readiness | None:
        """What stands between the current township-period and its export (nothing written)."""
        if self.workspace is None or self.township is None or self.period is None:
            return None
        from export.export_gate import export_readiness

        return export_readiness(self.workspace, self.township.id, self.period)

    def declare_no_data(self, form_keys: list[str], reason: str) -> bool:
        """本期无数据 for these forms of the current township-period; false (error shown) when refused."""
        if self.workspace is None or self.township is None or self.period is None:
            return False
        from user_error import UserError

        try:
            for key in form_keys:
                self.workspace.declare_no_data(self.township.id, self.period, key, reason)
        except UserError as exc:
            self.view.show_error("无法声明本期无数据", str(exc))
            return False
        finally:
            self._show_forms()
        return True

    def withdraw_no_data(self, form_key: str) -> None:
        if self.workspace is None or self.township is None or self.period is None:
            return
        self.workspace.withdraw_no_data(self.township.id, self.period, form_key)
        self._show_forms()

    def export(self) -> None:
        """Say first what is not ready (empty forms, 错误, unexplained 警告) and offer the choices;
        then ask where to save and write the submission workbook in the background."""
        if self.workspace is None or self.township is None or self.period is None:
            return
        try:
            from export.submission import export_submission
        except ImportError as exc:
            self.view.show_error("无法导出", f"导出模块不可用：{exc}")
            return
        readiness = self.readiness()
        while readiness is not None and not readiness.ready:
            choice = self.view.ask_unready_export(readiness)
            if choice is None:
                return
            action, reason = choice
            if action == "declare":  # the empty forms are declared 本期无数据, then check again
                if not self.declare_no_data([f.key for f in readiness.empty], reason):
                    return
                readiness = self.readiness()
                continue
            first = readiness.first_form()  # "show": open the first form with a problem
            if first is not None:
                self.open_form_of(first.key)
            return
        path = self.view.ask_export_path(self.sealed_export_name() if self.workspace.district_public_key()
                                         else self.export_name())
        if not path:
            return
        township_id, period, out = self.township.id, self.period, Path(path)
        keys = self._export_keys()
        if keys is None:
            return
        signer, seal_to = keys

        def task(workspace: Workspace) -> Any:
            return export_submission(workspace, township_id, period, out, signer=signer, seal_to=seal_to)

        def done(result: Any) -> None:
            if self.period == period and self.township is not None and self.township.id == township_id:
                self._show_forms()
            sealed = getattr(result, "sealed", None)
            if getattr(result, "archived", False):  # r1: only the sealed file went to the chosen place
                self.view.show_message(f"已导出密封报送文件：{out}" + ("（已签名）" if signer else "")
                                       + f"；可读工作簿已存档：{result.path}")
                self.view.show_exported(out, sealed, archive=result.path)
                return
            self.view.show_message(f"已导出：{out}" + ("（已签名）" if signer else "")
                                   + (f"；密封报送文件：{sealed.name}（报送时带这个文件）" if sealed else ""))
            self.view.show_exported(out, sealed)

        self.view.run_task(f"正在导出 {out.name} …", task, done)
