"""Stage 1, read: a file (PDF, HTML or text) -> cleaned pages.

``read_file(path)`` returns a :class:`~ofsted_mine.model.ReadResult` or raises
:class:`~ofsted_mine.model.ReadError` whose message is one line giving the reason.
The file's kind is decided by its bytes, not its name.

Bounded whatever the input: a file larger than ``max_bytes`` (default
:data:`MAX_INPUT_BYTES`, 50 MB; ``ingest --max-size`` raises it) is refused before it is
read, and a document whose text passes :data:`MAX_TEXT_CHARS` (2 million characters, about
seven times the longest real Ofsted report) is refused as soon as that is known (while a
PDF's pages are extracted, right after a text file is decoded), so parsing and tagging
never see more.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from ..model import Page, ReadError, ReadResult
from .controls import strip_controls

__all__ = ["read_file", "read_bytes", "ReadError", "MAX_INPUT_BYTES", "MAX_TEXT_CHARS", "check_size"]

#: files larger than this are refused unless the caller raises the limit (``--max-size``)
MAX_INPUT_BYTES = 50_000_000
#: documents with more text than this are refused (keeps an ingest's memory bounded)
MAX_TEXT_CHARS = 2_000_000


def _mb(n: float) -> str:
    return f"{n:,} bytes" if n < 1_000_000 else f"{n / 1e6:.1f}".rstrip("0").rstrip(".") + " MB"


def check_size(size: int, max_bytes: int | None = MAX_INPUT_BYTES) -> None:
    """Raise :class:`ReadError` (one line) if a file of ``size`` bytes is over the limit."""
    if max_bytes and size > max_bytes:
        raise ReadError(
            f"file too large: {_mb(size)}, over the limit of {max_bytes / 1e6:g} MB "
            "(raise it with --max-size MB)"
        )


def _check_chars(n: int, max_chars: int | None) -> None:
    if max_chars and n > max_chars:
        raise ReadError(
            f"too much text: over {max_chars:,} characters in one document "
            "(the longest Ofsted report has about 300,000); not read"
        )


def read_file(
    path: str | Path, *, max_bytes: int | None = MAX_INPUT_BYTES, max_chars: int | None = MAX_TEXT_CHARS
) -> ReadResult:
    """Read a file (PDF, HTML or text, decided by its bytes) into cleaned pages.

    Raises :class:`~ofsted_mine.model.ReadError` with a one-line reason (missing, a folder,
    too large, no text layer...).
    """
    p = Path(path)
    if not p.exists():
        raise ReadError("no such file or directory")
    if p.is_dir():
        raise ReadError("is a directory")
    try:
        check_size(p.stat().st_size, max_bytes)
        with open(p, "rb") as f:
            data = f.read(max_bytes + 1) if max_bytes else f.read()
    except OSError as e:
        raise ReadError(f"cannot read: {e.strerror or e}") from None
    check_size(len(data), max_bytes)  # it grew while we looked
    return read_bytes(data, str(p), max_chars=max_chars)


def _text_pages(s: str) -> list[str]:
    raw = s.replace("\r\n", "\n").split("\f")
    return raw


def read_bytes(data: bytes, name: str, *, max_chars: int | None = MAX_TEXT_CHARS) -> ReadResult:
    """Read a document already in memory (``name`` is used for messages and the suffix only)."""
    # imported here, not at the top: a query that only strips controls (read.controls) loads
    # neither the HTML parser nor the cleaning rules (CLI start-up, bench/scale.py)
    from .clean import clean_document, clean_pages
    from .html import html_text
    from .pdf import pdf_pages, sniff

    sha = hashlib.sha256(data).hexdigest()
    kind = sniff(data)
    suffix = Path(name).suffix.lower()
    warnings: list[str] = []
    continues: list[bool] = []
    if kind == "empty":
        raise ReadError("empty file (0 bytes)")
    if kind == "pdf":
        raw = pdf_pages(name, data, max_chars=max_chars)
        texts, continues = clean_document(raw)
        fmt = "pdf"
    elif kind == "html":
        if suffix == ".pdf":
            raise ReadError("not a PDF: an HTML web page saved with a .pdf name")
        _check_chars(len(data) // 8, max_chars)  # markup shrinks; even so, this much cannot fit
        _title, text = html_text(data)
        _check_chars(len(text), max_chars)
        texts = clean_pages([text])
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
        _check_chars(len(s), max_chars)
        raw = _text_pages(s)
        if any(len(l) > 200 for l in s.split("\n")):
            # unwrapped text: every line is already a block; blank lines just separate
            raw = ["\n\n".join(l for l in r.split("\n")) for r in raw]
        texts, continues = clean_document(raw)
        fmt = "text"
    pages = [
        Page(i + 1, strip_controls(t), i < len(continues) and continues[i])  # no escape sequences, ever
        for i, t in enumerate(texts)
    ]
    if not any(p.text.strip() for p in pages):
        raise ReadError("no text layer: needs OCR" if fmt == "pdf" else "no text in the file")
    return ReadResult(path=name, sha256=sha, format=fmt, pages=pages, warnings=warnings)
