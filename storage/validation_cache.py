"""Findings kept between processes (migration 8): a report validated by an earlier session and
unchanged since is not validated again by ``Workspace.validate_period``.

Each kept result carries the marker it was computed for: the report's ``revision`` (a number the
database's triggers move on at every change of its values, 说明, list rows or first stored values,
never reused), the revisions of the reports its rules read (other forms of the same township and
period, its own earlier periods) and the fingerprint of the form, reference data and program code
(``forms.validation.validation_fingerprint``). A kept result is used only when the marker computed
now is the same; otherwise the report is validated again. Findings are stored as plain JSON.
"""

from __future__ import annotations

import functools
import json
import sqlite3
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from forms.catalogue_cache import _digest, _sha256  # (r4: CPython's own SHA-256, not OpenSSL's: see there)
from forms.findings import Finding, Severity

if TYPE_CHECKING:
    from forms.catalogue import FormCatalogue
    from storage.database import Report, Store

__all__ = ["fingerprint", "revisions", "marker", "kept_findings", "keep_findings", "forget_all", "sources_marker"]


# ``json.dumps(value, ensure_ascii=False)`` without making its encoder at every call (u4: two a report validated)
_json_text = json.JSONEncoder(ensure_ascii=False).encode


def revisions(store: Store, township_id: int) -> dict[tuple[str, str], tuple[int, int]]:
    """(form key, period) → (report id, revision) of every report of the township (one query)."""
    return {(form_key, period): (rid, revision) for rid, form_key, period, revision in store.conn.execute(
        "SELECT id, form_key, period, revision FROM reports WHERE township_id = ?", (township_id,))}


def marker(report: Report, fingerprint: str, reads: Iterable[str], history: bool,
           known: Mapping[tuple[str, str], tuple[int, int]]) -> str:
    """What a validation of ``report`` depends on, as one hash: its own revision, those of the forms
    ``reads`` names in its period and (``history``) of its own form's earlier periods."""
    own = known.get((report.form_key, report.period))
    parts: list[Any] = [fingerprint, report.id, report.period, own]
    parts += [(key, known.get((key, report.period))) for key in sorted(reads)]
    if history:
        parts += sorted((period, ids) for (key, period), ids in known.items()
                        if key == report.form_key and period < report.period)
    return _sha256(_json_text(parts).encode()).hexdigest()


def _encode(f: Finding) -> list[Any]:
    return [str(f.severity), f.rule_id, f.form_key, f.table, f.row, f.col, f.text, f.explained, f.form_name,
            f.row_number, f.row_label, f.col_label, f.row_code]


def _decode(item: list[Any]) -> Finding:
    return Finding(Severity(item[0]), *item[1:])


def kept_findings(store: Store, wanted: Mapping[int, str]) -> dict[int, list[Finding]]:
    """report id → its kept findings, for the reports whose kept marker is the one in ``wanted``."""
    if not wanted:
        return {}
    ids = list(wanted)
    try:
        rows = store.conn.execute(
            f"SELECT report_id, marker, findings FROM validation_cache WHERE report_id IN ({','.join('?' * len(ids))})",
            ids).fetchall()
    except sqlite3.Error:  # unreadable: validate as if nothing was kept
        return {}
    found: dict[int, list[Finding]] = {}
    for rid, kept_marker, text in rows:
        if wanted.get(rid) != kept_marker:
            continue
        try:
            found[rid] = [_decode(item) for item in json.loads(text)]
        except (ValueError, TypeError, IndexError):  # damaged: validated again (and kept again)
            continue
    return found


def keep_findings(store: Store, results: Mapping[int, tuple[str, list[Finding]]]) -> None:
    """Keep each report's findings with their marker (one transaction); nothing in a read-only store.
    Failing to keep them only costs a validation later, so errors are swallowed."""
    if store.readonly or not results:
        return
    rows = [(rid, mark, _json_text([_encode(f) for f in findings]))
            for rid, (mark, findings) in results.items()]
    try:
        with store.atomic():
            store.conn.executemany(
                "INSERT OR REPLACE INTO validation_cache (report_id, marker, findings) VALUES (?, ?, ?)", rows)
    except Exception:  # noqa: BLE001 - see above (e.g. the database is busy)
        pass


def forget_all(store: Store) -> None:
    """Drop every kept result (benchmarks measure a first validation; nothing else needs it)."""
    with store.atomic():
        store.conn.execute("DELETE FROM validation_cache")


_FINGERPRINTS: dict[int, tuple[FormCatalogue, str]] = {}


def fingerprint(catalogue: FormCatalogue) -> str:
    """The forms, reference data and program code a validation comes from, as one hash (once per
    catalogue): the bundled catalogue's file hash, or (a 任务参数 package) its forms and reference data."""
    found = _FINGERPRINTS.get(id(catalogue))
    if found is not None and found[0] is catalogue:
        return found[1]
    from forms.catalogue_cache import encode

    digest = _digest(_program_marker())  # (s1: BLAKE2b, faster over the program's sources)
    if catalogue.fingerprint:
        digest.update(b"\0catalogue\0" + catalogue.fingerprint.encode())
    else:
        digest.update(json.dumps([encode(f) for f in catalogue.forms], ensure_ascii=False, sort_keys=True).encode())
        digest.update(repr(vars(catalogue.reference)).encode())
    _FINGERPRINTS[id(catalogue)] = (catalogue, digest.hexdigest())
    return _FINGERPRINTS[id(catalogue)][1]


def sources_marker(sources: Iterable[Path]) -> bytes:
    """Each source file's name, size and modification time: what Python itself trusts to know a
    module's cached bytecode is current (reading the 25 files' bytes cost ≈ 3 ms of every start)."""
    marks = []
    for path in sources:
        stat = path.stat()
        marks.append(f"{path.name}\0{stat.st_size}\0{stat.st_mtime_ns}")
    return "\n".join(marks).encode()


@functools.lru_cache(maxsize=1)
def _program_marker() -> bytes:
    """The code that validates (forms/*.py, the report reading here) and the 说明 policy; in a frozen
    build without sources its version, build date and executable (as ``forms.catalogue_cache``)."""
    from resources import resource_path

    sources = sorted(Path(__file__).resolve().parent.parent.joinpath("forms").glob("*.py")) or [Path("-")]
    sources += [Path(__file__).resolve().parent / name for name in ("workspace.py", "history.py", "validation_cache.py")]
    try:
        if not sources[0].name.endswith(".py") or sources[0].parent.name != "forms":
            raise OSError("no sources")  # a frozen build
        code = sources_marker(sources)
    except OSError:
        from forms.catalogue_cache import _code_marker

        code = _code_marker()
    try:
        policy = resource_path("note_phrases.yaml").read_bytes()
    except OSError:
        policy = b"-"
    return code + b"\0note\0" + policy
