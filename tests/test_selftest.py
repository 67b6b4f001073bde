"""`python main.py --self-test`: the check a built program runs on itself (CI runs it frozen too)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_self_test_passes_without_a_screen_and_without_user_data(tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONIOENCODING="utf-8", QT_QPA_PLATFORM="offscreen", HOME=str(tmp_path))
    if sys.platform == "win32":  # offscreen finds no Chinese font on Windows: the self-test uses `windows`
        env.pop("QT_QPA_PLATFORM")
    out = subprocess.run([sys.executable, str(ROOT / "main.py"), "--self-test"], capture_output=True, text=True,
                         encoding="utf-8", env=env, cwd=tmp_path, timeout=180)
    assert out.returncode == 0, out.stdout + out.stderr
    lines = out.stdout.splitlines()
    assert lines[-1] == "自检通过"
    steps = [line for line in lines if line.startswith(("✓", "✗"))]
    assert len(steps) == 7 and all(s.startswith("✓") for s in steps)
    assert "0 处变化，0 处拒绝" in out.stdout
    assert "改动原煤折标系数的副本被拒绝" in out.stdout  # r1: the manifest check (against a temporary manifest here)
    assert not (ROOT / "data" / "selftest.sqlite").exists()


def test_self_test_fails_when_chinese_would_not_render(qapp, monkeypatch, capsys) -> None:
    """Qt's offscreen platform on Windows finds no Chinese font: the self-test must say so, not pass."""
    import ui.theme
    from selftest import run_self_test

    monkeypatch.setattr(ui.theme, "cjk_family", lambda families=None: None)
    assert run_self_test() == 1
    lines = capsys.readouterr().out.splitlines()
    assert "没有中文字体，中文会显示为方框" in lines[-2] and lines[-1] == "自检失败：1 项"


@pytest.mark.parametrize(("encoding", "marks"), [("utf-8", ("✓", "✗")), ("gbk", ("√", "×")),
                                                 ("cp437", ("OK", "X"))])
def test_pass_fail_marks_are_ones_the_console_can_show(monkeypatch, encoding: str, marks: tuple[str, str]) -> None:
    """A Chinese Windows console (code page 936) turns ✓/✗ into "?"."""
    import io

    from selftest import _marks

    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(io.BytesIO(), encoding=encoding))
    assert _marks() == marks
