"""HTML files (including web pages saved with a .pdf name) to text blocks."""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BLOCK = {
    "p",
    "div",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "tr",
    "br",
    "section",
    "article",
    "header",
    "footer",
    "table",
    "ul",
    "ol",
    "title",
    "dt",
    "dd",
    "blockquote",
}
_SKIP = {"script", "style", "noscript", "template", "svg", "head"}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        if tag in _SKIP:
            self.skip += 1
        if tag == "title":
            self._in_title = True
        if tag in _BLOCK:
            self.parts.append("\n")
        if tag == "li":
            self.parts.append("\uf06e ")

    def handle_endtag(self, tag):
        if tag in _SKIP and self.skip:
            self.skip -= 1
        if tag == "title":
            self._in_title = False
        if tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        if not self.skip:
            self.parts.append(data)


def html_text(data: bytes) -> tuple[str, str]:
    """Return (title, text) of an HTML document; one block per line."""
    m = re.search(rb'charset=["\']?([\w-]+)', data[:2048])
    enc = m.group(1).decode("ascii", "ignore") if m else "utf-8"
    try:
        s = data.decode(enc, errors="replace")
    except LookupError:
        s = data.decode("utf-8", errors="replace")
    p = _Text()
    p.feed(s)
    text = "".join(p.parts)
    lines = [re.sub(r"[ \t\r\f\v]+", " ", l).strip() for l in text.split("\n")]
    return p.title.strip(), "\n".join(l for l in lines if l)
