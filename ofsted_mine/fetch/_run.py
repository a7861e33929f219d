"""One fetch run: check the arguments, find the councils, walk their publications, download
what is new into the library, and ingest it.  The parts are in the sibling modules."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from ..councils import by_urn, find_council
from . import _site
from ._http import DEFAULT_BASE_URL, DEFAULT_FILES_URL, Http, resolve_bases, rewrite
from ._library import (
    Manifest,
    clean_parts,
    council_slug,
    fsync_dir,
    inside,
    library_lock,
    looks_complete_pdf,
    now,
    safe_filename,
    sha256,
)
from ._models import (
    CouncilSummary,
    FetchError,
    FetchFailure,
    FetchResult,
    Item,
    Limits,
    NotPDF,
    Publication,
    Site,
)
from ._site import parse_kinds, parse_listing_page, parse_provider_page, parse_since

NOT_PDF_RECHECK_DAYS = 30
DEFAULT_LIBRARY = "~/ofsted-library"

Emit = Callable[[str, dict[str, Any]], None]
IngestFn = Callable[..., Any]


@dataclass
class Target:
    """A council to fetch: its URN, name, folder slug and provider page once known."""

    urn: str
    name: str
    slug: str
    provider_url: str | None = None


@dataclass
class Plan:
    """A fetch's arguments, checked: what :func:`fetch` will do before it sends anything."""

    targets: list[Target]
    all_councils: bool
    kinds: frozenset[str] | None
    since: date | None
    library: Path
    base: str
    files: str
    allowed: set[tuple[str, str, int]] = field(default_factory=set)
    overridden: bool = False


def _find_target(la: str | None, urn: str | None) -> Target:
    key = str(la or urn).strip()
    c = find_council(key) if la else (by_urn(key) or find_council(key))
    if c is not None:
        return Target(urn=c.urn, name=c.name, slug=c.slug)
    if urn and key.isdigit():
        return Target(urn=key, name="", slug="")
    from ..councils import suggestions

    hint = suggestions(key)
    did = f" (did you mean {', '.join(repr(h) for h in hint)}?)" if hint else ""
    raise FetchError(
        f"unknown council {key!r}{did}: give a name as printed, a slug or an Ofsted URN",
        param="--la" if la else "--urn",
    )


def plan(
    *,
    la: str | None = None,
    urn: str | None = None,
    all_councils: bool = False,
    kinds: str | Sequence[str] | None = None,
    since: str | date | None = None,
    library: str | Path = DEFAULT_LIBRARY,
    site: Site | None = None,
) -> Plan:
    """Check :func:`fetch`'s arguments (the one place they are checked) without any request.

    Raises :class:`FetchError` (a ValueError; ``param`` names the command-line option) for
    anything wrong: not exactly one of ``la``/``urn``/``all_councils``, an unknown council or
    kind, a bad date, a library that is not a folder, a base address that is not allowed.
    """
    if sum(bool(x) for x in (la, urn, all_councils)) != 1:
        raise FetchError("give exactly one of --la, --urn or --all")
    kind_set = parse_kinds(kinds)
    since_d = parse_since(since)
    site = site or Site()
    base, files, allowed, overridden = resolve_bases(site.base_url, site.files_url)
    lib = Path(library).expanduser()
    if lib.exists() and not lib.is_dir():
        raise FetchError(f"library {lib} is not a folder", param="--library")
    targets = [_find_target(la, urn)] if (la or urn) else []
    return Plan(targets, all_councils, kind_set, since_d, lib, base, files, allowed, overridden)


def fetch(
    *,
    la: str | None = None,
    urn: str | None = None,
    all_councils: bool = False,
    kinds: str | Sequence[str] | None = None,
    since: str | date | None = None,
    library: str | Path = DEFAULT_LIBRARY,
    db: str | Path | None = None,
    dry_run: bool = False,
    limits: Limits | None = None,
    site: Site | None = None,
    ingest_fn: IngestFn | None = None,
    on_event: Emit | None = None,
    progress: bool = False,
) -> FetchResult:
    """Bring a council's (or every council's) Ofsted publications into ``library`` and ingest them.

    Exactly one of ``la`` (name, alias, slug or URN), ``urn`` or ``all_councils``.
    ``kinds``: subset of KNOWN_KINDS (comma string or list); ``since``: keep publications
    dated on or after this date.  ``dry_run``: read the site, download and write nothing,
    report in ``new`` what would be downloaded.

    ``limits`` (:class:`Limits`): pause, timeout, retries and backoff, the file size cap and
    the request and run deadlines.  ``site`` (:class:`Site`): the site's addresses and the
    ``httpx.Client`` to use (e.g. one on an ``httpx.MockTransport``).

    ``ingest_fn(paths, db, progress=...)`` defaults to :func:`ofsted_mine.api.ingest` (its
    ``progress`` receives a callable(path, status)).  ``on_event(name, info)`` is called with
    progress events: listing_page, council_start, item, council_done, ingest_start,
    ingest_file, ingest_done.  ``progress=True`` without ``on_event`` prints one line per
    council and per new/failed publication to stderr.

    Raises :class:`FetchError` (a ValueError) for bad arguments, before any request (see
    :func:`plan`), and RuntimeError if another fetch holds the library.  Everything that goes
    wrong with the site or a file is reported in the result instead.
    """
    p = plan(la=la, urn=urn, all_councils=all_councils, kinds=kinds, since=since, library=library, site=site)
    emit = on_event or (_stderr_events if progress else _no_events)
    http = Http((site or Site()).client, p.allowed, limits, trust_env=not p.overridden)
    result = FetchResult(dry_run=dry_run)
    try:
        with library_lock(p.library, enabled=not dry_run):
            run = _Run(p, result, http, Manifest.load(p.library), dry_run, emit)
            try:
                run.councils()
            finally:
                if not dry_run:
                    run.manifest.save()
            if not dry_run:
                _ingest(result, run.manifest, _db_key(db), ingest_fn or _default_ingest, db, emit)
                run.manifest.save()
    finally:
        result.requests = http.requests
        result.bytes_downloaded = http.bytes
        http.close()
    return result


class _Run:
    """The state one run shares: the plan, the result so far, HTTP and the manifest."""

    def __init__(
        self, p: Plan, result: FetchResult, http: Http, manifest: Manifest, dry_run: bool, emit: Emit
    ):
        self.p, self.result, self.http, self.manifest = p, result, http, manifest
        self.dry_run, self.emit = dry_run, emit

    def remember_provider(self, urn: str, name: str, url: str) -> None:
        """Keep a council's provider page in the manifest (not in a dry run)."""
        if not self.dry_run:
            self.manifest.providers[urn] = {"url": url, "name": name}

    def walk_listing(
        self, want_urn: str | None = None, failed: list[tuple[str, str]] | None = None
    ) -> list[tuple[str, str, str]]:
        """Pages of the search listing; stops early once ``want_urn`` is found."""
        seen: dict[str, tuple[str, str, str]] = {}
        start = 0
        rows_per_page = _site.LISTING_ROWS
        for _ in range(_site.MAX_LISTING_PAGES):
            url = f"{self.p.base}{_site.SEARCH_PATH}&start={start}&rows={rows_per_page}"
            try:
                final, html = self.http.get_text(url)
            except FetchFailure as e:
                if failed is not None:
                    failed.append((url, str(e)))
                break
            rows, has_next = parse_listing_page(html, final)
            new = [r for r in rows if r[0] not in seen]
            seen.update((r[0], r) for r in new)
            self.emit(
                "listing_page", {"start": start, "found": len(rows), "new": len(new), "total": len(seen)}
            )
            if not new or (want_urn and want_urn in seen):
                break
            if len(rows) < rows_per_page and not has_next:
                break
            start += len(rows)
        return list(seen.values())

    def _all_targets(self) -> None:
        failed: list[tuple[str, str]] = []
        rows = self.walk_listing(failed=failed)
        for urn_, name, url in rows:
            c = by_urn(urn_)
            self.p.targets.append(
                Target(urn=urn_, name=c.name if c else name, slug=c.slug if c else "", provider_url=url)
            )
            self.remember_provider(urn_, name, url)
        if failed or not rows:
            self.result.failed.append(
                Item(
                    council="",
                    council_name="(search listing)",
                    urn="",
                    kind=None,
                    date=None,
                    title="search listing",
                    url=failed[0][0] if failed else f"{self.p.base}{_site.SEARCH_PATH}",
                    reason=failed[0][1] if failed else "no councils found in the search listing",
                    stage="listing",
                )
            )

    def _one_target(self, t: Target) -> None:
        cached = self.manifest.providers.get(t.urn)
        if (
            isinstance(cached, dict)
            and isinstance(cached.get("url"), str)
            and self.http.allowed_url(cached["url"])
        ):
            t.provider_url = cached["url"]
            t.name = t.name or cached.get("name", "")
            return
        for urn_, name, url in self.walk_listing(want_urn=t.urn, failed=[]):
            self.remember_provider(urn_, name, url)
            if urn_ == t.urn:
                t.provider_url = url
                t.name = t.name or name
        if not t.provider_url:
            t.provider_url = self.p.base + _site.PROVIDER_PATH_FALLBACK.format(urn=t.urn)

    def councils(self) -> None:
        """Find each council's provider page, then fetch its publications."""
        if self.p.all_councils:
            self._all_targets()
        else:
            self._one_target(self.p.targets[0])
        for t in self.p.targets:
            t.slug = council_slug(t.slug or t.name, t.urn)
            t.name = t.name or t.slug
            self.council(t, single=not self.p.all_councils)

    # ------------------------------------------------------------------ one council

    def _provider_moved(self, t: Target, page_url: str) -> bool:
        """A cached provider address gave 404: look it up again once; True if it moved."""
        self.manifest.providers.pop(t.urn, None)
        hit = [r for r in self.walk_listing(want_urn=t.urn) if r[0] == t.urn]
        if not hit or hit[0][2] == page_url:
            return False
        self.remember_provider(t.urn, hit[0][1], hit[0][2])
        t.provider_url = hit[0][2]
        return True

    def _choose(self, t: Target, pubs: list[Publication], summ: CouncilSummary) -> list[Publication]:
        """The publications to fetch; unrecognised kinds are reported, filtered ones counted."""
        chosen: list[Publication] = []
        for pub in pubs:
            if pub.kind is None:
                why = f"unrecognised publication kind {pub.title or pub.text!r}; not downloaded"
                self.result.skipped.append(_item(t, pub, reason=why, stage="kind"))
                summ.skipped += 1
                summ.unrecognised += 1
            elif (self.p.kinds is not None and pub.kind not in self.p.kinds) or (
                self.p.since is not None and (pub.date is None or pub.date < self.p.since)
            ):
                summ.excluded += 1
            else:
                chosen.append(pub)
        return chosen

    def council(self, t: Target, single: bool) -> None:
        """Read one council's provider page and fetch each chosen publication."""
        summ = CouncilSummary(urn=t.urn, name=t.name, slug=t.slug)
        folder = self.p.library / t.slug
        if not inside(self.p.library, folder):  # cannot happen with a safe slug; be sure
            raise ValueError(f"unsafe council folder {t.slug!r}")
        page_url = rewrite(t.provider_url or "", DEFAULT_BASE_URL, self.p.base)
        try:
            final, html = self.http.get_text(page_url)
        except FetchFailure as e:
            moved = single and t.urn in self.manifest.providers and "HTTP 404" in str(e)
            if moved and self._provider_moved(t, page_url):
                return self.council(t, single=False)
            self.result.councils.append(summ)
            it = _item(t, None, reason=f"provider page: {e}", stage="provider", url=page_url)
            self.result.failed.append(it)
            summ.failed += 1
            self.emit("council_start", {"council": t.slug, "name": t.name, "urn": t.urn, "total": 0})
            self.emit("item", {"council": t.slug, "status": "failed", "item": it})
            self.emit("council_done", {"council": t.slug, "summary": summ})
            return None
        self.result.councils.append(summ)
        pubs = parse_provider_page(html, final)
        summ.found = len(pubs)
        chosen = self._choose(t, pubs, summ)
        self.emit("council_start", {"council": t.slug, "name": t.name, "urn": t.urn, "total": len(chosen)})
        if not self.dry_run:
            folder.mkdir(parents=True, exist_ok=True)
            clean_parts(folder)
        for pub in chosen:
            status, it = self.publication(t, pub, folder)
            getattr(self.result, status).append(it)
            setattr(summ, status, getattr(summ, status) + 1)
            self.emit("item", {"council": t.slug, "status": status, "item": it})
        self.emit("council_done", {"council": t.slug, "summary": summ})
        return None

    # ------------------------------------------------------------------ one publication

    def _known(self, t: Target, pub: Publication, target: Path) -> tuple[str, Item] | None:
        """("skipped", item) when the library already has it (or it is a known non-PDF)."""
        entry = self.manifest.files.get(pub.file_id)
        entry = entry if isinstance(entry, dict) else None
        if entry and entry.get("status") == "ok":
            p = self.manifest.entry_path(entry)
            if p is not None and p.is_file() and p.stat().st_size == entry.get("size"):
                return "skipped", _item(t, pub, path=p, reason="already in library")
        if entry and entry.get("status") == "not_pdf":
            why = _not_pdf_reason(entry)
            if why:
                return "skipped", _item(t, pub, path=None, reason=why)
        if target.is_file() and looks_complete_pdf(target):
            if not self.dry_run:  # present but not in the manifest (e.g. manifest lost): adopt it
                self.manifest.files[pub.file_id] = _ok_entry(
                    t, pub, target, self.p.library, sha256(target), target.stat().st_size
                )
                self.manifest.save()
            return "skipped", _item(t, pub, path=target, reason="already in library (file present)")
        return None

    def publication(self, t: Target, pub: Publication, folder: Path) -> tuple[str, Item]:
        """Download one publication unless the library has it: (new|skipped|failed, item)."""
        target = folder / safe_filename(t.slug, pub.kind or "publication", pub.date, pub.file_id)
        if not inside(folder, target):
            return "failed", _item(t, pub, reason="unsafe file name", path=None)
        known = self._known(t, pub, target)
        if known:
            return known
        if self.dry_run:
            return "new", _item(t, pub, path=target, reason="would download")
        url = rewrite(pub.url, DEFAULT_FILES_URL, self.p.files)
        try:
            tmp, sha, size = self.http.download(url, folder)
        except NotPDF as e:
            self.manifest.files[pub.file_id] = {
                "status": "not_pdf",
                "reason": str(e),
                "checked": now(),
                "url": pub.url,
                "urn": t.urn,
                "council": t.slug,
                "kind": pub.kind,
                "date": pub.date.isoformat() if pub.date else None,
                "title": pub.text,
            }
            self.manifest.save()
            return "failed", _item(t, pub, reason=str(e))
        except FetchFailure as e:
            return "failed", _item(t, pub, reason=str(e))
        try:
            os.replace(tmp, target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        fsync_dir(folder)
        self.manifest.files[pub.file_id] = _ok_entry(t, pub, target, self.p.library, sha, size)
        self.manifest.save()
        return "new", _item(t, pub, path=target)


def _not_pdf_reason(entry: dict[str, Any]) -> str:
    """Why a link known not to give a PDF is skipped, or '' once it is due a recheck."""
    try:
        checked = datetime.fromisoformat(entry.get("checked", ""))
    except (TypeError, ValueError):
        return ""
    if datetime.now(UTC) - checked >= timedelta(days=NOT_PDF_RECHECK_DAYS):
        return ""
    return (
        f"{entry.get('reason', 'not a PDF')} when checked on {checked.date().isoformat()}; "
        f"not retried for {NOT_PDF_RECHECK_DAYS} days"
    )


def _item(t: Target, pub: Publication | None, **kw: Any) -> Item:
    """An Item for a publication of ``t`` (or for its provider page when ``pub`` is None)."""
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


def _ok_entry(t: Target, pub: Publication, path: Path, library: Path, sha: str, size: int) -> dict[str, Any]:
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
        "fetched": now(),
        "ingested": {},
    }


# --------------------------------------------------------------------------- ingest


def _default_ingest(paths: list[Path], db: Any, *, progress: Callable[..., None] | None = None) -> Any:
    """ofsted_mine.api.ingest; ``progress`` is None or a callable(path, status)."""
    from ..api import ingest  # imported lazily: it pulls in the PDF stack and the tagger

    return ingest(paths, db, progress=progress)


def _db_key(db: str | Path | None) -> str:
    return str(Path(db).expanduser().resolve()) if db else "default"


def _resolved(p: Any) -> str:
    try:
        return str(Path(p).resolve())
    except OSError:
        return str(p)


def _pending(result: FetchResult, manifest: Manifest, db_key: str) -> list[tuple[dict[str, Any], Path]]:
    """This run's councils' files in the library not yet ingested into this database."""
    urns = {c.urn for c in result.councils}
    pending = []
    for e in manifest.files.values():
        if not isinstance(e, dict) or e.get("status") != "ok" or e.get("urn") not in urns:
            continue
        if db_key in e.setdefault("ingested", {}):
            continue
        p = manifest.entry_path(e)
        if p is not None and p.is_file():
            pending.append((e, p))
    return pending


def _ingest(
    result: FetchResult, manifest: Manifest, db_key: str, ingest_fn: IngestFn, db: Any, emit: Emit
) -> None:
    """Ingest this run's new files plus any earlier downloads of these councils never ingested into db."""
    pending = _pending(result, manifest, db_key)
    if not pending:
        return
    paths = [p for _, p in pending]
    emit("ingest_start", {"count": len(paths)})

    def per_file(path: Any, status: Any) -> None:
        emit("ingest_file", {"path": str(path), "status": str(status)})

    try:
        res = ingest_fn(paths, db, progress=per_file)
    except Exception as ex:  # ingest unavailable or crashed: files stay pending for next run
        for e, p in pending:
            result.failed.append(_ingest_item(e, p, f"ingest: {type(ex).__name__}: {ex}"))
        emit("ingest_done", {"result": None})
        return
    result.ingest = res
    fails = {_resolved(p): str(r) for p, r in (getattr(res, "failed", None) or [])}
    done = {
        _resolved(p) for name in ("added", "replaced", "unchanged") for p in (getattr(res, name, None) or [])
    }
    for e, p in pending:
        k = _resolved(p)
        if k in fails:
            e["ingested"][db_key] = f"failed: {fails[k]}"
            result.failed.append(_ingest_item(e, p, f"ingest: {fails[k]}"))
        elif k in done:
            e["ingested"][db_key] = "ok"
            result.ingested.append(p)
    emit("ingest_done", {"result": res})


def _ingest_item(e: dict[str, Any], p: Path, reason: str) -> Item:
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


# --------------------------------------------------------------------------- events


def _no_events(name: str, info: dict[str, Any]) -> None:
    return None


def _stderr_events(name: str, info: dict[str, Any]) -> None:
    if name == "council_start":
        print(f"{info['name']} ({info['urn']}): {info['total']} publication(s)", file=sys.stderr)
    elif name == "item" and info["status"] != "skipped":
        it = info["item"]
        print(f"  {info['status']}: {it.title}" + (f" - {it.reason}" if it.reason else ""), file=sys.stderr)
    elif name == "ingest_start":
        print(f"ingesting {info['count']} file(s)", file=sys.stderr)
