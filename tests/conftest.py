"""Shared fixtures: small PDFs made on the fly (fictional text), paths to ../shared."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("OFSTED_MINE_SHARED", ROOT.parent / "shared"))
REPORTS = SHARED / "ofsted-reports"

# a short fictional monitoring visit letter, used to build test PDFs
LETTER_LINES = [
    "14 March 2023",
    "Ms Jo Smithfield",
    "Director of Children's Services",
    "Wyvern Vale Council",
    "Dear Ms Smithfield",
    "# Monitoring visit to Wyvern Vale children’s services",
    "This letter summarises the findings of the monitoring visit to Wyvern Vale children’s services "
    "on 28 February "
    "to 1 March 2023. This visit was the third monitoring visit since the local authority was judged "
    "inadequate in "
    "May 2021. The visit was carried out by His Majesty’s Inspectors Alex Thornbury and Priya Castellan.",
    "# Areas covered by the visit",
    "- The quality of assessments for children in need of help and protection.",
    "- Management oversight and supervision.",
    "This visit was carried out under the inspection of local authority children’s services (ILACS) "
    "framework.",
    "# Headline findings",
    "Progress has been too slow since the last visit. Too many children still wait too long for help.",
    "# Findings and evaluation of progress",
    "1. Managers’ oversight of children’s cases is not consistently effective, and the rationale for "
    "decisions is "
    "not always recorded.",
    "2. Frequent changes of social worker have led to drift in planning for some children. Caseloads "
    "remain high in "
    "the assessment teams.",
    "3. Most assessments are thorough and consider the child’s lived experience well.",
    "Ofsted will take the findings from this monitoring visit into account when planning your next "
    "inspection or visit.",
    "Yours sincerely",
    "Alex Thornbury",
    "His Majesty’s Inspector",
]


def make_pdf(
    path: Path,
    lines: list[str],
    *,
    encrypt: str | None = None,
    header: str | None = None,
    blank: bool = False,
) -> Path:
    """Render lines (``# `` headings, ``- `` bullets) into a simple A4 PDF with reportlab."""
    from reportlab import rl_config
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    rl_config.invariant = 1
    c = canvas.Canvas(str(path), pagesize=A4, encrypt=encrypt)
    width, height = A4
    if blank:
        c.rect(100, 100, 300, 300, fill=1)
        c.showPage()
        c.save()
        return path
    y = height - 72
    page = 1

    def newpage():
        nonlocal y, page
        c.showPage()
        page += 1
        y = height - 72
        if header:
            c.setFont("Helvetica", 8)
            c.drawString(72, height - 40, header)
        c.setFont("Helvetica", 8)
        c.drawString(width / 2, 30, str(page))

    from reportlab.lib.utils import simpleSplit

    for raw in lines:
        font, size, text, indent = "Helvetica", 10.5, raw, 0
        if raw.startswith("# "):
            font, size, text = "Helvetica-Bold", 12, raw[2:]
        elif raw.startswith("- "):
            text, indent = raw[2:], 14
            if y < 90:
                newpage()
            c.setFont("Helvetica", size)
            c.drawString(72, y, "\u25aa")
        for ln in simpleSplit(text, font, size, width - 144 - indent):
            if y < 72:
                newpage()
            c.setFont(font, size)
            c.drawString(72 + indent, y, ln)
            y -= size * 1.4
        y -= size * 0.6
    c.save()
    return path


@pytest.fixture
def letter_pdf(tmp_path) -> Path:
    return make_pdf(
        tmp_path / "letter.pdf", LETTER_LINES, header="Monitoring visit to Wyvern Vale children’s services"
    )


def reports_available() -> bool:
    return (REPORTS / "metadata-verified.csv").exists()


requires_reports = pytest.mark.skipif(not reports_available(), reason="../shared/ofsted-reports not present")
