"""Small form definitions of our own for the data-entry tests, so they do not follow every change
of the real forms: a grid with input, computed and not-applicable cells and a 警告 rule, and a
list table (名录) with names, codes and figures."""

from __future__ import annotations

from pathlib import Path


def form_header(key: str, code: str, name: str, order: int, authority: str = "测试") -> str:
    """The label block every test form starts with, up to ``tables:``."""
    return (f"key: {key}\ncode: {code}\nname: {name}\nauthority: {authority}\napproval_authority: \"\"\n"
            f"approval_no: \"\"\nvalid_until: 2027年12月\nperiod_type: 年报\nversion: 1\norder: {order}\ntables:\n")


GRID_FORM = form_header("entry_grid", "测试1表", "录入测试表", 10, "测试") + """
  - key: t
    title: 分项
    kind: grid
    row_label: 项目
    columns:
      - {key: a, label: 甲量, decimals: 2, min: 0, width: 12}
      - {key: half, label: 折半, decimals: 2, formula: a * 0.5}
      - {key: b, label: 乙量, decimals: 2, width: 12}
      - {key: c, label: 合计量, decimals: 2, formula: a + b}
    rows:
      - {key: r1, code: "01", label: 第一项, unit: 吨}
      - {key: r2, code: "02", label: 第二项, unit: 吨}
      - {key: r3, code: "03", label: 第三项, unit: 吨, blocked: [b]}
      - {key: r4, code: "04", label: 第四项, unit: 吨}
      - {key: r5, code: "05", label: 第五项, unit: 吨}
      - key: total
        code: "06"
        label: 合计
        unit: 吨
        kind: total
        formulas: {c: "sum_rows('c')"}
  - key: t2
    title: 其他指标
    kind: grid
    row_label: 指标名称
    columns:
      - {key: v, label: 本期, decimals: 2}
    rows:
      - {key: gdp, code: "07", label: 地区生产总值, unit: 万元}
rules:
  - id: W1
    severity: 警告
    table: t
    scope: row
    anchor: a
    assert: a <= 1000
    message: 甲量超过1000，请核实
"""

LIST_FORM = form_header("entry_list", "测试2表", "重点用能单位名录", 20, "测试") + """
  - key: units
    title: 重点用能单位
    kind: list
    columns:
      - {key: name, label: 单位名称, type: text, required: true, width: 20}
      - {key: code, label: 组织机构代码, type: text}
      - {key: energy, label: 综合能耗, unit: 吨标准煤, type: number, decimals: 2, min: 0}
      - {key: double, label: 两倍, unit: 吨标准煤, decimals: 2, formula: energy * 2}
"""

SEED = {"r1": (10, 1), "r2": (20, 2), "r3": (30, None), "r4": (40, 4), "r5": (50, 5)}


def entry_catalogue(folder: Path, reference):
    """A catalogue of the two test forms (reference data shared with the real one)."""
    from forms.catalogue import FormCatalogue

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "entry_grid.yaml").write_text(GRID_FORM, encoding="utf-8")
    (folder / "entry_list.yaml").write_text(LIST_FORM, encoding="utf-8")
    return FormCatalogue.load(folder, reference)


def entry_workspace(db: Path, catalogue, period: str = "2025"):
    """A database with one township and the grid form's report of ``period`` filled from SEED."""
    from storage.workspace import Workspace

    ws = Workspace.open(db, catalogue=catalogue, demo=False, user="测试员")
    township = ws.townships()[0]
    data = ws.open_report(township.id, "entry_grid", period)
    cells = [(("t", r, "a"), a) for r, (a, _b) in SEED.items()]
    cells += [(("t", r, "b"), b) for r, (_a, b) in SEED.items() if b is not None]
    ws.edit_many(data.report.id, cells, reason="测试数据")
    ws.refresh_status(data.report.id)
    return ws, township
