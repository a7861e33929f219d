"""HTTP for fetch: Ofsted's hosts only, one request at a time, bounded in bytes and time.

* Every address, including every redirect target, is checked against an allow-list of
  origins before it is requested (:func:`resolve_bases` builds it).
* One request at a time, a pause between requests, a clear User-Agent, timeouts, retries
  with exponential backoff on 5xx / 429 / connection errors and timeouts (never on other
  4xx).
* A compressed answer is decoded here (:mod:`._decode`), so the size caps apply to the
  decoded bytes as they stream; each request has a total deadline, and a run may have one.
* A download is streamed to a hidden ``.part`` file, checked (complete, really a PDF) and
  handed back; the caller renames it into place.  On any failure nothing is left.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

from ._decode import capped, content_codings, inflate
from ._library import PART_PREFIX, PART_SUFFIX, public_mode
from ._models import FetchError, FetchFailure, Limits, NotPDF, TransientFailure

DEFAULT_BASE_URL = "https://reports.ofsted.gov.uk"
DEFAULT_FILES_URL = "https://files.ofsted.gov.uk"
ENV_BASE_URL = "OFSTED_MINE_BASE_URL"
ENV_FILES_URL = "OFSTED_MINE_FILES_URL"
ENV_CONTACT = "OFSTED_MINE_CONTACT"  # optional e-mail/URL appended to the User-Agent

MAX_PAGE_BYTES = 10 * 1024 * 1024
MAX_REDIRECTS = 5
MAX_RETRY_AFTER = 60.0

_LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
_REDIRECTS = (301, 302, 303, 307, 308)

Origin = tuple[str, str, int]


def user_agent() -> str:
    """The User-Agent sent with every request: the tool, its version, and how it behaves."""
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


def origin(url: str) -> Origin:
    """(scheme, host, port) of an address, with the scheme's default port filled in."""
    u = urlsplit(url)
    scheme = (u.scheme or "").lower()
    host = (u.hostname or "").lower()
    port = u.port or (443 if scheme == "https" else 80 if scheme == "http" else 0)
    return scheme, host, port


def _check_override(url: str, what: str) -> str:
    url = url.strip().rstrip("/")
    scheme, host, _ = origin(url)
    if not host:
        raise FetchError(f"{what} {url!r} is not an absolute address")
    if scheme == "https":
        return url
    if scheme == "http" and host in _LOOPBACK:
        return url
    raise FetchError(f"{what} {url!r} refused: only https, or http to 127.0.0.1/localhost for tests")


def resolve_bases(base_url: str | None, files_url: str | None) -> tuple[str, str, set[Origin], bool]:
    """(base, files, allowed origins, overridden).  Overrides come from the arguments or env."""
    b_raw = base_url or os.environ.get(ENV_BASE_URL) or None
    f_raw = files_url or os.environ.get(ENV_FILES_URL) or None
    b = _check_override(b_raw, "base address") if b_raw else DEFAULT_BASE_URL
    # only the base moved (e.g. one test server): files are served from there too
    f = _check_override(f_raw, "files address") if f_raw else (b if b_raw else DEFAULT_FILES_URL)
    return b, f, {origin(b), origin(f)}, bool(b_raw or f_raw)


def rewrite(url: str, default: str, override: str) -> str:
    """Point a link on Ofsted's real host at the overridden base (tests, mirrors)."""
    if override == default or origin(url) != origin(default):
        return url
    u, o = urlsplit(url), urlsplit(override)
    return urlunsplit((o.scheme, o.netloc, u.path, u.query, u.fragment))


# --------------------------------------------------------------------------- the session


class Http:
    """One request at a time, a pause between requests, allow-listed origins only.

    ``client`` is used as given (and not closed); without one, a client is made here.
    ``requests`` and ``bytes`` count what was asked for and received.
    """

    def __init__(
        self,
        client: httpx.Client | None,
        allowed: set[Origin],
        limits: Limits | None = None,
        *,
        trust_env: bool = True,
    ):
        lim = limits or Limits()
        self.allowed = allowed
        self.timeout_s = lim.timeout
        self.request_deadline = (
            lim.request_deadline if lim.request_deadline and lim.request_deadline > 0 else None
        )
        self.run_deadline = lim.run_deadline if lim.run_deadline and lim.run_deadline > 0 else None
        self._run_end = time.monotonic() + self.run_deadline if self.run_deadline else None
        self._deadline: float | None = None
        self._deadline_why = ""
        self.pause = max(0.0, lim.pause)
        self.timeout = httpx.Timeout(lim.timeout)
        self.retries = max(0, int(lim.retries))
        self.backoff = max(0.0, lim.backoff)
        self.max_bytes = lim.max_bytes
        self.ua = user_agent()
        self._own = client is None
        self.client = client or httpx.Client(
            follow_redirects=False, trust_env=trust_env, timeout=self.timeout
        )
        self._last = 0.0
        self.requests = 0
        self.bytes = 0

    def close(self) -> None:
        """Close the client if it was made here."""
        if self._own:
            self.client.close()

    def allowed_url(self, url: str) -> bool:
        """True when ``url`` is on one of the allowed origins."""
        return origin(url) in self.allowed

    def check(self, url: str) -> None:
        """Raise FetchFailure unless ``url`` may be requested now (allow-list, run deadline)."""
        if self._run_end is not None and time.monotonic() >= self._run_end:
            raise FetchFailure(f"not requested: the run's deadline of {self.run_deadline:g} s has passed")
        if not self.allowed_url(url):
            s, h, p = origin(url)
            raise FetchFailure(f"refused: {s}://{h}:{p} is not one of Ofsted's hosts (allow-list)")

    def _wait(self) -> None:
        gap = self.pause - (time.monotonic() - self._last)
        if gap > 0 and self.requests:
            time.sleep(gap)

    def start_deadline(self) -> None:
        """Start the clock of one request: the sooner of its own deadline and the run's."""
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
        """Raise FetchFailure (not retried) once the current request's deadline has passed."""
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
            # already read and decoded by httpx (a response made in memory)
            if len(r.content) > cap:
                raise FetchFailure(f"{what} too large (over the cap of {cap} bytes once decompressed)")
            return iter([r.content])
        stream: Iterator[bytes] = self._raw(r)
        codings = content_codings(r)
        for coding in codings:
            stream = inflate(stream, coding, cap, what)
        return stream if codings else capped(stream, cap, what)

    def _raw(self, r: httpx.Response) -> Iterator[bytes]:
        for chunk in r.iter_raw():  # as the network gives it (a chunk size would wait for it to fill)
            self.check_deadline()
            yield chunk
        self.check_deadline()

    def _redirect(self, r: httpx.Response, url: str) -> str:
        loc = r.headers.get("location")
        if not loc:
            raise FetchFailure(f"HTTP {r.status_code} redirect without a Location")
        nxt = urljoin(url, loc.strip())
        if not self.allowed_url(nxt):
            s, h, p = origin(nxt)
            raise FetchFailure(f"refused redirect to {s}://{h}:{p} (not one of Ofsted's hosts)")
        return nxt

    def _once(self, url: str, handle: Callable[[httpx.Response, str], Any]) -> Any:
        self.start_deadline()
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
                    if r.status_code in _REDIRECTS:
                        url = self._redirect(r, url)
                        continue
                    _check_status(r)
                    return handle(r, url)
            except httpx.TimeoutException as e:
                self.check_deadline()
                raise TransientFailure(f"timed out ({type(e).__name__})") from None
            except httpx.TransportError as e:
                raise TransientFailure(f"connection error: {type(e).__name__}: {e}") from None
            finally:
                self._last = time.monotonic()
        raise FetchFailure(f"too many redirects (more than {MAX_REDIRECTS})")

    def get(self, url: str, handle: Callable[[httpx.Response, str], Any]) -> Any:
        """GET ``url`` (following allowed redirects) and return ``handle(response, final url)``;
        transient failures are retried with backoff, then raised as FetchFailure."""
        attempt = 0
        while True:
            try:
                return self._once(url, handle)
            except TransientFailure as e:
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
        """(final url, text) of a page, at most MAX_PAGE_BYTES decoded bytes."""

        def handle(r: httpx.Response, final: str) -> tuple[str, str]:
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

        def handle(r: httpx.Response, final: str) -> tuple[Path, str, int]:
            cl = _content_length(r)
            if cl is not None and cl > self.max_bytes:
                raise FetchFailure(f"file too large ({cl} bytes; cap {self.max_bytes})")
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=PART_PREFIX, suffix=PART_SUFFIX)
            tmp_path = Path(tmp)
            try:
                with os.fdopen(fd, "wb") as f:
                    sha, n = self._write_pdf(r, f)
                public_mode(tmp_path)
                self.bytes += n
                return tmp_path, sha, n
            except BaseException:
                tmp_path.unlink(missing_ok=True)
                raise

        return self.get(url, handle)

    def _write_pdf(self, r: httpx.Response, f: Any) -> tuple[str, int]:
        """Write the decoded body to ``f``, checking it is a whole PDF; (sha256, size)."""
        h = hashlib.sha256()
        n = 0
        head = b""
        tail = b""
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
            raise TransientFailure("incomplete PDF (no %%EOF end marker)")
        f.flush()
        os.fsync(f.fileno())
        return h.hexdigest(), n


# --------------------------------------------------------------------------- checks


def _check_status(r: httpx.Response) -> None:
    """Raise for anything but 200: transient for 5xx and 429, for good otherwise."""
    st = r.status_code
    if st >= 500 or st == 429:
        raise TransientFailure(f"HTTP {st}", _retry_after(r.headers.get("retry-after")))
    if st >= 400:
        raise FetchFailure(f"HTTP {st}" + (" (not found)" if st == 404 else ""))
    if st != 200:
        raise FetchFailure(f"unexpected HTTP {st}")


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
        raise TransientFailure(f"truncated download ({n} of {cl} bytes)")


def _check_pdf_head(head: bytes, r: httpx.Response) -> None:
    if b"%PDF-" in head[:1024]:
        return
    low = head.lstrip().lower()
    ctype = r.headers.get("content-type", "").split(";")[0].strip()
    if not head:
        raise NotPDF("not a PDF: empty response")
    if low.startswith((b"<!doctype html", b"<html")) or b"<html" in low or b"<head" in low or "html" in ctype:
        raise NotPDF("not a PDF: the link returned an HTML page")
    raise NotPDF(f"not a PDF (content-type {ctype or 'unknown'}, starts {head[:8]!r})")
