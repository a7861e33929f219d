"""Sections -> paragraphs -> findings (sentences and bullets), with pages and offsets."""

from __future__ import annotations

import re

from ..headings import BACKMATTER_RE, heading_kind
from ..model import PAGE_SEP, Finding, Page, Section

_NUM = re.compile(r"^(\d{1,3})\.\s+")
_SUBNUM = re.compile(r"^(\d{1,2}\.\d{1,2})\s+")
BULLET = "•"
_TERMINAL = (".", "?", "!", ":", ";", "”", "’", ")", '"', "'")

# sentence boundary: end punctuation, space, then a capital/quote/digit; not after common abbreviations
_ABBREV = re.compile(r"(\b(e\.g|i\.e|etc|Dr|Mr|Mrs|Ms|No|St|para|paras|vs|cf|approx|Cllr)\.|\b[A-Z]\.)$")
_SPLIT = re.compile(r"(?<=[.!?])[’”'\"]?\s+(?=[A-Z‘“'\"(\d•])")


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


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Spans of the sentences in ``text`` (closing quotes stay with their sentence)."""
    spans = []
    start = 0
    for m in _SPLIT.finditer(text):
        if _ABBREV.search(text[start : m.start()]):
            continue
        end = m.start() + len(re.match(r"[’”'\"]?", text[m.start() :]).group(0))
        spans.append((start, end))
        start = m.end()
    rest = text[start:].rstrip()
    if rest.strip():
        spans.append((start, start + len(rest)))
    return [(a, b) for a, b in spans if b > a]


def segment(
    pages: list[Page],
    body_start: int = 0,
    closing_start: int | None = None,
    first_kind: str = "opening",
    doc_kind: str | None = None,
) -> tuple[list[Section], list[Finding]]:
    """Walk the blocks of the cleaned pages; return sections and findings.

    ``doc_kind``: the document's kind, whose own headings are known beside the shared ones.

    ``body_start``/``closing_start``: document offsets before/after which blocks are letter
    header/closing (addresses, salutations, signature), kept as sections but not findings.
    """
    sections: list[Section] = []
    findings: list[Finding] = []
    cur: Section | None = None
    para_label: str | None = None
    numbered_seen = False
    findings_at_heading = -1
    unnumbered = 0
    pos = 0
    for page in pages:
        offset = pos
        first_block = True
        for block in page.text.split("\n"):
            continued = first_block and getattr(page, "continues", False)
            first_block = False
            b_start = offset
            offset += len(block) + 1
            s = block.strip()
            if not s:
                continue
            in_header = b_start < body_start
            in_closing = closing_start is not None and b_start >= closing_start
            if (
                cur
                and re.fullmatch(r"\d{1,2}", s)
                and findings_at_heading == len(findings)
                and cur.kind not in ("header", "closing", "about")
            ):
                continue  # a footnote marker printed under its heading ("What needs to improve?" then "1")
            if looks_like_heading(s, doc_kind) and not in_header and not in_closing:
                s = re.sub(r"(?<=\?)\d{1,2}$", "", s) if heading_kind(s, doc_kind) else s  # "…improve?1"
                findings_at_heading = len(findings)
                kind = heading_kind(s, doc_kind) or (
                    cur.kind if cur and cur.kind not in ("header", "closing", "opening") else "other"
                )
                if cur and cur.kind == "about" and not heading_kind(s, doc_kind):
                    continue  # short lines of the back matter (addresses) stay in it
                if cur:
                    cur.end = b_start
                cur = Section(heading=s, kind=kind, page=page.number, start=b_start, end=b_start + len(block))
                sections.append(cur)
                continue
            if in_header or in_closing:
                kind = "header" if in_header else "closing"
                if not cur or cur.kind != kind:
                    if cur:
                        cur.end = b_start
                    cur = Section(
                        heading="(letter header)" if in_header else "(closing)",
                        kind=kind,
                        page=page.number,
                        start=b_start,
                        end=b_start + len(block),
                    )
                    sections.append(cur)
                continue
            if BACKMATTER_RE.match(s) and (cur is None or cur.kind != "about"):
                if cur:
                    cur.end = b_start
                cur = Section(
                    heading="(about Ofsted)", kind="about", page=page.number, start=b_start, end=b_start
                )
                sections.append(cur)
            if cur is None or cur.kind == "header":
                if cur:
                    cur.end = b_start
                cur = Section(
                    heading="(" + first_kind + ")",
                    kind=first_kind,
                    page=page.number,
                    start=b_start,
                    end=b_start,
                )
                sections.append(cur)
            cur.end = b_start + len(block)
            # paragraph label
            is_bullet = s.startswith(BULLET)
            body_off = 0
            if is_bullet:
                body_off = len(block) - len(block.lstrip()) + len(BULLET)
                while body_off < len(block) and block[body_off] == " ":
                    body_off += 1
            else:
                m = _NUM.match(s)
                if m:
                    para_label = m.group(1)
                    numbered_seen = True
                    body_off = m.end()
                elif continued and para_label:
                    pass  # the rest of a paragraph that a page break cut between two sentences
                elif not numbered_seen or cur.kind in ("opening", "summary"):
                    unnumbered += 1
                    para_label = f"¶{unnumbered}"
                # else: an unnumbered block inside numbered text continues the paragraph (page break)
            body = block[body_off:]
            for a, b in split_sentences(body):
                text = body[a:b].strip()
                if len(text) < 3:
                    continue
                lead = len(body[a:b]) - len(body[a:b].lstrip())
                start = b_start + body_off + a + lead
                findings.append(
                    Finding(
                        seq=len(findings),
                        text=text,
                        page=page.number,
                        start=start,
                        end=start + len(text),
                        section=cur.heading,
                        section_kind=cur.kind,
                        paragraph=para_label,
                        is_bullet=is_bullet,
                    )
                )
        pos += len(page.text) + len(PAGE_SEP)
    if cur:
        cur.end = max(cur.end, cur.start)
    return sections, findings
