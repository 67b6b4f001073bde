"""District 审核: every received report validated with the district's catalogue (the same form
files), findings per township with the township's 说明 and the district's remark, filterable;
plus the rules across townships declared in the form files (``district_rules``) and identical
submissions found at intake.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from forms.findings import SEVERITY_ORDER, Severity

if TYPE_CHECKING:
    from storage.workspace import Workspace

__all__ = ["DistrictFinding", "district_findings", "IDENTICAL_RULE", "received_townships"]

IDENTICAL_RULE = "同数据"
CellKey = tuple[str, str, str]


@dataclass(frozen=True)
class DistrictFinding:
    """One problem of one township's report, as the district sees it."""

    township_id: int
    township: str
    form_key: str
    form_code: str
    severity: str
    rule_id: str
    cell: CellKey
    location: str  # 《表名》第3行 原煤 / 消费量
    row_code: str
    row_label: str
    col_label: str
    value: Any
    text: str
    note: str = ""  # the township's 说明 on the cell
    explained: bool = False
    remark: str = ""  # the district's remark
    across: bool = False  # a rule across townships

    @property
    def key(self) -> tuple[str, str, str, str, str]:
        """How a remark is stored: (form, rule, table, row, column)."""
        return (self.form_key, self.rule_id, *self.cell)


def received_townships(ws: Workspace, period: str) -> list[int]:
    """Townships whose file is in force for ``period``, in the catalogue's order."""
    current = ws.current_intake(period)
    return [t.id for t in ws.townships() if t.id in current]


def district_findings(ws: Workspace, period: str, *, township_id: int | None = None, severity: str | None = None,
                      form_key: str | None = None, rule_id: str | None = None) -> list[DistrictFinding]:
    """The findings of every received report (of one township when given), filtered by severity,
    form and rule; rules across townships always look at every township."""
    towns = received_townships(ws, period)
    found: list[DistrictFinding] = []
    for town in towns:
        if township_id is not None and town != township_id:
            continue
        found += _township_findings(ws, town, period)
    found += _across_townships(ws, period, towns)
    found += _identical(ws, period)
    remarks: dict[int, dict] = {}
    out = []
    for f in found:
        if township_id is not None and f.township_id != township_id:
            continue
        if (severity and f.severity != severity) or (form_key and f.form_key != form_key) or \
                (rule_id and f.rule_id != rule_id):
            continue
        town_remarks = remarks.setdefault(f.township_id, ws.district_remarks(f.township_id, period))
        remark = town_remarks.get(f.key, "")
        out.append(f if not remark else _with(f, remark=remark))
    names = {t.id: i for i, t in enumerate(ws.townships())}
    out.sort(key=lambda f: (names.get(f.township_id, 0), f.form_code, SEVERITY_ORDER.get(Severity(f.severity), 9)))
    return out


def _with(f: DistrictFinding, **changes: Any) -> DistrictFinding:
    from dataclasses import replace

    return replace(f, **changes)


def _row_code(ws: Workspace, form_key: str, cell: CellKey) -> str:
    try:
        table = ws.form(form_key).table(cell[0])
        return table.row(cell[1]).code if table.kind == "grid" else ""
    except KeyError:
        return ""


def _township_findings(ws: Workspace, township_id: int, period: str) -> list[DistrictFinding]:
    name = ws.township(township_id).name
    out = []
    for key, (data, result) in ws.validate_period(township_id, period).items():
        form = ws.form(key)
        for f in result.findings:
            value = data.values.get(f.cell)
            if value is None:
                value = result.computed.get(*f.cell)
            out.append(DistrictFinding(township_id, name, key, form.code, str(f.severity), f.rule_id, f.cell,
                                       f.location, _row_code(ws, key, f.cell), f.row_label, f.col_label, value,
                                       f.text, data.notes.get(f.cell, ""), f.explained))
    return out


def _across_townships(ws: Workspace, period: str, towns: Iterable[int]) -> list[DistrictFinding]:
    """``district_rules`` of kind same_value_in_townships: one value of a list column in the
    lists of two or more townships (an enterprise counted twice)."""
    out: list[DistrictFinding] = []
    towns = list(towns)
    for form in ws.catalogue:
        for rule in form.district_rules:
            table = form.table(rule.table)
            col = table.column(rule.column)
            seen: dict[Any, list[tuple[int, str, int, str]]] = {}
            for town in towns:
                data = ws.find_report_data(town, form.key, period)
                if data is None:
                    continue
                for position, row in enumerate(data.list_rows.get(table.key, []), start=1):
                    value = data.values.get((table.key, row, col.key))
                    if value not in (None, ""):
                        first_text = next((str(v) for c in table.columns
                                           if isinstance(v := data.values.get((table.key, row, c.key)), str)), "")
                        seen.setdefault(str(value).strip().upper(), []).append((town, row, position, first_text))
            for value, where in seen.items():
                if len({w[0] for w in where}) < 2:
                    continue
                names = {w[0]: ws.township(w[0]).name for w in where}
                for town, row, position, label in where:
                    others = "、".join(n for t, n in names.items() if t != town)
                    location = f"《{form.name}》第{position}行" + (f" {label}" if label else "") + f" / {col.label}"
                    out.append(DistrictFinding(town, names[town], form.key, form.code, rule.severity, rule.id,
                                               (table.key, row, col.key), location, "", label, col.label, value,
                                               f"{rule.message}（另见：{others}）", across=True))
    return out


def _identical(ws: Workspace, period: str) -> list[DistrictFinding]:
    """Townships whose files in force carry exactly the same values (found at intake)."""
    groups: dict[str, list[int]] = {}
    for town, line in ws.current_intake(period).items():
        if line.data_sha256:
            groups.setdefault(line.data_sha256, []).append(town)
    out = []
    for towns in groups.values():
        if len(towns) < 2:
            continue
        for town in towns:
            others = "、".join(ws.township(t).name for t in towns if t != town)
            out.append(DistrictFinding(town, ws.township(town).name, "", "全部", "警告", IDENTICAL_RULE, ("", "", ""),
                                       "整个文件", "", "", "", None, f"报送文件的数据与{others}完全相同，疑似复制",
                                       across=True))
    return out
