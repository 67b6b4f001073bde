"""Helpers of the security tests (issue 15): keys made quickly, a township's signed (and sealed)
export made with the program itself, and a forger's work on a signed file."""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from types import SimpleNamespace

import openpyxl

from security.keys import DistrictKey, Signer, TownshipKey, issue_township_key, new_district_key
from security.signing import META_FIELDS

FAST_N = 2 ** 14  # scrypt cost in tests: the format and the code path are the real ones, only cheaper
PASS = "区里的口令-2026"
TOWN_PASS = "镇街的口令-2026"


def district_key(folder: Path, name: str = "区密钥") -> tuple[DistrictKey, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return new_district_key(folder / name, PASS, n=FAST_N), folder / name


def township_key(district: DistrictKey, folder: Path, township: str, stat_code: str,
                 issued_at: str = "2026-12-01") -> tuple[TownshipKey, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / f"{township}.jnjpkey"
    return issue_township_key(district, township, stat_code, TOWN_PASS, out, issued_at=issued_at, n=FAST_N), out


def signer_for(district: DistrictKey, folder: Path, township: str, stat_code: str) -> Signer:
    return township_key(district, folder, township, stat_code)[0].unlock(TOWN_PASS)


def signed_export(source: Path, out: Path, catalogue, *, signer: Signer | None, seal_to=None,
                  now: _dt.datetime | None = None, edits: dict | None = None) -> SimpleNamespace:
    """A township clerk's export of ``source``'s figures (``tests.district_helpers.reexport``),
    signed with ``signer`` and sealed to ``seal_to`` when given: ``.path`` and ``.sealed``."""
    from export.submission import sealed_name
    from tests.district_helpers import reexport

    reexport(source, out, catalogue, edits=edits, signer=signer, seal_to=seal_to, now=now)
    town = SimpleNamespace(name=meta_rows(out)["township_name"])
    return SimpleNamespace(path=out, sealed=out.with_name(sealed_name(town, "2025")) if seal_to else None)


def meta_rows(path: Path) -> dict[str, object]:
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return {row[0]: row[1] for row in wb["_meta"].iter_rows(min_row=2, values_only=True)}
    finally:
        wb.close()


def graft_signature(signed: Path, forged: Path, out: Path) -> Path:
    """The forger's file: ``forged`` (changed figures, checksum recomputed consistently by the
    program) carrying ``signed``'s signature, certificate and export time."""
    wanted = {k: v for k, v in meta_rows(signed).items() if k in (*META_FIELDS, "export_time")}
    wb = openpyxl.load_workbook(forged)
    meta = wb["_meta"]
    present = {meta.cell(r, 1).value: r for r in range(2, meta.max_row + 1)}
    for key, value in wanted.items():
        row = present.get(key) or meta.max_row + 1
        meta.cell(row, 1, key)
        meta.cell(row, 2, value)
    wb.save(out)
    return out
