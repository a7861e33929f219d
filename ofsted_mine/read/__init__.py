"""Stage 1, read: a file (PDF, HTML or text) -> cleaned pages.

``read_file(path)`` returns a :class:`~ofsted_mine.model.ReadResult` or raises
:class:`~ofsted_mine.model.ReadError` whose message is one line giving the reason.
The file's kind is decided by its bytes, not its name.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from ..model import Page, ReadError, ReadResult
from .clean import clean_pages
from .controls import strip_controls
from .html import html_text
from .pdf import pdf_pages, sniff

__all__ = ["read_file", "read_bytes", "ReadError"]


def read_file(path: str | Path) -> ReadResult:
    p = Path(path)
    if not p.exists():
        raise ReadError("no such file or directory")
    if p.is_dir():
        raise ReadError("is a directory")
    try:
        data = p.read_bytes()
    except OSError as e:
        raise ReadError(f"cannot read: {e.strerror or e}") from None
    return read_bytes(data, str(p))


def _text_pages(s: str) -> list[str]:
    raw = s.replace("\r\n", "\n").split("\f")
    return raw


def read_bytes(data: bytes, name: str) -> ReadResult:
    sha = hashlib.sha256(data).hexdigest()
    kind = sniff(data)
    suffix = Path(name).suffix.lower()
    warnings: list[str] = []
    if kind == "empty":
        raise ReadError("empty file (0 bytes)")
    if kind == "pdf":
        raw = pdf_pages(name, data)
        pages = clean_pages(raw)
        fmt = "pdf"
    elif kind == "html":
        if suffix == ".pdf":
            raise ReadError("not a PDF: an HTML web page saved with a .pdf name")
        _title, text = html_text(data)
        pages = clean_pages([text])
        fmt = "html"
    else:
        if suffix == ".pdf":
            raise ReadError("not a PDF: no PDF header in the file")
        if b"\x00" in data[:4096]:
            raise ReadError(f"unsupported binary file type ({suffix or 'no extension'})")
        try:
            s = data.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            raise ReadError(f"text file is not UTF-8 (bad byte at offset {e.start})") from None
        raw = _text_pages(s)
        if any(len(l) > 200 for l in s.split("\n")):
            # unwrapped text: every line is already a block; blank lines just separate
            raw = ["\n\n".join(l for l in r.split("\n")) for r in raw]
        pages = clean_pages(raw)
        fmt = "text"
    pages = [Page(i + 1, strip_controls(t)) for i, t in enumerate(pages)]  # no escape sequences, ever
    if not any(p.text.strip() for p in pages):
        raise ReadError("no text layer: needs OCR" if fmt == "pdf" else "no text in the file")
    return ReadResult(path=name, sha256=sha, format=fmt, pages=pages, warnings=warnings)
