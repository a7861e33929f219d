"""Sections -> paragraphs -> findings (sentences and bullets), with pages and offsets."""

from __future__ import annotations

import re

from ..headings import BACKMATTER_RE, heading_kind
from ..model import PAGE_SEP, Finding, Page, Section
from ..read.sentences import split_sentences  # the one splitter (read, parse and tag use it)

_NUM = re.compile(r"^(\d{1,3})\.\s+")
_SUBNUM = re.compile(r"^(\d{1,2}\.\d{1,2})\s+")
BULLET = "•"
_TERMINAL = (".", "?", "!", ":", ";", "”", "’", ")", '"', "'")


def looks_like_heading(block: str, kind: str | None = None) -> bool:
    """Whether a block is a heading: a known one (of the document's kind or shared), or a short
    capitalised line that does not read as a sentence."""
    s = block.strip()
    if not s or s.startswith(BULLET) or len(s) > 120:
        return False
    if _NUM.match(s) and len(s) > 60:
        return False
    if heading_kind(s, kind):
        return len(s) < 160
    if s[-1] in ".,;:" or not (s[0].isupper() or s[0].isdigit()):
        return False
    words = s.split()
    return 1 <= len(words) <= 14 and not re.search(r"\b(is|are|was|were|has|have)\b", s)


class _Walker:
    """The state of one walk through a document's blocks (see :func:`segment`)."""

    def __init__(self, body_start: int, closing_start: int | None, first_kind: str, doc_kind: str | None):
        self.body_start, self.closing_start = body_start, closing_start
        self.first_kind, self.doc_kind = first_kind, doc_kind
        self.sections: list[Section] = []
        self.findings: list[Finding] = []
        self.cur: Section | None = None
        self.para_label: str | None = None
        self.numbered_seen = False
        self.findings_at_heading = -1
        self.unnumbered = 0

    def _open(self, heading: str, kind: str, page: int, start: int, end: int) -> Section:
        if self.cur:
            self.cur.end = start
        self.cur = Section(heading=heading, kind=kind, page=page, start=start, end=end)
        self.sections.append(self.cur)
        return self.cur

    def _footnote_marker(self, s: str) -> bool:
        """A footnote marker printed under its heading ("What needs to improve?" then "1")."""
        cur = self.cur
        return bool(
            cur
            and re.fullmatch(r"\d{1,2}", s)
            and self.findings_at_heading == len(self.findings)
            and cur.kind not in ("header", "closing", "about")
        )

    def _heading(self, s: str, block: str, page: int, b_start: int) -> None:
        known = heading_kind(s, self.doc_kind)
        s = re.sub(r"(?<=\?)\d{1,2}$", "", s) if known else s  # "What needs to improve?1"
        self.findings_at_heading = len(self.findings)
        cur = self.cur
        kind = heading_kind(s, self.doc_kind) or (
            cur.kind if cur and cur.kind not in ("header", "closing", "opening") else "other"
        )
        if cur and cur.kind == "about" and not heading_kind(s, self.doc_kind):
            return  # short lines of the back matter (addresses) stay in it
        self._open(s, kind, page, b_start, b_start + len(block))

    def _frame(self, in_header: bool, block: str, page: int, b_start: int) -> None:
        """A block of the letter header or closing: kept in its section, never a finding."""
        kind = "header" if in_header else "closing"
        if not self.cur or self.cur.kind != kind:
            heading = "(letter header)" if in_header else "(closing)"
            self._open(heading, kind, page, b_start, b_start + len(block))

    def _section_for_text(self, s: str, page: int, b_start: int) -> Section:
        cur = self.cur
        if BACKMATTER_RE.match(s) and (cur is None or cur.kind != "about"):
            cur = self._open("(about Ofsted)", "about", page, b_start, b_start)
        if cur is None or cur.kind == "header":
            cur = self._open("(" + self.first_kind + ")", self.first_kind, page, b_start, b_start)
        return cur

    def _body_offset(self, s: str, block: str, continued: bool, section_kind: str) -> int:
        """Where the text of a paragraph or bullet starts in its block; sets the paragraph label."""
        if s.startswith(BULLET):
            body_off = len(block) - len(block.lstrip()) + len(BULLET)
            while body_off < len(block) and block[body_off] == " ":
                body_off += 1
            return body_off
        m = _NUM.match(s)
        if m:
            self.para_label = m.group(1)
            self.numbered_seen = True
            return m.end()
        if continued and self.para_label:
            pass  # the rest of a paragraph that a page break cut between two sentences
        elif not self.numbered_seen or section_kind in ("opening", "summary"):
            self.unnumbered += 1
            self.para_label = f"¶{self.unnumbered}"
        # else: an unnumbered block inside numbered text continues the paragraph (page break)
        return 0

    def block(self, block: str, page: int, b_start: int, continued: bool) -> None:
        """One block (line) of a page, starting at document offset ``b_start``."""
        s = block.strip()
        if not s:
            return
        in_header = b_start < self.body_start
        in_closing = self.closing_start is not None and b_start >= self.closing_start
        if self._footnote_marker(s):
            return
        if looks_like_heading(s, self.doc_kind) and not in_header and not in_closing:
            self._heading(s, block, page, b_start)
            return
        if in_header or in_closing:
            self._frame(in_header, block, page, b_start)
            return
        cur = self._section_for_text(s, page, b_start)
        cur.end = b_start + len(block)
        is_bullet = s.startswith(BULLET)
        body_off = self._body_offset(s, block, continued, cur.kind)
        body = block[body_off:]
        for a, b in split_sentences(body):
            text = body[a:b].strip()
            if len(text) < 3:
                continue
            lead = len(body[a:b]) - len(body[a:b].lstrip())
            start = b_start + body_off + a + lead
            self.findings.append(
                Finding(
                    seq=len(self.findings),
                    text=text,
                    page=page,
                    start=start,
                    end=start + len(text),
                    section=cur.heading,
                    section_kind=cur.kind,
                    paragraph=self.para_label,
                    is_bullet=is_bullet,
                )
            )


def segment(
    pages: list[Page],
    body_start: int = 0,
    closing_start: int | None = None,
    first_kind: str = "opening",
    doc_kind: str | None = None,
) -> tuple[list[Section], list[Finding]]:
    """Walk the blocks of the cleaned pages; return sections and findings.

    ``body_start``/``closing_start``: document offsets before/after which blocks are letter
    header/closing (addresses, salutations, signature), kept as sections but not findings.
    ``doc_kind``: the document's kind, whose own headings are known beside the shared ones.
    """
    w = _Walker(body_start, closing_start, first_kind, doc_kind)
    pos = 0
    for page in pages:
        offset = pos
        for i, block in enumerate(page.text.split("\n")):
            continued = i == 0 and getattr(page, "continues", False)
            w.block(block, page.number, offset, continued)
            offset += len(block) + 1
        pos += len(page.text) + len(PAGE_SEP)
    if w.cur:
        w.cur.end = max(w.cur.end, w.cur.start)
    return w.sections, w.findings
