"""Stage 2, parse: cleaned pages -> Document (kind, Visit metadata, sections, findings)."""

from __future__ import annotations

import re

from ..model import Document, ReadResult
from .kind import detect_kind
from .meta import (
    council_from_text,
    focus_areas,
    inspection_meta,
    jtai_meta,
    letter_meta,
    paper_meta,
    progress_verdict,
)
from .segment import segment

__all__ = ["parse", "detect_kind"]


def parse(rr: ReadResult) -> Document:
    text = rr.text
    kind, framework = detect_kind(text)
    if kind == "inspection":
        visit = inspection_meta(text, framework, rr.path)
    elif kind in ("monitoring_visit", "focused_visit"):
        visit = letter_meta(text, kind, rr.path)
    elif kind == "council_paper":
        visit = paper_meta(text, rr.path)
    elif kind == "jtai":
        visit = jtai_meta(text, rr.path)
    else:
        from ..model import Visit

        visit = Visit(kind=kind)
    council = council_from_text(visit.la_name, text, kind) if kind != "unknown" else None
    if council:
        visit.la, visit.la_urn = council.name, council.urn
    council_warning = None
    if council is not None and council.unlisted:
        from ..councils import user_councils_path

        council_warning = (
            f"council {council.name!r} is not in the council table: stored under its printed name "
            f"(add it to {user_councils_path()} to give it a URN and aliases)"
        )
    elif council is None and kind not in ("unknown",):
        council_warning = "no council name found in the title: stored without a council"
    # letters: header (address, salutation) and closing (signature) are not findings
    body_start, closing_start = 0, None
    if kind in ("monitoring_visit", "focused_visit", "jtai"):
        m = re.search(r"^Dear\b.*$", text, re.M)
        if m:
            body_start = m.end() + 1
        m = re.search(r"^(Yours sincerely|Yours faithfully)", text, re.M)
        if m:
            closing_start = m.start()
    elif kind == "inspection":
        # the title block and judgement table come before the first prose paragraph
        m = re.search(r"^.{200,}$", text, re.M)
        body_start = m.start() if m else 0
    sections, findings = segment(
        rr.pages, body_start, closing_start, first_kind="summary" if kind == "inspection" else "opening"
    )
    doc = Document(
        path=rr.path,
        sha256=rr.sha256,
        format=rr.format,
        text=text,
        pages=rr.pages,
        visit=visit,
        sections=sections,
        findings=findings,
        warnings=list(rr.warnings),
    )
    if kind in ("monitoring_visit", "focused_visit"):
        areas = [s for s in sections if s.kind == "areas_covered"]
        if areas:
            block = "\n".join(text[s.start : s.end] for s in areas)
            visit.focus_areas = focus_areas(text, block.split("\n", 1)[1] if "\n" in block else "")
        head = [s for s in sections if s.kind == "headline_findings"]
        src = text[head[0].start : head[0].end].split("\n", 1)[-1] if head else ""
        if not src:
            main = [s for s in sections if s.kind == "findings"]
            src = text[main[0].start : main[0].end].split("\n", 1)[-1][:1200] if main else ""
        visit.progress_verdict = progress_verdict(src)
    if council_warning:
        doc.warnings.append(council_warning)
    if kind == "unknown":
        doc.warnings.append("not recognised as an Ofsted letter or report: stored as 'unknown'")
    return doc
