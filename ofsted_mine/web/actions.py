"""The web app's routes that change something or need a signed-in editor: the tag review and
its corrections, adding documents (uploads, a server folder, the job page), signing in and out,
and the error pages.

GET pages are ``fn(site, request, user)`` under :func:`ofsted_mine.web.site.page`; POST
routes are ``async fn(request)`` that check the form with :meth:`Site.checked_form`.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import shutil
import sqlite3
import threading
import uuid
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse

from . import library as lib
from .site import Job, Refused, Site, page, safe_back, site_of

MAX_UPLOAD = 100 * 1024 * 1024


# ---------------------------------------------------------- review (editors)
@page("editor")
def review(site, request, user):
    """The tag review queue (optionally one council, theme or finding)."""
    c = site.con()
    la = request.query_params.get("la", "").strip()
    theme = request.query_params.get("theme", "").strip()
    urn = lib.council(la).urn if la else None
    names = lib.theme_names(c)
    if theme and theme not in names:
        raise lib.BadRequest(f"unknown theme {theme!r}")
    one = request.query_params.get("finding", "")
    if one and not one.isdigit():
        raise lib.BadRequest(f"finding must be a number, not {one!r}")
    items = site.review_queue(c, urn, theme or None, int(one) if one else None)
    ctx = {
        "title": "Review tags",
        "items": items,
        "names": names,
        "la": la,
        "needs_council": getattr(site.corrections, "needs_council", False) and not urn,
        "theme": theme,
        "done": request.query_params.get("done"),
        "councils": lib.councils_in_db(c),
        "themes": lib.themes(c),
    }
    return site.render(request, "review.html", ctx, user=user)


async def review_post(request: Request):
    """An editor's correction of one finding's tags; back to where it was made."""
    site = site_of(request)
    try:
        user, form = await site.checked_form(request, "editor")
        fid = int(request.path_params["finding_id"])
        add = [form.get("add")] if form.get("add") else []
        remove = list(form.getlist("remove"))
        polarity = form.get("polarity") or None

        def work():
            return site.corrections.correct(
                site.con(), fid, add=add, remove=remove, polarity=polarity, who=user["name"]
            )

        try:
            await run_in_threadpool(work)
        except ValueError as e:
            raise Refused(400, str(e)) from None
        except sqlite3.Error as e:  # a read-only or locked database
            raise Refused(
                503, f"The correction could not be saved: the database cannot be written ({e})."
            ) from None
    except Refused as r:
        return site.refused(request, r)
    back = safe_back(form.get("back") or "", "/review")
    sep = "&" if "?" in back else "?"
    return RedirectResponse(
        f"{back}{sep}done={fid}#f{fid}" if back.startswith("/doc/") else f"{back}{sep}done={fid}",
        status_code=303,
    )


# ---------------------------------------------------------- ingest (editors)
@page("editor")
def ingest_page(site, request, user):
    """The page to add documents, with the recent jobs."""
    recent = [Job(**j) for j in site.accounts.recent_jobs(10)]
    ctx = {
        "title": "Add documents",
        "jobs": recent,
        "folders_allowed": site.settings.allow_any_folder or bool(site.settings.folder_roots),
        "roots": site.settings.folder_roots,
    }
    return site.render(request, "ingest.html", ctx, user=user)


def _record_results(job: Job, res, index: dict[str, int], pre_failed: list) -> None:
    """An ingest's failures and warnings on the job's files, and its one-line summary."""
    for path, why in res.failed:
        i = index.get(path)
        if i is not None:
            job.files[i]["reason"] = why
    for path, why in res.warnings:
        i = index.get(path)
        if i is not None:
            job.files[i]["reason"] = (job.files[i]["reason"] + "; " if job.files[i]["reason"] else "") + why
    job.summary = (
        f"{len(res.added)} added, {len(res.replaced)} replaced, {len(res.unchanged)} "
        f"unchanged, {len(res.failed) + len(pre_failed)} failed"
    )


def start_job(
    site: Site, who: str, paths: list[str], names: dict[str, str], pre_failed: list[tuple[str, str]]
) -> Job:
    """Start ingesting ``paths`` in a thread (one job at a time per process); the job's state is
    saved in the accounts file as it goes, for its page. ``names``: path -> the name to show;
    ``pre_failed``: files refused before the ingest, with why."""
    job = Job(id=uuid.uuid4().hex[:12], who=who, started=datetime.now(UTC).isoformat(timespec="seconds"))
    for n, why in pre_failed:
        job.files.append({"name": n, "status": "failed", "reason": why})
    job.total = len(pre_failed)

    def save():
        site.accounts.save_job(job.id, job.started, asdict(job))

    save()

    def run():
        with site.write_lock:
            try:
                from ..api import expand_paths

                files, _ = expand_paths(paths)
                job.total += len(files) or len(paths)
                index: dict[str, int] = {}

                def progress(path: str, status: str):
                    label = names.get(path) or names.get(str(Path(path).resolve())) or Path(path).name
                    index[path] = len(job.files)
                    job.files.append({"name": label, "status": status, "reason": ""})
                    save()

                res = lib.ingest(paths, site.settings.db, progress)
                _record_results(job, res, index, pre_failed)
                site.accounts.log(who, "ingest", job.id, {"summary": job.summary, "files": len(job.files)})
            except Exception as e:  # the job page says what went wrong
                job.error = f"the ingest stopped: {type(e).__name__}: {e}"
            finally:
                job.done = True
                save()

    if paths:
        threading.Thread(target=run, name=f"ingest-{job.id}", daemon=True).start()
    else:
        job.done = True
        job.summary = f"0 added, {len(pre_failed)} failed"
        save()
    return job


async def ingest_upload(request: Request):
    """Uploaded files, saved in a new folder of the upload directory and ingested."""
    site = site_of(request)
    try:
        user, form = await site.checked_form(request, "editor", max_files=500, max_part_size=MAX_UPLOAD)
        files = [f for f in form.getlist("files") if hasattr(f, "filename") and f.filename]
        if not files:
            raise Refused(400, "Choose one or more PDF, HTML or text files to add.")
        if site.settings.upload_dir is None:
            raise Refused(403, "This server takes no uploads (it has no upload folder).")
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S-") + uuid.uuid4().hex[:6]
        folder = site.settings.upload_dir / stamp
        folder.mkdir(parents=True, exist_ok=True)
        paths, names, failed = [], {}, []
        for f in files:
            name = safe_name(f.filename)
            if not name.lower().endswith(lib.SUPPORTED_UPLOADS):
                failed.append((f.filename, "not a PDF, HTML or text file (.pdf, .html, .htm, .txt, .md)"))
                continue
            dest = folder / name
            with dest.open("wb") as out:
                await run_in_threadpool(shutil.copyfileobj, f.file, out)
            paths.append(str(dest))
            names[str(dest.resolve())] = f.filename
        job = start_job(site, user["name"], paths, names, failed)
    except Refused as r:
        return site.refused(request, r)
    return RedirectResponse(f"/ingest/jobs/{job.id}", status_code=303)


async def ingest_folder(request: Request):
    """A folder on the server (inside the allowed roots, unless any folder is allowed) ingested."""
    site = site_of(request)
    settings = site.settings
    try:
        user, form = await site.checked_form(request, "editor")
        raw = (form.get("folder") or "").strip()
        if not raw:
            raise Refused(400, "Give the path of a folder on the server.")
        p = Path(raw).expanduser().resolve()
        if not settings.allow_any_folder and not any(p == r or r in p.parents for r in settings.folder_roots):
            allowed = (
                ", ".join(str(r) for r in settings.folder_roots)
                or "none (start the server with --ingest-folder DIR)"
            )
            raise Refused(403, f"{raw}: not inside a folder this server may read from (allowed: {allowed})")
        if not p.is_dir():
            raise Refused(400, f"{raw}: no such folder on the server")
        job = start_job(site, user["name"], [str(p)], {}, [])
    except Refused as r:
        return site.refused(request, r)
    return RedirectResponse(f"/ingest/jobs/{job.id}", status_code=303)


@page("editor")
def job_page(site, request, user):
    """One ingest job: its files and how each went."""
    state = site.accounts.job(request.path_params["job"])
    if not state:
        raise LookupError("no such ingest job")
    return site.render(request, "job.html", {"title": "Adding documents", "job": Job(**state)}, user=user)


# ---------------------------------------------------------- sign in / out
async def login(request: Request):
    """The sign-in page (team mode) and its form: a new session on success."""
    site = site_of(request)
    nxt = safe_back(request.query_params.get("next") or "/")
    if request.method == "GET":
        if not site.settings.team:
            return RedirectResponse("/", status_code=303)
        return site.render(request, "login.html", {"title": "Sign in", "next": nxt, "error": None}, user={})
    try:
        _, form = await site.checked_form(request, None)
    except Refused as r:
        if r.status != 401:
            return site.refused(request, r)
        form = await request.form()  # the login form itself needs no user
    name, pw = (form.get("username") or "").strip(), form.get("password") or ""
    nxt = safe_back(form.get("next") or "/")
    u = await run_in_threadpool(site.accounts.verify, name, pw) if site.settings.team else None
    if not u:
        await asyncio.sleep(0.3)
        ctx = {"title": "Sign in", "next": nxt, "error": "That user name and password do not match."}
        return site.render(request, "login.html", ctx, status=401, user={})
    request.session.clear()  # a new session on sign-in (no fixation)
    request.session.update(user=u["name"], changed=u["changed"], csrf=secrets.token_urlsafe(32))
    site.accounts.log(u["name"], "signed in", u["name"], {})
    return RedirectResponse(nxt, status_code=303)


async def logout(request: Request):
    """Sign out (a POST with the CSRF token)."""
    site = site_of(request)
    try:
        await site.checked_form(request, None)
    except Refused as r:
        if r.status != 401:
            return site.refused(request, r)
    request.session.clear()
    return RedirectResponse("/login" if site.settings.team else "/", status_code=303)


async def not_found(request: Request, exc):
    """The 404 page."""
    return site_of(request).error(request, "Not found", "There is no page at this address.", 404)


async def server_error(request: Request, exc):
    """The 500 answer (the details go to the server's log, never to the page)."""
    return PlainTextResponse("Something went wrong on the server; the error is in its log.", status_code=500)


def safe_name(name: str) -> str:
    """A file name from a browser, reduced to its last part and plain characters."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = re.sub(r"[^\w.\- ]+", "_", base).strip(" .") or "upload"
    return base[:150]
