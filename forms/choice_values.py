"""A choice typed by its code: "C30" (or "c30", "C30 ", the name alone "非金属矿物制品业") stands for
the choice "C30 非金属矿物制品业" when a column's choices carry codes. Used by ``parse_input``,
so typing, paste, import and the command line all accept it."""

from __future__ import annotations

import re

from forms.spec import ColumnSpec

__all__ = ["choice_code", "choice_for"]

_CODED = re.compile(r"^([A-Z][0-9]{0,4})\s+(\S.*)$")


def choice_code(choice: str) -> tuple[str, str] | None:
    """("C30", "非金属矿物制品业") of a coded choice, None when the choice has no code."""
    match = _CODED.match(choice)
    return (match.group(1), match.group(2)) if match else None


def choice_for(col: ColumnSpec, text: str) -> str | None:
    """The choice of ``col`` that ``text`` names by its code or its name alone; None when none does."""
    wanted = re.sub(r"\s+", " ", text.strip())
    if not wanted:
        return None
    for choice in col.choices:
        parts = choice_code(choice)
        if parts and (wanted.upper() == parts[0] or wanted == parts[1] or wanted.upper() == choice.upper()):
            return choice
    return None
