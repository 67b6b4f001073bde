"""s1 (issue 16): a headless command's fixed start cost — what was made lazy or kept computes
exactly what it replaced: the subcommand parsers made when used, the catalogue cache format 2
(with the reference tables and each form's referenced forms), one query for the townships that
hold a period's figures, and what a cached start no longer imports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import entry
from forms import catalogue_cache
from forms.catalogue import FormCatalogue
from forms.form_files import definitions_dir
from forms.reference import ReferenceData
from forms.spec import REFERENCED_FORMS
from storage.workspace import Workspace

ROOT = Path(__file__).resolve().parent.parent
ORDER = [name for names, _ in entry.COMMAND_GROUPS for name in names]

# One command line per subcommand and what it must parse to (the parser's old, eager answers).
SAMPLES: list[tuple[list[str], dict[str, object]]] = [
    (["validate", "--db", "d", "--period", "2025", "--json", "--form", "a", "--form", "b"],
     {"command": "validate", "cmd_db": Path("d"), "period": "2025", "as_json": True, "forms": ["a", "b"],
      "township": None}),
    (["export", "--db", "d", "--period", "2025Q3", "--out", "o.xlsx", "--readable"],
     {"command": "export", "out": Path("o.xlsx"), "readable": True, "office_copy": False, "forms": None}),
    (["import", "f.xlsx", "--db", "d", "--dry-run", "--forms", "a,b"],
     {"command": "import", "file": Path("f.xlsx"), "dry_run": True, "forms": "a,b", "replace_blank": False}),
    (["undo-import", "--db", "d", "--township", "t"], {"command": "undo-import", "township": "t", "period": None}),
    (["intake", "a.xlsx", "b.xlsx", "--db", "d", "--confirm-replace"],
     {"command": "intake", "files": [Path("a.xlsx"), Path("b.xlsx")], "confirm_replace": True, "as_json": False,
      "key": None}),
    (["completeness", "--db", "d", "--period", "2025", "--deadline", "2026-03-31"],
     {"command": "completeness", "deadline": "2026-03-31", "as_json": False}),
    (["findings", "--db", "d", "--period", "2025", "--severity", "警告"],
     {"command": "findings", "severity": "警告", "rule": None, "form": None}),
    (["accept", "--db", "d", "--township", "t", "--period", "2025", "--undo"],
     {"command": "accept", "undo": True, "forms": None}),
    (["no-data", "--db", "d", "--township", "t", "--period", "2025", "--form", "k"],
     {"command": "no-data", "reason": "", "withdraw": False, "form": "k"}),
    (["feedback", "--db", "d", "--township", "t", "--period", "2025", "--out", "f.xlsx"],
     {"command": "feedback", "out": Path("f.xlsx")}),
    (["template", "--db", "d", "--period", "2025", "--out", "t.xlsx"], {"command": "template", "township": None}),
    (["flat", "--db", "d", "--out", "f.csv"], {"command": "flat", "period": None, "out": Path("f.csv")}),
    (["aggregate", "--db", "d", "--period", "2025", "--out", "a.xlsx", "--group", "镇"],
     {"command": "aggregate", "group": "镇", "townships": None}),
    (["progress", "--db", "d", "--json"], {"command": "progress", "as_json": True, "out": None}),
    (["keys", "issue", "--key", "k", "--township", "t", "--out", "o"],
     {"command": "keys", "key_action": "issue", "key": Path("k"), "township": "t"}),
    (["package", "--key", "k", "--out", "o", "--version", "3", "--changelog", "x"],
     {"command": "package", "package_version": 3, "changelog": ["x"], "title": None}),
    (["task", "local-edits", "on", "--db", "d"], {"command": "task", "task_action": "local-edits", "switch": "on"}),
    (["db-password", "change", "--db", "d"], {"command": "db-password", "action": "change", "cmd_db": Path("d")}),
]


def _subcommands(parser: object) -> entry._LazyParsers:
    return next(a for a in parser._actions if a.dest == "command").choices  # type: ignore[attr-defined]


def test_every_subcommand_is_sampled_in_the_documented_order() -> None:
    assert [argv[0] for argv, _ in SAMPLES] == ORDER
    for name in ORDER:
        assert f"python main.py {name}" in entry.USAGE


@pytest.mark.parametrize(("argv", "expected"), SAMPLES, ids=[argv[0] for argv, _ in SAMPLES])
def test_a_subcommand_parses_as_before_and_makes_only_its_group(argv: list[str], expected: dict[str, object]) -> None:
    parser = entry.build_parser()
    made = _subcommands(parser)
    assert list(made) == ORDER and all(dict.get(made, n) is None for n in ORDER)  # nothing made yet
    args = parser.parse_args(argv)
    for key, value in expected.items():
        assert getattr(args, key) == value, key
    group = next(names for names, _ in entry.COMMAND_GROUPS if argv[0] in names)
    assert list(made) == ORDER  # the order "invalid choice" lists them in is kept
    assert [n for n in ORDER if dict.get(made, n) is not None] == list(group)
    assert all(isinstance(made[n], entry.ChineseArgumentParser) for n in ORDER)  # every group can be made


def test_argument_errors_are_worded_and_coded_as_before(capsys: pytest.CaptureFixture[str]) -> None:
    for argv, text in ((["bogus"], "无效的命令: 'bogus' (choose from " + ", ".join(repr(n) for n in ORDER) + ")"),
                       (["validate", "--db", "d"], "缺少必需的参数: --period"),
                       (["findings", "--db", "d", "--period", "2025", "--severity", "x"], "argument --severity"),
                       (["keys", "nope"], "无效的命令: 'nope'"),
                       (["export", "--db", "d", "--period", "2025", "--out", "o", "--nope"], "无法识别的参数: --nope")):
        with pytest.raises(SystemExit) as stop:
            entry.build_parser().parse_args(argv)
        assert stop.value.code == 2
        err = capsys.readouterr().err
        assert err.startswith("参数错误：") and text in err and "用法：" in err


# -- the catalogue cache, format 2 -------------------------------------------------------------------
@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("JNJP_CACHE_DIR", str(folder))
    return folder


def _key() -> str:
    return catalogue_cache.fingerprint(sorted(definitions_dir().glob("*.yaml")), None)


def _format_1(forms: list) -> object:
    """What format 1 wrote: {"@": class, "f": {field: value}}, tuples and dicts tagged."""
    def enc(value: object) -> object:
        names = getattr(type(value), "__record_names__", None)
        if names is not None:
            return {"@": type(value).__name__, "f": {n: enc(getattr(value, n)) for n in names}}
        if isinstance(value, tuple):
            return {"@": "tuple", "v": [enc(v) for v in value]}
        if isinstance(value, dict):
            return {"@": "dict", "v": {k: enc(v) for k, v in value.items()}}
        return [enc(v) for v in value] if isinstance(value, list) else value
    return enc(forms)


def _with_forms(good: dict, forms: object) -> dict:
    """``good`` holding ``forms`` instead, with their right hash (what a damaged file cannot fake)."""
    text = json.dumps(forms, ensure_ascii=False)
    return {**good, "forms": text, "forms_digest": catalogue_cache._digest(text.encode("utf-8")).hexdigest()}


def test_an_old_or_tampered_cache_is_ignored_and_rewritten(cache_dir: Path) -> None:
    loaded = FormCatalogue.load()
    path = cache_dir / catalogue_cache.CACHE_NAME
    good = json.loads(path.read_text(encoding="utf-8"))
    assert good["fingerprint"] == _key() and good["classes"][0][0] == "ColumnSpec"
    forms = json.loads(good["forms"])
    form_tag = next(i + 2 for i, (name, _) in enumerate(good["classes"]) if name == "FormSpec")
    first = forms[1]
    bad_bodies = [
        {"fingerprint": _key(), "forms": _format_1(list(loaded.forms))},  # format 1 under today's key
        {**good, "classes": good["classes"][:-1]},  # classes not the program's
        {**good, "classes": [[n, f[:-1]] for n, f in good["classes"]]},  # a field fewer
        {**good, "forms": good["forms"].replace("energy", "enerxy", 1)},  # a byte changed: not the text hashed
        {**good, "forms_digest": "0" * 64},
        {key: value for key, value in good.items() if key != "forms_digest"},
        _with_forms(good, _format_1(list(loaded.forms))),
        _with_forms(good, [1, [len(good["classes"]) + 2, *first[1:]], *forms[2:]]),  # a tag no class has
        _with_forms(good, [1, [True, *first[1:]], *forms[2:]]),  # a bool is no tag
        _with_forms(good, [1, [form_tag, *first[1:-1]], *forms[2:]]),  # a value fewer
        _with_forms(good, [1, [form_tag, *first[1:], "extra"], *forms[2:]]),  # a value more
        _with_forms(good, [1, [form_tag, *first[1:10], [0], *first[11:]], *forms[2:]]),  # tables not kept as text
        _with_forms(good, [1, {"@": "FormSpec"}]),
        _with_forms(good, [1, []]),
        _with_forms(good, [1]),
    ]
    for body in bad_bodies:
        path.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
        assert catalogue_cache.read_cached(_key()) is None
        again = FormCatalogue.load()  # from the files, and the cache written again in format 2
        assert list(again.forms) == list(loaded.forms)
        assert json.loads(path.read_text(encoding="utf-8")) == good


def test_a_cached_forms_tables_are_made_when_first_read(cache_dir: Path) -> None:
    import pickle

    loaded = FormCatalogue.load()
    cached = FormCatalogue.load()
    assert all("tables" not in vars(f) for f in cached.forms)  # nothing decoded yet
    sent = pickle.loads(pickle.dumps(cached))  # as the district intake sends it to its reading processes
    assert list(sent.forms) == list(loaded.forms) and all("tables" in vars(f) for f in sent.forms)
    first = cached.forms[0]
    assert first.tables == loaded.forms[0].tables and type(first.tables) is tuple
    assert first.tables is first.tables and "tables" in vars(first)  # made once, then kept
    assert all("tables" not in vars(f) for f in cached.forms[1:])  # only what was read
    assert cached.forms == loaded.forms and repr(cached.forms[1]) == repr(loaded.forms[1])
    with pytest.raises(AttributeError, match="'FormSpec' object has no attribute 'no_such_field'"):
        cached.forms[2].no_such_field  # noqa: B018
    import dataclasses

    import records

    renamed = dataclasses.replace(cached.forms[3], name="改名")  # the copy reads the tables made later
    assert renamed.tables == loaded.forms[3].tables and renamed.name == "改名"
    assert dataclasses.asdict(cached.forms[4]) == dataclasses.asdict(loaded.forms[4])
    with pytest.raises(TypeError, match="a field with a default cannot be made later"):
        records.build(type(first), [None] * len(first.__record_names__), {"upgrades": (json.loads, "[]")})


def test_the_cache_keeps_the_reference_tables_and_referenced_forms(cache_dir: Path) -> None:
    from forms.validation import referenced_forms

    loaded = FormCatalogue.load()  # from the files, and written
    cached = FormCatalogue.load()
    assert cached.reference is not loaded.reference and vars(cached.reference) == vars(ReferenceData.load())
    assert all(type(y) is int for table in cached.reference.rates.values() for y in table)
    for form in cached.forms:
        kept = form.__dict__[REFERENCED_FORMS]  # restored from the cache, not worked out
        assert kept == frozenset(referenced_forms(next(f for f in loaded.forms if f.key == form.key)))
    assert any(form.__dict__[REFERENCED_FORMS] for form in cached.forms)  # some form reads another
    assert REFERENCED_FORMS not in repr(cached.forms[0]) and cached.forms == loaded.forms

    path = cache_dir / catalogue_cache.CACHE_NAME
    good = json.loads(path.read_text(encoding="utf-8"))
    for reference, derived in ((None, None), ({"units": 1}, {"referenced_forms": {"x": [1]}}), ([], [])):
        body = {**good, "reference": reference, "derived": derived}
        path.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
        again = FormCatalogue.load()  # the forms still kept; the tables read from their files
        assert vars(again.reference) == vars(loaded.reference)
        assert all(REFERENCED_FORMS not in vars(f) for f in again.forms)
        assert [referenced_forms(f) for f in again.forms] == [referenced_forms(f) for f in loaded.forms]


def test_a_cached_start_imports_no_loader_yaml_csv_or_openssl(workspace: Workspace, demo_township,
                                                              tmp_path: Path) -> None:
    """The whole ``validate`` command, run twice (the first keeps the catalogue); the period's
    validations kept by a session before (as the window keeps them): no validation engine either."""
    workspace.validate_period(demo_township.id, "2025")  # validated and kept
    db = workspace.path
    workspace.close()
    engine = ("forms.validation", "forms.compute", "forms.formula", "ast", "simpleeval", "forms.values")
    probe = ("import sys, runpy; sys.path.insert(0, sys.argv[1]); sys.argv = sys.argv[2:]; "
             "code = 0\ntry: runpy.run_path(sys.argv[0], run_name='__main__')\nexcept SystemExit as e: code = e.code\n"
             "print('MODULES', code, *(m in sys.modules for m in "
             f"('forms.loader', 'yaml', 'csv', 'hashlib', 'dataclasses', 'inspect', 'forms.upgrade_steps', *{engine!r})))")
    env = dict(os.environ, JNJP_CACHE_DIR=str(tmp_path / "cache"))
    for _ in range(2):
        done = subprocess.run([sys.executable, "-c", probe, str(ROOT), str(ROOT / "main.py"), "validate", "--db",
                               str(db), "--period", "2025"], capture_output=True, text=True, timeout=120, env=env,
                              cwd=ROOT)
    line = next(li for li in done.stdout.splitlines() if li.startswith("MODULES"))
    assert line.split()[1:] == ["0", *["False"] * (7 + len(engine))], done.stderr


# -- one query for the townships holding a period's figures ----------------------------------------
def test_townships_with_input_is_every_township_asked_in_turn(workspace: Workspace, demo_township) -> None:
    store = workspace.store

    def asked_in_turn(period: str) -> list[int]:
        return [t.id for t in workspace.townships()
                if any(store.has_input(r.id) for r in store.reports_for(t.id, period))]

    others = [t for t in workspace.townships() if not t.is_demo][:4]
    form = workspace.catalogue.forms[0]
    cell = (form.tables[0].key, form.tables[0].rows[0].key if form.tables[0].rows else "r1",
            form.tables[0].columns[-1].key)
    blank = store.ensure_report(others[0].id, form.key, form.version, "2025")  # a report with nothing in it
    noted = store.ensure_report(others[1].id, form.key, form.version, "2025")  # a 说明 alone is no figure
    store.set_note(noted.id, cell, "说明", "测试员")
    cleared = store.ensure_report(others[2].id, form.key, form.version, "2025")  # a value set, then cleared
    store.set_value(cleared.id, cell, 5.0, "测试员")
    store.set_value(cleared.id, cell, None, "测试员")
    filled = store.ensure_report(others[3].id, form.key, form.version, "2024")  # another period
    store.set_value(filled.id, cell, 1e308, "测试员")
    assert blank and noted
    for period in ("2025", "2024", "2023", "2025Q1"):
        assert [t.id for t in workspace.townships_with_input(period)] == asked_in_turn(period)
    assert [t.id for t in workspace.townships_with_input("2025")] == [demo_township.id]  # blank, 说明, cleared: none
    assert [t.id for t in workspace.townships_with_input("2024")] == [demo_township.id, others[3].id]


def test_the_script_only_starts_the_compiled_module() -> None:
    """Python compiles a script at every start (and keeps bytecode only for modules): main.py
    defines nothing itself; ``import main`` gives the same entry points as before."""
    import main

    code = compile((ROOT / "main.py").read_text(encoding="utf-8"), "main.py", "exec")
    assert not [c for c in code.co_consts if hasattr(c, "co_code")]  # no function or class of its own
    assert main.main is entry.main and main.build_parser is entry.build_parser and main.USAGE is entry.USAGE


def test_yaml_files_are_the_glob_of_them(tmp_path: Path) -> None:
    from forms.form_files import yaml_files

    for name in ("b.yaml", "a.yaml", ".hidden.yaml", "c.yml", "d.yaml.bak", "E.YAML", "表式.yaml", "x.yaml.yaml"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    (tmp_path / "folder.yaml").mkdir()  # a folder so named: glob lists it too
    assert yaml_files(tmp_path) == sorted(tmp_path.glob("*.yaml"))
    assert yaml_files(tmp_path / "missing") == sorted((tmp_path / "missing").glob("*.yaml")) == []
    assert yaml_files(definitions_dir()) == sorted(definitions_dir().glob("*.yaml")) != []
