"""Ofsted's pages, read: the search listing (councils) and a provider page (publications).

Pure functions over HTML text; no requests are made here.  The parser is Python's own
tolerant ``html.parser`` (Ofsted's pages are well formed, but an unclosed tag must never
lose a link).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from datetime import date, datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

from ._models import FetchError, Publication

#: search listing of every local authority children's services provider
SEARCH_PATH = "/search?q=&location=&lat=&lon=&radius=&level_1_types=3&level_2_types%5B%5D=12"
LISTING_ROWS = 100
MAX_LISTING_PAGES = 50
#: used only when a council cannot be found in the search listing
PROVIDER_PATH_FALLBACK = "/provider/44/{urn}"

# the kinds a fetch can ask for, the names a user may type and how the site lists each kind are
# declared by the kinds (ofsted_mine/kinds: ``site_titles``, ``aliases``)
from ..kinds import kind_from_site_title  # noqa: E402
from ..vocab import KIND_ALIASES, SITE_KINDS  # noqa: E402

KNOWN_KINDS = SITE_KINDS
_KIND_ALIASES = {name: kind for name, kind in KIND_ALIASES.items() if kind in SITE_KINDS}

_MONTH_NAMES = "january february march april may june july august september october november december".split()
_MONTHS = {m: i for i, m in enumerate(_MONTH_NAMES, 1)}
_MONTHS.update({k[:3]: v for k, v in list(_MONTHS.items())})
_MONTHS["sept"] = 9
_DATE_WORDS = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]{3,9})\.?,?\s+(\d{4})\b")
_DATE_NUM = re.compile(r"\b(\d{1,2})[/.](\d{1,2})[/.](\d{4})\b")
_DATE_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_FORMAT = re.compile(r",\s*(pdf|html?|docx?|odt|rtf|txt)\b\s*", re.I)


def norm_text(s: str) -> str:
    """Curly quotes and no-break spaces made plain; runs of white space made one space."""
    s = s.replace("\u2019", "'").replace("\u2018", "'").replace("\xa0", " ")
    return re.sub(r"\s+", " ", s).strip()


def _match_date(rx: re.Pattern, m: re.Match) -> date | None:
    """The date one match of one of the three patterns names, or None (impossible date)."""
    try:
        if rx is _DATE_WORDS:
            mon = _MONTHS.get(m.group(2).lower())
            return date(int(m.group(3)), mon, int(m.group(1))) if mon else None
        if rx is _DATE_ISO:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    except ValueError:
        return None


def _find_date(text: str) -> tuple[date | None, re.Match | None]:
    """The last date in ``text`` in the first form that has one (words, ISO, then d/m/y)."""
    for rx in (_DATE_WORDS, _DATE_ISO, _DATE_NUM):
        best: tuple[date, re.Match] | None = None
        for m in rx.finditer(text):
            d = _match_date(rx, m)
            if d is not None and (best is None or m.start() > best[1].start()):
                best = (d, m)
        if best:
            return best
    return None, None


def parse_publication_text(text: str) -> tuple[str, str | None, date | None]:
    """ "Children's services inspection, pdf - 16 March 2020" -> (title, format, date)."""
    t = norm_text(text)
    d, m = _find_date(t)
    head = t[: m.start()] if m else t
    fmt = None
    formats = list(_FORMAT.finditer(head))
    if formats:
        fm = formats[-1]
        fmt = fm.group(1).lower()
        head = head[: fm.start()] + " " + head[fm.end() :]
    title = re.sub(r"[\s,;:\-\u2013\u2014]+$", "", head).strip(" ,-")
    return norm_text(title), fmt, d


def classify_kind(title: str) -> str | None:
    """Kind of a publication from its listed title, or None when not recognised."""
    return kind_from_site_title(norm_text(title))


def parse_kinds(kinds: str | Sequence[str] | None) -> frozenset[str] | None:
    """'monitoring_visit,focused_visit' (or a list) -> a set of KNOWN_KINDS; None = all.

    Raises :class:`FetchError` (a ValueError) naming ``--kind`` for an unknown kind.
    """
    if kinds is None:
        return None
    raw = kinds.split(",") if isinstance(kinds, str) else list(kinds)
    out = set()
    for k in raw:
        key = re.sub(r"[\s\-]+", "_", k.strip().lower())
        if not key:
            continue
        if key not in _KIND_ALIASES:
            raise FetchError(
                f"unknown kind {k.strip()!r}; choose from {', '.join(KNOWN_KINDS)}", param="--kind"
            )
        out.add(_KIND_ALIASES[key])
    return frozenset(out) if out else None


def parse_since(since: str | date | None) -> date | None:
    """A date, an ISO date string or None/'' (no limit) -> a date or None; else FetchError."""
    if since is None or since == "":
        return None
    if isinstance(since, datetime):
        return since.date()
    if isinstance(since, date):
        return since
    try:
        return date.fromisoformat(str(since).strip())
    except ValueError:
        raise FetchError(f"--since must be a date like 2017-01-01, not {since!r}", param="--since") from None


class _LinkCollector(HTMLParser):
    """Every <a href> with its text, class list and the text of nested span.nonvisual."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[dict[str, Any]] = []
        self._cur: dict[str, Any] | None = None
        self._span_depth = 0  # depth of <span> elements inside the current link
        self._nonvisual_at: list[int] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Open a link (closing one left open), or a span inside one."""
        a = {k: (v or "") for k, v in attrs}
        if tag == "a":
            if self._cur is not None:  # unclosed <a>: close it
                self._finish()
            self._cur = {
                "href": a.get("href", ""),
                "classes": a.get("class", "").split(),
                "rel": a.get("rel", "").lower().split(),
                "text": [],
                "nonvisual": [],
            }
            self._span_depth = 0
            self._nonvisual_at = []
        elif tag == "span" and self._cur is not None:
            self._span_depth += 1
            if "nonvisual" in a.get("class", "").split():
                self._nonvisual_at.append(self._span_depth)

    def handle_endtag(self, tag: str) -> None:
        """Close a link or a span."""
        if tag == "a" and self._cur is not None:
            self._finish()
        elif tag == "span" and self._cur is not None and self._span_depth:
            if self._nonvisual_at and self._nonvisual_at[-1] == self._span_depth:
                self._nonvisual_at.pop()
                self._cur["nonvisual"].append("\x00")  # separator between spans
            self._span_depth -= 1

    def handle_data(self, data: str) -> None:
        """Text inside a link (and inside its span.nonvisual)."""
        if self._cur is not None:
            self._cur["text"].append(data)
            if self._nonvisual_at:
                self._cur["nonvisual"].append(data)

    def _finish(self) -> None:
        cur, self._cur = self._cur, None
        assert cur is not None
        cur["text"] = norm_text("".join(cur["text"]))
        spans = [norm_text(s) for s in "".join(cur["nonvisual"]).split("\x00")]
        cur["nonvisual"] = [s for s in spans if s]
        self.links.append(cur)

    def close(self) -> None:
        """End of the page: a link still open is kept."""
        super().close()
        if self._cur is not None:
            self._finish()


def _links(html: str) -> list[dict[str, Any]]:
    p = _LinkCollector()
    try:
        p.feed(html)
        p.close()
    except Exception:  # html.parser is tolerant; this is belt and braces
        pass
    return p.links


_FILE_ID = re.compile(r"/file/([^/?#]+)")


def file_id(url: str) -> str:
    """The id of a file from its address (``.../file/<id>``), made safe; a hash if none."""
    path = urlsplit(url).path
    m = _FILE_ID.search(path)
    raw = m.group(1) if m else path.rstrip("/").rsplit("/", 1)[-1]
    fid = re.sub(r"[^A-Za-z0-9-]", "", raw)[:40].strip("-")
    return fid or "u" + hashlib.sha1(url.encode()).hexdigest()[:12]


def parse_provider_page(html: str, page_url: str) -> list[Publication]:
    """Publications (links of class publication-link) on a provider page, in page order."""
    out: list[Publication] = []
    seen: set[str] = set()
    for ln in _links(html):
        if "publication-link" not in ln["classes"] or not ln["href"].strip():
            continue
        url = urljoin(page_url, ln["href"].strip())
        text = ln["nonvisual"][0] if ln["nonvisual"] else ln["text"]
        title, fmt, d = parse_publication_text(text)
        fid = file_id(url)
        if fid in seen:
            continue
        seen.add(fid)
        out.append(
            Publication(
                text=text, title=title, format=fmt, date=d, kind=classify_kind(title), url=url, file_id=fid
            )
        )
    return out


_PROVIDER_PATH = re.compile(r"/provider/(?:[^/?#]+/)*?(\d{4,})/?$")


def _is_next_link(ln: dict[str, Any]) -> bool:
    text = ln["text"].lower()
    return (
        "next" in ln["rel"]
        or any("next" in c.lower() for c in ln["classes"])
        or text.startswith("next")
        or text in {"»", "›", ">"}
    )


def parse_listing_page(html: str, page_url: str) -> tuple[list[tuple[str, str, str]], bool]:
    """Providers on a search page as (urn, name, provider url), and whether a 'next' link exists."""
    found: dict[str, tuple[str, str, str]] = {}
    has_next = False
    for ln in _links(html):
        href = ln["href"].strip()
        if not href:
            continue
        url = urljoin(page_url, href)
        m = _PROVIDER_PATH.search(urlsplit(url).path)
        if m:
            urn = m.group(1)
            name = ln["text"]
            if urn not in found or (not found[urn][1] and name):
                found[urn] = (urn, name, url)
            continue
        has_next = has_next or _is_next_link(ln)
    return list(found.values()), has_next
