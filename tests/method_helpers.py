"""Helpers of the energy-methodology tests: a copy of the reference files a test may edit, and
one form validated against it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from forms.catalogue import FormCatalogue
from forms.compute import ComputeContext
from forms.reference import ReferenceData
from forms.validation import ValidationResult, validate_report

RESOURCES = Path(__file__).resolve().parent.parent / "resources"
REFERENCE_FILES = ("coefficients.csv", "units.csv", "power_coal_rate.csv", "heat_coal_rate.csv")


def reference_folder(folder: Path, **replace_lines: tuple[str, str]) -> Path:
    """Copy the reference files into ``folder``; ``replace_lines``: file stem → (line start, new line)."""
    for name in REFERENCE_FILES:
        text = (RESOURCES / name).read_text(encoding="utf-8")
        start, new = replace_lines.get(Path(name).stem, ("\0", ""))
        lines = [new if line.startswith(start) else line for line in text.splitlines()]
        (folder / name).write_text("\n".join(line for line in lines if line) + "\n", encoding="utf-8")
    return folder


def validate_energy(catalogue: FormCatalogue, inputs: dict[Any, Any], year: int = 2025,
                    reference: ReferenceData | None = None, notes: dict | None = None) -> ValidationResult:
    reference = reference or catalogue.reference
    return validate_report(catalogue.get("energy_consumption"), inputs, notes or {}, {},
                           ComputeContext(reference, year), period=str(year))

