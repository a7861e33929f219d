"""A fake reports.ofsted.gov.uk / files.ofsted.gov.uk for tests of ofsted_mine.fetch.

:class:`MockSite` answers through an ``httpx.MockTransport`` (no sockets): pass
``Site(client=site.client())`` to ``fetch()``.  By default it stands at Ofsted's real
addresses, so the default allow-list is the one under test; any other host is ``other`` (a
host that is *not* Ofsted's, the target of a bad redirect: it must never be asked).  Faults
are injected per file id (see ``FakePub.fault``); every request is logged, and a request is
"in flight" until fetch closes its response.

:class:`LoopbackSite` serves the same routes over real HTTP on 127.0.0.1, for the one
end-to-end test.
"""

from __future__ import annotations

import html
import io
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import httpx

REPORTS = "https://reports.ofsted.gov.uk"
FILES = "https://files.ofsted.gov.uk"
OTHER = "https://other.example"


def make_pdf(title: str, lines: list[str] | None = None) -> bytes:
    """A small, real, text-bearing PDF made with reportlab."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1)
    c.setTitle(title)
    y = 800
    c.setFont("Helvetica-Bold", 13)
    c.drawString(60, y, title)
    c.setFont("Helvetica", 10)
    for ln in lines or []:
        y -= 16
        if y < 60:
            c.showPage()
            c.setFont("Helvetica", 10)
            y = 800
        c.drawString(60, y, ln)
    c.showPage()
    c.save()
    return buf.getvalue()


def letter_pdf(council: str, kind_title: str, when: str, file_id: str) -> bytes:
    """A PDF that reads like an Ofsted letter/report (enough text for ingest to work on)."""
    lines = [
        f"{council} local authority children's services",
        f"Inspection dates: 2 to 13 {when}",
        "Lead inspector: Pat Example, His Majesty's Inspector",
        "",
        "Judgement                                   Grade",
        "The impact of leaders on social work practice with children and families   Requires improvement",
        "Overall effectiveness                       Requires improvement to be good",
        "",
        "What needs to improve?",
        "1. The quality and timeliness of assessments for children in need of help and protection.",
        "2. Management oversight and supervision of social workers' practice.",
        "",
        "Children are seen promptly when concerns about their safety are first raised.",
        "Social workers know their children well and visit them regularly.",
        "Too many care plans are not specific enough about what needs to change, and by when.",
        f"Reference {file_id}.",
    ]
    return make_pdf(f"{kind_title} of {council} children's services", lines)


_BOMB: list[bytes] = []
BOMB_INNER_BYTES = 256 << 20


def gzip_bomb() -> bytes:
    """gzip(gzip("%PDF-1.4" and 256 MiB of zeros)): a few KB on the wire (made once, in 1 MiB steps)."""
    if not _BOMB:
        import zlib

        def gz(chunks):
            c = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
            for ch in chunks:
                out = c.compress(ch)
                if out:
                    yield out
            yield c.flush()

        zeros = bytes(1 << 20)
        inner = b"".join(gz([b"%PDF-1.4\n"] + [zeros] * (BOMB_INNER_BYTES >> 20)))
        _BOMB.append(b"".join(gz([inner])))
    return _BOMB[0]


@dataclass
class FakePub:
    """One publication on a council's provider page, and what its file address answers."""

    file_id: str
    text: str  # span.nonvisual text, e.g. "Monitoring visit, pdf - 3 May 2023"
    body: bytes = b""
    fault: str | None = None  # see MockSite._file_fault
    fault_times: int = 10**9  # how many requests the fault lasts (then the file is served)
    href: str | None = None  # override the link (relative/absolute)
    served: int = 0  # requests that reached this file


@dataclass
class FakeCouncil:
    """A council in the search listing, with its provider page."""

    urn: str
    name: str
    pubs: list[FakePub] = field(default_factory=list)
    page_fault: str | None = None  # "500" | "404" | "bomb" for the provider page


class _Body(httpx.SyncByteStream):
    """A streamed body (httpx reads a plain ``content=`` at once; the network does not)."""

    def __init__(self, chunks: Iterable[bytes], on_close: Callable[[], None]):
        self.chunks, self.on_close, self.closed = chunks, on_close, False

    def __iter__(self) -> Iterator[bytes]:
        yield from self.chunks

    def close(self) -> None:
        """The response is closed: it is no longer in flight."""
        if not self.closed:
            self.closed = True
            self.on_close()


def _pieces(body: bytes, size: int = 65536) -> Iterator[bytes]:
    for i in range(0, len(body), size):
        yield body[i : i + size]


class MockSite:
    """The fake site as an ``httpx.MockTransport`` handler; see the module's docstring."""

    def __init__(
        self,
        councils: list[FakeCouncil],
        *,
        page_size: int | None = None,
        slow_seconds: float = 1.0,
        base_url: str = REPORTS,
        files_url: str = FILES,
    ):
        self.councils = councils
        self.page_size = page_size  # site-imposed page size (ignores rows=) when set
        self.slow_seconds = slow_seconds
        self.base_url, self.files_url = base_url, files_url
        self.log: list[tuple[str, str, dict]] = []  # (server, path with query, headers)
        self.times: list[float] = []  # time.monotonic() of each request's arrival
        self.lock = threading.Lock()
        self.active = 0
        self.max_active = 0
        self._client: httpx.Client | None = None

    def client(self) -> httpx.Client:
        """The client (one per site) whose every request is answered here."""
        if self._client is None:
            self._client = httpx.Client(transport=httpx.MockTransport(self.handle))
        return self._client

    def close(self) -> None:
        """Close the client."""
        if self._client is not None:
            self._client.close()

    # ------------------------------------------------------------------ queries on the log
    def paths(self, server: str | None = None) -> list[str]:
        """Requested paths (with query), of one server or all."""
        return [p for s, p, _ in self.log if server is None or s == server]

    def file_requests(self) -> list[str]:
        """Requested file paths, in order."""
        return self.paths("files")

    def pub(self, file_id: str) -> FakePub:
        """The publication with this file id."""
        for c in self.councils:
            for p in c.pubs:
                if p.file_id == file_id:
                    return p
        raise KeyError(file_id)

    # ------------------------------------------------------------------ pages
    def listing_html(self, start: int, rows: int) -> str:
        """One page of the search listing."""
        size = self.page_size or rows
        chunk = self.councils[start : start + size]
        items = "\n".join(
            f'<li class="search-result"><h3 class="search-result__title">'
            f'<a href="/provider/44/{c.urn}">{html.escape(c.name)}</a></h3>'
            f"<address>Somewhere</address></li>"
            for c in chunk
        )
        nxt = ""
        if start + size < len(self.councils):
            nxt = (
                f'<ul class="pagination"><li><a class="pagination__next" '
                f'href="/search?q=&amp;start={start + size}&amp;rows={rows}">Next page</a></li></ul>'
            )
        return (
            f"<!DOCTYPE html><html><head><title>Search - Find an Inspection Report - Ofsted</title></head>"
            f'<body><a href="/">Home</a><a href="/about">About</a>'
            f'<p class="search-results__count">{len(self.councils)} results</p>'
            f'<ul class="results-list">{items}</ul>{nxt}</body></html>'
        )

    def provider_html(self, c: FakeCouncil) -> str:
        """A council's provider page: its publications, tolerant HTML."""
        lis = []
        for p in c.pubs:
            href = p.href if p.href is not None else f"{self.files_url}/v1/file/{p.file_id}"
            visible = html.escape(p.text.split(",")[0])
            lis.append(
                f'<li class="publication-list__item"><a class="publication-link" href="{html.escape(href)}">'
                f'{visible} <span class="nonvisual">{html.escape(p.text)}</span></a>'
                f"<time>{html.escape(p.text.rsplit('-', 1)[-1])}</time></li>"
            )
        # tolerant parsing: an unclosed <p>, a stray </div> and an unrelated link
        return (
            f"<!DOCTYPE html><html><head><title>{html.escape(c.name)} - Ofsted</title></head><body>"
            f"<h1>{html.escape(c.name)}</h1><p>Local authority children's services</div>"
            f'<a href="/about">About</a><ul class="publication-list">{"".join(lis)}</ul></body></html>'
        )

    # ------------------------------------------------------------------ HTTP
    def _server(self, url: httpx.URL) -> str:
        here = (url.scheme, url.host, url.port)
        ours = {(u.scheme, u.host, u.port) for u in (httpx.URL(self.base_url), httpx.URL(self.files_url))}
        if here not in ours:
            return "other"
        return "files" if url.path.startswith("/v1/file/") else "reports"

    def _done(self) -> None:
        with self.lock:
            self.active -= 1

    def handle(self, request: httpx.Request) -> httpx.Response:
        """Answer one request (the MockTransport handler)."""
        server = self._server(request.url)
        path = request.url.raw_path.decode()
        with self.lock:
            self.log.append((server, path, dict(request.headers)))
            self.times.append(time.monotonic())
            self.active += 1
            self.max_active = max(self.max_active, self.active)
        try:
            if server == "reports":
                status, chunks, headers = self._reports(request.url)
            elif server == "files":
                status, chunks, headers = self._file(request)
            else:
                status, chunks, headers = _answer(
                    200, b"%PDF-1.4 not from Ofsted\n%%EOF\n", "application/pdf"
                )
        except BaseException:
            self._done()
            raise
        return httpx.Response(status, headers=headers, stream=_Body(chunks, self._done))

    def _reports(self, url: httpx.URL) -> tuple[int, Iterable[bytes], dict]:
        q = parse_qs(url.query.decode())
        if url.path == "/search":
            start = int(q.get("start", ["0"])[0])
            rows = int(q.get("rows", ["10"])[0])
            return _answer(200, self.listing_html(start, rows).encode(), "text/html; charset=utf-8")
        for c in self.councils:
            if url.path.rstrip("/") == f"/provider/44/{c.urn}":
                if c.page_fault == "bomb":
                    bomb = {"Content-Encoding": "gzip, gzip"}
                    return _answer(200, gzip_bomb(), "text/html; charset=utf-8", bomb)
                if c.page_fault:
                    return _answer(int(c.page_fault), b"<html>error</html>", "text/html")
                return _answer(200, self.provider_html(c).encode(), "text/html; charset=utf-8")
        return _answer(404, b"<html>not found</html>", "text/html")

    def _file(self, request: httpx.Request) -> tuple[int, Iterable[bytes], dict]:
        fid = request.url.path.rsplit("/", 1)[-1]
        real = fid.removeprefix("moved-")
        try:
            p = self.pub(real)
        except KeyError:
            return _answer(404, b"<html>not found</html>", "text/html")
        with self.lock:
            p.served += 1
            n = p.served
        if p.fault and n <= p.fault_times and not fid.startswith("moved-"):
            return self._file_fault(request, p)
        return _answer(200, p.body, "application/pdf")

    def _file_fault(self, request: httpx.Request, p: FakePub) -> tuple[int, Iterable[bytes], dict]:
        """What a faulty file address answers.  Faults: 403/404/410 (for good), 500/502/503
        (busy, Retry-After 0), slow (no answer: a timeout), stall (half the body, then a
        timeout), truncated (shorter than its Content-Length), html (a page, not a PDF),
        redirect-other / redirect-external (off Ofsted's hosts), redirect-same (within),
        huge (announces more than any cap), nolength-huge (no length, streams past the cap),
        bomb (two gzip layers, 256 MiB of zeros inside), drip (one byte every 20 ms)."""
        fault, body = p.fault or "", p.body
        if fault in ("404", "410", "403"):
            return _answer(int(fault), b"<html>gone</html>", "text/html")
        if fault in ("500", "502", "503"):
            return _answer(int(fault), b"<html>busy</html>", "text/html", {"Retry-After": "0"})
        if fault == "slow":
            raise httpx.ReadTimeout("timed out", request=request)
        if fault == "stall":
            return _answer(
                200, _then_timeout(body[: len(body) // 2], request), "application/pdf", length=len(body)
            )
        if fault == "truncated":
            return _answer(200, body[: len(body) // 2], "application/pdf", length=len(body))
        if fault == "html":
            page = (
                b'<!DOCTYPE html>\n<html lang="en"><head><title>Report not found - Find an '
                b"Inspection Report - Ofsted</title></head><body><p>Sorry</p></body></html>"
            )
            return _answer(200, page, "text/html; charset=utf-8")
        redirects = {
            "redirect-other": f"{OTHER}/v1/file/{p.file_id}",
            "redirect-external": f"https://example.invalid/v1/file/{p.file_id}",
            "redirect-same": f"/v1/file/moved-{p.file_id}",
        }
        if fault in redirects:
            return _answer(302, b"", "text/html", {"Location": redirects[fault]})
        if fault == "huge":
            return _answer(200, body, "application/pdf", length=10**9)
        if fault == "nolength-huge":
            return _answer(200, body + b"\n" * 200_000, "application/pdf", length=-1)
        if fault == "bomb":
            return _answer(200, gzip_bomb(), "application/pdf", {"Content-Encoding": "gzip, gzip"})
        if fault == "drip":
            return _answer(200, self._drip(body), "application/pdf", length=len(body))
        raise AssertionError(f"unknown fault {fault}")

    def _drip(self, body: bytes) -> Iterator[bytes]:
        end = time.monotonic() + self.slow_seconds
        for i in range(len(body)):
            if time.monotonic() > end:  # stops by itself
                return
            yield body[i : i + 1]
            time.sleep(0.02)


def _then_timeout(part: bytes, request: httpx.Request) -> Iterator[bytes]:
    yield part
    raise httpx.ReadTimeout("timed out", request=request)


def _answer(
    status: int,
    body: bytes | Iterable[bytes],
    ctype: str,
    headers: dict | None = None,
    length: int | None = None,
) -> tuple[int, Iterable[bytes], dict]:
    """(status, streamed body, headers); ``length``: a Content-Length to announce (-1: none)."""
    chunks = _pieces(body) if isinstance(body, bytes) else body
    h = {"Content-Type": ctype, **(headers or {})}
    if length is None and isinstance(body, bytes):
        length = len(body)
    if length is not None and length >= 0:
        h["Content-Length"] = str(length)
    return status, chunks, h


class LoopbackSite:
    """``with LoopbackSite(councils) as site``: a :class:`MockSite` served over real HTTP on
    127.0.0.1 (reports and files on one port); ``site.mock`` holds its log."""

    def __init__(self, councils: list[FakeCouncil]):
        self.councils = councils
        self.mock: MockSite

    def __enter__(self) -> LoopbackSite:
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def log_message(self, *a):  # quiet
                pass

            def do_GET(self):
                url = site.mock.base_url + self.path
                resp = site.mock.handle(httpx.Request("GET", url, headers=dict(self.headers)))
                self.send_response(resp.status_code)
                for k, v in resp.headers.items():
                    self.send_header(k, v)
                self.end_headers()
                try:
                    for chunk in resp.stream:
                        self.wfile.write(chunk)
                finally:
                    resp.close()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.mock = MockSite(self.councils, base_url=url, files_url=url)
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def base_url(self) -> str:
        """The address to point ``OFSTED_MINE_BASE_URL`` at."""
        return self.mock.base_url
