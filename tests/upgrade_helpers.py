"""Form files of a test's own with a raised version (d3: form version steps): the shipped
definitions copied into a folder, then one file edited (text replacements) and loaded."""

from __future__ import annotations

from pathlib import Path

from forms.catalogue import FormCatalogue
from tests.catalogue_files import full_catalogue_folder


def edited_catalogue(folder: Path, edits: dict[str, list[tuple[str, str]]],
                     extra: dict[str, str] | None = None) -> FormCatalogue:
    """The shipped catalogue in ``folder`` with ``extra`` files added and each file's (old, new)
    replacements applied (each ``old`` must occur); loaded and checked like the real one."""
    folder.mkdir(parents=True, exist_ok=True)
    full_catalogue_folder(folder)
    for name, text in (extra or {}).items():
        (folder / name).write_text(text, encoding="utf-8")
    for name, pairs in edits.items():
        path = folder / name
        text = path.read_text(encoding="utf-8")
        for old, new in pairs:
            assert old in text, f"{name}: {old!r} not found"
            text = text.replace(old, new)
        path.write_text(text, encoding="utf-8")
    return FormCatalogue.load(folder)


def audit_rows(ws, report_id: int, who: str = "upgrade") -> list[dict]:  # noqa: ANN001
    return [a for a in ws.store.audit(report_id) if a["who"] == who]


# A form of the tests' own, at version 1 (the shipped forms' versions move on; this one stays put).
TRIAL_V1 = """key: trial
code: 测试9表
name: 升级测试表
authority: 测试
valid_until: 2027年12月
period_type: 年报
version: 1
order: 99
tables:
  - key: totals
    title: 合计
    kind: grid
    columns:
      - {key: value, label: 本期, decimals: 2, min: 0}
    rows:
      - {key: chargers, code: "01", label: 充电桩, unit: 个}
      - {key: prefab, code: "02", label: 装配式建筑面积, unit: 万平方米}
      - {key: nev, code: "03", label: 新能源汽车保有量, unit: 辆}
      - {key: share, code: "04", label: 比例, unit: "%", formulas: {value: "cell('chargers', 'value') / 10"}}
  - key: pv
    title: 光伏项目
    kind: list
    columns:
      - {key: name, label: 项目名称, type: text}
      - {key: area, label: 屋顶面积, unit: 平方米, decimals: 1, min: 0}
"""
