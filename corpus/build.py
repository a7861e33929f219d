#!/usr/bin/env python3
"""Render the sample corpus text sources to PDF.

    python corpus/build.py            rebuild every PDF in corpus/pdf/
    python corpus/build.py --check    exit 1 if any PDF differs from a fresh build
    python corpus/build.py --verify   check that each PDF's text layer reads back
                                      the source paragraphs (needs pypdfium2)

Source markup (corpus/sources/<slug>/<NN>-<kind>-<YYYY-MM-DD>.txt):
    blank line          separates blocks
    # text              heading (the first heading of a letter is its title)
    - text              bullet
    12. text            numbered paragraph
    | a | b |           table row (the first row of a table is its header)
    anything else       a paragraph; a block of several plain lines is printed
                        line by line (date line, address block, title lines)

The build is deterministic (reportlab.rl_config.invariant = 1): rebuilding gives
byte-identical PDFs. Only the standard PDF fonts are used, so nothing is embedded.
All councils, people and words in the corpus are fictional.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path
from xml.sax.saxutils import escape

import reportlab.rl_config

reportlab.rl_config.invariant = 1  # fixed dates and document ids: identical bytes on rebuild

from reportlab.lib import colors  # noqa: E402
from reportlab.lib.enums import TA_LEFT, TA_RIGHT  # noqa: E402
from reportlab.lib.pagesizes import A4  # noqa: E402
from reportlab.lib.styles import ParagraphStyle  # noqa: E402
from reportlab.lib.units import mm  # noqa: E402
from reportlab.platypus import (  # noqa: E402
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "sources"
PDF_DIR = HERE / "pdf"

KINDS = ("monitoring-visit", "focused-visit", "assurance-visit", "jtai", "inspection", "council-paper")
LETTERS = ("monitoring-visit", "focused-visit", "assurance-visit", "jtai")
NUMBERED = re.compile(r"^(\d+)\.\s+(.*)$")
STEM = re.compile(r"^(\d+)-(" + "|".join(KINDS) + r")-(\d{4}-\d{2}-\d{2})$")

PAGE_W, PAGE_H = A4
MARGIN_L = MARGIN_R = 25 * mm
MARGIN_T = 30 * mm
MARGIN_B = 25 * mm


# --------------------------------------------------------------------------- parsing
def parse_blocks(text: str) -> list[list[str]]:
    """The blocks of a source (runs of non-blank lines)."""
    blocks: list[list[str]] = []
    cur: list[str] = []
    for line in text.splitlines():
        if line.strip():
            cur.append(line.rstrip())
        elif cur:
            blocks.append(cur)
            cur = []
    if cur:
        blocks.append(cur)
    return blocks


def kind_of(path: Path) -> str:
    """The document kind a source's file name gives (``NN-<kind>-YYYY-MM-DD.txt``)."""
    m = STEM.match(path.stem)
    if not m:
        raise SystemExit(f"bad source name (want NN-kind-YYYY-MM-DD.txt): {path}")
    return m.group(2)


def running_header(kind: str, blocks: list[list[str]]) -> tuple[str, str]:
    """(title line, dates line) drawn at the top of every page after the first."""
    lines = [ln for b in blocks for ln in b]
    if kind == "inspection":
        first = blocks[0][0]
        title = (
            first
            if first.startswith("Inspection of")
            else f"Inspection of {first} local authority children’s services"
        )
        dates = next(
            (
                ln.split(":", 1)[1].strip()
                for ln in lines
                if ln.startswith(("Inspection dates:", "Inspection date:"))
            ),
            "",
        )
        return title, dates
    if kind == "council-paper":
        head = blocks[0]
        return " – ".join(head[:2]).title(), head[2] if len(head) > 2 else ""
    title = next(ln[2:] for ln in lines if ln.startswith("# "))
    body = " ".join(lines)
    m = (
        re.search(r"children[’']s services on (.+?)\.(\s|$)", body)
        or re.search(r"visit took place on (.+?)\.(\s|$)", body)
        or re.search(r"^Between (.+?), Ofsted", body, re.M)
        or re.search(r"\bBetween (.+?), Ofsted", body)
    )
    return title, (m.group(1) if m else "")


# --------------------------------------------------------------------------- styles
def styles(kind: str) -> dict[str, ParagraphStyle]:
    """The paragraph styles of one kind of document (letters and reports differ)."""
    paper = kind == "council-paper"
    font = "Times-Roman" if paper else "Helvetica"
    bold = "Times-Bold" if paper else "Helvetica-Bold"
    size = 12
    base = ParagraphStyle(
        "body", fontName=font, fontSize=size, leading=size * 1.5, spaceAfter=10, alignment=TA_LEFT
    )
    s = {
        "body": base,
        "line": ParagraphStyle("line", parent=base, spaceAfter=0),
        "title": ParagraphStyle(
            "title", parent=base, fontName=bold, fontSize=15, leading=19, spaceBefore=4, spaceAfter=10
        ),
        "bigtitle": ParagraphStyle(
            "bigtitle", parent=base, fontName=bold, fontSize=20, leading=25, spaceAfter=2
        ),
        "heading": ParagraphStyle(
            "heading", parent=base, fontName=bold, fontSize=12.5, leading=16, spaceBefore=9, spaceAfter=6
        ),
        "bullet": ParagraphStyle(
            "bullet",
            parent=base,
            leftIndent=9 * mm,
            bulletIndent=3 * mm,
            spaceAfter=4,
            bulletFontName="ZapfDingbats" if kind == "inspection" else font,
            bulletFontSize=7 if kind == "inspection" else size,
        ),
        "numbered": ParagraphStyle(
            "numbered",
            parent=base,
            leftIndent=9 * mm,
            bulletIndent=0,
            bulletFontName=font,
            bulletFontSize=size,
        ),
        "cell": ParagraphStyle("cell", parent=base, spaceAfter=0, leading=size * 1.25),
        "cellbold": ParagraphStyle("cellbold", parent=base, fontName=bold, spaceAfter=0, leading=size * 1.25),
        "right": ParagraphStyle(
            "right", parent=base, alignment=TA_RIGHT, spaceAfter=0, fontSize=9, leading=11
        ),
    }
    return s


def para(text: str, style: ParagraphStyle, **kw) -> Paragraph:
    """A paragraph of source text (XML-escaped) in a style."""
    return Paragraph(escape(text), style, **kw)


def table(rows: list[str], st: dict[str, ParagraphStyle]) -> Table:
    """A table from ``| a | b |`` rows (the first row is its header)."""
    cells = [[c.strip() for c in r.strip().strip("|").split("|")] for r in rows]
    data = []
    for i, row in enumerate(cells):
        sty = st["cellbold"] if i == 0 or row[0].startswith("Overall") else st["cell"]
        data.append([para(c, sty) for c in row])
    width = PAGE_W - MARGIN_L - MARGIN_R
    # a narrow grade column: long row labels wrap and "Requires improvement to be
    # good" breaks over two lines, as in the real reports
    t = Table(data, colWidths=[width * 0.68, width * 0.32])
    t.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.6, colors.HexColor("#5a5a5a")),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dfe7ee")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
            ]
        )
    )
    return t


# --------------------------------------------------------------------------- rendering
def story_for(kind: str, blocks: list[list[str]], st: dict[str, ParagraphStyle]) -> list:
    """The reportlab story of one document: its letterhead, title block, tables and lines."""
    story: list = []
    letter = kind in LETTERS
    if letter:
        # the inspectorate's name block on the first page, top right
        story.append(para("Ofsted", st["right"]))
        story.append(para("www.gov.uk/ofsted", st["right"]))
        story.append(Spacer(1, 8 * mm))
    seen_title = False
    for bi, block in enumerate(blocks):
        if kind == "inspection" and bi == 0:
            big = True
            for ln in block:
                if ln.startswith(("Inspection date", "Lead inspector")):
                    big = False
                story.append(para(ln, st["bigtitle"] if big else st["line"]))
            story.append(Spacer(1, 6 * mm))
            continue
        if kind == "council-paper" and bi == 0:
            for ln in block:
                story.append(para(ln, st["cellbold"]))
            story.append(Spacer(1, 4 * mm))
            continue
        rows = [ln for ln in block if ln.startswith("|")]
        if rows:
            story.append(table(rows, st))
            story.append(Spacer(1, 6 * mm))
            block = [ln for ln in block if not ln.startswith("|")]
        plain = [ln for ln in block if not ln.startswith(("# ", "- ")) and not NUMBERED.match(ln)]
        if len(plain) > 1 and len(plain) == len(block):
            # date line, address block, signature block: one printed line each
            for ln in block:
                story.append(para(ln, st["line"]))
            story.append(Spacer(1, 4 * mm))
            continue
        seen_title = _block_lines(kind, block, st, story, seen_title)
    return story


def _block_lines(
    kind: str, block: list[str], st: dict[str, ParagraphStyle], story: list, seen_title: bool
) -> bool:
    """Render the lines of one block (headings, bullets, numbered and plain paragraphs) onto
    ``story``; returns whether the document's title has been printed."""
    for ln in block:
        num = NUMBERED.match(ln)
        if ln.startswith("# "):
            if not seen_title and kind != "inspection":
                story.append(para(ln[2:], st["title"]))
                seen_title = True
            else:
                story.append(para(ln[2:], st["heading"]))
        elif ln.startswith("- "):
            bullet = "n" if kind == "inspection" else "•"  # ZapfDingbats n = ■
            story.append(para(ln[2:], st["bullet"], bulletText=bullet))
        elif num:
            n, rest = num.groups()
            story.append(para(rest, st["numbered"], bulletText=f"{n}."))
        else:
            story.append(para(ln, st["body"]))
    return seen_title


def render(src: Path, out: Path) -> None:
    """Render one source to a PDF (deterministic bytes)."""
    text = src.read_text(encoding="utf-8")
    bad = sorted({ch for ch in text if ord(ch) > 127 and not _winansi(ch)})
    if bad:
        raise SystemExit(f"{src}: characters the standard fonts cannot draw: {bad}")
    kind = kind_of(src)
    blocks = parse_blocks(text)
    st = styles(kind)
    head_title, head_dates = running_header(kind, blocks)
    paper = kind == "council-paper"
    font = "Times-Roman" if paper else "Helvetica"

    def first_page(canv, doc):
        """Page furniture of the first page (its page number)."""
        canv.saveState()
        canv.setFont(font, 9)
        canv.drawCentredString(PAGE_W / 2, 12 * mm, _folio(doc.page, paper))
        canv.restoreState()

    def later_pages(canv, doc):
        """Page furniture of the later pages (running header, page number)."""
        canv.saveState()
        canv.setFont(font, 9)
        canv.drawString(MARGIN_L, PAGE_H - 14 * mm, head_title)
        canv.drawString(MARGIN_L, PAGE_H - 18.5 * mm, head_dates)
        canv.setStrokeColor(colors.HexColor("#8a8a8a"))
        canv.setLineWidth(0.4)
        canv.line(MARGIN_L, PAGE_H - 20.5 * mm, PAGE_W - MARGIN_R, PAGE_H - 20.5 * mm)
        canv.drawCentredString(PAGE_W / 2, 12 * mm, _folio(doc.page, paper))
        canv.restoreState()

    title = (
        head_title
        if kind != "council-paper"
        else next((ln[2:] for b in blocks for ln in b if ln.startswith("# ")), head_title)
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    doc = SimpleDocTemplate(
        str(out),
        pagesize=A4,
        leftMargin=MARGIN_L,
        rightMargin=MARGIN_R,
        topMargin=MARGIN_T,
        bottomMargin=MARGIN_B,
        title=title,
        author="ofsted-mine sample corpus (fictional)",
        subject="Fictional sample document; not an Ofsted publication",
        creator="corpus/build.py",
        producer="ReportLab",
    )
    doc.build(story_for(kind, blocks, st), onFirstPage=first_page, onLaterPages=later_pages)


def _folio(n: int, paper: bool) -> str:
    return f"Page {n}" if paper else str(n)


def _winansi(ch: str) -> bool:
    try:
        ch.encode("cp1252")
        return True
    except UnicodeEncodeError:
        return False


def sources() -> list[Path]:
    """Every text source of the corpus, in order."""
    return sorted(SOURCES.glob("*/*.txt"))


def pdf_for(src: Path, root: Path = PDF_DIR) -> Path:
    """corpus/pdf/<council-slug>/<same stem>.pdf (stems repeat across councils)."""
    return root / src.parent.name / f"{src.stem}.pdf"


# --------------------------------------------------------------------------- commands
def build_all() -> int:
    """Rebuild every PDF; the exit status."""
    for src in sources():
        render(src, pdf_for(src))
        print(f"built {pdf_for(src).relative_to(HERE)}")
    return 0


def check() -> int:
    """Exit status 1 when any PDF differs from a fresh build of its source."""
    bad = 0
    with tempfile.TemporaryDirectory() as tmp:
        for src in sources():
            fresh = pdf_for(src, Path(tmp))
            render(src, fresh)
            kept = pdf_for(src)
            if not kept.exists():
                print(f"MISSING {kept.relative_to(HERE)}")
                bad += 1
            elif kept.read_bytes() != fresh.read_bytes():
                print(f"DIFFERS {kept.relative_to(HERE)}")
                bad += 1
    wanted = {pdf_for(s) for s in sources()}
    for extra in sorted(PDF_DIR.glob("**/*.pdf")):
        if extra not in wanted:
            print(f"EXTRA {extra.relative_to(HERE)} (no source)")
            bad += 1
    print("ok" if not bad else f"{bad} problem(s); run: python corpus/build.py")
    return 1 if bad else 0


def _squash(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


def verify() -> int:
    """Exit status 1 when a PDF's text layer misses a paragraph of its source."""
    import pypdfium2 as pdfium

    bad = 0
    for src in sources():
        kind = kind_of(src)
        blocks = parse_blocks(src.read_text(encoding="utf-8"))
        h_title, h_dates = running_header(kind, blocks)
        pdf = pdfium.PdfDocument(str(pdf_for(src)))
        pages = []
        for i in range(len(pdf)):
            lines = pdf[i].get_textpage().get_text_range().splitlines()
            # drop the running header and the folio at the top of the page's text
            # so that paragraphs that run over a page break can be matched
            furniture = {str(i + 1), f"Page {i + 1}"} | ({h_title, h_dates} if i else set())
            while lines and _squash(lines[0]) in furniture:
                lines.pop(0)
            pages.append(" ".join(lines))
        text = _squash(" ".join(pages))
        want = []
        for block in blocks:
            for ln in block:
                if ln.startswith("|"):
                    continue
                ln = ln[2:] if ln.startswith(("# ", "- ")) else ln
                m = NUMBERED.match(ln)
                want.append(m.group(2) if m else ln)
        missing = [w for w in want if _squash(w) not in text]
        n_pages = len(pdf)
        pdf.close()
        status = "ok" if not missing else f"{len(missing)} missing"
        print(f"{src.relative_to(HERE)}: {n_pages} pages, {len(want)} lines/paragraphs, {status}")
        for miss in missing[:5]:
            print("   MISSING:", miss[:100])
        bad += bool(missing)
    return 1 if bad else 0


def main(argv: list[str] | None = None) -> int:
    """The command line (see the module docstring)."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="exit 1 if a PDF differs from a fresh build")
    ap.add_argument("--verify", action="store_true", help="read the PDFs' text layers back")
    a = ap.parse_args(argv)
    if a.check:
        return check()
    if a.verify:
        return verify()
    return build_all()


if __name__ == "__main__":
    sys.exit(main())
