"""r4 (issue 16): the checked 说明 policy is kept between runs, so a command that checks a 说明
does not import PyYAML; a changed or broken file is never answered from the kept copy."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from forms.note_check import NotePolicyError, load_note_policy, note_policy

ROOT = Path(__file__).resolve().parent.parent
GOOD = "min_letters: 4\nmin_length: 5\nguide: 写明原因\nphrases: [经核实, 无误, 甲厂]\n"
PROBE = ("import sys; sys.path.insert(0, sys.argv[1]); from pathlib import Path; "
         "from forms.note_check import load_note_policy; p = load_note_policy(Path(sys.argv[2])); "
         "print(p.phrases[0], p.min_letters, 'yaml' in sys.modules)")


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("JNJP_CACHE_DIR", str(folder))
    return folder


def _probe(path: Path) -> list[str]:
    done = subprocess.run([sys.executable, "-c", PROBE, str(ROOT), str(path)], capture_output=True, text=True,
                          timeout=60, check=True, env=dict(os.environ))
    return done.stdout.split()


def test_a_checked_policy_is_read_back_without_yaml(tmp_path: Path, cache_dir: Path) -> None:
    path = tmp_path / "note_phrases.yaml"
    path.write_text(GOOD, encoding="utf-8")
    assert _probe(path) == ["经核实", "4", "True"]  # first: checked from the YAML, then kept
    assert (cache_dir / "note-phrases.json").exists()
    assert _probe(path) == ["经核实", "4", "False"]


def test_the_kept_copy_is_the_checked_one_and_never_stale(tmp_path: Path, cache_dir: Path) -> None:
    path = tmp_path / "note_phrases.yaml"
    path.write_text(GOOD, encoding="utf-8")
    first = load_note_policy(path)
    kept = cache_dir / "note-phrases.json"
    assert kept.exists() and load_note_policy(path) == first
    path.write_text(GOOD.replace("min_letters: 4", "min_letters: 6"), encoding="utf-8")  # changed: checked again
    assert load_note_policy(path).min_letters == 6
    path.write_text("min_letters: x\nmin_length: 5\nguide: g\nphrases: [a]\n", encoding="utf-8")
    with pytest.raises(NotePolicyError, match="note_phrases.yaml"):  # broken: never answered from the cache
        load_note_policy(path)
    path.write_text(GOOD, encoding="utf-8")
    for damage in ("{", '{"key": 1}', "[]", "\x00", ""):
        kept.write_text(damage, encoding="utf-8")
        assert load_note_policy(path) == first  # a damaged copy is ignored (and written again)
    assert '"key"' in kept.read_text(encoding="utf-8")


def test_the_shipped_policy_is_the_same_kept_or_not(cache_dir: Path) -> None:
    from resources import resource_path

    note_policy.cache_clear()
    try:
        fresh = note_policy()
        note_policy.cache_clear()
        assert (cache_dir / "note-phrases.json").exists() and note_policy() == fresh
        assert fresh == load_note_policy(resource_path("note_phrases.yaml"))
    finally:
        note_policy.cache_clear()
