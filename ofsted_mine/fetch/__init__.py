"""Fetch a council's letters and reports from Ofsted's website into a local library.

Politely and incrementally:

* HTTPS to Ofsted's own hosts only (``reports.ofsted.gov.uk`` and ``files.ofsted.gov.uk``);
  every address, including every redirect target, is checked against that allow-list
  before it is requested.  For tests the base addresses can be moved with the environment
  variables ``OFSTED_MINE_BASE_URL`` / ``OFSTED_MINE_FILES_URL`` (or ``Site(base_url=...,
  files_url=...)``); the allow-list then follows them, and plain ``http`` is accepted only
  for a loopback host (127.0.0.1, localhost, ::1) given that way.
* One request at a time, with a pause between requests, a clear User-Agent, timeouts,
  retries with exponential backoff on 5xx / 429 / connection errors and timeouts (never
  on other 4xx), and a size cap per file (all in :class:`Limits`).
* Bounded memory and time whatever the server does: a compressed response is decoded
  here, layer by layer (``Content-Encoding: gzip, gzip`` …), 64 KiB at a time, and the
  size cap applies to the decoded bytes as they stream, so a few KB that inflate to
  gigabytes stop at the cap.  Each request has a total deadline
  (``Limits.request_deadline``, default ``REQUEST_DEADLINE`` = 300 s, ``--request-deadline``)
  however slowly the server drips bytes, and a run may have one too
  (``Limits.run_deadline``, ``--deadline``; default none): past it every remaining request
  fails at once with that reason.  An abandoned download leaves no ``.part`` file.
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

The parts (private modules; this ``__init__`` is the public face):

* ``_site``: Ofsted's pages read (search listing, provider page) -> councils, publications;
* ``_http``: the allow-list, requests with retries, caps and deadlines (``_decode``: the
  Content-Encoding layers undone under a cap);
* ``_library``: folder layout, manifest, lock, atomic files, ``.part`` clean-up;
* ``_run``: one run, from the arguments to the result; ``_models``: the shared types.
"""

from __future__ import annotations

from ._http import DEFAULT_BASE_URL, DEFAULT_FILES_URL, user_agent
from ._library import LOCK_NAME, MANIFEST_NAME, safe_filename
from ._models import (
    REQUEST_DEADLINE,
    CouncilSummary,
    FetchError,
    FetchFailure,
    FetchResult,
    Item,
    Limits,
    Publication,
    Site,
)
from ._run import DEFAULT_LIBRARY, NOT_PDF_RECHECK_DAYS, Plan, fetch, plan
from ._site import (
    KNOWN_KINDS,
    classify_kind,
    parse_kinds,
    parse_listing_page,
    parse_provider_page,
    parse_publication_text,
)

__all__ = [
    "fetch",
    "plan",
    "Plan",
    "Limits",
    "Site",
    "FetchResult",
    "Item",
    "CouncilSummary",
    "Publication",
    "FetchError",
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
    "LOCK_NAME",
    "DEFAULT_BASE_URL",
    "DEFAULT_FILES_URL",
    "DEFAULT_LIBRARY",
    "REQUEST_DEADLINE",
    "NOT_PDF_RECHECK_DAYS",
]
