"""The web app: Starlette routes rendering Jinja2 templates (autoescaped) over
:mod:`ofsted_mine.web.library`.

Local mode (default): one person on their own machine, no accounts; forms still carry a
CSRF token. Team mode: every page needs a signed-in user; viewers read, editors also correct
tags and ingest. Every response carries a Content-Security-Policy.
"""

from __future__ import annotations

import threading
import time
from dataclasses import asdict
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from . import actions, pages
from .actions import MAX_UPLOAD, safe_name  # noqa: F401  (importable from here as before)
from .pages import PACK_CSP  # noqa: F401  (importable from here as before)
from .site import HERE, VERDICT_ABBR, VERDICT_TEXT, Job, Refused, Settings, Site  # noqa: F401  (as before)

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "connect-src 'self'; base-uri 'none'; frame-ancestors 'none'"
)


class SecurityHeaders:
    """Pure ASGI middleware: CSP and friends on every response, and the server's own time
    (``Server-Timing: app;dur=ms``) for the benchmark."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        """Serve the request, adding the headers to its response."""
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


ROUTES = [
    Route("/", pages.home),
    Route("/search", pages.search),
    Route("/search.csv", pages.search_csv),
    Route("/search.xlsx", pages.search_xlsx),
    Route("/doc/{visit_id}", pages.doc),
    Route("/doc/{visit_id}/original", pages.doc_original),
    Route("/councils", pages.councils),
    Route("/council", pages.council_find),
    Route("/council/{urn}", pages.council_page),
    Route("/council/{urn}/theme/{theme}", pages.theme_page),
    Route("/council/{urn}/compare", pages.compare_page),
    Route("/council/{urn}/followup", pages.followup_page),
    Route("/council/{urn}/benchmark", pages.benchmark_page),
    Route("/council/{urn}/pack.{fmt:str}", pages.pack_download),
    Route("/council/{urn}/action-log.xlsx", pages.action_log),
    Route("/review", actions.review),
    Route("/review/{finding_id:int}", actions.review_post, methods=["POST"]),
    Route("/ingest", actions.ingest_page),
    Route("/ingest/upload", actions.ingest_upload, methods=["POST"]),
    Route("/ingest/folder", actions.ingest_folder, methods=["POST"]),
    Route("/ingest/jobs/{job}", actions.job_page),
    Route("/login", actions.login, methods=["GET", "POST"]),
    Route("/logout", actions.logout, methods=["POST"]),
]


def _middleware(settings: Settings, site: Site) -> list[Middleware]:
    """Security headers on every response; local mode answers loopback names only; signed sessions."""
    middleware = [Middleware(SecurityHeaders)]
    if not settings.team:
        # this machine only: a page of another site whose name was pointed at 127.0.0.1 (DNS
        # rebinding) must not read this app, so the Host must be a loopback name
        from starlette.middleware.trustedhost import TrustedHostMiddleware

        middleware.append(
            Middleware(TrustedHostMiddleware, allowed_hosts=["127.0.0.1", "localhost", "[::1]", "::1"])
        )
    middleware.append(
        Middleware(
            SessionMiddleware,
            secret_key=site.accounts.secret(),
            session_cookie="ofsted_mine_session",
            max_age=8 * 3600,
            same_site="lax",
            https_only=settings.secure_cookies,
        )
    )
    return middleware


def create_app(settings: Settings) -> Starlette:
    """The web app over ``settings.db``: routes from :mod:`.pages` and :mod:`.actions`, their
    shared state (a :class:`~ofsted_mine.web.site.Site`) in ``app.state.site``."""
    site = Site(settings)
    routes = [*ROUTES, Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")]
    app = Starlette(
        routes=routes,
        middleware=_middleware(settings, site),
        exception_handlers={404: actions.not_found, 500: actions.server_error},
    )
    app.state.settings = settings
    app.state.site = site
    return app


SETTINGS_ENV = "OFSTED_MINE_WEB_SETTINGS"


def settings_to_env(settings: Settings) -> str:
    """The settings as JSON text, for the environment of uvicorn's worker processes."""
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
