"""`python main.py validate --json` through a real subprocess: the same findings as the text output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from storage.workspace import Workspace
from tests.test_cli import run


@pytest.fixture
def demo_db(workspace: Workspace, db_path: Path) -> Path:
    workspace.close()
    return db_path


def test_validate_json_matches_text(demo_db: Path, catalogue) -> None:
    ws = Workspace.open(demo_db, catalogue=catalogue)
    town = next(t for t in ws.townships() if t.is_demo)
    rid = ws.find_report_data(town.id, "energy_consumption", "2025").report.id
    ws.edit(rid, ("energy", "diesel", "consumption"), "-5")
    ws.close()
    out = run("validate", "--db", str(demo_db), "--period", "2025", "--json")
    assert out.returncode == 1, out.stderr
    doc = json.loads(out.stdout)
    assert doc["township"].startswith("演示镇") and doc["period"] == "2025" and doc["period_label"] == "2025年"
    assert [r["form"] for r in doc["reports"]] == [f.key for f in catalogue]
    energy = doc["reports"][0]
    assert energy["status"] == "有错误" and energy["counts"]["错误"] >= 1
    bad = [f for f in energy["findings"] if f["rule"] == "范围"]
    assert bad == [dict(severity="错误", rule="范围", table="energy", row="diesel", column="consumption",
                        message="《镇街能源消费统计表》代码21 柴油 / 消费量：数值须≥0，请核对后重新填写。",
                        explained=False, note="", blocks_export=True)]
    assert doc["totals"]["错误"] == sum(r.get("counts", {}).get("错误", 0) for r in doc["reports"])
    text = run("validate", "--db", str(demo_db), "--period", "2025")
    lines = [ln.strip() for ln in text.stdout.splitlines() if ln.strip().startswith("[")]
    assert lines == [f"[{f['severity']}] {f['rule']} {f['message']}"
                     + (("（已说明）" if f["explained"] else "（缺少说明）") if f["severity"] == "警告" else "")
                     for r in doc["reports"] for f in r["findings"]]


def test_validate_json_one_form(demo_db: Path) -> None:
    out = run("validate", "--db", str(demo_db), "--period", "2025", "--form", "energy_consumption", "--json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert [r["form"] for r in doc["reports"]] == ["energy_consumption"]
    assert doc["totals"]["错误"] == 0
