"""Reading printed pages back: page orientation and the smallest text size on each page of a PDF
(pypdf), and a submission workbook turned into a PDF by LibreOffice headless."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class PdfPage:
    landscape: bool
    smallest: float  # the smallest text size on the page, in points on paper
    text: str


def pdf_pages(path: Path) -> list[PdfPage]:
    """Each page's orientation, smallest text size (font size × text and page matrix scale) and text."""
    from pypdf import PdfReader

    pages = []
    for page in PdfReader(path).pages:
        sizes: list[float] = []

        def visit(text, cm, tm, _font, size, sizes=sizes):  # noqa: ANN001, ANN202
            if text.strip():
                scale_tm = (tm[2] ** 2 + tm[3] ** 2) ** 0.5
                scale_cm = (cm[2] ** 2 + cm[3] ** 2) ** 0.5
                sizes.append(size * scale_tm * scale_cm)

        text = page.extract_text(visitor_text=visit).replace("\t", " ")
        box = page.mediabox
        pages.append(PdfPage(float(box.width) > float(box.height), min(sizes, default=0.0), text))
    return pages


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def to_pdf(workbook: Path, out_dir: Path) -> Path:
    """LibreOffice headless converts ``workbook`` to PDF (its own profile folder under ``out_dir``)."""
    program = soffice()
    assert program is not None
    profile = (out_dir / "lo_profile").resolve().as_uri()
    subprocess.run([program, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(out_dir), str(workbook)], check=True, capture_output=True, timeout=180)
    pdf = out_dir / (workbook.stem + ".pdf")
    assert pdf.is_file(), "LibreOffice made no PDF"
    return pdf
