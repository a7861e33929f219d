"""The recommendations Ofsted addresses to a council (and, in SIF reports, to the LSCB).

Read from a document's cleaned text (``Document.text`` / ``documents.text``), line by line:

* a **block** opens at a recommendation heading: ILACS "What needs to improve (in this local
  authority)?" (a footnote marker may follow: "What needs to improve?1", or a line "1"),
  "Areas for priority action"; SIF "Recommendations"; early SIF "What does the local authority
  need to improve?" with its lists "Priority and immediate action" / "Areas for improvement";
  focused-visit "What needs to improve in this area of social work practice";
* inside a block, **items** are bullets ("•") or numbered paragraphs ("12. Ensure that …");
  a numbered item followed by bullets is one item (its sub-bullets are joined with "; ");
  lines that do not start an item continue the previous one when it has not ended (no full
  stop) or when they start in lower case (a line or page break inside an item);
* **group headers** are not items: "Immediately:", "Within three months:", …, and the early-SIF
  lists "Priority and immediate action" / "Areas for improvement"; an item's ``group`` is the
  latest group header above it in its block (``None`` when there is none);
* not items: an introduction such as "In order to improve …, the local authority should take
  the following action." (a paragraph followed by a group header), "There are no areas for
  priority action.", topic sub-headings inside an early-SIF list ("Help and protection");
* a 2025+ **tail** such as "(outcome 1, national framework)" or "(Enabler two)." is metadata of
  its item: kept in ``tail``, removed from ``text``;
* the **addressee** is ``lscb`` for a block inside the LSCB part of a SIF report (after its part
  heading, e.g. "Section 2: The effectiveness of the Local Safeguarding Children Board" or
  "The Local Safeguarding Children Board (LSCB)", and before any later "The local authority"
  part heading) or under an LSCB heading ("What does the LSCB need to improve?"); else
  ``council``. Contents pages (lines ending in a page number) are skipped.

A block ends at any other line: prose, a known section heading, or a heading-like line
that is not a topic sub-heading of an early-SIF list.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from ..headings import heading_kind
from .segment import split_sentences

BULLET = "•"
_MARKDOWN = re.compile(r"^(#{1,6}\s+)|^[-*]\s+(?=\S)")


@dataclass
class Recommendation:
    """One recommendation as printed, with where it is (offsets into the document text)."""

    seq: int  # order in the document
    text: str  # the item, without its tail; sub-bullets joined with "; "
    group: str | None  # "Immediately", "Within three months", "Areas for improvement", … or None
    tail: str | None  # "(outcome 1, national framework)" etc., or None
    addressee: str  # council | lscb
    section: str  # the heading the block opens with, as printed
    paragraph: str | None  # printed paragraph number ("24"), or "•n" (n-th bullet of the block)
    page: int
    start: int
    end: int


_SP = r"[\s\u00a0]+"
_FOOT = r"(?:\s?\d{1,2})?"  # a footnote marker glued to or after a heading
# (regex on the whole line, what the block is, group it sets)
_HEADINGS: list[tuple[re.Pattern, str, str | None]] = [
    (
        re.compile(
            r"^what does the (lscb|local safeguarding children board|board)\b.*need to improve\??"
            + _FOOT
            + r"$",
            re.I,
        ),
        "lscb",
        None,
    ),
    (
        re.compile(
            r"^recommendations? (for|to) the (lscb|local safeguarding children board|board)\b.*$", re.I
        ),
        "lscb",
        None,
    ),
    (
        re.compile(
            r"^what does the local authority( and its partners)? need to improve\??" + _FOOT + r"$", re.I
        ),
        "council",
        None,
    ),
    (re.compile(r"^what needs to improve\b[^.]{0,80}?[?:]?" + _FOOT + r"$", re.I), "any", None),
    (re.compile(r"^areas? for priority action:?" + _FOOT + r"$", re.I), "any", "Areas for priority action"),
    (
        re.compile(r"^priority and immediate action:?" + _FOOT + r"$", re.I),
        "any",
        "Priority and immediate action",
    ),
    (re.compile(r"^priority actions:?" + _FOOT + r"$", re.I), "any", "Priority actions"),
    (re.compile(r"^areas for improvement:?" + _FOOT + r"$", re.I), "any", "Areas for improvement"),
    (re.compile(r"^recommendations:?" + _FOOT + r"$", re.I), "any", None),
]
#: headers of a group inside a block (not items)
_GROUP = re.compile(
    r"^(immediately|within (?:a|one|two|three|four|five|six|nine|twelve|\d{1,2}) (?:weeks?|months?)|"
    r"priority and immediate action|priority actions|areas for priority action|areas for improvement)\s*:?$",
    re.I,
)
_NUMBERED = re.compile(r"""^(\d{1,3})\.(?:\s+(?=\S)|(?=[A-Z\u2018\u201c'"(])|$)""")
_TOC_LINE = re.compile(r"^\S.{2,120}?\s\d{1,3}$")
_LSCB_PART = re.compile(
    r"^(section 2:?\s*)?(the )?(review of the )?(effectiveness (of )?(the )?)?"
    r"(local safeguarding children board|lscb)\b"
    r"|^the (effectiveness of the )?(lscb|local safeguarding children board)\b",
    re.I,
)
_LA_PART = re.compile(r"^(section 1:?\s*)?the local authority:?$", re.I)
_NONE_ITEM = re.compile(
    r"^(there (are|were) no\b|no areas\b|the inspection did not (find|identify)|"
    r"inspectors did not (find|identify)|none\.?$)",
    re.I,
)
_INTRO = re.compile(
    r"^(in order to (improve|address)|to improve\b)|(following (action|actions|areas)\.?|should:|"
    r"the following:)$",
    re.I,
)
# a 2025+ tail: "(outcome 1, national framework)", "(Enabler two).", "(National Framework outcome four)."
_TAIL = re.compile(
    r"\s*([(\[](?:[^()\[\]]*\b(?:outcomes?|enablers?|principles?)\b[^()\[\]]*|[^()\[\]]*national framework"
    r"[^()\[\]]*)[)\]]\.?)\s*$",
    re.I,
)
#: sub-bullet markers inside a line ("including: ̶ sufficiency … ̶ assessment …", ": - an understanding …")
_SUBMARK = re.compile(r"(?:^|\s)[\u0336\u2013\u2014\u25e6\u25aa\u2212-](?=\s)\s*")
_INLINE_SUBS = re.compile(r":\s+[\u0336\u2013\u2014\u25e6\u25aa\u2212-]\s")
#: a judgement heading run into the last item of a list (text layer without a line break)
_RUN_IN = re.compile(
    r"\s(?=(The experiences and progress of (children|care leavers)|The impact of leaders on)\b)"
)
_TERMINAL = (".", "?", "!")
#: a recommendation is one or two sentences (2,157 of the 2,167 verified ones); a numbered block
#: whose paragraphs mostly run to three or more is findings under a misplaced heading


def _is_toc(lines: list[str], i: int) -> bool:
    """A contents line: ends in a page number, next to another such line."""
    if not _TOC_LINE.match(lines[i]):
        return False
    for j in (i - 1, i + 1):
        if 0 <= j < len(lines) and _TOC_LINE.match(lines[j]):
            return True
    return False


def _heading(line: str) -> tuple[str, str | None] | None:
    if len(line) > 140:
        return None
    for rx, who, group in _HEADINGS:
        if rx.match(line):
            return who, group
    return None


def split_tail(text: str) -> tuple[str, str | None]:
    """``("The help for young carers.", "(outcome 1, national framework)")`` from the item as printed."""
    m = _TAIL.search(text)
    if not m or m.start() == 0:
        return text, None
    return text[: m.start()].rstrip(), m.group(1)


def _heading_like(s: str) -> bool:
    return (
        len(s) <= 100
        and not s.endswith((".", ",", ";"))
        and (s[0].isupper() or s[0].isdigit())
        and len(s.split()) <= 14
    )


def extract_recommendations(text: str) -> list[Recommendation]:
    """Every recommendation item of a document's cleaned text (see the module docstring)."""
    raw = text.split("\n")
    lines, offs = [], []
    pos = 0
    plain = BULLET not in text  # PDFs' bullets are "•" once cleaned; "- " there marks a sub-bullet
    for ln in raw:
        t = "\f" if ln.strip(" \t\r") == "\f" else ln.strip()  # a page break stays visible
        o = pos + (len(ln) - len(ln.lstrip()))
        m = _MARKDOWN.match(t) if plain else None  # a saved text copy: "# What needs to improve?", "- item"
        if m and m.group(1):
            t, o = t[m.end() :], o + m.end()
        elif m:
            t = BULLET + " " + t[m.end() :]
            o += m.end() - 2
        lines.append(t)
        offs.append(o)
        pos += len(ln) + 1
    feeds = [o for ln, o in zip(lines, offs) if ln == "\f"]  # pages are joined by "\n\f\n"
    out: list[Recommendation] = []
    part = "council"
    i, n = 0, len(lines)
    while i < n:
        s = lines[i]
        if not s or s == "\f" or _is_toc(lines, i):
            i += 1
            continue
        if _LA_PART.match(s):
            part = "council"
        elif len(s) <= 120 and _LSCB_PART.match(s):
            part = "lscb"
        h = _heading(s)
        if not h:
            i += 1
            continue
        who, group = h
        if who in ("council", "lscb"):
            part = who
        addressee = part if who == "any" else who
        items, i, lines, offs = _block(lines, offs, i, group, early=who != "any" or group is not None)
        n = len(lines)
        numbered = [it for it in items if not it["bullet"]]
        if numbered and sum(1 for it in numbered if len(split_sentences(it["text"])) >= 3) * 2 > len(
            numbered
        ):
            continue  # findings under a misplaced heading (a text-layer quirk), not recommendations
        for it in items:
            body, tail = split_tail(it["text"])
            if not body or _NONE_ITEM.match(body):
                continue
            out.append(
                Recommendation(
                    seq=len(out),
                    text=body,
                    group=it["group"],
                    tail=tail,
                    addressee=addressee,
                    section=_clean_heading(s),
                    paragraph=it["para"],
                    page=bisect.bisect(feeds, it["start"]) + 1,
                    start=it["start"],
                    end=it["end"],
                )
            )
    return out


def lscb_spans(text: str) -> list[tuple[int, int]]:
    """Offsets (start, end) of the LSCB part(s) of a SIF report's text: from an LSCB part heading
    to a later "The local authority" part heading or the end (contents pages skipped)."""
    spans: list[tuple[int, int]] = []
    start: int | None = None
    pos = 0
    raw = text.split("\n")
    lines = [ln.strip() for ln in raw]
    for i, ln in enumerate(lines):
        if ln and not _is_toc(lines, i):
            if (
                start is None
                and len(ln) <= 120
                and (_LSCB_PART.match(ln) or (_heading(ln) or ("",))[0] == "lscb")
            ):
                start = pos
            elif start is not None and (_LA_PART.match(ln) or (_heading(ln) or ("",))[0] == "council"):
                spans.append((start, pos))
                start = None
        pos += len(raw[i]) + 1
    if start is not None:
        spans.append((start, len(text)))
    return spans


def _clean_heading(s: str) -> str:
    return re.sub(r"(?<=[?:a-z])\s?\d{1,2}$", "", s).strip()


_STOP = re.compile(
    r"(strengths|weaknesses|inspection judgement|information about|summary|inspection findings|"
    r"^section \d|^the experiences and progress|^the effectiveness|^what the inspection judg|"
    r"^the impact of leaders|^leadership,? management and governance is)",
    re.I,
)


_GLUED = re.compile(r"(?<=[.;:)a-z])\s+(\d{1,3})\.(?=\s*[A-Z])")


_RUN_IN_NUMBER = re.compile(r"(?<=[a-z)?:])\s+(\d{1,3})\.\s*(?=[A-Z])")
_RUN_IN_GROUP = re.compile(
    r"(?:^|\s)(areas for improvement|priority and immediate action|priority actions):?$", re.I
)


def _split_glued(lines: list[str], offs: list[int], i: int, span: int = 400) -> tuple[list[str], list[int]]:
    """Lines ``i..i+span`` with "… partners 147.Give closer …" split where the next paragraph
    number (one more than the line's own) is glued on, and a bare "10." joined to the text of the
    line after it."""
    out_l, out_o = lines[: i + 1], offs[: i + 1]
    last: int | None = None
    k = i + 1
    end = min(len(lines), i + span)
    while k < end:
        t, o = lines[k], offs[k]
        m = _NUMBERED.match(t)
        if m and not t[m.end() :].strip():
            q = k + 1
            while q < end and (not lines[q] or lines[q] == "\f"):
                q += 1
            if q < end and lines[q] and not _NUMBERED.match(lines[q]) and not lines[q].startswith(BULLET):
                # keep the text's own offset: the number is cited as the paragraph
                out_l.append(f"{m.group(1)}. " + lines[q])
                out_o.append(offs[q] - len(m.group(1)) - 2)
                k = q + 1
                continue
        if not m and not t.startswith(BULLET):
            # a heading run into the paragraph after it: "Thresholds 14. Secure …",
            # "… no areas for priority and immediate action Areas for improvement 9. Evaluate …"
            g = _RUN_IN_NUMBER.search(t)
            if g and (last is None or int(g.group(1)) == last + 1):
                head = t[: g.start()].rstrip()
                grp = _RUN_IN_GROUP.search(head)
                if grp:
                    if head[: grp.start()].strip():
                        out_l.append(head[: grp.start()].strip())
                        out_o.append(o)
                    out_l.append(grp.group(1))
                    out_o.append(o + grp.start(1))
                elif _heading_like(head):
                    out_l.append(head)
                    out_o.append(o)
                else:
                    g = None
                if g:
                    o += g.start(1)
                    t = t[g.start(1) :]
                    m = _NUMBERED.match(t)
        while m:
            last = int(m.group(1))
            nxt = str(int(m.group(1)) + 1)
            g = next((x for x in _GLUED.finditer(t) if x.group(1) == nxt), None)
            if not g:
                break
            head = t[: g.start()].rstrip()
            sub = re.search(r"(?<=[.?!])\s+([A-Z][^.?!;:,]{0,80})$", head[m.end() :])
            if sub and _heading_like(sub.group(1)):
                head = head[
                    : m.end() + sub.start()
                ]  # "… the area. Learning and development 164. Ensure …": a topic sub-heading
            out_l.append(head)
            out_o.append(o)
            o += g.start(1)
            t = t[g.start(1) :]
            m = _NUMBERED.match(t)
        out_l.append(t)
        out_o.append(o)
        k += 1
    return out_l + lines[end:], out_o + offs[end:]


class _Block:
    """The walk through one recommendation block (see :func:`_block`): its items so far, the
    current group header, and what the last line added (``item``, ``group`` or ``sub``)."""

    def __init__(self, lines: list[str], offs: list[int], group: str | None, early: bool):
        self.lines, self.offs, self.n, self.early = lines, offs, len(lines), early
        self.items: list[dict] = []
        self.cur_group = group
        self.bullets = 0
        self.numbered_block = False
        self.last_kind: str | None = None  # item | group | sub

    def step(self, j: int) -> int | None:
        """Read line ``j``: the next line to read, or None when the block ends at it."""
        t = self.lines[j]
        if not t or t == "\f":
            return j + 1
        if not self.items and re.fullmatch(r"\d{1,2}", t):  # a footnote marker under the heading
            return j + 1
        if _is_toc(self.lines, j):
            return None
        g = _GROUP.match(t)
        if g:
            self._group(g)
            return j + 1
        if _heading(t):
            return None
        m = _NUMBERED.match(t)
        if m and self.items and not self.numbered_block:
            return None  # numbered paragraphs after a bulleted list: the next section's text
        if t.startswith(BULLET) or m:
            self._item(j, t, m)
            return j + 1
        # a line that starts no item: a continuation, a topic sub-heading, or the end of the block
        if self._continues(j, t) or self._after_page_break(j, t) or self._early_subheading(j, t):
            return j + 1
        return None

    def _group(self, g: re.Match[str]) -> None:
        items = self.items
        if (
            items
            and self.last_kind == "item"
            and (_INTRO.search(items[-1]["text"]) or items[-1]["text"].endswith(":"))
        ):
            items.pop()  # "In order to improve …, the local authority should take the following action."
        name = g.group(1)
        self.cur_group = name[0].upper() + name[1:].lower()
        self.last_kind = "group"

    def _item(self, j: int, t: str, m: re.Match[str] | None) -> None:
        """A bullet or a numbered paragraph: a new item, or a sub-bullet of a numbered item."""
        items, offs = self.items, self.offs
        body_off = (len(t) - len(t[1:].lstrip())) if not m else m.end()
        body = t[body_off:].strip()
        start = offs[j] + body_off
        if (
            not m
            and self.numbered_block
            and items
            and self.last_kind in ("item", "sub")
            and not items[-1]["bullet"]
        ):
            items[-1]["subs"].append(body)
            items[-1]["end"] = offs[j] + len(t)
            self.last_kind = "sub"
            return
        if m:
            self.numbered_block = True
            para = m.group(1)
        else:
            self.bullets += 1
            para = f"•{self.bullets}"
        subs = []
        lead = _INLINE_SUBS.search(body)
        if lead:
            subs = [x.strip() for x in _SUBMARK.split(body[lead.end() :]) if x.strip()]
            body = body[: lead.start() + 1]
        items.append(
            {
                "text": body,
                "subs": subs,
                "group": self.cur_group,
                "para": para,
                "line": j,
                "start": start,
                "end": offs[j] + len(t),
                "bullet": not m,
            }
        )
        self.last_kind = "sub" if subs else "item"

    def _continues(self, j: int, t: str) -> bool:
        """The line carries on the last item or sub-bullet (a line break inside it)."""
        items, last_kind = self.items, self.last_kind
        if not (items and last_kind in ("item", "sub")):
            return False
        prev = items[-1]["subs"][-1] if last_kind == "sub" else items[-1]["text"]
        if (prev.endswith(":") and last_kind == "item" and (_SUBMARK.match(t) or t[0].islower())) or (
            last_kind == "sub" and _SUBMARK.match(t)
        ):
            parts = [x.strip() for x in _SUBMARK.split(t) if x.strip()]
            items[-1]["subs"].extend(parts)  # sub-bullets printed on one line
            items[-1]["end"] = self.offs[j] + len(t)
            self.last_kind = "sub"
            return True
        if t[0].islower() or (
            not prev.rstrip("”’\"')").endswith(_TERMINAL + (":", ";")) and not _heading_like(t)
        ):
            if not heading_kind(t) and not _STOP.search(t):
                if last_kind == "sub":
                    items[-1]["subs"][-1] += " " + t
                else:
                    items[-1]["text"] += " " + t
                items[-1]["end"] = self.offs[j] + len(t)
                return True
        return False

    def _next_numbered(self, j: int) -> tuple[int, re.Match[str] | None]:
        """The next non-blank line after ``j`` and its paragraph number match, if any."""
        k = j + 1
        while k < self.n and (not self.lines[k] or self.lines[k] == "\f"):
            k += 1
        return k, (_NUMBERED.match(self.lines[k]) if k < self.n else None)

    def _last_para(self) -> str | None:
        return next((it["para"] for it in reversed(self.items) if not it["bullet"]), None)

    def _after_page_break(self, j: int, t: str) -> bool:
        """The rest of a numbered item after a page break (the next item has the next number)."""
        if not (
            self.items
            and self.numbered_block
            and self.last_kind == "item"
            and not _heading_like(t)
            and not heading_kind(t)
            and not _STOP.search(t)
        ):
            return False
        _, nxt = self._next_numbered(j)
        last = self._last_para()
        if nxt and last is not None and int(nxt.group(1)) == int(last) + 1:
            self.items[-1]["text"] += " " + t
            self.items[-1]["end"] = self.offs[j] + len(t)
            return True
        return False

    def _early_subheading(self, j: int, t: str) -> bool:
        """A topic sub-heading inside an early-SIF list ("Help and protection"): skipped."""
        if not (self.early and _heading_like(t) and not _STOP.search(t)):
            return False
        k, nxt = self._next_numbered(j)
        last = self._last_para()
        if nxt and (last is None or int(nxt.group(1)) == int(last) + 1):
            return True
        return (
            k < self.n
            and self.lines[k].startswith(BULLET)
            and not self.numbered_block
            and not heading_kind(t)
        )

    def finish(self) -> list[dict]:
        """The items, cut at a run-in heading, each with its sub-bullets joined into its text."""
        items = self.items
        for k, it in enumerate(items):
            cut = _RUN_IN.search(it["text"])
            if cut:
                it["text"] = it["text"][: cut.start()]
                it["end"] = it["start"] + cut.start()
                del items[k + 1 :]
                break
        for it in items:
            if it["subs"]:
                subs = [x.rstrip(";").rstrip() for x in it["subs"]]
                it["text"] = it["text"] + " " + "; ".join(subs)
        return items


def _block(
    lines: list[str], offs: list[int], i: int, group: str | None, early: bool
) -> tuple[list[dict], int, list, list]:
    """The items of the block whose heading is ``lines[i]``; returns them and the next line to read."""
    lines, offs = _split_glued(lines, offs, i)
    block = _Block(lines, offs, group, early)
    j = i + 1
    while j < block.n:
        nxt = block.step(j)
        if nxt is None:
            break
        j = nxt
    return block.finish(), j, lines, offs
