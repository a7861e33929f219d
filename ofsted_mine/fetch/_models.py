"""What a fetch gives back (results, failures) and the options that shape it.

Nothing here does any I/O: these are the types the other modules of the package share.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import UsageError

if TYPE_CHECKING:
    import httpx

#: seconds one request (all its bytes, redirects included) may take, however slowly they come
REQUEST_DEADLINE = 300.0
#: the default cap on one downloaded file's decoded size
MAX_FILE_BYTES = 50 * 1024 * 1024


# --------------------------------------------------------------------------- options


@dataclass(frozen=True)
class Limits:
    """How politely and for how long :func:`~ofsted_mine.fetch.fetch` talks to the site.

    Attributes:
        pause: seconds between two requests (one request at a time, always).
        timeout: seconds to connect, or to wait for the next bytes of an answer.
        retries: further attempts after the first, on 5xx, 429, timeouts and connection
            errors only (never on other 4xx), waiting ``backoff`` * 1, 2, 4 ... seconds (or
            the server's Retry-After, up to 60 s).
        backoff: the first wait before a retry, in seconds.
        max_bytes: cap on each file's *decoded* size (compressed answers are decoded as they
            stream, so a compression bomb stops at the cap).
        request_deadline: seconds one request may take in all, however slowly the server
            drips bytes (None or 0: no limit).  A missed deadline is not retried.
        run_deadline: seconds the whole run may spend on the site (None or 0: no limit);
            past it every remaining request fails with that reason (what was downloaded is
            still ingested).
    """

    pause: float = 0.5
    timeout: float = 20.0
    retries: int = 3
    backoff: float = 1.0
    max_bytes: int = MAX_FILE_BYTES
    request_deadline: float | None = REQUEST_DEADLINE
    run_deadline: float | None = None


@dataclass(frozen=True)
class Site:
    """Where Ofsted's site is and what talks to it.

    Attributes:
        base_url: the reports site (default ``https://reports.ofsted.gov.uk``, or the
            environment variable ``OFSTED_MINE_BASE_URL``).  Must be https, or plain http to
            a loopback host (for tests); the allow-list of hosts follows it.
        files_url: where the files are served (default ``https://files.ofsted.gov.uk``, or
            ``OFSTED_MINE_FILES_URL``; when only the base moved, the base).
        client: an ``httpx.Client`` to send the requests through, e.g. one built on an
            ``httpx.MockTransport`` in tests.  By default fetch makes (and closes) its own.
            Redirects are followed by fetch itself, never by the client, so that every
            target is checked against the allow-list.
    """

    base_url: str | None = None
    files_url: str | None = None
    client: httpx.Client | None = None


class FetchError(UsageError, ValueError):
    """A bad argument to :func:`~ofsted_mine.fetch.fetch`, found before any request is sent.

    A :class:`~ofsted_mine.errors.UsageError` (one line for the user, exit status 2) and a
    ValueError.  ``param`` names the command-line option it came from (e.g. ``"--kind"``),
    or is ``None`` when no single option is to blame.
    """

    def __init__(self, message: str, param: str | None = None):
        super().__init__(message)
        self.param = param


# --------------------------------------------------------------------------- failures


class FetchFailure(Exception):
    """A request that failed for good (after any retries)."""


class TransientFailure(Exception):
    """A failure worth another attempt (5xx, 429, a timeout, a cut connection)."""

    def __init__(self, msg: str, retry_after: float | None = None):
        super().__init__(msg)
        self.retry_after = retry_after


class NotPDF(FetchFailure):
    """The link answered, but not with a PDF (some old Ofsted links give an HTML page)."""


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Publication:
    """One publication link on a provider page, as parsed."""

    text: str  # as listed (span.nonvisual, else the link text)
    title: str  # kind part of the text
    format: str | None
    date: date | None
    kind: str | None  # one of KNOWN_KINDS, or None when unrecognised
    url: str
    file_id: str


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
    """Counts for one council in one run."""

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
    """Everything one :func:`~ofsted_mine.fetch.fetch` did: new, skipped and failed items."""

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
        """True when nothing failed."""
        return not self.failed

    @property
    def unrecognised(self) -> list[Item]:
        """Publications not downloaded because their kind was not recognised."""
        return [i for i in self.skipped if i.stage == "kind"]

    def summary(self) -> str:
        """One line: councils, new (or would download), skipped, failed, ingested."""
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
