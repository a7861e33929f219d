"""Fetch a council's letters and reports from Ofsted's website into a local library.

Politely and incrementally:

* HTTPS to Ofsted's own hosts only (``reports.ofsted.gov.uk`` and ``files.ofsted.gov.uk``);
  every address, including every redirect target, is checked against that allow-list
  before it is requested.  For tests the base addresses can be moved with the environment
  variables ``OFSTED_MINE_BASE_URL`` / ``OFSTED_MINE_FILES_URL`` (or the ``base_url`` /
  ``files_url`` arguments); the allow-list then follows them, and plain ``http`` is
  accepted only for a loopback host (127.0.0.1, localhost, ::1) given that way.
* One request at a time, with a pause between requests, a clear User-Agent, timeouts,
  retries with exponential backoff on 5xx / 429 / connection errors and timeouts (never
  on other 4xx), and a size cap per file.
* Bounded memory and time whatever the server does: a compressed response is decoded
  here, layer by layer (``Content-Encoding: gzip, gzip`` …), 64 KiB at a time, and the
  size cap applies to the decoded bytes as they stream, so a few KB that inflate to
  gigabytes stop at the cap.  Each request has a total deadline (``request_deadline``,
  default ``REQUEST_DEADLINE`` = 300 s, ``--request-deadline``) however slowly the server
  drips bytes, and a run may have one too (``run_deadline``, ``--deadline``; default none):
  past it every remaining request fails at once with that reason.  An abandoned download
  leaves no ``.part`` file.
* A download is streamed to a hidden temporary file in the council's folder, checked
  (complete, really a PDF: ``%PDF-`` header and ``%%EOF`` trailer) and only then renamed
  into place, so an interrupted run never leaves a half file that looks finished.
* The library keeps a manifest (``.ofsted-mine-manifest.json``, rewritten atomically after
  every change) of file id -> path, sha256, kind, date and which databases it was
  ingested into, so a second run downloads nothing when nothing changed.  Files already
  at their expected path but missing from the manifest are adopted, not fetched again.
* Links that answer with an HTML page instead of a PDF (some old Ofsted links do) are
  reported as failed the first time, remembered in the manifest, and then skipped (with
  that reason) for ``NOT_PDF_RECHECK_DAYS`` days.
* Publications whose kind is not recognised are reported (in ``skipped``, reason starting
  "unrecognised publication kind") and not downloaded; they do not count as failures.

Layout: ``<library>/<council-slug>/<council-slug>_<kind>_<YYYY-MM-DD>_<file-id>.pdf``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

from .councils import by_urn, find_council, slugify

__all__ = [
    "fetch",
    "FetchResult",
    "Item",
    "CouncilSummary",
    "Publication",
    "FetchFailure",
    "KNOWN_KINDS",
    "parse_kinds",
    "parse_publication_text",
    "classify_kind",
    "parse_provider_page",
    "parse_listing_page",
    "safe_filename",
    "user_agent",
    "MANIFEST_NAME",
    "DEFAULT_BASE_URL",
    "DEFAULT_FILES_URL",
]

DEFAULT_BASE_URL = "https://reports.ofsted.gov.uk"
DEFAULT_FILES_URL = "https://files.ofsted.gov.uk"
ENV_BASE_URL = "OFSTED_MINE_BASE_URL"
ENV_FILES_URL = "OFSTED_MINE_FILES_URL"
ENV_CONTACT = "OFSTED_MINE_CONTACT"  # optional e-mail/URL appended to the User-Agent

#: search listing of every local authority children's services provider
SEARCH_PATH = "/search?q=&location=&lat=&lon=&radius=&level_1_types=3&level_2_types%5B%5D=12"
LISTING_ROWS = 100
MAX_LISTING_PAGES = 50
#: used only when a council cannot be found in the search listing
PROVIDER_PATH_FALLBACK = "/provider/44/{urn}"

MANIFEST_NAME = ".ofsted-mine-manifest.json"
LOCK_NAME = ".ofsted-mine.lock"
PART_PREFIX = ".ofsted-mine-"
PART_SUFFIX = ".part"
NOT_PDF_RECHECK_DAYS = 30
MAX_PAGE_BYTES = 10 * 1024 * 1024
MAX_REDIRECTS = 5
MAX_RETRY_AFTER = 60.0
#: seconds one request (all its bytes, redirects included) may take, however slowly they come
REQUEST_DEADLINE = 300.0
#: at most this many Content-Encoding layers are decoded
MAX_ENCODINGS = 3
_CHUNK = 65536

KNOWN_KINDS = ("inspection", "monitoring_visit", "focused_visit", "jtai")
_KIND_ALIASES = {
    "inspection": "inspection",
    "inspections": "inspection",
    "ilacs": "inspection",
    "monitoring_visit": "monitoring_visit",
    "monitoring": "monitoring_visit",
    "mv": "monitoring_visit",
    "focused_visit": "focused_visit",
    "focused": "focused_visit",
    "assurance_visit": "focused_visit",
    "fv": "focused_visit",
    "jtai": "jtai",
    "joint_targeted_area_inspection": "jtai",
}

_LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


# --------------------------------------------------------------------------- results


@dataclass
class Item:
    """One publication (or one council/listing page, for failures before publications)."""

    council: str  # slug
    council_name: str
    urn: str
    kind: str | None
    date: str | None  # ISO date of publication
    title: str  # the publication text as listed
    url: str
    file_id: str = ""
    path: Path | None = None  # where it is (new/skipped) or would go
    reason: str = ""
    stage: str = "download"  # listing | provider | kind | download | ingest


@dataclass
class CouncilSummary:
    urn: str
    name: str
    slug: str
    found: int = 0  # publications listed on the provider page
    new: int = 0
    skipped: int = 0
    failed: int = 0
    unrecognised: int = 0
    excluded: int = 0  # filtered out by --kind / --since


@dataclass
class FetchResult:
    new: list[Item] = field(default_factory=list)
    skipped: list[Item] = field(default_factory=list)
    failed: list[Item] = field(default_factory=list)
    councils: list[CouncilSummary] = field(default_factory=list)
    dry_run: bool = False
    ingest: Any = None  # the IngestResult, when ingest ran
    ingested: list[Path] = field(default_factory=list)  # files ingested without failure
    requests: int = 0
    bytes_downloaded: int = 0

    @property
    def ok(self) -> bool:
        return not self.failed

    @property
    def unrecognised(self) -> list[Item]:
        return [i for i in self.skipped if i.stage == "kind"]

    def summary(self) -> str:
        verb = "would download" if self.dry_run else "new"
        parts = [
            f"{len(self.councils)} council(s)",
            f"{len(self.new)} {verb}",
            f"{len(self.skipped)} skipped",
            f"{len(self.failed)} failed",
        ]
        if self.unrecognised:
            parts.append(f"{len(self.unrecognised)} of unrecognised kind")
        if self.ingest is not None:
            parts.append(f"{len(self.ingested)} ingested")
        return ", ".join(parts)


class FetchFailure(Exception):
    """A request that failed for good (after any retries)."""


class _Transient(Exception):
    def __init__(self, msg: str, retry_after: float | None = None):
        super().__init__(msg)
        self.retry_after = retry_after


class _NotPDF(FetchFailure):
    pass


# --------------------------------------------------------------------------- parsing


@dataclass(frozen=True)
class Publication:
    text: str  # as listed (span.nonvisual, else the link text)
    title: str  # kind part of the text
    format: str | None
    date: date | None
    kind: str | None  # one of KNOWN_KINDS, or None when unrecognised
    url: str
    file_id: str


_MONTHS = {
    m: i
    for i, m in enumerate(
        [
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ],
        1,
    )
}
_MONTHS.update({k[:3]: v for k, v in list(_MONTHS.items())})
_MONTHS["sept"] = 9
_DATE_WORDS = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]{3,9})\.?,?\s+(\d{4})\b")
_DATE_NUM = re.compile(r"\b(\d{1,2})[/.](\d{1,2})[/.](\d{4})\b")
_DATE_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_FORMAT = re.compile(r",\s*(pdf|html?|docx?|odt|rtf|txt)\b\s*", re.I)


def _norm_text(s: str) -> str:
    s = s.replace("\u2019", "'").replace("\u2018", "'").replace("\xa0", " ")
    return re.sub(r"\s+", " ", s).strip()


def _find_date(text: str) -> tuple[date | None, re.Match | None]:
    best = None
    for rx in (_DATE_WORDS, _DATE_ISO, _DATE_NUM):
        for m in rx.finditer(text):
            try:
                if rx is _DATE_WORDS:
                    mon = _MONTHS.get(m.group(2).lower())
                    if not mon:
                        continue
                    d = date(int(m.group(3)), mon, int(m.group(1)))
                elif rx is _DATE_ISO:
                    d = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
                else:
                    d = date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
            except ValueError:
                continue
            if best is None or m.start() > best[1].start():
                best = (d, m)
        if best:
            return best
    return None, None


def parse_publication_text(text: str) -> tuple[str, str | None, date | None]:
    """ "Children's services inspection, pdf - 16 March 2020" -> (title, format, date)."""
    t = _norm_text(text)
    d, m = _find_date(t)
    head = t[: m.start()] if m else t
    fmt = None
    fm = None
    for fm in _FORMAT.finditer(head):
        pass
    if fm:
        fmt = fm.group(1).lower()
        head = head[: fm.start()] + " " + head[fm.end() :]
    title = re.sub(r"[\s,;:\-\u2013\u2014]+$", "", head).strip(" ,-")
    return _norm_text(title), fmt, d


def classify_kind(title: str) -> str | None:
    """Kind of a publication from its listed title, or None when not recognised."""
    t = _norm_text(title).lower()
    if "joint targeted area inspection" in t or re.search(r"\bjtai\b", t):
        return "jtai"
    if re.search(r"\bmonitoring visit", t):
        return "monitoring_visit"
    if re.search(r"\b(focused|focussed|assurance) visit", t):
        return "focused_visit"
    if re.search(r"\b(re-?)?inspection\b", t) and re.search(
        r"children|child|safeguarding|looked after|local authority|care leavers|ilacs|sif", t
    ):
        return "inspection"
    return None


def parse_kinds(kinds: str | Sequence[str] | None) -> frozenset[str] | None:
    """'monitoring_visit,focused_visit' (or a list) -> a set of KNOWN_KINDS; None = all."""
    if kinds is None:
        return None
    raw = kinds.split(",") if isinstance(kinds, str) else list(kinds)
    out = set()
    for k in raw:
        key = re.sub(r"[\s\-]+", "_", k.strip().lower())
        if not key:
            continue
        if key not in _KIND_ALIASES:
            raise ValueError(f"unknown kind {k.strip()!r}; choose from {', '.join(KNOWN_KINDS)}")
        out.add(_KIND_ALIASES[key])
    return frozenset(out) if out else None


def _parse_since(since: str | date | None) -> date | None:
    if since is None or since == "":
        return None
    if isinstance(since, datetime):
        return since.date()
    if isinstance(since, date):
        return since
    try:
        return date.fromisoformat(str(since).strip())
    except ValueError:
        raise ValueError(f"--since must be a date like 2017-01-01, not {since!r}") from None


class _LinkCollector(HTMLParser):
    """Every <a href> with its text, class list and the text of nested span.nonvisual."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[dict] = []
        self._cur: dict | None = None
        self._span_depth = 0  # depth of <span> elements inside the current link
        self._nonvisual_at: list[int] = []

    def handle_starttag(self, tag, attrs):
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

    def handle_endtag(self, tag):
        if tag == "a" and self._cur is not None:
            self._finish()
        elif tag == "span" and self._cur is not None and self._span_depth:
            if self._nonvisual_at and self._nonvisual_at[-1] == self._span_depth:
                self._nonvisual_at.pop()
                self._cur["nonvisual"].append("\x00")  # separator between spans
            self._span_depth -= 1

    def handle_data(self, data):
        if self._cur is not None:
            self._cur["text"].append(data)
            if self._nonvisual_at:
                self._cur["nonvisual"].append(data)

    def _finish(self):
        cur, self._cur = self._cur, None
        cur["text"] = _norm_text("".join(cur["text"]))
        spans = [_norm_text(s) for s in "".join(cur["nonvisual"]).split("\x00")]
        cur["nonvisual"] = [s for s in spans if s]
        self.links.append(cur)

    def close(self):
        super().close()
        if self._cur is not None:
            self._finish()


def _links(html: str) -> list[dict]:
    p = _LinkCollector()
    try:
        p.feed(html)
        p.close()
    except Exception:  # html.parser is tolerant; this is belt and braces
        pass
    return p.links


_FILE_ID = re.compile(r"/file/([^/?#]+)")


def _file_id(url: str) -> str:
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
        fid = _file_id(url)
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
        text = ln["text"].lower()
        if (
            "next" in ln["rel"]
            or any("next" in c.lower() for c in ln["classes"])
            or text.startswith("next")
            or text in {"»", "›", ">"}
        ):
            has_next = True
    return list(found.values()), has_next


# --------------------------------------------------------------------------- names & paths


def _safe_part(s: str, allowed: str, limit: int) -> str:
    s = re.sub(f"[^{allowed}]+", "-", s.lower()).strip("-_.")
    return re.sub(r"-{2,}", "-", s)[:limit].strip("-_.")


def safe_filename(slug: str, kind: str, d: date | str | None, file_id: str) -> str:
    """<slug>_<kind>_<YYYY-MM-DD>_<file-id>.pdf with nothing but [a-z0-9_-] before '.pdf'."""
    slug = _safe_part(slug, "a-z0-9", 60) or "council"
    kind = _safe_part(kind, "a-z0-9_", 30) or "publication"
    ds = d.isoformat() if isinstance(d, date) else (d or "")
    ds = ds if re.fullmatch(r"\d{4}-\d{2}-\d{2}", ds) else "undated"
    fid = re.sub(r"[^A-Za-z0-9-]+", "", file_id)[:40].strip("-") or "0"
    return f"{slug}_{kind}_{ds}_{fid}.pdf"


def _council_slug(name: str, urn: str) -> str:
    return _safe_part(slugify(name or ""), "a-z0-9", 60) or f"urn-{re.sub(r'[^0-9]', '', urn) or 'x'}"


def _inside(base: Path, p: Path) -> bool:
    try:
        p.resolve().relative_to(base.resolve())
        return True
    except ValueError:
        return False


def user_agent() -> str:
    try:
        from importlib.metadata import version

        v = version("ofsted-mine")
    except Exception:
        v = "0"
    contact = os.environ.get(ENV_CONTACT, "").strip()
    extra = f"; {contact}" if contact else ""
    return (
        f"ofsted-mine/{v} (+children's services report fetcher, "
        f"one request at a time{extra}) httpx/{httpx.__version__}"
    )


# --------------------------------------------------------------------------- hosts


def _origin(url: str) -> tuple[str, str, int]:
    u = urlsplit(url)
    scheme = (u.scheme or "").lower()
    host = (u.hostname or "").lower()
    port = u.port or (443 if scheme == "https" else 80 if scheme == "http" else 0)
    return scheme, host, port


def _check_override(url: str, what: str) -> str:
    url = url.strip().rstrip("/")
    scheme, host, _ = _origin(url)
    if not host:
        raise ValueError(f"{what} {url!r} is not an absolute address")
    if scheme == "https":
        return url
    if scheme == "http" and host in _LOOPBACK:
        return url
    raise ValueError(f"{what} {url!r} refused: only https, or http to 127.0.0.1/localhost for tests")


def _resolve_bases(base_url: str | None, files_url: str | None) -> tuple[str, str, set, bool]:
    """(base, files, allowed origins, overridden).  Overrides come from the arguments or env."""
    b_raw = base_url or os.environ.get(ENV_BASE_URL) or None
    f_raw = files_url or os.environ.get(ENV_FILES_URL) or None
    b = _check_override(b_raw, "base address") if b_raw else DEFAULT_BASE_URL
    # only the base moved (e.g. one test server): files are served from there too
    f = _check_override(f_raw, "files address") if f_raw else (b if b_raw else DEFAULT_FILES_URL)
    return b, f, {_origin(b), _origin(f)}, bool(b_raw or f_raw)


# --------------------------------------------------------------------------- HTTP


class _Http:
    """One request at a time, a pause between requests, allow-listed origins only."""

    def __init__(
        self,
        client: httpx.Client | None,
        allowed: set,
        *,
        pause: float,
        timeout: float,
        retries: int,
        backoff: float,
        max_bytes: int,
        trust_env: bool,
        request_deadline: float | None = REQUEST_DEADLINE,
        run_deadline: float | None = None,
    ):
        self.allowed = allowed
        self.timeout_s = timeout
        self.request_deadline = request_deadline if request_deadline and request_deadline > 0 else None
        self.run_deadline = run_deadline if run_deadline and run_deadline > 0 else None
        self._run_end = time.monotonic() + self.run_deadline if self.run_deadline else None
        self._deadline: float | None = None
        self._deadline_why = ""
        self.pause = max(0.0, pause)
        self.timeout = httpx.Timeout(timeout)
        self.retries = max(0, int(retries))
        self.backoff = max(0.0, backoff)
        self.max_bytes = max_bytes
        self.ua = user_agent()
        self._own = client is None
        self.client = client or httpx.Client(
            follow_redirects=False, trust_env=trust_env, timeout=self.timeout
        )
        self._last = 0.0
        self.requests = 0
        self.bytes = 0

    def close(self):
        if self._own:
            self.client.close()

    def allowed_url(self, url: str) -> bool:
        return _origin(url) in self.allowed

    def check(self, url: str) -> None:
        if self._run_end is not None and time.monotonic() >= self._run_end:
            raise FetchFailure(f"not requested: the run's deadline of {self.run_deadline:g} s has passed")
        if not self.allowed_url(url):
            s, h, p = _origin(url)
            raise FetchFailure(f"refused: {s}://{h}:{p} is not one of Ofsted's hosts (allow-list)")

    def _wait(self):
        gap = self.pause - (time.monotonic() - self._last)
        if gap > 0 and self.requests:
            time.sleep(gap)

    def _set_deadline(self) -> None:
        ends = []
        if self.request_deadline:
            ends.append(
                (
                    time.monotonic() + self.request_deadline,
                    f"no complete answer within the deadline of {self.request_deadline:g} s per request",
                )
            )
        if self._run_end is not None:
            ends.append((self._run_end, f"stopped at the run's deadline of {self.run_deadline:g} s"))
        self._deadline, self._deadline_why = min(ends) if ends else (None, "")

    def check_deadline(self) -> None:
        if self._deadline is not None and time.monotonic() >= self._deadline:
            raise FetchFailure(self._deadline_why)

    def _request_timeout(self) -> httpx.Timeout:
        """The client's timeout, never past the deadline (a silent server cannot outlast it)."""
        if self._deadline is None:
            return self.timeout
        left = max(0.05, self._deadline - time.monotonic())
        return httpx.Timeout(min(self.timeout_s, left)) if left < self.timeout_s else self.timeout

    def body(self, r: httpx.Response, cap: int, what: str) -> Iterator[bytes]:
        """The response's bytes, decoded here layer by layer (never all at once), at most
        ``cap`` decoded bytes per layer, checked against the deadline at every chunk."""
        if getattr(r, "is_stream_consumed", False) and hasattr(r, "_content"):
            # already read and decoded by httpx (a response made in memory, e.g. a mock)
            if len(r.content) > cap:
                raise FetchFailure(f"{what} too large (over the cap of {cap} bytes once decompressed)")
            return iter([r.content])
        stream: Iterator[bytes] = self._raw(r)
        codings = _content_codings(r)
        for coding in codings:
            stream = _inflate(stream, coding, cap, what)
        return stream if codings else _capped(stream, cap, what)

    def _raw(self, r: httpx.Response) -> Iterator[bytes]:
        for chunk in r.iter_raw():  # as the network gives it (a chunk size would wait for it to fill)
            self.check_deadline()
            yield chunk
        self.check_deadline()

    def _once(self, url: str, handle: Callable[[httpx.Response, str], Any]) -> Any:
        self._set_deadline()
        for _ in range(MAX_REDIRECTS + 1):
            self.check(url)
            self._wait()
            self.check_deadline()
            self.requests += 1
            try:
                with self.client.stream(
                    "GET",
                    url,
                    headers={"User-Agent": self.ua},
                    timeout=self._request_timeout(),
                    follow_redirects=False,
                ) as r:
                    st = r.status_code
                    if st in (301, 302, 303, 307, 308):
                        loc = r.headers.get("location")
                        if not loc:
                            raise FetchFailure(f"HTTP {st} redirect without a Location")
                        nxt = urljoin(url, loc.strip())
                        if not self.allowed_url(nxt):
                            s, h, p = _origin(nxt)
                            raise FetchFailure(
                                f"refused redirect to {s}://{h}:{p} (not one of Ofsted's hosts)"
                            )
                        url = nxt
                        continue
                    if st >= 500 or st == 429:
                        raise _Transient(f"HTTP {st}", _retry_after(r.headers.get("retry-after")))
                    if st >= 400:
                        raise FetchFailure(f"HTTP {st}" + (" (not found)" if st == 404 else ""))
                    if st != 200:
                        raise FetchFailure(f"unexpected HTTP {st}")
                    return handle(r, url)
            except httpx.TimeoutException as e:
                self.check_deadline()
                raise _Transient(f"timed out ({type(e).__name__})") from None
            except httpx.TransportError as e:
                raise _Transient(f"connection error: {type(e).__name__}: {e}") from None
            finally:
                self._last = time.monotonic()
        raise FetchFailure(f"too many redirects (more than {MAX_REDIRECTS})")

    def get(self, url: str, handle: Callable[[httpx.Response, str], Any]) -> Any:
        attempt = 0
        while True:
            try:
                return self._once(url, handle)
            except _Transient as e:
                attempt += 1
                if attempt > self.retries:
                    n = attempt
                    raise FetchFailure(f"{e} (gave up after {n} attempt{'s' if n > 1 else ''})") from None
                wait = self.backoff * (2 ** (attempt - 1))
                if e.retry_after is not None:
                    wait = max(wait, min(e.retry_after, MAX_RETRY_AFTER))
                if self._run_end is not None:
                    wait = min(wait, max(0.0, self._run_end - time.monotonic()))
                time.sleep(wait)

    # handlers ----------------------------------------------------------------

    def get_text(self, url: str) -> tuple[str, str]:
        def handle(r: httpx.Response, final: str):
            buf = bytearray()
            for chunk in self.body(r, MAX_PAGE_BYTES, "page"):
                buf += chunk
                if len(buf) > MAX_PAGE_BYTES:
                    raise FetchFailure(f"page larger than {MAX_PAGE_BYTES} bytes")
            _check_length(r, len(buf))
            self.bytes += len(buf)
            enc = r.charset_encoding or "utf-8"
            try:
                return final, bytes(buf).decode(enc, errors="replace")
            except LookupError:
                return final, bytes(buf).decode("utf-8", errors="replace")

        return self.get(url, handle)

    def download(self, url: str, folder: Path) -> tuple[Path, str, int]:
        """Stream to a temporary file in ``folder``; return (temp path, sha256, size).

        The caller renames the temporary file into place.  On any failure nothing is left.
        """

        def handle(r: httpx.Response, final: str):
            cl = _content_length(r)
            if cl is not None and cl > self.max_bytes:
                raise FetchFailure(f"file too large ({cl} bytes; cap {self.max_bytes})")
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=PART_PREFIX, suffix=PART_SUFFIX)
            tmp_path = Path(tmp)
            try:
                h = hashlib.sha256()
                n = 0
                head = b""
                tail = b""
                with os.fdopen(fd, "wb") as f:
                    for chunk in self.body(r, self.max_bytes, "file"):
                        if not chunk:
                            continue
                        n += len(chunk)
                        if n > self.max_bytes:
                            raise FetchFailure(f"file too large (over the cap of {self.max_bytes} bytes)")
                        if len(head) < 1024:
                            head += chunk[: 1024 - len(head)]
                            if len(head) >= 1024:
                                _check_pdf_head(head, r)
                        h.update(chunk)
                        f.write(chunk)
                        tail = (tail + chunk)[-4096:]
                    _check_length(r, n)
                    _check_pdf_head(head, r)
                    if b"%%EOF" not in tail:
                        raise _Transient("incomplete PDF (no %%EOF end marker)")
                    f.flush()
                    os.fsync(f.fileno())
                _public_mode(tmp_path)
                self.bytes += n
                return tmp_path, h.hexdigest(), n
            except BaseException:
                tmp_path.unlink(missing_ok=True)
                raise

        return self.get(url, handle)


def _content_codings(r: httpx.Response) -> list[str]:
    """The Content-Encoding layers to undo, outermost first; unknown ones are refused."""
    codings = [c.strip().lower() for c in r.headers.get("content-encoding", "").split(",")]
    codings = [c for c in codings if c and c != "identity"]
    if len(codings) > MAX_ENCODINGS:
        raise FetchFailure(f"refused: {len(codings)} layers of Content-Encoding (at most {MAX_ENCODINGS})")
    for c in codings:
        if c not in ("gzip", "x-gzip", "deflate"):
            raise FetchFailure(f"unsupported Content-Encoding {c!r}")
    return codings[::-1]


def _capped(chunks: Iterator[bytes], cap: int, what: str) -> Iterator[bytes]:
    n = 0
    for c in chunks:
        n += len(c)
        if n > cap:
            raise FetchFailure(f"{what} too large (over the cap of {cap} bytes)")
        yield c


def _inflate(chunks: Iterator[bytes], coding: str, cap: int, what: str) -> Iterator[bytes]:
    """Undo one gzip/deflate layer incrementally: at most 64 KiB of output per step, and
    stop as soon as the decoded bytes pass ``cap`` (a compression bomb never unfolds)."""
    import zlib

    def new():
        return zlib.decompressobj(zlib.MAX_WBITS | 16 if coding != "deflate" else zlib.MAX_WBITS)

    d = new()
    first = True
    out = 0
    for data in chunks:
        while data:
            try:
                piece = d.decompress(data, _CHUNK)
            except zlib.error as e:
                if first and coding == "deflate":  # raw deflate without the zlib wrapper
                    d = zlib.decompressobj(-zlib.MAX_WBITS)
                    first = False
                    continue
                raise FetchFailure(f"bad {coding} data from the server ({e})") from None
            first = False
            data = d.unconsumed_tail
            out += len(piece)
            if out > cap:
                raise FetchFailure(f"{what} too large (over the cap of {cap} bytes once decompressed)")
            if piece:
                yield piece
            if d.eof:
                data = d.unused_data + data  # another gzip member follows
                if not data:
                    break
                d = new()
            elif not data and len(piece) == _CHUNK:
                data = b""
                while True:  # drain what is still pending for this input
                    piece = d.decompress(b"", _CHUNK)
                    out += len(piece)
                    if out > cap:
                        raise FetchFailure(
                            f"{what} too large (over the cap of {cap} bytes once decompressed)"
                        )
                    if piece:
                        yield piece
                    if len(piece) < _CHUNK:
                        break
    tail = d.flush(_CHUNK)
    if len(tail) + out > cap:
        raise FetchFailure(f"{what} too large (over the cap of {cap} bytes once decompressed)")
    if tail:
        yield tail


def _public_mode(p: Path) -> None:
    """mkstemp makes 0600 files; give library files the usual mode (0666 less the umask)."""
    mask = os.umask(0)
    os.umask(mask)
    try:
        os.chmod(p, 0o666 & ~mask)
    except OSError:
        pass


def _retry_after(v: str | None) -> float | None:
    if not v:
        return None
    try:
        return max(0.0, float(v))
    except ValueError:
        return None


def _content_length(r: httpx.Response) -> int | None:
    if r.headers.get("content-encoding", "identity").lower() not in ("", "identity"):
        return None  # the header counts compressed bytes
    try:
        return int(r.headers["content-length"])
    except (KeyError, ValueError):
        return None


def _check_length(r: httpx.Response, n: int) -> None:
    cl = _content_length(r)
    if cl is not None and n < cl:
        raise _Transient(f"truncated download ({n} of {cl} bytes)")


def _check_pdf_head(head: bytes, r: httpx.Response) -> None:
    if b"%PDF-" in head[:1024]:
        return
    low = head.lstrip().lower()
    ctype = r.headers.get("content-type", "").split(";")[0].strip()
    if not head:
        raise _NotPDF("not a PDF: empty response")
    if low.startswith((b"<!doctype html", b"<html")) or b"<html" in low or b"<head" in low or "html" in ctype:
        raise _NotPDF("not a PDF: the link returned an HTML page")
    raise _NotPDF(f"not a PDF (content-type {ctype or 'unknown'}, starts {head[:8]!r})")


# --------------------------------------------------------------------------- manifest


class _Manifest:
    def __init__(self, library: Path, data: dict, warning: str = ""):
        self.library = library
        self.path = library / MANIFEST_NAME
        self.data = data
        self.warning = warning
        self.data.setdefault("format", 1)
        self.data.setdefault("files", {})
        self.data.setdefault("providers", {})

    @classmethod
    def load(cls, library: Path) -> _Manifest:
        p = library / MANIFEST_NAME
        if not p.exists():
            return cls(library, {})
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
            if not isinstance(data, dict) or not isinstance(data.get("files", {}), dict):
                raise ValueError("not a manifest")
            return cls(library, data)
        except (ValueError, OSError) as e:
            return cls(library, {}, warning=f"manifest unreadable ({e}); rebuilt from the files present")

    @property
    def files(self) -> dict:
        return self.data["files"]

    @property
    def providers(self) -> dict:
        return self.data["providers"]

    def entry_path(self, entry: dict) -> Path | None:
        rel = entry.get("path")
        if not rel or not isinstance(rel, str):
            return None
        p = self.library / rel
        return p if _inside(self.library, p) else None

    def save(self) -> None:
        self.library.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.library, prefix=PART_PREFIX + "manifest-", suffix=PART_SUFFIX)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(self.data, f, indent=1, sort_keys=True, ensure_ascii=False)
                f.flush()
                os.fsync(f.fileno())
            _public_mode(Path(tmp))
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


@contextmanager
def _library_lock(library: Path, enabled: bool) -> Iterator[None]:
    if not enabled:
        yield
        return
    library.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock
        yield
        return
    with open(library / LOCK_NAME, "a+") as f:
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise RuntimeError(f"another 'ofsted-mine fetch' is using {library}") from None
        try:
            yield
        finally:
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)


def _clean_parts(folder: Path) -> None:
    """Remove temporary files left by a run that was killed (we hold the library lock)."""
    if folder.is_dir():
        for p in folder.glob(PART_PREFIX + "*" + PART_SUFFIX):
            p.unlink(missing_ok=True)


def _sha256(p: Path) -> str:
    with open(p, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _looks_complete_pdf(p: Path) -> bool:
    try:
        with open(p, "rb") as f:
            head = f.read(1024)
            f.seek(max(0, p.stat().st_size - 4096))
            tail = f.read()
        return b"%PDF-" in head and b"%%EOF" in tail
    except OSError:
        return False


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


# --------------------------------------------------------------------------- ingest


def _default_ingest(paths, db, *, progress=None):
    """ofsted_mine.api.ingest; ``progress`` is None or a callable(path, status)."""
    from .api import ingest  # imported lazily: the api module may be written after this one

    return ingest(paths, db, progress=progress)


def _db_key(db) -> str:
    return str(Path(db).expanduser().resolve()) if db else "default"


# --------------------------------------------------------------------------- fetch


@dataclass
class _Target:
    urn: str
    name: str
    slug: str
    provider_url: str | None = None


def fetch(
    *,
    la: str | None = None,
    urn: str | None = None,
    all_councils: bool = False,
    kinds: str | Sequence[str] | None = None,
    since: str | date | None = None,
    library: str | Path = "~/ofsted-library",
    db: str | Path | None = None,
    dry_run: bool = False,
    client: httpx.Client | None = None,
    base_url: str | None = None,
    files_url: str | None = None,
    pause: float = 0.5,
    timeout: float = 20,
    retries: int = 3,
    backoff: float = 1.0,
    max_bytes: int = 50 * 1024 * 1024,
    progress: bool = False,
    request_deadline: float | None = REQUEST_DEADLINE,
    run_deadline: float | None = None,
    ingest_fn: Callable | None = None,
    on_event: Callable[[str, dict], None] | None = None,
) -> FetchResult:
    """Bring a council's (or every council's) Ofsted publications into ``library`` and ingest them.

    Exactly one of ``la`` (name, alias, slug or URN), ``urn`` or ``all_councils``.
    ``kinds``: subset of KNOWN_KINDS (comma string or list); ``since``: keep publications
    dated on or after this date.  ``dry_run``: read the site, download and write nothing,
    report in ``new`` what would be downloaded.  ``ingest_fn(paths, db, progress=...)``
    defaults to :func:`ofsted_mine.api.ingest` (its ``progress`` receives a callable(path, status)).
    ``on_event(name, info)`` is called with progress events: listing_page, council_start, item,
    council_done, ingest_start, ingest_file, ingest_done.  ``progress=True`` without ``on_event``
    prints one line per council and per new/failed publication to stderr.

    ``retries`` is the number of further attempts after the first (5xx, 429, timeouts and
    connection errors only), waiting ``backoff`` * 1, 2, 4 ... seconds (or Retry-After).
    ``request_deadline``: seconds one request may take in all (default 300; None or 0: no
    limit); ``run_deadline``: seconds the whole run may spend on the site (default: no
    limit), after which every remaining request fails with that reason (what was
    downloaded is still ingested).  ``max_bytes`` caps each file's *decoded* size.

    Raises ValueError for bad arguments and RuntimeError if another fetch holds the library.
    Everything that goes wrong with the site or a file is reported in the result instead.
    """
    if sum(bool(x) for x in (la, urn, all_councils)) != 1:
        raise ValueError("give exactly one of --la, --urn or --all")
    kind_set = parse_kinds(kinds)
    since_d = _parse_since(since)
    base, files, allowed, overridden = _resolve_bases(base_url, files_url)
    library = Path(library).expanduser()
    if library.exists() and not library.is_dir():
        raise ValueError(f"library {library} is not a folder")
    emit = on_event or (lambda name, info: None)
    if progress and on_event is None:
        emit = _stderr_events

    targets: list[_Target] = []
    if la or urn:
        key = str(la or urn).strip()
        c = find_council(key) if la else (by_urn(key) or find_council(key))
        if c is None:
            if urn and key.isdigit():
                targets.append(_Target(urn=key, name="", slug=""))
            else:
                from .councils import suggestions

                hint = suggestions(key)
                did = f" (did you mean {', '.join(repr(h) for h in hint)}?)" if hint else ""
                raise ValueError(
                    f"unknown council {key!r}{did}: give a name as printed, a slug or an Ofsted URN"
                )
        else:
            targets.append(_Target(urn=c.urn, name=c.name, slug=c.slug))

    result = FetchResult(dry_run=dry_run)
    http = _Http(
        client,
        allowed,
        pause=pause,
        timeout=timeout,
        retries=retries,
        backoff=backoff,
        max_bytes=max_bytes,
        trust_env=not overridden,
        request_deadline=request_deadline,
        run_deadline=run_deadline,
    )
    db_key = _db_key(db)
    try:
        with _library_lock(library, enabled=not dry_run):
            manifest = _Manifest.load(library)
            try:
                _run(
                    result,
                    http,
                    manifest,
                    targets,
                    all_councils,
                    base,
                    files,
                    kind_set,
                    since_d,
                    library,
                    dry_run,
                    emit,
                )
            finally:
                if not dry_run:
                    manifest.save()
            if not dry_run:
                _ingest(result, manifest, db, db_key, ingest_fn or _default_ingest, emit)
                manifest.save()
    finally:
        result.requests = http.requests
        result.bytes_downloaded = http.bytes
        http.close()
    return result


def _walk_listing(
    http: _Http, base: str, emit, want_urn: str | None = None, failed: list | None = None
) -> list[tuple[str, str, str]]:
    """Pages of the search listing; stops early once ``want_urn`` is found."""
    seen: dict[str, tuple[str, str, str]] = {}
    start = 0
    for _ in range(MAX_LISTING_PAGES):
        url = f"{base}{SEARCH_PATH}&start={start}&rows={LISTING_ROWS}"
        try:
            final, html = http.get_text(url)
        except FetchFailure as e:
            if failed is not None:
                failed.append((url, str(e)))
            break
        rows, has_next = parse_listing_page(html, final)
        new = [r for r in rows if r[0] not in seen]
        for r in new:
            seen[r[0]] = r
        emit("listing_page", {"start": start, "found": len(rows), "new": len(new), "total": len(seen)})
        if not new:
            break
        if want_urn and want_urn in seen:
            break
        if len(rows) < LISTING_ROWS and not has_next:
            break
        start += len(rows)
    return list(seen.values())


def _run(
    result: FetchResult,
    http: _Http,
    manifest: _Manifest,
    targets: list[_Target],
    all_councils: bool,
    base: str,
    files: str,
    kind_set,
    since_d,
    library: Path,
    dry_run: bool,
    emit,
) -> None:
    listing_failed: list[tuple[str, str]] = []
    if all_councils:
        rows = _walk_listing(http, base, emit, failed=listing_failed)
        for urn_, name, url in rows:
            c = by_urn(urn_)
            targets.append(
                _Target(urn=urn_, name=c.name if c else name, slug=c.slug if c else "", provider_url=url)
            )
            if not dry_run:
                manifest.providers[urn_] = {"url": url, "name": name}
        if listing_failed or not rows:
            reason = listing_failed[0][1] if listing_failed else "no councils found in the search listing"
            result.failed.append(
                Item(
                    council="",
                    council_name="(search listing)",
                    urn="",
                    kind=None,
                    date=None,
                    title="search listing",
                    url=listing_failed[0][0] if listing_failed else f"{base}{SEARCH_PATH}",
                    reason=reason,
                    stage="listing",
                )
            )
    else:
        t = targets[0]
        cached = manifest.providers.get(t.urn)
        if (
            isinstance(cached, dict)
            and isinstance(cached.get("url"), str)
            and http.allowed_url(cached["url"])
        ):
            t.provider_url = cached["url"]
            t.name = t.name or cached.get("name", "")
        else:
            rows = _walk_listing(http, base, emit, want_urn=t.urn, failed=listing_failed)
            for urn_, name, url in rows:
                if not dry_run:
                    manifest.providers[urn_] = {"url": url, "name": name}
                if urn_ == t.urn:
                    t.provider_url = url
                    t.name = t.name or name
            if not t.provider_url:
                t.provider_url = base + PROVIDER_PATH_FALLBACK.format(urn=t.urn)

    for t in targets:
        t.slug = _council_slug(t.slug or t.name, t.urn)
        t.name = t.name or t.slug
        _do_council(
            result,
            http,
            manifest,
            t,
            base,
            files,
            kind_set,
            since_d,
            library,
            dry_run,
            emit,
            single=not all_councils,
        )


def _rewrite(url: str, default: str, override: str) -> str:
    """Point a link on Ofsted's real host at the overridden base (tests, mirrors)."""
    if override == default or _origin(url) != _origin(default):
        return url
    u, o = urlsplit(url), urlsplit(override)
    return urlunsplit((o.scheme, o.netloc, u.path, u.query, u.fragment))


def _do_council(
    result: FetchResult,
    http: _Http,
    manifest: _Manifest,
    t: _Target,
    base: str,
    files: str,
    kind_set,
    since_d,
    library: Path,
    dry_run: bool,
    emit,
    single: bool,
) -> None:
    summ = CouncilSummary(urn=t.urn, name=t.name, slug=t.slug)
    result.councils.append(summ)
    folder = library / t.slug
    if not _inside(library, folder):  # cannot happen with a safe slug; be sure
        raise ValueError(f"unsafe council folder {t.slug!r}")

    def item(pub: Publication | None, **kw) -> Item:
        if pub is None:
            return Item(
                council=t.slug,
                council_name=t.name,
                urn=t.urn,
                kind=None,
                date=None,
                title=kw.pop("title", "provider page"),
                url=kw.pop("url", t.provider_url or ""),
                **kw,
            )
        return Item(
            council=t.slug,
            council_name=t.name,
            urn=t.urn,
            kind=pub.kind,
            date=pub.date.isoformat() if pub.date else None,
            title=pub.text,
            url=pub.url,
            file_id=pub.file_id,
            **kw,
        )

    page_url = _rewrite(t.provider_url or "", DEFAULT_BASE_URL, base)
    try:
        final, html = http.get_text(page_url)
    except FetchFailure as e:
        # a cached provider address may have moved: look it up again once
        if single and t.urn in manifest.providers and "HTTP 404" in str(e):
            manifest.providers.pop(t.urn, None)
            rows = _walk_listing(http, base, emit, want_urn=t.urn)
            hit = [r for r in rows if r[0] == t.urn]
            if hit and hit[0][2] != page_url:
                if not dry_run:
                    manifest.providers[t.urn] = {"url": hit[0][2], "name": hit[0][1]}
                t.provider_url = hit[0][2]
                result.councils.pop()
                return _do_council(
                    result,
                    http,
                    manifest,
                    t,
                    base,
                    files,
                    kind_set,
                    since_d,
                    library,
                    dry_run,
                    emit,
                    single=False,
                )
        it = item(None, reason=f"provider page: {e}", stage="provider", url=page_url)
        result.failed.append(it)
        summ.failed += 1
        emit("council_start", {"council": t.slug, "name": t.name, "urn": t.urn, "total": 0})
        emit("item", {"council": t.slug, "status": "failed", "item": it})
        emit("council_done", {"council": t.slug, "summary": summ})
        return

    pubs = parse_provider_page(html, final)
    summ.found = len(pubs)
    chosen: list[Publication] = []
    for pub in pubs:
        if pub.kind is None:
            it = item(
                pub,
                reason=f"unrecognised publication kind {pub.title or pub.text!r}; not downloaded",
                stage="kind",
            )
            result.skipped.append(it)
            summ.skipped += 1
            summ.unrecognised += 1
            continue
        if kind_set is not None and pub.kind not in kind_set:
            summ.excluded += 1
            continue
        if since_d is not None and (pub.date is None or pub.date < since_d):
            summ.excluded += 1
            continue
        chosen.append(pub)

    emit("council_start", {"council": t.slug, "name": t.name, "urn": t.urn, "total": len(chosen)})
    if not dry_run:
        folder.mkdir(parents=True, exist_ok=True)
        _clean_parts(folder)
    for pub in chosen:
        status, it = _do_publication(http, manifest, t, pub, folder, library, files, dry_run, item)
        getattr(result, status).append(it)
        setattr(summ, status, getattr(summ, status) + 1)
        emit("item", {"council": t.slug, "status": status, "item": it})
    emit("council_done", {"council": t.slug, "summary": summ})


def _do_publication(
    http: _Http,
    manifest: _Manifest,
    t: _Target,
    pub: Publication,
    folder: Path,
    library: Path,
    files: str,
    dry_run: bool,
    item,
) -> tuple[str, Item]:
    entry = manifest.files.get(pub.file_id)
    entry = entry if isinstance(entry, dict) else None
    target = folder / safe_filename(t.slug, pub.kind or "publication", pub.date, pub.file_id)
    if not _inside(folder, target):
        return "failed", item(pub, reason="unsafe file name", path=None)

    if entry and entry.get("status") == "ok":
        p = manifest.entry_path(entry)
        if p is not None and p.is_file() and p.stat().st_size == entry.get("size"):
            return "skipped", item(pub, path=p, reason="already in library")
    if entry and entry.get("status") == "not_pdf":
        try:
            checked = datetime.fromisoformat(entry.get("checked", ""))
        except ValueError:
            checked = None
        if checked and datetime.now(UTC) - checked < timedelta(days=NOT_PDF_RECHECK_DAYS):
            return "skipped", item(
                pub,
                path=None,
                reason=(
                    f"{entry.get('reason', 'not a PDF')} when checked on {checked.date().isoformat()}; "
                    f"not retried for {NOT_PDF_RECHECK_DAYS} days"
                ),
            )
    if target.is_file() and _looks_complete_pdf(target):
        if not dry_run:  # present but not in the manifest (e.g. manifest lost): adopt it
            manifest.files[pub.file_id] = _ok_entry(
                t, pub, target, library, _sha256(target), target.stat().st_size
            )
            manifest.save()
        return "skipped", item(pub, path=target, reason="already in library (file present)")

    if dry_run:
        return "new", item(pub, path=target, reason="would download")

    url = _rewrite(pub.url, DEFAULT_FILES_URL, files)
    try:
        tmp, sha, size = http.download(url, folder)
    except _NotPDF as e:
        manifest.files[pub.file_id] = {
            "status": "not_pdf",
            "reason": str(e),
            "checked": _now(),
            "url": pub.url,
            "urn": t.urn,
            "council": t.slug,
            "kind": pub.kind,
            "date": pub.date.isoformat() if pub.date else None,
            "title": pub.text,
        }
        manifest.save()
        return "failed", item(pub, reason=str(e))
    except FetchFailure as e:
        return "failed", item(pub, reason=str(e))
    try:
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(folder)
    manifest.files[pub.file_id] = _ok_entry(t, pub, target, library, sha, size)
    manifest.save()
    return "new", item(pub, path=target)


def _ok_entry(t: _Target, pub: Publication, path: Path, library: Path, sha: str, size: int) -> dict:
    return {
        "status": "ok",
        "path": path.relative_to(library).as_posix(),
        "sha256": sha,
        "size": size,
        "kind": pub.kind,
        "date": pub.date.isoformat() if pub.date else None,
        "urn": t.urn,
        "council": t.slug,
        "url": pub.url,
        "title": pub.text,
        "fetched": _now(),
        "ingested": {},
    }


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _ingest(result: FetchResult, manifest: _Manifest, db, db_key: str, ingest_fn: Callable, emit) -> None:
    """Ingest this run's new files plus any earlier downloads of these councils never ingested into db."""
    urns = {c.urn for c in result.councils}
    pending: list[tuple[str, dict, Path]] = []
    for fid, e in manifest.files.items():
        if not isinstance(e, dict) or e.get("status") != "ok" or e.get("urn") not in urns:
            continue
        ing = e.setdefault("ingested", {})
        if db_key in ing:
            continue
        p = manifest.entry_path(e)
        if p is not None and p.is_file():
            pending.append((fid, e, p))
    if not pending:
        return
    paths = [p for _, _, p in pending]
    emit("ingest_start", {"count": len(paths)})

    def per_file(path, status) -> None:
        emit("ingest_file", {"path": str(path), "status": str(status)})

    try:
        res = ingest_fn(paths, db, progress=per_file)
    except Exception as ex:  # ingest unavailable or crashed: files stay pending for next run
        for fid, e, p in pending:
            result.failed.append(_ingest_item(e, p, f"ingest: {type(ex).__name__}: {ex}"))
        emit("ingest_done", {"result": None})
        return
    result.ingest = res

    def key(p) -> str:
        try:
            return str(Path(p).resolve())
        except OSError:
            return str(p)

    fails = {key(p): str(r) for p, r in (getattr(res, "failed", None) or [])}
    done = {key(p) for name in ("added", "replaced", "unchanged") for p in (getattr(res, name, None) or [])}
    for fid, e, p in pending:
        k = key(p)
        if k in fails:
            e["ingested"][db_key] = f"failed: {fails[k]}"
            result.failed.append(_ingest_item(e, p, f"ingest: {fails[k]}"))
        elif k in done:
            e["ingested"][db_key] = "ok"
            result.ingested.append(p)
    emit("ingest_done", {"result": res})


def _ingest_item(e: dict, p: Path, reason: str) -> Item:
    c = by_urn(e.get("urn", ""))
    return Item(
        council=e.get("council", ""),
        council_name=c.name if c else e.get("council", ""),
        urn=e.get("urn", ""),
        kind=e.get("kind"),
        date=e.get("date"),
        title=e.get("title", ""),
        url=e.get("url", ""),
        file_id="",
        path=p,
        reason=reason,
        stage="ingest",
    )


def _stderr_events(name: str, info: dict) -> None:
    import sys

    if name == "council_start":
        print(f"{info['name']} ({info['urn']}): {info['total']} publication(s)", file=sys.stderr)
    elif name == "item" and info["status"] != "skipped":
        it = info["item"]
        print(f"  {info['status']}: {it.title}" + (f" - {it.reason}" if it.reason else ""), file=sys.stderr)
    elif name == "ingest_start":
        print(f"ingesting {info['count']} file(s)", file=sys.stderr)
