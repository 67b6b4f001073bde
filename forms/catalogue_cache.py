"""The checked form catalogue kept between runs, so a start does not parse and check every YAML
file again (PyYAML's import and parsing plus the checks are most of a headless command's fixed cost).

The cache is one JSON file holding the built ``FormSpec`` objects and a fingerprint of everything
they were built from: the bytes of every form file and reference table, and the code that reads and
checks them (or, in a frozen build without sources, the version and build date). A cache whose
fingerprint differs, that cannot be read, or that does not decode into the same kinds of objects is
ignored and rebuilt from the files: a stale cache is never used. It is written to a temporary name
and renamed, so a crash never leaves half a cache; failing to write it only costs speed.

JSON with type tags, never pickle: decoding builds only the record classes of ``forms.spec``, tuples,
lists, dicts and JSON scalars (formulas stay text and are parsed by the safe evaluator when used).
Format 2 (s1, issue 16) is compact for a fast start: a container is an array whose first item says
what it is (0 tuple, 1 list, 2 + i the i-th spec class, its field values in order), a dict is a JSON
object, anything else a scalar; the file names the spec classes and their fields, and a file whose
classes differ from the program's, or of format 1, is ignored and rewritten.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from forms import reference as reference_module
from forms import spec as spec_module
from forms.form_files import forms_dir
from forms.reference import REFERENCE_FILES, ReferenceData
from forms.spec import REFERENCED_FORMS, FormSpec
from records import build

__all__ = ["cache_files", "fingerprint", "read_cached", "write_cached", "encode", "decode"]

CACHE_NAME = "forms-catalogue.json"
FORMAT = 2  # bump when the encoding itself changes (2: compact arrays, s1)
# The code that turns files into specs: a change to any of them makes every cache stale
# (``../records.py`` makes the spec classes).
_CODE = ("spec.py", "loader.py", "formula.py", "reference.py", "catalogue.py", "catalogue_cache.py", "../records.py")
_REFERENCE_FILES = REFERENCE_FILES  # every file ReferenceData.load reads
# The spec classes and the reference tables' (s1: kept too, so a start reads no CSV), in the order
# of their tags (2, 3, …), with their field names.
_ORDER: tuple[type, ...] = tuple(obj for module in (spec_module, reference_module) for obj in vars(module).values()
                                 if isinstance(obj, type) and "__record_names__" in vars(obj)
                                 and obj.__module__ == module.__name__)
_CLASSES: dict[str, type] = {cls.__name__: cls for cls in _ORDER}
_TAGS: dict[type, int] = {cls: i + 2 for i, cls in enumerate(_ORDER)}
_TUPLE, _LIST = 0, 1
_HEADER = [[cls.__name__, list(cls.__record_names__)] for cls in _ORDER]  # type: ignore[attr-defined]


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
    program = Path(sys.executable).resolve().parent if frozen else forms_dir().parent
    yield program / "data" / "cache" / CACHE_NAME
    try:
        from platformdirs import user_data_dir
    except ImportError:
        return
    from storage.location import APP_NAME

    yield Path(user_data_dir(APP_NAME, appauthor=False)) / "cache" / CACHE_NAME


def _code_marker() -> bytes:
    here = forms_dir()
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


def _digest(data: bytes) -> Any:
    """A hash object for the fingerprints of many files' bytes (s1): BLAKE2b (32 bytes), built into
    CPython like ``_sha256`` but about four times faster than CPython's own SHA-256."""
    try:
        from _blake2 import blake2b  # type: ignore[import-not-found]
    except ImportError:
        from hashlib import blake2b
    return blake2b(data, digest_size=32)


def fingerprint(files: list[Path], reference_dir: Path | None) -> str:
    """The hash of every input of the catalogue: form files, reference tables, the loading code."""
    from resources import resource_path

    digest = _digest(f"format {FORMAT}\0".encode())
    digest.update(_code_marker())
    for path in files:
        digest.update(b"\0form\0" + path.name.encode() + b"\0" + path.read_bytes())
    for name in _REFERENCE_FILES:
        path = (reference_dir / name) if reference_dir else resource_path(name)
        digest.update(b"\0ref\0" + name.encode() + b"\0" + (path.read_bytes() if path.exists() else b"-"))
    return digest.hexdigest()


def encode(value: Any) -> Any:
    """A spec (or part of one) as JSON-ready data with type tags; TypeError for anything else."""
    kind = type(value)
    if kind in _TAGS:
        return [_TAGS[kind], *(encode(getattr(value, name)) for name in kind.__record_names__)]
    if kind is tuple:
        return [_TUPLE, *(encode(v) for v in value)]
    if kind is list:
        return [_LIST, *(encode(v) for v in value)]
    if kind is dict:
        if not all(type(k) is str for k in value):
            raise TypeError("dict key")
        return {k: encode(v) for k, v in value.items()}
    if value is None or kind in (str, bool, int, float):
        return value
    raise TypeError(kind.__name__)


def decode(data: Any) -> Any:
    """The inverse of ``encode``; ValueError for anything ``encode`` cannot have written."""
    kind = type(data)
    if kind is list:
        if not data:
            raise ValueError("untagged array")
        tag = data[0]
        # (scalars, most values, are taken as they are, without a call each)
        items = [v if type(v) not in _CONTAINERS else decode(v) for v in data[1:]]
        if tag == _TUPLE and type(tag) is int:
            return tuple(items)
        if tag == _LIST and type(tag) is int:
            return items
        cls = _ORDER[tag - 2] if type(tag) is int and 2 <= tag < len(_ORDER) + 2 else None
        if cls is None:
            raise ValueError(f"unknown tag {tag!r}")
        if len(items) != len(cls.__record_names__):  # type: ignore[attr-defined]
            raise ValueError(f"{cls.__name__}: {len(items)} values")
        return build(cls, items)
    if kind is dict:
        return {k: v if type(v) not in _CONTAINERS else decode(v) for k, v in data.items()}
    if data is None or kind in (str, bool, int, float):
        return data
    raise ValueError(kind.__name__)


_CONTAINERS = (list, dict)


def read_cached(key: str) -> list[FormSpec] | None:
    """The forms of a cache made from the same inputs, or None (missing, stale or unreadable)."""
    kept = read_kept(key)
    return kept[0] if kept is not None else None


def read_kept(key: str) -> tuple[list[FormSpec], ReferenceData | None] | None:
    """The forms and (when kept with them) the reference tables of a cache made from the same
    inputs, or None (missing, stale or unreadable)."""
    for path in cache_files():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError):  # RecursionError: nested beyond any form
            continue
        if not isinstance(data, dict) or data.get("fingerprint") != key or data.get("classes") != _HEADER:
            continue
        try:
            forms = _decode_forms(data["forms"], data["forms_digest"])
        except (ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError):
            continue
        if isinstance(forms, list) and forms and all(isinstance(f, FormSpec) for f in forms):
            _keep_derived(forms, data.get("derived"))
            return forms, _decode_reference(data.get("reference"))
    return None


# s1: what a form's cache entry holds as JSON text of its own, decoded only when first read (most
# of the cache: a command with its validations kept reads none of it). The forms' text carries its
# hash, so a damaged file is refused when read, never at a later first use.
_LATER_FIELDS = ("tables",)  # (a field with a default cannot wait: the class attribute would be read)
_FORM_TAG = _TAGS[FormSpec]
_LATER_AT = tuple(FormSpec.__record_names__.index(name) + 1 for name in _LATER_FIELDS)  # type: ignore[attr-defined]


def _encode_forms(forms: list[FormSpec]) -> tuple[str, str]:
    """(text, its hash) of ``forms`` as ``_decode_forms`` reads them."""
    encoded = encode(list(forms))
    for item in encoded[1:]:
        for at in _LATER_AT:
            item[at] = json.dumps(item[at], ensure_ascii=False)
    text = json.dumps(encoded, ensure_ascii=False)
    return text, _digest(text.encode("utf-8")).hexdigest()


def _decode_forms(text: Any, digest: Any) -> list[FormSpec]:
    """The forms ``_encode_forms`` wrote (their tables made when first read);
    ValueError for anything else, a text that is not the one hashed included."""
    if type(text) is not str or type(digest) is not str or _digest(text.encode("utf-8")).hexdigest() != digest:
        raise ValueError("forms text")
    data = json.loads(text)
    if type(data) is not list or not data or data[0] != _LIST or type(data[0]) is not int:
        raise ValueError("forms list")
    forms = []
    names = FormSpec.__record_names__  # type: ignore[attr-defined]
    for item in data[1:]:
        if type(item) is not list or len(item) != len(names) + 1 or item[0] != _FORM_TAG or type(item[0]) is not int:
            raise ValueError("form")
        later = {}
        for name, at in zip(_LATER_FIELDS, _LATER_AT):
            if type(item[at]) is not str:
                raise ValueError(name)
            later[name] = (_decode_text, item[at])
            item[at] = None
        forms.append(build(FormSpec, [v if type(v) not in _CONTAINERS else decode(v) for v in item[1:]], later))
    return forms


def _decode_text(text: str) -> Any:
    """A form's field kept as JSON text of its own (``_encode_forms``), decoded."""
    return decode(json.loads(text))


def encode_reference(reference: ReferenceData) -> dict[str, Any]:
    """The reference tables as JSON-ready data (the 等价值 tables' years, int keys, as pairs)."""
    return {"coefficients": encode(reference.coefficients), "units": encode(reference.units),
            "rates": {basis: [[year, encode(rate)] for year, rate in table.items()]
                      for basis, table in reference.rates.items()},
            "densities": encode(reference.densities)}


def _decode_reference(data: Any) -> ReferenceData | None:
    """The inverse of ``encode_reference``; None for anything else (the tables are then read from
    their files)."""
    from forms.reference import Coefficient, EquivalentRate, FuelDensity

    try:
        coefficients, units, densities = (decode(data[k]) for k in ("coefficients", "units", "densities"))
        rates = {basis: {year: decode(rate) for year, rate in pairs} for basis, pairs in data["rates"].items()}
    except (ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError):
        return None
    expected = ((coefficients, Coefficient), (densities, FuelDensity),
                *((table, EquivalentRate) for table in rates.values()))
    if not all(type(table) is dict and all(type(v) is cls for v in table.values()) for table, cls in expected):
        return None
    if not all(type(y) is int for table in rates.values() for y in table) or type(units) is not dict or not all(
            type(u) is tuple and len(u) == 2 for u in units.values()):
        return None
    return ReferenceData(coefficients, units, rates, densities)


# What a start would otherwise parse formulas for, worked out when the cache is written: the forms
# each form's rules read (``forms.validation.referenced_forms``, the kept validations' markers).
def _derived(forms: list[FormSpec]) -> dict[str, Any]:
    from forms.validation import referenced_forms

    return {"referenced_forms": {f.key: sorted(referenced_forms(f)) for f in forms}}


def _keep_derived(forms: list[FormSpec], derived: Any) -> None:
    """Each form keeps what ``_derived`` worked out for it (where ``referenced_forms`` looks first);
    anything unexpected is left out (then worked out when asked)."""
    found = derived.get("referenced_forms") if isinstance(derived, dict) else None
    if not isinstance(found, dict):
        return
    for form in forms:
        keys = found.get(form.key)
        if isinstance(keys, list) and all(type(k) is str for k in keys):
            object.__setattr__(form, REFERENCED_FORMS, frozenset(keys))


def write_cached(key: str, forms: list[FormSpec], reference: ReferenceData | None = None) -> Path | None:
    """Keep ``forms`` (and ``reference``, the tables they were checked with) for the next start,
    atomically, in the first place that can be written; silently not at all when none can or the
    forms would not read back as the same objects (the tables are then left out when they would
    not). Returns the file written."""
    try:
        text, digest = _encode_forms(forms)
        if _decode_forms(json.loads(json.dumps(text)), digest) != list(forms):
            return None
        kept: dict[str, Any] = {"fingerprint": key, "classes": _HEADER, "forms_digest": digest, "forms": text,
                                "derived": _derived(forms)}
        if reference is not None:
            tables = encode_reference(reference)
            again = _decode_reference(json.loads(json.dumps(tables)))
            if again is not None and vars(again) == vars(reference):
                kept["reference"] = tables
        text = json.dumps(kept, ensure_ascii=False)
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
