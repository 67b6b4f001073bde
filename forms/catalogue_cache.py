"""The checked form catalogue kept between runs, so a start does not parse and check every YAML
file again (PyYAML's import and parsing plus the checks are most of a headless command's fixed cost).

The cache is one JSON file holding the built ``FormSpec`` objects and a fingerprint of everything
they were built from: the bytes of every form file and reference table, and the code that reads and
checks them (or, in a frozen build without sources, the version and build date). A cache whose
fingerprint differs, that cannot be read, or that does not decode into the same kinds of objects is
ignored and rebuilt from the files: a stale cache is never used. It is written to a temporary name
and renamed, so a crash never leaves half a cache; failing to write it only costs speed.

JSON with type tags, never pickle: decoding builds only the dataclasses of ``forms.spec``, tuples,
dicts and JSON scalars (formulas stay text and are parsed by the safe evaluator when used).
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from forms import spec as spec_module
from forms.reference import REFERENCE_FILES
from forms.spec import FormSpec

__all__ = ["cache_files", "fingerprint", "read_cached", "write_cached", "encode", "decode"]

CACHE_NAME = "forms-catalogue.json"
FORMAT = 1  # bump when the encoding itself changes
# The code that turns files into specs: a change to any of them makes every cache stale.
_CODE = ("spec.py", "loader.py", "formula.py", "reference.py", "catalogue.py", "catalogue_cache.py")
_REFERENCE_FILES = REFERENCE_FILES  # every file ReferenceData.load reads
_CLASSES: dict[str, type] = {name: obj for name, obj in vars(spec_module).items()
                             if isinstance(obj, type) and dataclasses.is_dataclass(obj)}


def cache_files() -> Iterator[Path]:
    """Where the cache may live, in order: ``JNJP_CACHE_DIR`` when set (empty: no cache at all),
    else the ``cache`` folder in the program's portable ``data`` folder (beside the database),
    then in the user's data folder (for a program folder that cannot be written; looked up only
    when reached)."""
    chosen = os.environ.get("JNJP_CACHE_DIR")
    if chosen is not None:
        if chosen:
            yield Path(chosen) / CACHE_NAME
        return
    frozen = getattr(sys, "frozen", False)  # as storage.location.program_dir, without its imports
    program = Path(sys.executable).resolve().parent if frozen else Path(__file__).resolve().parent.parent
    yield program / "data" / "cache" / CACHE_NAME
    try:
        from platformdirs import user_data_dir
    except ImportError:
        return
    from storage.location import APP_NAME

    yield Path(user_data_dir(APP_NAME, appauthor=False)) / "cache" / CACHE_NAME


def _code_marker() -> bytes:
    here = Path(__file__).resolve().parent
    try:
        return b"".join(name.encode() + b"\0" + (here / name).read_bytes() for name in _CODE)
    except OSError:  # a frozen build without sources: its version, build date and executable (which
        from version import VERSION, build_date  # holds the compiled code: each build changes it)

        try:
            stat = os.stat(sys.executable)
            built = f"{stat.st_size} {stat.st_mtime_ns}"
        except OSError:
            built = "?"
        return f"frozen {VERSION} {build_date()} {sys.executable} {built}".encode()


def _sha256(data: bytes) -> Any:
    try:  # CPython's own SHA-256: hashlib would load OpenSSL first (a few ms of every start)
        from _sha256 import sha256  # type: ignore[import-not-found]
    except ImportError:
        from hashlib import sha256
    return sha256(data)


def fingerprint(files: list[Path], reference_dir: Path | None) -> str:
    """The hash of every input of the catalogue: form files, reference tables, the loading code."""
    from resources import resource_path

    digest = _sha256(f"format {FORMAT}\0".encode())
    digest.update(_code_marker())
    for path in files:
        digest.update(b"\0form\0" + path.name.encode() + b"\0" + path.read_bytes())
    for name in _REFERENCE_FILES:
        path = (reference_dir / name) if reference_dir else resource_path(name)
        digest.update(b"\0ref\0" + name.encode() + b"\0" + (path.read_bytes() if path.exists() else b"-"))
    return digest.hexdigest()


def encode(value: Any) -> Any:
    """A spec (or part of one) as JSON-ready data with type tags; TypeError for anything else."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        name = type(value).__name__
        if _CLASSES.get(name) is not type(value):
            raise TypeError(name)
        return {"@": name, "f": {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}}
    if isinstance(value, tuple):
        return {"@": "tuple", "v": [encode(v) for v in value]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise TypeError("dict key")
        return {"@": "dict", "v": {k: encode(v) for k, v in value.items()}}
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    raise TypeError(type(value).__name__)


def decode(data: Any) -> Any:
    """The inverse of ``encode``; ValueError for anything ``encode`` cannot have written."""
    if isinstance(data, list):
        return [decode(v) for v in data]
    if isinstance(data, dict):
        tag = data.get("@")
        if tag == "tuple":
            return tuple(decode(v) for v in data["v"])
        if tag == "dict":
            return {k: decode(v) for k, v in data["v"].items()}
        cls = _CLASSES.get(tag) if isinstance(tag, str) else None
        if cls is None:
            raise ValueError(f"unknown tag {tag!r}")
        return cls(**{k: decode(v) for k, v in data["f"].items()})
    if data is None or isinstance(data, (str, bool, int, float)):
        return data
    raise ValueError(type(data).__name__)


def read_cached(key: str) -> list[FormSpec] | None:
    """The forms of a cache made from the same inputs, or None (missing, stale or unreadable)."""
    for path in cache_files():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError):  # RecursionError: nested beyond any form
            continue
        if not isinstance(data, dict) or data.get("fingerprint") != key:
            continue
        try:
            forms = decode(data["forms"])
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
            continue
        if isinstance(forms, list) and forms and all(isinstance(f, FormSpec) for f in forms):
            return forms
    return None


def write_cached(key: str, forms: list[FormSpec]) -> Path | None:
    """Keep ``forms`` for the next start, atomically, in the first place that can be written;
    silently not at all when none can or the forms would not read back as the same objects.
    Returns the file written."""
    try:
        encoded = encode(list(forms))
        if decode(encoded) != list(forms):
            return None
        text = json.dumps({"fingerprint": key, "forms": encoded}, ensure_ascii=False)
    except (TypeError, ValueError):
        return None  # a spec holding something JSON cannot carry: no cache, only slower
    return keep_text(text)


def keep_text(text: str, name: str | None = None) -> Path | None:
    """``text`` kept for the next start, atomically, in the first cache folder that can be written
    (``name``: a file of its own beside the catalogue's); silently nowhere when none can — a cache
    only saves time. Returns the file written."""
    from storage.tempnames import clean_leftovers, temp_name

    for place in cache_files():
        path = place if name is None else place.with_name(name)
        temp = temp_name(path)  # the program's one name for half-written files: removed if left by a kill
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            clean_leftovers(path.parent, older_than=60, only_for=path.name)
            temp.write_text(text, encoding="utf-8")
            os.replace(temp, path)
            return path
        except OSError:
            try:
                temp.unlink()
            except OSError:
                pass
    return None
