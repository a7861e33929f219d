"""The web app's read-only pages (GET): search and its downloads, documents, councils, a
theme's track, comparisons, follow-up, benchmark, packs and the action log.

Each is ``fn(site, request, user)`` under :func:`ofsted_mine.web.site.page`; the answers
come from :mod:`ofsted_mine.web.library` (the app computes nothing of its own).
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

from starlette.responses import FileResponse, RedirectResponse, Response

from . import library as lib
from .site import page

#: the readiness pack is self-contained (inline CSS and SVG, no scripts): the same policy as its own <meta>
PACK_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _attachment(body, media_type: str, filename: str, disposition: str = "attachment", **headers) -> Response:
    """A response the browser saves (or shows inline) under ``filename``."""
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f'{disposition}; filename="{filename}"', **headers},
    )


@page()
def home(site, request, user):
    """The front page: the search box, filters and the database's counts."""
    c = site.con()
    ctx = {"title": "ofsted-mine", **site.filters_ctx(c), "counts": lib.counts(c), "p": lib.SearchParams()}
    return site.render(request, "home.html", ctx, user=user)


@page()
def search(site, request, user):
    """Search results (a bad parameter is shown on the page, status 400)."""
    c = site.con()
    ctx = site.filters_ctx(c)
    error, res, p = None, [], lib.SearchParams()
    try:
        p = lib.search_params(request.query_params, [t["id"] for t in ctx["themes"]])
        if not p.empty():
            res = lib.search(c, p, limit=p.limit + 1)
    except lib.BadRequest as e:
        error = str(e)
    more = len(res) > p.limit
    note = getattr(res, "note", None)  # the ranking was capped (store.search.RANK_CAP): say so
    res = res[: p.limit]
    qs = [(k, v) for k, v in request.query_params.multi_items() if k != "limit" and v]
    return site.render(
        request,
        "search.html",
        {
            "title": f"Search: {p.q}" if p.q else "Search evidence",
            **ctx,
            "p": p,
            "results": res,
            "more": more,
            "note": note,
            "error": error,
            "qs": urlencode(qs),
            "next_limit": min(500, p.limit * 2),
            "names": {t["id"]: t["name"] for t in ctx["themes"]},
            "corrected": site.corrected_map(c, [q.finding_id for q in res]),
        },
        status=400 if error else 200,
        user=user,
    )


def _download(site, request, fmt: str) -> Response:
    """Every result of the search as CSV or XLSX."""
    c = site.con()
    ctx = site.filters_ctx(c)
    p = lib.search_params(request.query_params, [t["id"] for t in ctx["themes"]])
    if p.empty():
        raise lib.BadRequest("give words to search for, or at least one filter")
    rows = lib.quote_rows(lib.search(c, p, limit=None))
    stamp = datetime.now(UTC).strftime("%Y%m%d")
    if fmt == "csv":
        body = lib.rows_csv(rows, lib.QUOTE_FIELDS)
        return _attachment(body, "text/csv; charset=utf-8", f"ofsted-quotes-{stamp}.csv")
    return _attachment(lib.rows_xlsx(rows, lib.QUOTE_FIELDS), XLSX, f"ofsted-quotes-{stamp}.xlsx")


@page()
def search_csv(site, request, user):
    """The search's results as CSV."""
    return _download(site, request, "csv")


@page()
def search_xlsx(site, request, user):
    """The search's results as XLSX."""
    return _download(site, request, "xlsx")


@page()
def doc(site, request, user):
    """One document to read, with its findings' tags and corrections."""
    c = site.con()
    v = lib.document(c, request.path_params["visit_id"])
    ids = [f["id"] for f in v["findings"]]
    ctx = {
        "title": v["id"],
        "v": v,
        "names": lib.theme_names(c),
        "corrected": site.corrected_map(c, ids),
        "has_file": lib.original_file(c, v["id"]) is not None,
    }
    return site.render(request, "doc.html", ctx, user=user)


@page()
def doc_original(site, request, user):
    """The file a document was read from (PDFs inline; HTML and others as downloads, never
    rendered in this site's origin)."""
    p = lib.original_file(site.con(), request.path_params["visit_id"])
    if p is None:
        raise LookupError("the original file is no longer where it was ingested from")
    media = {
        ".pdf": "application/pdf",
        ".txt": "text/plain; charset=utf-8",
        ".md": "text/plain; charset=utf-8",
    }.get(p.suffix.lower(), "application/octet-stream")
    return FileResponse(
        p,
        media_type=media,
        filename=p.name,
        content_disposition_type="inline" if p.suffix.lower() == ".pdf" else "attachment",
    )


@page()
def councils(site, request, user):
    """The councils the database holds documents for."""
    ctx = {"title": "Councils", "councils": lib.councils_in_db(site.con())}
    return site.render(request, "councils.html", ctx, user=user)


@page()
def council_page(site, request, user):
    """One council: its visits and themes over time."""
    ov = lib.council_overview(site.con(), request.path_params["urn"])
    ctx = {"title": ov["council"].name, **ov, "full_pack": lib.has_full_pack()}
    return site.render(request, "council.html", ctx, user=user)


@page()
def council_find(site, request, user):
    """The council box of the home page: a name, alias or URN -> that council's page."""
    c = lib.council(request.query_params.get("la", ""))
    return RedirectResponse(f"/council/{c.urn}", status_code=303)


@page()
def theme_page(site, request, user):
    """One theme's track through one council's visits."""
    urn = request.path_params["urn"]
    tr = lib.theme_track(site.con(), urn, request.path_params["theme"])
    ctx = {"title": f"{tr['name']}: {tr['la']}", "tr": tr, "urn": urn}
    return site.render(request, "track.html", ctx, user=user)


@page()
def compare_page(site, request, user):
    """Two visits of one council side by side."""
    c = site.con()
    urn = request.path_params["urn"]
    ov = lib.council_overview(c, urn)
    a, b = request.query_params.get("a"), request.query_params.get("b")
    ids = [v["id"] for v in ov["visits"]]
    if not a or not b:
        raise lib.BadRequest("choose two visits to compare")
    if a not in ids or b not in ids:
        raise lib.BadRequest(f"both visits must be {ov['council'].name}'s")
    res = lib.compare_visits(c, a, b)
    ctx = {"title": f"Compare {a} and {b}", "res": res, "urn": urn, "la": ov["council"].name}
    return site.render(request, "compare.html", ctx, user=user)


@page()
def followup_page(site, request, user):
    """What became of one council's recommendations."""
    urn = request.path_params["urn"]
    fu = lib.followup(site.con(), urn)
    ctx = {"title": f"Recommendation follow-up: {fu['la']}", "fu": fu, "urn": urn}
    return site.render(request, "followup.html", ctx, user=user)


@page()
def benchmark_page(site, request, user):
    """One council's concerns against England, its region and its neighbours."""
    urn = request.path_params["urn"]
    bm = lib.benchmark(site.con(), urn)
    ctx = {"title": f"Benchmark: {bm['la']}", "bm": bm, "urn": urn}
    return site.render(request, "benchmark.html", ctx, user=user)


@page()
def pack_download(site, request, user):
    """One council's readiness pack, as Markdown or self-contained HTML."""
    c = site.con()
    urn, fmt = request.path_params["urn"], request.path_params["fmt"]
    full = request.query_params.get("full") == "1"
    name = lib.council(urn).slug
    if fmt == "md":
        return _attachment(lib.pack(c, urn, "md", full), "text/markdown; charset=utf-8", f"{name}-pack.md")
    disp = "inline" if request.query_params.get("print") == "1" else "attachment"
    return _attachment(
        lib.pack(c, urn, "html", full),
        "text/html; charset=utf-8",
        f"{name}-pack.html",
        disp,
        **{"Content-Security-Policy": PACK_CSP},
    )


@page()
def action_log(site, request, user):
    """One council's action log (XLSX)."""
    urn = request.path_params["urn"]
    name = lib.council(urn).slug
    return _attachment(lib.action_log_xlsx(site.con(), urn), XLSX, f"{name}-action-log.xlsx")
