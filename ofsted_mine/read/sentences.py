"""Sentence boundaries in cleaned text: the one splitter that the read stage (a sentence cut by a
page break), the parse stage (findings) and the tag stage (annotations) share.

It lives in the read stage, the earliest that needs it, so that no stage imports a later one.
"""

from __future__ import annotations

import re

# sentence boundary: end punctuation, space, then a capital/quote/digit; not after common abbreviations
_ABBREV = re.compile(r"(\b(e\.g|i\.e|etc|Dr|Mr|Mrs|Ms|No|St|para|paras|vs|cf|approx|Cllr)\.|\b[A-Z]\.)$")
_SPLIT = re.compile(r"(?<=[.!?])[’”'\"]?\s+(?=[A-Z‘“'\"(\d•])")
_CLOSING_QUOTE = re.compile(r"[’”'\"]?")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Spans of the sentences in ``text`` (closing quotes stay with their sentence)."""
    spans = []
    start = 0
    for m in _SPLIT.finditer(text):
        if _ABBREV.search(text[start : m.start()]):
            continue
        q = _CLOSING_QUOTE.match(text, m.start())  # always matches (possibly empty)
        end = m.start() + (len(q.group(0)) if q else 0)
        spans.append((start, end))
        start = m.end()
    rest = text[start:].rstrip()
    if rest.strip():
        spans.append((start, start + len(rest)))
    return [(a, b) for a, b in spans if b > a]
