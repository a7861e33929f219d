"""PDF text through pypdfium2 (fast), with clear one-line errors for bad files."""

from __future__ import annotations

from pathlib import Path

from ..model import ReadError


def sniff(data: bytes) -> str:
    """What the bytes really are: pdf | html | empty | other."""
    if not data:
        return "empty"
    head = data[:1024].lstrip().lower()
    if data[:1024].find(b"%PDF-") != -1:
        return "pdf"
    if head.startswith((b"<!doctype html", b"<html", b"<?xml")) or b"<html" in head or b"<head" in head:
        return "html"
    return "other"


def pdf_pages(path: str | Path, data: bytes, max_chars: int | None = None) -> list[str]:
    """Raw text of each page. Raises ReadError with the reason (also as soon as the pages'
    text passes ``max_chars``: a small PDF can hold a great deal of text)."""
    import pypdfium2 as pdfium  # imported here: the query path never needs it

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        msg = str(e)
        if "password" in msg.lower():
            raise ReadError("password-protected PDF") from None
        if b"%%EOF" not in data[-2048:]:
            raise ReadError("truncated PDF (no end-of-file marker): " + msg) from None
        raise ReadError("corrupt PDF: " + msg) from None
    try:
        pages = []
        total = 0
        for i in range(len(pdf)):
            page = pdf[i]
            tp = page.get_textpage()
            pages.append(_mark_paragraph_gaps(tp))
            tp.close()
            page.close()
            total += len(pages[-1])
            if max_chars and total > max_chars:
                raise ReadError(
                    f"too much text: over {max_chars:,} characters by page {i + 1} of {len(pdf)} "
                    "(the longest Ofsted report has about 300,000); not read"
                )
    except ReadError:
        raise
    except Exception as e:  # a damaged page tree
        raise ReadError(f"corrupt PDF: {e}") from None
    finally:
        pdf.close()
    if not pages:
        raise ReadError("PDF has no pages")
    if sum(len(p.strip()) for p in pages) < 20 * len(pages) and sum(len(p.strip()) for p in pages) < 200:
        raise ReadError("no text layer: needs OCR")
    return pages


_ENDS = tuple('.:;?!”’")')


def _mark_paragraph_gaps(tp) -> str:
    """Page text with a blank line wherever the vertical gap between two lines is clearly
    larger than the page's usual line spacing: the paragraph breaks the text layer drops.

    Uses only the box of each line's first character (pdfium geometry, cheap)."""
    text = tp.get_text_range()
    lines = text.split("\r\n")
    if len(lines) < 4:
        return text
    n = tp.count_chars()
    pos = 0
    ys: list = []
    for line in lines:
        stripped = len(line) - len(line.lstrip())
        i = pos + stripped
        y = None
        if line.strip() and i < n:
            try:
                box = tp.get_charbox(i)
                y = (box[1], box[3])  # bottom, top
            except Exception:
                y = None
        ys.append(y)
        pos += len(line) + 2
    deltas = [
        ys[k - 1][0] - ys[k][0]
        for k in range(1, len(ys))
        if ys[k] and ys[k - 1] and 0 < ys[k - 1][0] - ys[k][0] < 60
    ]
    if len(deltas) < 3:
        return text
    deltas.sort()
    usual = deltas[len(deltas) // 2]
    out = [lines[0]]
    for k in range(1, len(lines)):
        a, b = ys[k - 1], ys[k]
        # only after a line that ends a sentence: titles and headings wrap with big gaps too
        if (
            a
            and b
            and a[0] - b[0] > 1.3 * usual
            and a[0] - b[0] < 200
            and lines[k - 1].rstrip().endswith(_ENDS)
        ):
            out.append("")
        out.append(lines[k])
    return "\n".join(out)
