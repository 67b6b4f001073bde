"""The township catalogue (resources/townships.csv), seeded into a new database."""

from __future__ import annotations

import csv

from resources import resource_path
from storage.database import Store

__all__ = ["catalogue_rows", "seed_townships"]


def catalogue_rows() -> list[dict[str, str]]:
    with resource_path("townships.csv").open(encoding="utf-8-sig", newline="") as fh:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(fh)]


def seed_townships(store: Store) -> int:
    """Add every catalogue township not yet in the database; returns how many were added."""
    existing = {(t.stat_code, t.mca_code, t.name) for t in store.townships()}
    names = {t.name for t in store.townships()}
    added = 0
    with store.atomic():
        for row in catalogue_rows():
            if row["name"] in names or (row["stat_code"] or None, row["mca_code"] or None, row["name"]) in existing:
                continue
            store.add_township(row["name"], stat_code=row["stat_code"] or None, mca_code=row["mca_code"] or None,
                               kind=row["kind"], note=row.get("note", ""))
            added += 1
    return added
