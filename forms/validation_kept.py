"""What using kept validations needs, apart from the validation engine (s1, issue 16).

``Workspace.validate_period`` with every report's findings kept (``storage.validation_cache``)
needs only these: the kept results and what the markers ask of each form. Importing
``forms.validation`` brings the engine (``forms.compute``, the formula parser with ``ast`` and
``simpleeval``, the rules and field checks: about a quarter of a command's fixed start cost),
so they live here; ``forms.validation`` re-exports them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from forms.findings import Finding, ValidationResult
from forms.spec import REFERENCED_FORMS, FormSpec

if TYPE_CHECKING:
    from forms.compute import ComputedForm

__all__ = ["KeptResult", "PendingResult", "referenced_forms", "needs_history", "needs_reported"]


class KeptResult(ValidationResult):
    """A validation kept from an earlier session (``storage.validation_cache``): its findings as
    they were; the computed values (needed to show the report) are computed on first use. It has no
    ``index``, so an edit after it validates the report in full once."""

    def __init__(self, findings: list[Finding], compute: Callable[[], ComputedForm]) -> None:
        self.findings, self.index = findings, None
        self._compute: Callable[[], ComputedForm] | None = compute
        self._computed: ComputedForm | None = None

    @property  # type: ignore[override]
    def computed(self) -> ComputedForm:
        if self._computed is None:
            assert self._compute is not None
            self._computed, self._compute = self._compute(), None
        return self._computed


class PendingResult(KeptResult):
    """r4: a report shown before it is validated (its findings come a moment later, validated off
    the window's thread: ``Workspace.open_state(defer=True)``, ``adopt_validation``). No findings
    yet and no ``index``: an edit meanwhile validates the report in full; the export validates for
    itself, so nothing is exported on a pending result."""

    pending = True

    def __init__(self, compute: Callable[[], ComputedForm]) -> None:
        super().__init__([], compute)


def referenced_forms(form: FormSpec) -> set[str]:
    """Keys of the other forms this form's rules read (form_cell / form_sum): worked out once per
    form object (its rules cannot change) and kept on it; s1: the catalogue cache keeps it too
    (``forms.catalogue_cache``), so a start parses no formula for the kept validations' markers."""
    kept = getattr(form, REFERENCED_FORMS, None)
    if kept is None:
        from forms.compute import compiled  # (the formula parser: only when not kept)

        found: set[str] = set()
        for rule in form.rules:
            for text in (rule.expr, rule.when):
                if text:
                    found |= {ref[0] for ref in compiled(text).form_refs}
        found.discard(form.key)
        kept = frozenset(found)
        object.__setattr__(form, REFERENCED_FORMS, kept)  # (frozen: not a field, kept beside them)
    return set(kept)


def needs_history(form: FormSpec) -> bool:
    return any(r.kind in ("change", "history") for r in form.rules)


def needs_reported(form: FormSpec) -> bool:
    """Whether the form has a rule on enterprise-reported figures (the first stored values)."""
    return any(r.kind == "reported" for r in form.rules)
