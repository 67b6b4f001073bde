"""The checked catalogue kept between starts (forms.catalogue_cache): the same forms as loading
the YAML files, and never used once any input changed or the file is damaged."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from forms import catalogue_cache
from forms.catalogue import FormCatalogue
from forms.loader import definitions_dir
from forms.reference import REFERENCE_FILES


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("JNJP_CACHE_DIR", str(folder))
    return folder


def _by_key(forms: object) -> list:
    return sorted(forms, key=lambda f: f.key)  # type: ignore[call-overload]


def _with_forms(key: str, forms_json: str) -> str:
    return '{"fingerprint": "' + key + '", "forms": ' + forms_json + "}"


def _bundled_key() -> str:
    return catalogue_cache.fingerprint(sorted(definitions_dir().glob("*.yaml")), None)


def test_cached_catalogue_equals_the_loaded_one(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    loaded = FormCatalogue.load()  # no cache yet: from the files, and written
    assert (cache_dir / catalogue_cache.CACHE_NAME).is_file()
    import forms.loader

    def no_yaml(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the cached catalogue must not parse the YAML files")

    monkeypatch.setattr(forms.loader, "load_form_file", no_yaml)
    monkeypatch.setattr("forms.catalogue.load_form_file", no_yaml)
    cached = FormCatalogue.load()
    assert [f.key for f in cached] == [f.key for f in loaded]
    assert list(cached.forms) == list(loaded.forms)  # every field of every spec, tuples as tuples
    for a, b in zip(cached.forms, loaded.forms):
        assert type(a.tables) is tuple and type(a.tables[0].columns) is tuple
        assert a.tables[0].columns[0].__class__ is b.tables[0].columns[0].__class__


def test_a_changed_input_makes_the_cache_stale(tmp_path: Path) -> None:
    folder = tmp_path / "forms"
    shutil.copytree(definitions_dir(), folder)
    files = sorted(folder.glob("*.yaml"))
    key = catalogue_cache.fingerprint(files, None)
    assert key == _bundled_key()
    text = files[0].read_bytes()  # bytes: Windows' text mode would write \r\n
    files[0].write_bytes(text.replace(b"name:", b"name: ", 1))  # one byte more
    assert catalogue_cache.fingerprint(files, None) != key
    files[0].write_bytes(text)
    (folder / "zz_extra.yaml").write_bytes(text)  # a file more
    assert catalogue_cache.fingerprint(sorted(folder.glob("*.yaml")), None) != key
    reference = tmp_path / "reference"
    reference.mkdir()
    from resources import resource_path

    for name in REFERENCE_FILES:
        shutil.copy(resource_path(name), reference / name)
    assert catalogue_cache.fingerprint(files, reference) == key
    for name in REFERENCE_FILES:  # each reference file counts (a 等价值 rate the district sets, a density …)
        kept = (reference / name).read_bytes()
        (reference / name).write_bytes(kept + b"\n")
        assert catalogue_cache.fingerprint(files, reference) != key, name
        (reference / name).write_bytes(kept)


def test_stale_or_damaged_cache_is_never_used(cache_dir: Path) -> None:
    loaded = FormCatalogue.load()
    path = cache_dir / catalogue_cache.CACHE_NAME
    key = _bundled_key()
    assert _by_key(catalogue_cache.read_cached(key)) == _by_key(loaded.forms)
    assert catalogue_cache.read_cached("0" * 64) is None  # another fingerprint
    good = path.read_text(encoding="utf-8")
    for damaged in ("", "{", "[]", json.dumps({"fingerprint": key}),
                    json.dumps({"fingerprint": key, "forms": {"@": "os.system", "f": {}}}),
                    json.dumps({"fingerprint": key, "forms": [{"@": "FormSpec", "f": {"no_such_field": 1}}]}),
                    json.dumps({"fingerprint": key, "forms": []}),
                    json.dumps({"fingerprint": key, "forms": [{"@": "FormSpec", "f": "not a mapping"}]}),
                    json.dumps({"fingerprint": key, "forms": [[]]}),
                    _with_forms(key, "[" * 100_000 + "]" * 100_000),
                    _with_forms(key, '{"@": "tuple", "v": [' * 5000 + "]}" * 5000),
                    good.replace('"RuleSpec"', '"Popen"', 1)):
        path.write_text(damaged, encoding="utf-8")
        assert catalogue_cache.read_cached(key) is None, damaged[:60]
        again = FormCatalogue.load()  # rebuilt from the files and written again
        assert list(again.forms) == list(loaded.forms)
        assert _by_key(catalogue_cache.read_cached(key)) == _by_key(loaded.forms)


def test_a_write_killed_midway_is_cleaned_up(cache_dir: Path) -> None:
    import os

    from storage.tempnames import temp_name

    cache_dir.mkdir(parents=True)
    left = temp_name(cache_dir / catalogue_cache.CACHE_NAME)
    left.write_text('{"fingerprint": "half', encoding="utf-8")
    os.utime(left, (1, 1))  # long ago: no other program is still writing it
    FormCatalogue.load()
    assert not left.exists()
    assert [p.name for p in cache_dir.iterdir()] == [catalogue_cache.CACHE_NAME]


def test_no_cache_when_it_cannot_be_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    monkeypatch.setenv("JNJP_CACHE_DIR", str(blocker / "cache"))  # a folder inside a file: cannot exist
    assert len(FormCatalogue.load()) > 0
    monkeypatch.setenv("JNJP_CACHE_DIR", "")  # switched off
    assert list(catalogue_cache.cache_files()) == []
    assert len(FormCatalogue.load()) > 0


def test_encode_refuses_what_it_cannot_carry() -> None:
    with pytest.raises(TypeError):
        catalogue_cache.encode({1: "a"})
    with pytest.raises(TypeError):
        catalogue_cache.encode({"a": {1, 2}})
    value = {"a": (1, 2.5, None, True, ("x",)), "b": [1e308, -0.0]}
    assert catalogue_cache.decode(json.loads(json.dumps(catalogue_cache.encode(value)))) == value


def test_without_sources_the_build_is_the_marker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A frozen build has no .py files: its executable (rewritten by each build) marks the code."""
    monkeypatch.setattr(catalogue_cache, "_CODE", ("no_such_module.py",))
    exe = tmp_path / "jnjp.exe"
    exe.write_bytes(b"build 1")
    monkeypatch.setattr("sys.executable", str(exe))
    first = catalogue_cache._code_marker()
    assert first.startswith(b"frozen ")
    exe.write_bytes(b"build 2, another size")
    assert catalogue_cache._code_marker() != first
