"""Turn raw per-page text (from a PDF text layer, HTML or a text file) into clean text.

The cleaned page text holds one *block* per line: a heading, a paragraph (its
printed number kept, e.g. ``"12. Children ..."``) or a bullet (``"• ..."``).
Lines broken at the right margin are joined, words hyphenated across lines are
mended, running headers/footers, page numbers and footnotes are removed, odd
hyphen and bullet characters are normalised, and curly quotes are kept as
printed (search folds them; quotes read as the inspectors wrote them).
"""

from __future__ import annotations

import re
from collections import Counter

from ..headings import heading_kind

BULLET = "•"
# private-use bullets seen in the real PDFs (U+F06E, U+F02D, U+F0A7, U+F0BE, ...), ◼ ■ ▪ ● ◦ – used as bullets
_BULLET_CHARS = (
    "\uf06e\uf02d\uf0a7\uf0be\uf0b7\uf076\uf0d8\uf0fc\u25fc\u25a0\u25aa\u25cf\u25e6\u2022\u2023\u2043\u00b7"
)
_BULLET_RE = re.compile(r"^\s*[" + _BULLET_CHARS + r"\uf000-\uf8ff]\s*")
_PUA_RE = re.compile(r"[\uf000-\uf8ff]")
_HYPHENS = str.maketrans(
    {
        "\ufffe": "-",
        "\u00ad": "-",
        "\u2010": "-",
        "\u2011": "-",
        "\u00a0": " ",
        "\u2002": " ",
        "\u2003": " ",
        "\u2009": " ",
        "\u200b": "",
        "\ufeff": "",
        "\t": " ",
    }
)
_NUMBERED = re.compile(r"^(\d{1,3})\.\s+(?=\S)")
# a paragraph number glued to its text ("54.Leaders prioritise"): given its space back
_GLUED_NUMBER = re.compile(r"^(\d{1,3})\.(?=[A-Z‘“'\"(])")
_TERMINAL = tuple(".:;?!)”’\"'")
_DIGITS = re.compile(r"\d+")
_WORDS = re.compile(r"[a-z]{3,}")


_ODD_CHARS = re.compile("[" + "".join(chr(c) for c in _HYPHENS) + "]")


def normalise_chars(text: str) -> str:
    """Unix line ends; the odd hyphens and spaces of PDF text layers (soft, non-breaking…) as plain ones."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _ODD_CHARS.search(text):  # str.translate with a mapping is slow; most pages need none
        text = _ODD_CHARS.sub(lambda m: _HYPHENS[ord(m.group())], text)
    return text


def _line_key(line: str) -> str:
    return _DIGITS.sub("#", re.sub(r"\s+", " ", line.strip().lower()))


def find_running_lines(pages_lines: list[list[str]]) -> set[str]:
    """Keys of lines that repeat at the top or bottom of many pages (headers/footers)."""
    n = len(pages_lines)
    if n < 2:
        return set()
    counts: Counter[str] = Counter()
    for lines in pages_lines[1:] if n <= 4 else pages_lines:  # short letters: page 1 has no running header
        nonblank = [l for l in lines if l.strip()]
        edge = nonblank[:3] + nonblank[-3:]
        counts.update(set(_line_key(l) for l in edge))
    need = 2 if n <= 4 else max(3, int(0.4 * n))
    return {k for k, c in counts.items() if c >= need and k not in ("#", "") and len(k) > 3}


def _is_page_number(line: str) -> bool:
    s = line.strip()
    return bool(re.fullmatch(r"(page\s+)?\d{1,3}(\s+of\s+\d{1,3})?", s, re.I))


# a document's title: on page 1 it is never a running header, even when later pages repeat it as one
# (the kind, council, dates and grades are read from it)
_TITLE_RE = re.compile(
    r"^\s*(?:(?:re-?)?inspection of|monitoring visit|focused visit|assurance visit|"
    r"joint targeted area inspection|review of)\b",
    re.I,
)


def _strip_edges(lines: list[str], running: set[str], first_page: bool = False) -> list[str]:
    # drop running headers/footers and bare page numbers at the top and bottom of the page
    def drop(l: str) -> bool:
        if first_page and _TITLE_RE.match(l):
            return False
        return not l.strip() or _is_page_number(l) or _line_key(l) in running or l.strip().startswith("©")

    i = 0
    while i < len(lines) and i < 6 and drop(lines[i]):
        i += 1
    j = len(lines)
    while j > i and len(lines) - j < 6 and drop(lines[j - 1]):
        j -= 1
    return lines[i:j]


def _strip_footnotes(lines: list[str]) -> tuple[list[str], set[str]]:
    """Remove a trailing footnote block ("1\\nOfsted produces ...") and return the marker numbers."""
    markers = set()
    for k in range(len(lines) - 1, max(len(lines) - 25, 0), -1):
        s = lines[k].strip()
        m = re.fullmatch(r"(\d{1,2})(\s+\S.*)?", s)
        if m and k > 0:
            num = m.group(1)
            before = "\n".join(lines[:k])
            if re.search(r"[a-z\)]" + num + r"(?=[\s.,;:]|$)", before):
                markers.add(num)
                # continue upward: several footnotes may stack
                lines = lines[:k]
    return lines, markers


def _join_hyphen(prev: str, nxt: str, vocab: set[str]) -> str:
    """Join two lines where prev ends in a hyphen: mend 'assess-' + 'ment' but keep 'pre-' + 'proceedings'."""
    m = re.search(r"(\w+)-$", prev)
    n = re.match(r"(\w+)", nxt)
    if m and n and nxt[:1].islower():
        joined = (m.group(1) + n.group(1)).lower()
        if joined in vocab:
            return prev[:-1] + nxt
    return prev + nxt


def _typical_width(lines: list[str]) -> float:
    lens = sorted(len(l.rstrip()) for l in lines if len(l.strip()) > 20)
    if not lens:
        return 80.0
    return float(lens[int(0.8 * (len(lens) - 1))])


def _looks_like_heading(line: str, width: float) -> bool:
    s = line.strip()
    if not s or len(s) > 110 or s.endswith(_TERMINAL[:-2]) or s[-1] in ",;":
        return False
    if not (s[0].isupper() or s[0].isdigit()):
        return False
    return len(s) < 0.75 * width


def _known_heading(line: str) -> bool:
    s = line.strip()
    return 0 < len(s) < 130 and not s.endswith((".", ",", ";")) and heading_kind(s) is not None


def _starts_block(line: str, cur: str, cur_heading: bool, prev_raw: str, width: float) -> bool:
    """Whether ``line`` (stripped, bullets and glued numbers handled) starts a new block after
    ``cur`` (the block so far; ``cur_heading``: it looks like a heading), given the previous raw
    line and the document's typical line width."""
    if not cur:
        return True
    if _NUMBERED.match(line) and (cur.rstrip().endswith(_TERMINAL + (":",)) or _known_heading(cur)):
        return True
    if _known_heading(line) and (cur.rstrip().endswith(_TERMINAL) or len(prev_raw.strip()) < 0.8 * width):
        return True
    if _known_heading(cur) and not line[:1].islower():
        return True
    if cur_heading:
        # a heading continues only when it is visibly wrapped (ends mid-phrase)
        return not (
            cur.rstrip().endswith(("and", "of", "the", "for", "to", "with", "in", "&")) or line[:1].islower()
        )
    if prev_raw and prev_raw.rstrip().endswith(_TERMINAL) and len(prev_raw.rstrip()) < 0.8 * width:
        return True
    if cur.startswith(BULLET) and prev_raw.rstrip().endswith(".") and line[:1].isupper():
        return True  # a bullet item ends with its sentence; what follows is a new paragraph
    return bool(
        prev_raw
        and len(prev_raw.strip()) < 0.6 * width
        and line[:1].isupper()
        and not prev_raw.rstrip().endswith((",", "and", "of", "the", "for", "to", "with", "in", "&", "-"))
    )


def blocks_from_lines(lines: list[str], vocab: set[str], width: float | None = None) -> list[str]:
    """Group physical lines into logical blocks (one per output line).

    ``width`` is the document's typical full line length in characters."""
    width = width or _typical_width(lines)
    blocks: list[str] = []
    cur = ""
    cur_heading = False

    def flush():
        nonlocal cur
        s = re.sub(r"\s+", " ", cur).strip()
        if s:
            blocks.append(s)
        cur = ""

    prev_raw = ""
    for raw in lines:
        line = raw.strip()
        if not line:
            flush()
            prev_raw = ""
            continue
        is_bullet = bool(_BULLET_RE.match(line))
        if is_bullet:
            line = _BULLET_RE.sub("", line)
            flush()
            cur = BULLET + " " + line
            cur_heading = False
            prev_raw = raw
            continue
        line = _PUA_RE.sub("", line)
        line = _GLUED_NUMBER.sub(r"\1. ", line)
        new_block = _starts_block(line, cur, cur_heading, prev_raw, width)
        if new_block:
            flush()
            cur = line
            cur_heading = _looks_like_heading(raw, width) and not _NUMBERED.match(line)
        else:
            if cur.endswith("-") and not cur.endswith(" -"):
                cur = _join_hyphen(cur, line, vocab)
            else:
                cur = cur + " " + line
            if cur_heading and len(cur) > 140:
                cur_heading = False
        prev_raw = raw
    flush()
    return blocks


def clean_pages(raw_pages: list[str]) -> list[str]:
    """Clean a document's pages together (running headers are found across pages)."""
    return clean_document(raw_pages)[0]


def clean_document(raw_pages: list[str]) -> tuple[list[str], list[bool]]:
    """Cleaned pages, and for each page whether its first block continues the paragraph that the
    previous page ends with (a paragraph cut by a page break between two of its sentences)."""
    from .sentences import split_sentences

    pages_lines = [normalise_chars(p).split("\n") for p in raw_pages]
    running = find_running_lines(pages_lines)
    vocab = set(_WORDS.findall("\n".join("\n".join(lines) for lines in pages_lines).lower()))
    stripped = [_strip_edges(lines, running, k == 0) for k, lines in enumerate(pages_lines)]
    width = _typical_width([l for lines in stripped for l in lines])
    page_blocks = []
    for lines in stripped:
        lines, markers = _strip_footnotes(lines)
        blocks = blocks_from_lines(lines, vocab, width)
        for num in markers:  # footnote markers glued to words: "board1" -> "board"
            blocks = [re.sub(r"(?<=[a-z\)])" + num + r"(?=[\s.,;:]|$)", "", b) for b in blocks]
        page_blocks.append(blocks)
    continues = [False] * len(page_blocks)
    # a sentence cut by a page break: carry the rest OF THAT SENTENCE back to the page where it
    # starts; the paragraph's later sentences stay on the page that prints them (their citation)
    for k in range(len(page_blocks) - 1):
        cur, nxt = page_blocks[k], page_blocks[k + 1]
        if cur and nxt and not cur[-1].rstrip().endswith(_TERMINAL) and _continues(nxt[0]):
            first = nxt[0].lstrip()
            spans = split_sentences(first)
            if len(spans) > 1:
                cur[-1] = cur[-1].rstrip() + " " + first[: spans[0][1]].rstrip()
                nxt[0] = first[spans[1][0] :]
                continues[k + 1] = True
            else:
                cur[-1] = cur[-1].rstrip() + " " + nxt.pop(0).lstrip()
    return ["\n".join(b) for b in page_blocks], continues


def _continues(block: str) -> bool:
    s = block.strip()
    if not s or s.startswith(BULLET) or _NUMBERED.match(s) or _known_heading(s):
        return False
    return s[0].islower() or s[0] in "(,;–-" or s[0].isdigit()
