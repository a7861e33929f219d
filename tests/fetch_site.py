"""A fake reports.ofsted.gov.uk / files.ofsted.gov.uk on 127.0.0.1 for tests of ofsted_mine.fetch.

Three servers on ephemeral ports: ``reports`` (search listing with pagination, provider
pages), ``files`` (``/v1/file/<id>``) and ``other`` (a host that is *not* Ofsted's, the
target of a bad redirect; it must never receive a request).  Faults are injected per file
id (see ``FakePub.fault``).  Every request is logged.
"""

from __future__ import annotations

import html
import io
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


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
    file_id: str
    text: str  # span.nonvisual text, e.g. "Monitoring visit, pdf - 3 May 2023"
    body: bytes = b""
    fault: str | None = None  # see FakeSite._serve_file
    fault_times: int = 10**9  # how many requests the fault lasts (then the file is served)
    href: str | None = None  # override the link (relative/absolute)
    served: int = 0  # requests that reached this file


@dataclass
class FakeCouncil:
    urn: str
    name: str
    pubs: list[FakePub] = field(default_factory=list)
    page_fault: str | None = None  # "500" | "404" for the provider page


class FakeSite:
    """Context manager: ``with FakeSite(councils) as site: site.base_url, site.files_url``."""

    def __init__(
        self, councils: list[FakeCouncil], *, page_size: int | None = None, slow_seconds: float = 1.0
    ):
        self.councils = councils
        self.page_size = page_size  # site-imposed page size (ignores rows=) when set
        self.slow_seconds = slow_seconds
        self.log: list[tuple[str, str, dict]] = []  # (server, path, headers)
        self.times: list[float] = []  # time.monotonic() of each request's arrival
        self.lock = threading.Lock()
        self.active = 0
        self.max_active = 0
        self._servers: dict[str, ThreadingHTTPServer] = {}

    # ------------------------------------------------------------------ lifecycle
    def __enter__(self) -> FakeSite:
        for name in ("reports", "files", "other"):
            srv = ThreadingHTTPServer(("127.0.0.1", 0), self._handler(name))
            srv.daemon_threads = True
            srv.block_on_close = False
            threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
            self._servers[name] = srv
        return self

    def __exit__(self, *exc) -> None:
        for srv in self._servers.values():
            srv.shutdown()
            srv.server_close()

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self._servers[name].server_address[1]}"

    @property
    def base_url(self) -> str:
        return self.url("reports")

    @property
    def files_url(self) -> str:
        return self.url("files")

    @property
    def other_url(self) -> str:
        return self.url("other")

    # ------------------------------------------------------------------ queries on the log
    def paths(self, server: str | None = None) -> list[str]:
        return [p for s, p, _ in self.log if server is None or s == server]

    def file_requests(self) -> list[str]:
        return self.paths("files")

    def pub(self, file_id: str) -> FakePub:
        for c in self.councils:
            for p in c.pubs:
                if p.file_id == file_id:
                    return p
        raise KeyError(file_id)

    # ------------------------------------------------------------------ pages
    def listing_html(self, start: int, rows: int) -> str:
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
    def _handler(self, server_name: str):
        site = self

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def log_message(self, *a):  # quiet
                pass

            def do_GET(self):
                with site.lock:
                    site.log.append((server_name, self.path, dict(self.headers)))
                    site.times.append(time.monotonic())
                    site.active += 1
                    site.max_active = max(site.max_active, site.active)
                try:
                    if server_name == "reports":
                        site._serve_reports(self)
                    elif server_name == "files":
                        site._serve_file(self)
                    else:
                        site._send(self, 200, b"%PDF-1.4 not from Ofsted\n%%EOF\n", "application/pdf")
                except (BrokenPipeError, ConnectionResetError):
                    pass
                finally:
                    with site.lock:
                        site.active -= 1

        return H

    @staticmethod
    def _send(
        h, status: int, body: bytes, ctype: str, headers: dict | None = None, length: int | None = None
    ) -> None:
        h.send_response(status)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(body) if length is None else length))
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(body)
        h.wfile.flush()

    def _serve_reports(self, h) -> None:
        u = urlsplit(h.path)
        q = parse_qs(u.query)
        if u.path == "/search":
            start = int(q.get("start", ["0"])[0])
            rows = int(q.get("rows", ["10"])[0])
            self._send(h, 200, self.listing_html(start, rows).encode(), "text/html; charset=utf-8")
            return
        for c in self.councils:
            if u.path.rstrip("/") == f"/provider/44/{c.urn}":
                if c.page_fault == "bomb":
                    self._send(
                        h, 200, gzip_bomb(), "text/html; charset=utf-8", {"Content-Encoding": "gzip, gzip"}
                    )
                    return
                if c.page_fault:
                    self._send(h, int(c.page_fault), b"<html>error</html>", "text/html")
                    return
                self._send(h, 200, self.provider_html(c).encode(), "text/html; charset=utf-8")
                return
        self._send(h, 404, b"<html>not found</html>", "text/html")

    def _serve_file(self, h) -> None:
        path = urlsplit(h.path).path
        if not path.startswith("/v1/file/"):
            self._send(h, 404, b"<html>not found</html>", "text/html")
            return
        fid = path.rsplit("/", 1)[-1]
        real = fid[len("moved-") :] if fid.startswith("moved-") else fid
        try:
            p = self.pub(real)
        except KeyError:
            self._send(h, 404, b"<html>not found</html>", "text/html")
            return
        with self.lock:
            p.served += 1
            n = p.served
        fault = p.fault if (p.fault and n <= p.fault_times and not fid.startswith("moved-")) else None
        body = p.body
        if fault is None:
            self._send(h, 200, body, "application/pdf")
        elif fault in ("404", "410", "403"):
            self._send(h, int(fault), b"<html>gone</html>", "text/html")
        elif fault in ("500", "502", "503"):
            self._send(h, int(fault), b"<html>busy</html>", "text/html", {"Retry-After": "0"})
        elif fault == "slow":  # nothing at all until after the client's timeout
            time.sleep(self.slow_seconds)
            self._send(h, 200, body, "application/pdf")
        elif fault == "stall":  # headers and half the body, then nothing
            h.send_response(200)
            h.send_header("Content-Type", "application/pdf")
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            h.wfile.write(body[: len(body) // 2])
            h.wfile.flush()
            time.sleep(self.slow_seconds)
        elif fault == "truncated":  # Content-Length larger than what is sent, then close
            self._send(h, 200, body[: len(body) // 2], "application/pdf", length=len(body))
        elif fault == "html":
            page = (
                b'<!DOCTYPE html>\n<html lang="en"><head><title>Report not found - Find an '
                b"Inspection Report - Ofsted</title></head><body><p>Sorry</p></body></html>"
            )
            self._send(h, 200, page, "text/html; charset=utf-8")
        elif fault == "redirect-other":
            self._send(h, 302, b"", "text/html", {"Location": f"{self.other_url}/v1/file/{real}"})
        elif fault == "redirect-external":
            self._send(h, 302, b"", "text/html", {"Location": f"https://example.invalid/v1/file/{real}"})
        elif fault == "redirect-same":
            self._send(h, 302, b"", "text/html", {"Location": f"/v1/file/moved-{real}"})
        elif fault == "huge":  # announces more than the cap
            self._send(h, 200, body, "application/pdf", length=10**9)
        elif fault == "nolength-huge":  # no Content-Length, body streams past the cap
            h.send_response(200)
            h.send_header("Content-Type", "application/pdf")
            h.end_headers()
            h.wfile.write(body + b"\n" * 200_000)
        elif fault == "bomb":  # a few KB, two gzip layers, 256 MiB of zeros inside
            self._send(h, 200, gzip_bomb(), "application/pdf", {"Content-Encoding": "gzip, gzip"})
        elif fault == "drip":  # one byte at a time, never stalled long enough to time out
            h.send_response(200)
            h.send_header("Content-Type", "application/pdf")
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            end = time.monotonic() + self.slow_seconds
            for i in range(len(body)):
                if time.monotonic() > end:  # the test server stops by itself
                    break
                h.wfile.write(body[i : i + 1])
                h.wfile.flush()
                time.sleep(0.02)
        else:
            raise AssertionError(f"unknown fault {fault}")
