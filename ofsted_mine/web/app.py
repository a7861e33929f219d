"""The web app: Starlette routes rendering Jinja2 templates (autoescaped) over
:mod:`ofsted_mine.web.library`.

Local mode (default): one person on their own machine, no accounts; forms still carry a
CSRF token. Team mode: every page needs a signed-in user; viewers read, editors also correct
tags and ingest. Every response carries a Content-Security-Policy.
"""

from __future__ import annotations

import asyncio
import hmac
import re
import secrets
import shutil
import sqlite3
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from . import library as lib
from . import render as render_helpers
from .accounts import Accounts
from .corrections import corrections_for, is_person

HERE = Path(__file__).resolve().parent
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "connect-src 'self'; base-uri 'none'; frame-ancestors 'none'"
)
#: the readiness pack is self-contained (inline CSS and SVG, no scripts): the same policy as its own <meta>
PACK_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'none'; base-uri 'none'; frame-ancestors 'none'"
MAX_UPLOAD = 100 * 1024 * 1024
from .render import POLARITY_LABEL  # noqa: E402

VERDICT_TEXT, VERDICT_ABBR = lib.cell_vocabulary()  # the library's words and letters for cell verdicts


@dataclass
class Settings:
    db: Path
    accounts: Path
    team: bool = False
    secure_cookies: bool = False
    folder_roots: list[Path] = field(default_factory=list)  # where 'ingest a server folder' may read
    allow_any_folder: bool = False  # local mode: your own machine
    upload_dir: Path | None = None


@dataclass
class Job:
    id: str
    who: str
    started: str
    files: list = field(default_factory=list)  # [{"name", "status", "reason"}]
    total: int = 0
    done: bool = False
    error: str | None = None
    summary: str = ""


class SecurityHeaders:
    """Pure ASGI middleware: CSP and friends on every response, and the server's own time
    (``Server-Timing: app;dur=ms``) for the benchmark."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        t0 = time.perf_counter()

        async def send_wrapped(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                add = [
                    (b"content-security-policy", CSP.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"same-origin"),
                    (b"x-frame-options", b"DENY"),
                    (b"cross-origin-opener-policy", b"same-origin"),
                    (b"server-timing", f"app;dur={(time.perf_counter() - t0) * 1000:.1f}".encode()),
                ]
                headers += [(k, v) for k, v in add if k not in names]
                if b"cache-control" not in names and not scope["path"].startswith("/static/"):
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        return await self.app(scope, receive, send_wrapped)


class Refused(Exception):
    def __init__(self, status: int, message: str):
        self.status, self.message = status, message


def create_app(settings: Settings) -> Starlette:
    accounts = Accounts(settings.accounts)
    corrections = corrections_for(accounts)
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    env = templates.env
    env.autoescape = True
    env.globals.update(
        POLARITY_LABEL=POLARITY_LABEL,
        VERDICT_TEXT=VERDICT_TEXT,
        VERDICT_ABBR=VERDICT_ABBR,
        KINDS=lib.KINDS,
        POLARITIES=lib.POLARITIES,
        is_person=is_person,
        FOLLOWUP_CLASS=lib.FOLLOWUP_VERDICTS,
        TREND_LABELS=lib.trend_labels(),
        R=render_helpers,
    )
    env.filters["urlencode_params"] = lambda d: urlencode(d, doseq=True)
    local = threading.local()
    write_lock = (
        threading.Lock()
    )  # ingest jobs of this process run one at a time (SQLite serialises the rest)

    def con():
        c = getattr(local, "con", None)
        if c is None:
            c = local.con = lib.open_database(settings.db)
        return c

    # ---------------------------------------------------------- users, CSRF
    def current_user(request: Request) -> dict | None:
        if not settings.team:
            return {"name": "local", "role": "editor"}
        s = request.session
        name = s.get("user")
        if not name:
            return None
        u = accounts.get(name)
        if not u or u["changed"] != s.get("changed"):  # removed, or password/role changed: sign in again
            s.clear()
            return None
        return u

    def csrf_token(request: Request) -> str:
        tok = request.session.get("csrf")
        if not tok:
            tok = request.session["csrf"] = secrets.token_urlsafe(32)
        return tok

    def need(request: Request, role: str | None) -> dict:
        """The user, if allowed; else :class:`Refused` (anonymous 401/redirect, viewer 403)."""
        u = current_user(request)
        if u is None:
            raise Refused(401, "Please sign in to use this service.")
        if role == "editor" and u["role"] != "editor":
            raise Refused(403, f"Only editors can do this; you are signed in as {u['name']} ({u['role']}).")
        return u

    async def checked_form(request: Request, role: str | None, **limits):
        """A POST's form, once the user's role and the CSRF token have been checked."""
        try:
            form = await request.form(**limits)
        except Exception as e:  # a malformed or oversized body
            raise Refused(400, f"The form could not be read: {e}") from None
        sent = form.get("csrf") or ""
        tok = request.session.get("csrf") or ""
        if not tok or not isinstance(sent, str) or not hmac.compare_digest(sent, tok):
            raise Refused(
                403,
                "This form has expired or did not come from this site (CSRF check failed). "
                "Reload the page and try again.",
            )
        return need(request, role), form

    def render(request: Request, name: str, ctx: dict, status: int = 200, user: dict | None = None):
        ctx = dict(ctx)
        ctx.setdefault("user", user if user is not None else current_user(request))
        ctx.update(csrf=csrf_token(request), team=settings.team, path=request.url.path)
        return templates.TemplateResponse(request, name, ctx, status_code=status)

    def refused(request: Request, r: Refused):
        if r.status == 401 and request.method == "GET":
            return RedirectResponse(
                "/login?"
                + urlencode(
                    {"next": str(request.url.path) + (f"?{request.url.query}" if request.url.query else "")}
                ),
                status_code=303,
            )
        return render(
            request,
            "error.html",
            {"title": "Not allowed" if r.status in (401, 403) else "Cannot do that", "message": r.message},
            status=r.status,
        )

    def page(role: str | None = "viewer"):
        """Decorator for GET pages: run in a thread, with the user checked and errors in words."""

        def deco(fn):
            async def endpoint(request: Request):
                try:
                    user = need(request, role)
                    return await run_in_threadpool(fn, request, user)
                except Refused as r:
                    return refused(request, r)
                except lib.BadRequest as e:
                    return render(
                        request, "error.html", {"title": "Cannot do that", "message": str(e)}, status=400
                    )
                except LookupError as e:
                    return render(
                        request, "error.html", {"title": "Not found", "message": str(e.args[0])}, status=404
                    )

            return endpoint

        return deco

    # ---------------------------------------------------------- shared bits
    def filters_ctx(c):
        return {"themes": lib.themes(c), "councils": lib.councils_in_db(c), "sections": lib.section_kinds(c)}

    @lib.cached
    def review_queue(c, urn, theme, finding_id):
        """The corrections' review queue, kept until the database changes (a correction changes it)."""
        return corrections.queue(c, la_urn=urn, theme=theme, limit=20, finding_id=finding_id)

    def corrected_map(c, finding_ids):
        return corrections.corrected(c, finding_ids)

    # ---------------------------------------------------------- pages
    @page()
    def home(request, user):
        c = con()
        return render(
            request,
            "home.html",
            {"title": "ofsted-mine", **filters_ctx(c), "counts": lib.counts(c), "p": lib.SearchParams()},
            user=user,
        )

    def _search(request):
        c = con()
        ctx = filters_ctx(c)
        p = lib.search_params(request.query_params, [t["id"] for t in ctx["themes"]])
        return c, ctx, p

    @page()
    def search(request, user):
        c = con()
        ctx = filters_ctx(c)
        error, res, p = None, [], lib.SearchParams()
        try:
            p = lib.search_params(request.query_params, [t["id"] for t in ctx["themes"]])
            if not p.empty():
                res = lib.search(c, p, limit=p.limit + 1)
        except lib.BadRequest as e:
            error = str(e)
        more = len(res) > p.limit
        res = res[: p.limit]
        qs = [(k, v) for k, v in request.query_params.multi_items() if k != "limit" and v]
        return render(
            request,
            "search.html",
            {
                "title": f"Search: {p.q}" if p.q else "Search evidence",
                **ctx,
                "p": p,
                "results": res,
                "more": more,
                "error": error,
                "qs": urlencode(qs),
                "next_limit": min(500, p.limit * 2),
                "names": {t["id"]: t["name"] for t in ctx["themes"]},
                "corrected": corrected_map(c, [q.finding_id for q in res]),
            },
            status=400 if error else 200,
            user=user,
        )

    def _download(request, fmt):
        c, ctx, p = _search(request)
        if p.empty():
            raise lib.BadRequest("give words to search for, or at least one filter")
        rows = lib.quote_rows(lib.search(c, p, limit=None))
        stamp = datetime.now(UTC).strftime("%Y%m%d")
        if fmt == "csv":
            return Response(
                lib.rows_csv(rows, lib.QUOTE_FIELDS),
                media_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": f'attachment; filename="ofsted-quotes-{stamp}.csv"'},
            )
        return Response(
            lib.rows_xlsx(rows, lib.QUOTE_FIELDS),
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": f'attachment; filename="ofsted-quotes-{stamp}.xlsx"'},
        )

    @page()
    def search_csv(request, user):
        return _download(request, "csv")

    @page()
    def search_xlsx(request, user):
        return _download(request, "xlsx")

    @page()
    def doc(request, user):
        c = con()
        v = lib.document(c, request.path_params["visit_id"])
        ids = [f["id"] for f in v["findings"]]
        return render(
            request,
            "doc.html",
            {
                "title": v["id"],
                "v": v,
                "names": lib.theme_names(c),
                "corrected": corrected_map(c, ids),
                "has_file": lib.original_file(c, v["id"]) is not None,
            },
            user=user,
        )

    @page()
    def doc_original(request, user):
        p = lib.original_file(con(), request.path_params["visit_id"])
        if p is None:
            raise LookupError("the original file is no longer where it was ingested from")
        media = {
            ".pdf": "application/pdf",
            ".txt": "text/plain; charset=utf-8",
            ".md": "text/plain; charset=utf-8",
        }.get(p.suffix.lower(), "application/octet-stream")
        # HTML sources are served as downloads, never rendered in this site's origin
        return FileResponse(
            p,
            media_type=media,
            filename=p.name,
            content_disposition_type="inline" if p.suffix.lower() == ".pdf" else "attachment",
        )

    @page()
    def councils(request, user):
        return render(
            request, "councils.html", {"title": "Councils", "councils": lib.councils_in_db(con())}, user=user
        )

    @page()
    def council_page(request, user):
        c = con()
        ov = lib.council_overview(c, request.path_params["urn"])
        return render(
            request,
            "council.html",
            {"title": ov["council"].name, **ov, "full_pack": lib.has_full_pack()},
            user=user,
        )

    @page()
    def council_find(request, user):
        """The council box of the home page: a name, alias or URN -> that council's page."""
        c = lib.council(request.query_params.get("la", ""))
        return RedirectResponse(f"/council/{c.urn}", status_code=303)

    @page()
    def theme_page(request, user):
        c = con()
        urn = request.path_params["urn"]
        tr = lib.theme_track(c, urn, request.path_params["theme"])
        return render(
            request, "track.html", {"title": f"{tr['name']}: {tr['la']}", "tr": tr, "urn": urn}, user=user
        )

    @page()
    def compare_page(request, user):
        c = con()
        urn = request.path_params["urn"]
        ov = lib.council_overview(c, urn)
        a, b = request.query_params.get("a"), request.query_params.get("b")
        ids = [v["id"] for v in ov["visits"]]
        if not a or not b:
            raise lib.BadRequest("choose two visits to compare")
        if a not in ids or b not in ids:
            raise lib.BadRequest(f"both visits must be {ov['council'].name}'s")
        res = lib.compare_visits(c, a, b)
        return render(
            request,
            "compare.html",
            {"title": f"Compare {a} and {b}", "res": res, "urn": urn, "la": ov["council"].name},
            user=user,
        )

    @page()
    def followup_page(request, user):
        c = con()
        urn = request.path_params["urn"]
        fu = lib.followup(c, urn)
        return render(
            request,
            "followup.html",
            {"title": f"Recommendation follow-up: {fu['la']}", "fu": fu, "urn": urn},
            user=user,
        )

    @page()
    def benchmark_page(request, user):
        c = con()
        urn = request.path_params["urn"]
        bm = lib.benchmark(c, urn)
        return render(
            request, "benchmark.html", {"title": f"Benchmark: {bm['la']}", "bm": bm, "urn": urn}, user=user
        )

    @page()
    def pack_download(request, user):
        c = con()
        urn, fmt = request.path_params["urn"], request.path_params["fmt"]
        full = request.query_params.get("full") == "1"
        name = lib.council(urn).slug
        if fmt == "md":
            return Response(
                lib.pack(c, urn, "md", full),
                media_type="text/markdown; charset=utf-8",
                headers={"Content-Disposition": f'attachment; filename="{name}-pack.md"'},
            )
        disp = "inline" if request.query_params.get("print") == "1" else "attachment"
        return Response(
            lib.pack(c, urn, "html", full),
            media_type="text/html; charset=utf-8",
            headers={
                "Content-Disposition": f'{disp}; filename="{name}-pack.html"',
                "Content-Security-Policy": PACK_CSP,
            },
        )

    @page()
    def action_log(request, user):
        c = con()
        urn = request.path_params["urn"]
        name = lib.council(urn).slug
        return Response(
            lib.action_log_xlsx(c, urn),
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": f'attachment; filename="{name}-action-log.xlsx"'},
        )

    # ---------------------------------------------------------- review (editors)
    @page("editor")
    def review(request, user):
        c = con()
        la = request.query_params.get("la", "").strip()
        theme = request.query_params.get("theme", "").strip()
        urn = lib.council(la).urn if la else None
        names = lib.theme_names(c)
        if theme and theme not in names:
            raise lib.BadRequest(f"unknown theme {theme!r}")
        one = request.query_params.get("finding", "")
        if one and not one.isdigit():
            raise lib.BadRequest(f"finding must be a number, not {one!r}")
        items = review_queue(c, urn, theme or None, int(one) if one else None)
        done = request.query_params.get("done")
        return render(
            request,
            "review.html",
            {
                "title": "Review tags",
                "items": items,
                "names": names,
                "la": la,
                "needs_council": getattr(corrections, "needs_council", False) and not urn,
                "theme": theme,
                "done": done,
                "councils": lib.councils_in_db(c),
                "themes": lib.themes(c),
            },
            user=user,
        )

    async def review_post(request: Request):
        try:
            user, form = await checked_form(request, "editor")
            fid = int(request.path_params["finding_id"])
            add = [form.get("add")] if form.get("add") else []
            remove = list(form.getlist("remove"))
            polarity = form.get("polarity") or None

            def work():
                return corrections.correct(
                    con(), fid, add=add, remove=remove, polarity=polarity, who=user["name"]
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
            return refused(request, r)
        back = form.get("back") or ""
        if not (back.startswith("/") and not back.startswith("//")):
            back = "/review"
        sep = "&" if "?" in back else "?"
        return RedirectResponse(
            f"{back}{sep}done={fid}#f{fid}" if back.startswith("/doc/") else f"{back}{sep}done={fid}",
            status_code=303,
        )

    # ---------------------------------------------------------- ingest (editors)
    @page("editor")
    def ingest_page(request, user):
        recent = [Job(**j) for j in accounts.recent_jobs(10)]
        return render(
            request,
            "ingest.html",
            {
                "title": "Add documents",
                "jobs": recent,
                "folders_allowed": settings.allow_any_folder or bool(settings.folder_roots),
                "roots": settings.folder_roots,
            },
            user=user,
        )

    def start_job(
        who: str, paths: list[str], names: dict[str, str], pre_failed: list[tuple[str, str]]
    ) -> Job:
        job = Job(
            id=uuid.uuid4().hex[:12],
            who=who,
            started=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        for n, why in pre_failed:
            job.files.append({"name": n, "status": "failed", "reason": why})
        job.total = len(pre_failed)
        save = lambda: accounts.save_job(job.id, job.started, asdict(job))  # noqa: E731
        save()

        def run():
            with write_lock:
                try:
                    from ..api import expand_paths

                    files, _ = expand_paths(paths)
                    job.total += len(files) or len(paths)
                    index = {}

                    def progress(path: str, status: str):
                        label = names.get(path) or names.get(str(Path(path).resolve())) or Path(path).name
                        index[path] = len(job.files)
                        job.files.append({"name": label, "status": status, "reason": ""})
                        save()

                    res = lib.ingest(paths, settings.db, progress)
                    for path, why in res.failed:
                        i = index.get(path)
                        if i is not None:
                            job.files[i]["reason"] = why
                    for path, why in res.warnings:
                        i = index.get(path)
                        if i is not None:
                            job.files[i]["reason"] = (
                                job.files[i]["reason"] + "; " if job.files[i]["reason"] else ""
                            ) + why
                    job.summary = (
                        f"{len(res.added)} added, {len(res.replaced)} replaced, {len(res.unchanged)} "
                        f"unchanged, {len(res.failed) + len(pre_failed)} failed"
                    )
                    accounts.log(who, "ingest", job.id, {"summary": job.summary, "files": len(job.files)})
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
        try:
            user, form = await checked_form(request, "editor", max_files=500, max_part_size=MAX_UPLOAD)
            files = [f for f in form.getlist("files") if hasattr(f, "filename") and f.filename]
            if not files:
                raise Refused(400, "Choose one or more PDF, HTML or text files to add.")
            folder = settings.upload_dir / (
                datetime.now(UTC).strftime("%Y%m%dT%H%M%S-") + uuid.uuid4().hex[:6]
            )
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
            job = start_job(user["name"], paths, names, failed)
        except Refused as r:
            return refused(request, r)
        return RedirectResponse(f"/ingest/jobs/{job.id}", status_code=303)

    async def ingest_folder(request: Request):
        try:
            user, form = await checked_form(request, "editor")
            raw = (form.get("folder") or "").strip()
            if not raw:
                raise Refused(400, "Give the path of a folder on the server.")
            p = Path(raw).expanduser().resolve()
            if not settings.allow_any_folder and not any(
                p == r or r in p.parents for r in settings.folder_roots
            ):
                allowed = (
                    ", ".join(str(r) for r in settings.folder_roots)
                    or "none (start the server with --ingest-folder DIR)"
                )
                raise Refused(
                    403, f"{raw}: not inside a folder this server may read from (allowed: {allowed})"
                )
            if not p.is_dir():
                raise Refused(400, f"{raw}: no such folder on the server")
            job = start_job(user["name"], [str(p)], {}, [])
        except Refused as r:
            return refused(request, r)
        return RedirectResponse(f"/ingest/jobs/{job.id}", status_code=303)

    @page("editor")
    def job_page(request, user):
        state = accounts.job(request.path_params["job"])
        if not state:
            raise LookupError("no such ingest job")
        job = Job(**state)
        return render(request, "job.html", {"title": "Adding documents", "job": job}, user=user)

    # ---------------------------------------------------------- sign in / out
    async def login(request: Request):
        nxt = request.query_params.get("next") or "/"
        if not (nxt.startswith("/") and not nxt.startswith("//")):
            nxt = "/"
        if request.method == "GET":
            if not settings.team:
                return RedirectResponse("/", status_code=303)
            return render(request, "login.html", {"title": "Sign in", "next": nxt, "error": None}, user={})
        try:
            _, form = await checked_form(request, None)
        except Refused as r:
            if r.status == 401:  # the login form itself needs no user
                form = None
            else:
                return refused(request, r)
        if form is None:
            form = await request.form()
        name, pw = (form.get("username") or "").strip(), form.get("password") or ""
        nxt = form.get("next") or "/"
        if not (nxt.startswith("/") and not nxt.startswith("//")):
            nxt = "/"
        u = await run_in_threadpool(accounts.verify, name, pw) if settings.team else None
        if not u:
            await asyncio.sleep(0.3)
            return render(
                request,
                "login.html",
                {"title": "Sign in", "next": nxt, "error": "That user name and password do not match."},
                status=401,
                user={},
            )
        request.session.clear()  # a new session on sign-in (no fixation)
        request.session.update(user=u["name"], changed=u["changed"], csrf=secrets.token_urlsafe(32))
        accounts.log(u["name"], "signed in", u["name"], {})
        return RedirectResponse(nxt, status_code=303)

    async def logout(request: Request):
        try:
            await checked_form(request, None)
        except Refused as r:
            if r.status != 401:
                return refused(request, r)
        request.session.clear()
        return RedirectResponse("/login" if settings.team else "/", status_code=303)

    async def not_found(request: Request, exc):
        return render(
            request,
            "error.html",
            {"title": "Not found", "message": "There is no page at this address."},
            status=404,
        )

    async def server_error(request: Request, exc):
        return PlainTextResponse(
            "Something went wrong on the server; the error is in its log.", status_code=500
        )

    routes = [
        Route("/", home),
        Route("/search", search),
        Route("/search.csv", search_csv),
        Route("/search.xlsx", search_xlsx),
        Route("/doc/{visit_id}", doc),
        Route("/doc/{visit_id}/original", doc_original),
        Route("/councils", councils),
        Route("/council", council_find),
        Route("/council/{urn}", council_page),
        Route("/council/{urn}/theme/{theme}", theme_page),
        Route("/council/{urn}/compare", compare_page),
        Route("/council/{urn}/followup", followup_page),
        Route("/council/{urn}/benchmark", benchmark_page),
        Route("/council/{urn}/pack.{fmt:str}", pack_download),
        Route("/council/{urn}/action-log.xlsx", action_log),
        Route("/review", review),
        Route("/review/{finding_id:int}", review_post, methods=["POST"]),
        Route("/ingest", ingest_page),
        Route("/ingest/upload", ingest_upload, methods=["POST"]),
        Route("/ingest/folder", ingest_folder, methods=["POST"]),
        Route("/ingest/jobs/{job}", job_page),
        Route("/login", login, methods=["GET", "POST"]),
        Route("/logout", logout, methods=["POST"]),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    middleware = [Middleware(SecurityHeaders)]
    if not settings.team:
        # this machine only: a page of another site whose name was pointed at 127.0.0.1 (DNS
        # rebinding) must not read this app, so the Host must be a loopback name
        from starlette.middleware.trustedhost import TrustedHostMiddleware

        middleware.append(
            Middleware(TrustedHostMiddleware, allowed_hosts=["127.0.0.1", "localhost", "[::1]", "::1"])
        )
    middleware += [
        Middleware(
            SessionMiddleware,
            secret_key=accounts.secret(),
            session_cookie="ofsted_mine_session",
            max_age=8 * 3600,
            same_site="lax",
            https_only=settings.secure_cookies,
        )
    ]
    app = Starlette(
        routes=routes, middleware=middleware, exception_handlers={404: not_found, 500: server_error}
    )
    app.state.settings = settings
    return app


SETTINGS_ENV = "OFSTED_MINE_WEB_SETTINGS"


def settings_to_env(settings: Settings) -> str:
    import json

    d = asdict(settings)
    return json.dumps(
        {
            k: ([str(x) for x in v] if isinstance(v, list) else (str(v) if isinstance(v, Path) else v))
            for k, v in d.items()
        }
    )


def app_from_env() -> Starlette:
    """The app for each of uvicorn's worker processes (``serve --workers N``): settings from the
    environment, as ``serve`` put them there."""
    import json
    import os

    d = json.loads(os.environ[SETTINGS_ENV])
    d["db"], d["accounts"] = Path(d["db"]), Path(d["accounts"])
    d["upload_dir"] = Path(d["upload_dir"]) if d.get("upload_dir") else None
    d["folder_roots"] = [Path(x) for x in d.get("folder_roots") or []]
    from .library import warm_up

    threading.Thread(target=warm_up, daemon=True).start()
    return create_app(Settings(**d))


def safe_name(name: str) -> str:
    """A file name from a browser, reduced to its last part and plain characters."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = re.sub(r"[^\w.\- ]+", "_", base).strip(" .") or "upload"
    return base[:150]
