"""Check page citations against the PDF itself: a finding's page must be the page on which
its sentence starts, as pdfium prints it (used by tests/real and bench/citations.py).

The check is independent of the cleaner: it reads each page's raw text layer with pypdfium2,
keeps letters and digits only (so line breaks, hyphens, bullets and quotes do not matter),
and looks for the first characters of the finding on the cited page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
#: how many letters/digits of a sentence's start must be found on its page
PREFIX = 32


def squash(text: str) -> str:
    """Letters and digits only, lower-cased: how a sentence is found in a page's text layer."""
    return _NOT_ALNUM.sub("", text.lower())


def pdf_page_texts(path: str | Path) -> list[str]:
    """Each page's text layer, squashed (letters and digits only)."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        out = []
        for i in range(len(pdf)):
            page = pdf[i]
            tp = page.get_textpage()
            out.append(squash(tp.get_text_range()))
            tp.close()
            page.close()
        return out
    finally:
        pdf.close()


def sentence_on_page(
    sentence: str, squashed_page: str, squashed_next: str = "", prefix: int = PREFIX
) -> bool:
    """True when the sentence starts on the page: its first ``prefix`` letters/digits are printed
    there, or it starts near the page's end (only a footer may follow) and goes on at the top of
    the next page (after its running header)."""
    start = squash(sentence)[:prefix]
    if not start:
        return False
    if start in squashed_page:
        return True
    for j in range(len(start) - 1, 0, -1):  # the page ends with the sentence's first j characters
        if start[j:] not in squashed_next[:400]:
            continue
        end = len(squashed_page)
        while True:
            k = squashed_page.rfind(start[:j], 0, end)
            if k == -1 or len(squashed_page) - k > 500:
                break
            # what the page prints after them: nothing, a folio, a short footer or a numbered footnote
            tail = squashed_page[k + j :]
            if (
                not tail
                or tail.isdigit()
                or (j >= 6 and len(tail) <= 80)
                or (j >= 3 and tail[0].isdigit() and len(tail) <= 400)
            ):
                return True
            end = k + j - 1
    return False


@dataclass
class CiteResult:
    """How many findings were checked, and which cite the wrong page or were found on none."""

    checked: int = 0
    right: int = 0
    # sentence starts found on no page at all (for instance glued footnote markers changed the words)
    unfound: list[tuple[str, int, str]] = field(default_factory=list)
    # found, but not on the cited page: (file, cited page, pages where it is printed, text)
    wrong: list[tuple[str, int, list[int], str]] = field(default_factory=list)


def check_findings(
    path: str | Path, findings: list[tuple[int, str]], result: CiteResult | None = None
) -> CiteResult:
    """Check (page, text) pairs of one document against its PDF."""
    result = result or CiteResult()
    pages = pdf_page_texts(path)
    for page, text in findings:
        start = squash(text)[:PREFIX]
        if len(start) < 8:  # too short to say anything ("Good.")
            continue
        result.checked += 1
        if 1 <= page <= len(pages) and sentence_on_page(
            text, pages[page - 1], pages[page] if page < len(pages) else ""
        ):
            result.right += 1
            continue
        where = [i + 1 for i, p in enumerate(pages) if start in p]
        if where:
            result.wrong.append((str(path), page, where, text))
        else:
            result.unfound.append((str(path), page, text))
    return result
