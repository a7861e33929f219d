"""Stage 2, parse: cleaned pages -> Document (kind, Visit metadata, sections, findings).

What a document *is* and how its metadata is read is declared by its kind
(``ofsted_mine.kinds``, one module per kind); this module only runs the steps."""

from __future__ import annotations

import re

from .. import kinds
from ..model import Document, ReadResult, Visit
from .kind import detect_kind
from .meta import council_from_text
from .segment import segment

__all__ = ["parse", "detect_kind"]

_DEAR = re.compile(r"^Dear\b.*$", re.M)
_CLOSING = re.compile(r"^(Yours sincerely|Yours faithfully)", re.M)
_PROSE = re.compile(r"^.{200,}$", re.M)


def _council_warning(kind: kinds.DocKind, visit: Visit, text: str) -> str | None:
    """Set the visit's council from its printed name; a warning when it is not in the table or not found."""
    if kind.fallback:
        return None
    council = council_from_text(visit.la_name, text, kind.kind, strict=kind.strict_council)
    if council is None:
        return "no council name found in the title: stored without a council"
    visit.la, visit.la_urn = council.name, council.urn
    if council.unlisted:
        from ..councils import user_councils_path

        return (
            f"council {council.name!r} is not in the council table: stored under its printed name "
            f"(add it to {user_councils_path()} to give it a URN and aliases)"
        )
    return None


def body_bounds(kind: kinds.DocKind, text: str) -> tuple[int, int | None]:
    """Where the findings can start and where the closing starts, by the kind's shape: a letter's
    header (address, salutation) and signature, a report's title block and judgement table."""
    body_start, closing_start = 0, None
    if kind.shape == "letter":
        m = _DEAR.search(text)
        if m:
            body_start = m.end() + 1
        m = _CLOSING.search(text)
        if m:
            closing_start = m.start()
    elif kind.shape == "report":
        m = _PROSE.search(text)  # the first prose paragraph
        body_start = m.start() if m else 0
    return body_start, closing_start


def parse(rr: ReadResult) -> Document:
    """Read one document: its kind, its metadata (by the kind's reader), its sections and findings."""
    text = rr.text
    kind, framework = kinds.detect(text)
    visit = kind.metadata(text, rr.path, framework) if kind.metadata else Visit(kind=kind.kind)
    visit.kind = kind.kind
    council_warning = _council_warning(kind, visit, text)
    body_start, closing_start = body_bounds(kind, text)
    sections, findings = segment(
        rr.pages, body_start, closing_start, first_kind=kind.first_section, doc_kind=kind.kind
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
    if kind.finish is not None:
        kind.finish(doc)
    if council_warning:
        doc.warnings.append(council_warning)
    if kind.warning:
        doc.warnings.append(kind.warning)
    return doc
