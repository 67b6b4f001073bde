"""What a computation of a form depends on besides its inputs: the reference tables and the year.

Apart from ``forms.compute`` (which re-exports it) so that ``Workspace.validate_period`` can make
one without importing the computing engine when every validation is kept (s1, issue 16).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from records import record

if TYPE_CHECKING:
    from forms.reference import ReferenceData

__all__ = ["ComputeContext"]


@record(frozen=True)
class ComputeContext:
    reference: ReferenceData
    year: int | None = None
