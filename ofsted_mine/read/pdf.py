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


def pdf_pages(path: str | Path, data: bytes) -> list[str]:
    """Raw text of each page. Raises ReadError with the reason."""
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
        for i in range(len(pdf)):
            page = pdf[i]
            tp = page.get_textpage()
            pages.append(tp.get_text_range())
            tp.close()
            page.close()
    except Exception as e:  # a damaged page tree
        raise ReadError(f"corrupt PDF: {e}") from None
    finally:
        pdf.close()
    if not pages:
        raise ReadError("PDF has no pages")
    if sum(len(p.strip()) for p in pages) < 20 * len(pages) and sum(len(p.strip()) for p in pages) < 200:
        raise ReadError("no text layer: needs OCR")
    return pages
