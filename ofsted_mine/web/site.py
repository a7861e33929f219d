"""What every route of the web app shares: its settings, the accounts and corrections in use,
the templates, one database connection per thread, the signed-in user and CSRF checks, and
the ``page`` decorator that turns a plain function into a GET endpoint.

:func:`ofsted_mine.web.app.create_app` builds one :class:`Site` and keeps it in
``app.state.site``; the routes (:mod:`ofsted_mine.web.pages`, :mod:`ofsted_mine.web.actions`)
are module-level functions that find it there.
"""

from __future__ import annotations

import hmac
import secrets
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.templating import Jinja2Templates

from . import library as lib
from . import render as render_helpers
from .accounts import Accounts
from .corrections import TagCorrections, corrections_for, is_person
from .render import POLARITY_LABEL

HERE = Path(__file__).resolve().parent
VERDICT_TEXT, VERDICT_ABBR = lib.cell_vocabulary()  # the library's words and letters for cell verdicts


@dataclass
class Settings:
    """How one web app runs: its database and accounts file, team or local mode, cookies, and
    where documents may be ingested from."""

    db: Path
    accounts: Path
    team: bool = False
    secure_cookies: bool = False
    folder_roots: list[Path] = field(default_factory=list)  # where 'ingest a server folder' may read
    allow_any_folder: bool = False  # local mode: your own machine
    upload_dir: Path | None = None


@dataclass
class Job:
    """One ingest started from the web app, as its page shows it (kept in the accounts file)."""

    id: str
    who: str
    started: str
    files: list = field(default_factory=list)  # [{"name", "status", "reason"}]
    total: int = 0
    done: bool = False
    error: str | None = None
    summary: str = ""


class Refused(Exception):
    """A request the app will not serve, with the HTTP status and the reason in words."""

    def __init__(self, status: int, message: str):
        self.status, self.message = status, message


@lib.cached
def _review_queue(c: sqlite3.Connection, corrections: TagCorrections, urn, theme, finding_id) -> list[dict]:
    """The corrections' review queue, kept until the database changes (a correction changes it)."""
    return corrections.queue(c, la_urn=urn, theme=theme, limit=20, finding_id=finding_id)


def _templates() -> Jinja2Templates:
    """The Jinja2 templates (autoescaped) with the library's vocabularies as globals."""
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
    return templates


class Site:
    """The state every route shares (see the module docstring)."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.accounts = Accounts(settings.accounts)
        self.corrections = corrections_for(self.accounts)
        self.templates = _templates()
        self._local = threading.local()
        self.write_lock = threading.Lock()  # ingest jobs of this process run one at a time

    def con(self) -> sqlite3.Connection:
        """This thread's connection to the database (opened on first use)."""
        c = getattr(self._local, "con", None)
        if c is None:
            c = self._local.con = lib.open_database(self.settings.db)
        return c

    # ---------------------------------------------------------- users, CSRF
    def current_user(self, request: Request) -> dict | None:
        """The signed-in user (local mode: the one local editor), or None."""
        if not self.settings.team:
            return {"name": "local", "role": "editor"}
        s = request.session
        name = s.get("user")
        if not name:
            return None
        u = self.accounts.get(name)
        if not u or u["changed"] != s.get("changed"):  # removed, or password/role changed: sign in again
            s.clear()
            return None
        return u

    def csrf_token(self, request: Request) -> str:
        """The session's CSRF token (made on first use)."""
        tok = request.session.get("csrf")
        if not tok:
            tok = request.session["csrf"] = secrets.token_urlsafe(32)
        return tok

    def need(self, request: Request, role: str | None) -> dict:
        """The user, if allowed; else :class:`Refused` (anonymous 401/redirect, viewer 403)."""
        u = self.current_user(request)
        if u is None:
            raise Refused(401, "Please sign in to use this service.")
        if role == "editor" and u["role"] != "editor":
            raise Refused(403, f"Only editors can do this; you are signed in as {u['name']} ({u['role']}).")
        return u

    async def checked_form(self, request: Request, role: str | None, **limits):
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
        return self.need(request, role), form

    # ---------------------------------------------------------- responses
    def render(self, request: Request, name: str, ctx: dict, status: int = 200, user: dict | None = None):
        """A template rendered with the user, CSRF token, mode and path added to ``ctx``."""
        ctx = dict(ctx)
        ctx.setdefault("user", user if user is not None else self.current_user(request))
        ctx.update(csrf=self.csrf_token(request), team=self.settings.team, path=request.url.path)
        return self.templates.TemplateResponse(request, name, ctx, status_code=status)

    def error(self, request: Request, title: str, message: str, status: int) -> Response:
        """The error page."""
        return self.render(request, "error.html", {"title": title, "message": message}, status=status)

    def refused(self, request: Request, r: Refused) -> Response:
        """A refused request: anonymous GETs go to the sign-in page, the rest get the reason."""
        if r.status == 401 and request.method == "GET":
            here = str(request.url.path) + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse("/login?" + urlencode({"next": here}), status_code=303)
        title = "Not allowed" if r.status in (401, 403) else "Cannot do that"
        return self.error(request, title, r.message, r.status)

    # ---------------------------------------------------------- shared bits
    def filters_ctx(self, c: sqlite3.Connection) -> dict:
        """The themes, councils and section kinds the search filters offer."""
        return {"themes": lib.themes(c), "councils": lib.councils_in_db(c), "sections": lib.section_kinds(c)}

    def review_queue(self, c: sqlite3.Connection, urn, theme, finding_id) -> list[dict]:
        """The review queue (cached until the database changes)."""
        return _review_queue(c, self.corrections, urn, theme, finding_id)

    def corrected_map(self, c: sqlite3.Connection, finding_ids) -> dict[int, list[dict]]:
        """finding id -> its corrections, for those corrected."""
        return self.corrections.corrected(c, finding_ids)


def site_of(request: Request) -> Site:
    """The :class:`Site` of the app serving this request."""
    return request.app.state.site


def page(role: str | None = "viewer") -> Callable:
    """Decorator for GET pages ``fn(site, request, user)``: run in a thread, with the user checked
    and errors in words (400 for a bad parameter, 404 for something not found)."""

    def deco(fn):
        async def endpoint(request: Request):
            site = site_of(request)
            try:
                user = site.need(request, role)
                return await run_in_threadpool(fn, site, request, user)
            except Refused as r:
                return site.refused(request, r)
            except lib.BadRequest as e:
                return site.error(request, "Cannot do that", str(e), 400)
            except LookupError as e:
                return site.error(request, "Not found", str(e.args[0]), 404)

        endpoint.__name__, endpoint.__doc__ = fn.__name__, fn.__doc__
        return endpoint

    return deco


def safe_back(url: str, default: str = "/") -> str:
    """A same-site path to go back to (``/...``, never ``//host``), else ``default``."""
    return url if url.startswith("/") and not url.startswith("//") else default
