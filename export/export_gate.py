"""The export gate: which forms a period exports, and the refusal while a form is unfilled, an
错误 remains or a 警告 has no acceptable 说明 (``ExportBlocked`` lists them for the clerk)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from export.errors import ExportError
from export.form_sheet import SheetReport
from forms.periods import PeriodError, period_label, period_type_of
from forms.spec import FormSpec
from forms.validation import Finding

if TYPE_CHECKING:
    from storage.workspace import Workspace


MAX_LISTED_FINDINGS = 10


class ExportBlocked(ExportError):
    """Export refused: forms not filled in, 错误 left, or 警告 without an acceptable 说明.

    ``findings`` are the blocking findings, ``problems`` the other reasons (Chinese sentences).
    """

    def __init__(self, message: str, findings: list[Finding], problems: list[str]) -> None:
        super().__init__(message)
        self.findings = findings
        self.problems = problems


def select_forms(workspace: Workspace, period: str, form_keys: Sequence[str] | None) -> list[FormSpec]:
    try:
        kind = period_type_of(period)
    except PeriodError as exc:
        raise ExportError(str(exc)) from None
    if form_keys is None:
        forms = [f for f in workspace.catalogue if f.period_type == kind]
        if not forms:
            raise ExportError(f"没有{kind}类型的表式，报告期 {period} 与表式不符")
        return forms
    forms = []
    for key in form_keys:
        try:
            form = workspace.form(key)
        except KeyError:
            raise ExportError(f"没有表式 '{key}'") from None
        if form.period_type != kind:
            raise ExportError(f"《{form.name}》是{form.period_type}，与报告期 {period_label(period)}（{kind}）不符")
        if form not in forms:
            forms.append(form)
    if not forms:
        raise ExportError("没有选择要导出的表式")
    return forms


def blocked_message(problems: list[str], findings: list[Finding]) -> str:
    lines = ["无法导出，请先处理以下问题："]
    lines += [f"· {p}" for p in problems]
    if findings:
        errors = sum(1 for f in findings if f.severity == "错误")
        warnings = len(findings) - errors
        lines.append(f"审核未通过：错误{errors}条须改正，警告{warnings}条须在单元格填写说明（写明原因，"
                     "如新投产、停产、统计口径变化；不能只写“经核实无误”）：")
        for i, f in enumerate(findings[:MAX_LISTED_FINDINGS], start=1):
            extra = "（缺少说明）" if f.severity == "警告" else ""
            lines.append(f"{i}. [{f.severity}] {f.message}{extra}")
        if len(findings) > MAX_LISTED_FINDINGS:
            lines.append(f"……另有{len(findings) - MAX_LISTED_FINDINGS}条未列出")
        lines.append(f"共{len(findings)}条")
    return "\n".join(lines)


def reports_to_export(workspace: Workspace, township_id: int, period: str,
                      forms: Sequence[FormSpec]) -> list[SheetReport]:
    """Every form's stored report, validated; ExportBlocked (naming each problem) while a form is
    unfilled, an 错误 remains or a 警告 has no acceptable 说明."""
    reports: list[SheetReport] = []
    problems: list[str] = []
    blocking: list[Finding] = []
    declared = workspace.no_data(township_id, period)
    for form in forms:
        data = workspace.find_report_data(township_id, form.key, period)
        if form.key in declared and data is not None:  # 本期无数据: complete, exported marked, not audited
            if data.has_input:
                problems.append(f"《{form.name}》已声明本期无数据，但填有数据：请清除数据或撤销声明")
                continue
            result = workspace.validate(data)
            reports.append(SheetReport(form, data, replace(result, findings=[]), declared[form.key].reason))
            continue
        if data is None or not data.has_input:
            problems.append(f"《{form.name}》尚未填报")
            continue
        result = workspace.validate(data)
        blocking.extend(result.blocking)
        reports.append(SheetReport(form, data, result))
    if problems or blocking:
        raise ExportBlocked(blocked_message(problems, blocking), blocking, problems)
    return reports


# -- e6: readiness, told before asking where to save -----------------------------------------------
@dataclass(frozen=True)
class Readiness:
    """What stands between a township-period and its export, form by form (issue 13.11):
    ``empty`` forms neither filled nor declared 本期无数据, ``errors`` / ``unexplained`` the forms
    with 错误 / 警告 without an acceptable 说明 (form, count), ``declared`` the forms declared empty."""

    empty: tuple[FormSpec, ...] = ()
    errors: tuple[tuple[FormSpec, int], ...] = ()
    unexplained: tuple[tuple[FormSpec, int], ...] = ()
    declared_with_data: tuple[FormSpec, ...] = ()
    declared: tuple[FormSpec, ...] = ()

    @property
    def ready(self) -> bool:
        return not (self.empty or self.errors or self.unexplained or self.declared_with_data)

    def lines(self) -> list[str]:
        """The problems as the clerk reads them, one line per kind."""
        out: list[str] = []
        if self.empty:
            out.append("未填报：" + "、".join(f"{f.code} {f.name}" for f in self.empty))
        if self.errors:
            out.append("有错误：" + "、".join(f"{f.code}（{n}条）" for f, n in self.errors))
        if self.unexplained:
            out.append("警告未填写说明：" + "、".join(f"{f.code}（{n}条）" for f, n in self.unexplained))
        if self.declared_with_data:
            out.append("已声明本期无数据但填有数据：" + "、".join(f.code for f in self.declared_with_data))
        return out

    def first_form(self) -> FormSpec | None:
        """The form to open first to deal with the problems (errors before the rest)."""
        for group in ([f for f, _ in self.errors], [f for f, _ in self.unexplained], list(self.declared_with_data),
                      list(self.empty)):
            if group:
                return group[0]
        return None


def export_readiness(workspace: Workspace, township_id: int, period: str,
                     form_keys: Sequence[str] | None = None) -> Readiness:
    """Every form of the export checked as the gate checks it, without writing anything."""
    empty: list[FormSpec] = []
    errors: list[tuple[FormSpec, int]] = []
    unexplained: list[tuple[FormSpec, int]] = []
    with_data: list[FormSpec] = []
    declared_forms: list[FormSpec] = []
    declared = workspace.no_data(township_id, period)
    for form in select_forms(workspace, period, form_keys):
        data = workspace.find_report_data(township_id, form.key, period)
        has_input = data is not None and data.has_input
        if form.key in declared:
            (with_data if has_input else declared_forms).append(form)
            continue
        if data is None or not has_input:
            empty.append(form)
            continue
        blocking = workspace.validate(data).blocking
        n_errors = sum(1 for f in blocking if f.severity == "错误")
        if n_errors:
            errors.append((form, n_errors))
        if len(blocking) - n_errors:
            unexplained.append((form, len(blocking) - n_errors))
    return Readiness(tuple(empty), tuple(errors), tuple(unexplained), tuple(with_data), tuple(declared_forms))
