"""ofsted_mine.fetch's HTTP part (fetch/_http.py) on an httpx.MockTransport, one request at a time:
the allow-list, retries and giving up, status codes, redirects, caps and charsets."""

from __future__ import annotations

import gzip
import hashlib
import re
import time

import httpx
import pytest

from ofsted_mine import fetch as F
from ofsted_mine.fetch import Limits
from ofsted_mine.fetch._http import Http, resolve_bases

from .fetch_support import FAST

# ---------------------------------------------------------------------- hosts


def test_default_allow_list_is_ofsted_https_only(monkeypatch):
    monkeypatch.delenv("OFSTED_MINE_BASE_URL", raising=False)
    monkeypatch.delenv("OFSTED_MINE_FILES_URL", raising=False)
    base, files, allowed, overridden = resolve_bases(None, None)
    assert (base, files, overridden) == (
        "https://reports.ofsted.gov.uk",
        "https://files.ofsted.gov.uk",
        False,
    )
    assert allowed == {("https", "reports.ofsted.gov.uk", 443), ("https", "files.ofsted.gov.uk", 443)}
    http = Http(
        None, allowed, Limits(pause=0, timeout=1, retries=0, backoff=0, max_bytes=10), trust_env=False
    )
    try:
        for bad in (
            "http://reports.ofsted.gov.uk/search",
            "http://127.0.0.1:8000/search",
            "https://evil.example/v1/file/1",
            "https://files.ofsted.gov.uk.evil.example/x",
            "https://reports.ofsted.gov.uk:8443/x",
        ):
            with pytest.raises(F.FetchFailure, match="allow-list"):
                http.check(bad)
        http.check("https://files.ofsted.gov.uk/v1/file/50140187")
        assert http.requests == 0
    finally:
        http.close()


# ---------------------------------------------------------------------- HTTP, one request at a time

PDF = b"%PDF-1.4\n" + b"x" * 2000 + b"\n%%EOF\n"
FILE = "https://files.ofsted.gov.uk/v1/file/1"


def http_on(answers, **limits) -> tuple[Http, list[httpx.Request]]:
    """An Http whose requests get ``answers`` in turn, the last one from then on (each an
    :func:`answer`, or an exception to raise); the allow-list is Ofsted's own."""
    seen: list[httpx.Request] = []
    queue = list(answers)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        a = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(a, Exception):
            raise a
        return a()

    _, _, allowed, _ = resolve_bases(None, None)
    lim = Limits(**{**FAST, **limits})
    return Http(httpx.Client(transport=httpx.MockTransport(handler)), allowed, lim), seen


def answer(status: int, body: bytes = b"", **headers):
    """Makes a response whose body streams (as from the network); headers as keyword arguments."""
    h = {k.replace("_", "-"): v for k, v in headers.items()}
    return lambda: httpx.Response(status, headers=h, stream=httpx.ByteStream(body))


@pytest.mark.parametrize(
    "first,why",
    [
        (answer(503, retry_after="0"), "HTTP 503"),
        (answer(429), "HTTP 429"),
        (httpx.ConnectError("refused"), "connection error: ConnectError"),
        (httpx.ReadTimeout("slow"), "timed out (ReadTimeout)"),
        (answer(200, b"%PDF-1.4 cut short", content_type="application/pdf"), "no %%EOF"),
        (answer(200, PDF[:100], content_length=str(len(PDF))), "truncated download (100 of"),
    ],
)
def test_transient_failures_are_retried_then_given_up(tmp_path, first, why):
    http, seen = http_on([first, answer(200, PDF)], retries=1)
    tmp, sha, size = http.download(FILE, tmp_path)  # the second attempt succeeds
    assert tmp.read_bytes() == PDF and size == len(PDF) and len(seen) == 2
    assert sha == hashlib.sha256(PDF).hexdigest()
    http, seen = http_on([first], retries=2)
    with pytest.raises(F.FetchFailure, match=re.escape(why)) as e:
        http.download(FILE, tmp_path)
    assert "gave up after 3 attempts" in str(e.value) and len(seen) == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == [tmp.name]  # no .part left behind


@pytest.mark.parametrize(
    "reply,why",
    [
        (answer(404), "HTTP 404 (not found)"),
        (answer(403), "HTTP 403"),
        (answer(204), "unexpected HTTP 204"),
        (answer(302), "HTTP 302 redirect without a Location"),
        (answer(301, location="https://files.ofsted.gov.uk:8443/x"), "refused redirect to https://files"),
        (answer(200, b""), "not a PDF: empty response"),
        (answer(200, b"PK\x03\x04" + b"z" * 2000, content_type="application/zip"), "not a PDF (content-type"),
        (answer(200, PDF, content_encoding="br"), "unsupported Content-Encoding 'br'"),
    ],
)
def test_failures_for_good_are_not_retried(tmp_path, reply, why):
    http, seen = http_on([reply], retries=3)
    with pytest.raises(F.FetchFailure, match=re.escape(why)):
        http.download(FILE, tmp_path)
    assert len(seen) == 1 and list(tmp_path.iterdir()) == []


def test_retry_after_is_honoured_and_capped():
    http, seen = http_on(
        [answer(429, retry_after="0.3"), answer(200, b"<p>ok</p>")], retries=1, backoff=0.001
    )
    t = time.monotonic()
    assert http.get_text("https://reports.ofsted.gov.uk/x") == (
        "https://reports.ofsted.gov.uk/x",
        "<p>ok</p>",
    )
    assert 0.3 <= time.monotonic() - t < 2 and len(seen) == 2


def test_redirects_are_followed_within_the_allow_list_and_counted(tmp_path):
    moved = answer(302, location="/v1/file/2")
    http, seen = http_on([moved, answer(200, PDF)])
    http.download(FILE, tmp_path)
    assert [str(r.url) for r in seen] == [FILE, "https://files.ofsted.gov.uk/v1/file/2"]
    assert http.requests == 2 and http.bytes == len(PDF)
    http, seen = http_on([answer(302, location="/v1/file/1")])  # a loop
    with pytest.raises(F.FetchFailure, match="too many redirects"):
        http.download(FILE, tmp_path)
    assert len(seen) == 6  # the first request and five redirects


def test_a_response_already_in_memory_is_accepted_and_capped(tmp_path):
    """A MockTransport answer made with ``content=`` arrives read (and decoded) by httpx."""
    whole = gzip.compress(PDF)

    def in_memory():
        return httpx.Response(200, content=whole, headers={"Content-Encoding": "gzip"})

    http, _ = http_on([in_memory])
    tmp, _, size = http.download(FILE, tmp_path)
    assert tmp.read_bytes() == PDF and size == len(PDF)
    http, _ = http_on([in_memory], max_bytes=1000)
    with pytest.raises(F.FetchFailure, match="too large"):
        http.download(FILE, tmp_path)


def test_page_cap_and_charset():
    big = answer(200, b"x" * (11 * 1024 * 1024), content_type="text/html")
    http, _ = http_on([big])
    with pytest.raises(F.FetchFailure, match="too large"):
        http.get_text("https://reports.ofsted.gov.uk/x")
    latin = answer(200, "caf\u00e9".encode("latin-1"), content_type="text/html; charset=latin-1")
    http, _ = http_on([latin])
    assert http.get_text("https://reports.ofsted.gov.uk/x")[1] == "caf\u00e9"
