"""Themes across visits: the timeline grid, one theme's track, and visit-to-visit comparison.

Computed once here as typed results (:mod:`ofsted_mine.analyse.results`); the views only
render them. The rules for a cell's verdict, a theme's trend and a comparison's status are in
:mod:`ofsted_mine.analyse.cells`; journeys and the default trend window in
:mod:`ofsted_mine.analyse.journeys`; the words in :mod:`ofsted_mine.vocab`.

A visit is council + kind + start date: when several documents report the same visit (the PDF
and a text copy, a re-published PDF) only the quoted source is counted and cited; the others
are listed as the visit's ``sources``.
"""

from __future__ import annotations

import json
import sqlite3

from ..councils import UNLISTED_PREFIX, find_council
from ..store.findings import quote_candidates, theme_polarity_by_document
from ..store.settings import taxonomy_of
from ..store.visits import council_documents, quoted_document_of, visit_document, visit_ids_like
from ..vocab import NON_FINDING_SECTIONS, NOT_FINDING_SQL, OFSTED_KINDS, TREND_LABELS, citation
from ..vocab import visit_label as visit_label
from .cells import cell_verdict, compare_status, trend
from .journeys import default_window, find_journey, split_journeys
from .results import (
    Cell,
    CompareTheme,
    Comparison,
    Journey,
    Quote,
    Source,
    Timeline,
    Track,
    TrackVisit,
    VisitCol,
    VisitRef,
)

__all__ = [
    "timeline",
    "track",
    "tracks",
    "compare",
    "trend",
    "cell_verdict",
    "compare_status",
    "Cell",
    "VisitCol",
    "Timeline",
    "Track",
    "TrackVisit",
    "Quote",
    "Journey",
    "Comparison",
    "CompareTheme",
    "TREND_LABELS",
    "OFSTED_KINDS",
    "NON_FINDING_SECTIONS",
    "visit_label",
    "pick_quotes",
    "journey_window",
]

_NOT_FINDING_SQL = NOT_FINDING_SQL  # older name, still imported by other modules


def resolve_la(la: str, con: sqlite3.Connection | None = None):
    """The council named by ``--la`` (URN, name, alias or slug; one not in the table when the
    database holds its documents); NotFoundError (a ValueError too) with the closest names."""
    from ..store.councils import resolve_council

    return resolve_council(la, con)


_council = resolve_la  # older name, still imported by analyse/benchmark.py until its own move


def load_taxonomy_light(con: sqlite3.Connection | None, taxonomy=None) -> list[dict]:
    """Theme ids, names and groups of the taxonomy in use (no spaCy: the TOML is read directly)."""
    tax = taxonomy_of(con, taxonomy)
    return [{"id": t.id, "name": t.name, "group": t.group} for t in tax.themes]


_load_taxonomy_light = load_taxonomy_light  # older name (cli.py, analyse/benchmark.py) until they move


# ------------------------------------------------------------------ visits
def council_visits(con: sqlite3.Connection, urn: str) -> tuple[list[VisitCol], dict[str, int]]:
    """Every Ofsted visit of a council in date order (one per visit, its sources listed), and
    visit id -> the database id of its quoted document."""
    rows = council_documents(con, urn, OFSTED_KINDS)
    groups: dict[str, list] = {}
    for r in rows:
        groups.setdefault(r["visit_key"] or r["visit_id"], []).append(r)
    visits, doc_of = [], {}
    for grp in groups.values():
        q = next((r for r in grp if r["quoted"]), grp[0])
        sources = [
            Source(
                doc_id=r["visit_id"],
                path=r["path"],
                format=r["format"],
                published=r["published"],
                sha256=r["sha256"],
                quoted=r is q,
            )
            for r in [q] + [r for r in grp if r is not q]
        ]
        visits.append(
            VisitCol(
                id=q["visit_id"],
                kind=q["kind"],
                label=visit_label(q["kind"], q["visit_number"], q["date"]),
                date=q["date"],
                visit_number=q["visit_number"],
                progress_verdict=q["progress_verdict"],
                judgements=json.loads(q["judgements"]),
                focus_areas=json.loads(q["focus_areas"]),
                focus_themes=json.loads(q["focus_themes"]),
                framework=q["framework"],
                published=q["published"],
                end_date=q["end_date"],
                sets_actions=bool(q["sets_actions"]),
                sources=sources,
            )
        )
        doc_of[q["visit_id"]] = q["id"]
    visits.sort(key=lambda v: (v.date or "", doc_of[v.id]))
    return visits, doc_of


def count_cells(
    con: sqlite3.Connection,
    visits: list[VisitCol],
    doc_of: dict[str, int],
    themes: list[dict],
    min_score: float = 0.0,
) -> dict[str, dict[str, Cell]]:
    """theme -> visit id -> cell: the findings carrying each theme in each visit's quoted source."""
    cells = {
        t["id"]: {
            v.id: Cell(theme=t["id"], visit_id=v.id, in_focus=t["id"] in v.focus_themes) for v in visits
        }
        for t in themes
    }
    by_doc = {doc_of[v.id]: v.id for v in visits}
    for doc_id, theme, pol, n in theme_polarity_by_document(con, by_doc, min_score):
        cell = cells.get(theme, {}).get(by_doc[doc_id])
        if cell is not None and pol in ("concern", "strength", "mixed", "neutral"):
            setattr(cell, pol, getattr(cell, pol) + n)
    for row in cells.values():
        for cell in row.values():
            cell.verdict = cell_verdict(cell)
    return cells


def journey_step(v: VisitCol) -> str:
    """One step of the one-line history: ``Inspection 2023-01: inadequate``,
    ``MV2 2023-09: some progress``."""
    from ..vocab import PROGRESS_VERDICTS

    if v.kind == "inspection":
        g = v.judgements.get("overall")
        if g:
            return f"{v.label}: {g}"
        from ..vocab import GRADE_SHORT

        return f"{v.label}: " + ", ".join(f"{k} {GRADE_SHORT.get(x, x)}" for k, x in v.judgements.items())
    return f"{v.label}: {PROGRESS_VERDICTS.get(v.progress_verdict or '') or 'no headline verdict'}"


def timeline(
    con: sqlite3.Connection,
    la: str,
    *,
    taxonomy=None,
    min_score: float = 0.0,
    since: str | None = None,
    until: str | None = None,
    journey=None,
) -> Timeline:
    """Visits x themes for one council: counts of concern/strength/mixed/neutral findings per cell,
    its verdict, the council's improvement journeys, and each theme's trend over the window.

    The window is journey ``journey`` (a number, ``"current"`` or ``"previous"``) if given, else the
    visits from ``since`` to ``until`` if either is given, else :func:`journeys.default_window`."""
    c = resolve_la(la, con)
    all_visits, doc_of = council_visits(con, c.urn)
    journeys = split_journeys(all_visits)
    shown = [
        v
        for v in all_visits
        if (not since or (v.date or "") >= since) and (not until or (v.date or "") <= until)
    ]
    shown_ids = {v.id for v in shown}
    window_journey: Journey | None = None
    if journey is not None and journey != "":
        window_journey = find_journey(journeys, journey)
        window = [i for i in window_journey.visits if i in shown_ids]
    elif since or until:
        window = [v.id for v in shown]
    else:
        window_journey = default_window(journeys)
        window = list(window_journey.visits) if window_journey else []
    themes = load_taxonomy_light(con, taxonomy)
    cells = count_cells(con, shown, doc_of, themes, min_score)
    trends = {t["id"]: trend([cells[t["id"]][vid].verdict for vid in window]) for t in themes}
    return Timeline(
        la=c.name,
        la_urn=c.urn,
        visits=shown,
        themes=themes,
        cells=cells,
        journey=[journey_step(v) for v in shown],
        journeys=journeys,
        window=window,
        window_journey=window_journey.index if window_journey else None,
        trends=trends,
    )


def journey_window(visits: list[VisitCol]) -> list[int]:
    """Indexes (into ``visits``) of the default trend window (see :mod:`.journeys`)."""
    j = default_window(split_journeys(visits))
    ids = set(j.visits) if j else set()
    return [i for i, v in enumerate(visits) if v.id in ids]


# ------------------------------------------------------------------ quotes
_POL_RANK = {"concern": 0, "mixed": 1, "strength": 2}


def _quote(r) -> Quote:
    keys = r.keys()
    pub = r["published"] if "published" in keys else None
    return Quote(
        text=r["text"],
        polarity=r["polarity"],
        score=round(float(r["score"]), 3),
        page=r["page"],
        paragraph=r["paragraph"],
        section=r["section"],
        visit_id=r["visit_id"],
        date=r["date"],
        citation=citation(r["la"], r["kind"], r["date"], r["paragraph"], r["page"], pub),
        source=r["path"],
        published=pub,
        finding_id=r["finding_id"] if "finding_id" in keys else None,
    )


def _quote_dict(r) -> dict:
    """A quote as a plain dict (for callers that still want one)."""
    return _quote(r).to_dict()


def pick_quotes(rows: list, n: int) -> list[Quote]:
    """The most representative quotes of one theme in one visit: concerns and mixed first,
    then by tag score and order in the letter; at most n - 1 of one polarity when there
    are more candidates than places. Rows need text, polarity, score, seq and citation fields."""
    rows = sorted(rows, key=lambda r: (_POL_RANK.get(r["polarity"], 3), -r["score"], r["seq"]))[:50]
    out: list[Quote] = []
    seen: dict[str, int] = {}
    for r in rows:
        if len(out) >= n:
            break
        if seen.get(r["polarity"], 0) >= max(1, n - 1) and len(rows) > n:
            continue
        seen[r["polarity"]] = seen.get(r["polarity"], 0) + 1
        out.append(_quote(r))
    return out


def _candidates(con, visit_ids: list[str], min_score: float, theme: str | None = None) -> dict:
    """(visit id, theme) -> quote candidate rows, for the quoted sources of these visits."""
    return quote_candidates(con, visit_ids, min_score, theme)


def _quotes_for(con, visit_id: str, theme: str, n: int = 3, min_score: float = 0.0) -> list[dict]:
    """The most representative quotes of a theme in one visit, as dicts (see :func:`pick_quotes`)."""
    return [
        q.to_dict()
        for q in pick_quotes(_candidates(con, [visit_id], min_score, theme).get((visit_id, theme), []), n)
    ]


# ------------------------------------------------------------------ tracks
def tracks(
    con: sqlite3.Connection,
    tl: Timeline,
    quotes_per_visit: int = 3,
    min_score: float = 0.0,
    themes: list[str] | None = None,
) -> list[Track]:
    """Every theme's track (or those of ``themes``) from one timeline, with one query for the quotes."""
    want = [t for t in tl.themes if themes is None or t["id"] in themes]
    cands = (
        _candidates(con, [v.id for v in tl.visits], min_score, want[0]["id"] if len(want) == 1 else None)
        if quotes_per_visit > 0
        else {}
    )
    win = set(tl.window)
    out = []
    for t in want:
        rows = []
        for v in tl.visits:
            cell = tl.cells[t["id"]][v.id]
            rows.append(
                TrackVisit(
                    visit_id=v.id,
                    label=v.label,
                    kind=v.kind,
                    date=v.date,
                    verdict=cell.verdict,
                    concern=cell.concern,
                    strength=cell.strength,
                    mixed=cell.mixed,
                    neutral=cell.neutral,
                    in_focus=cell.in_focus,
                    in_trend=v.id in win,
                    quotes=pick_quotes(cands.get((v.id, t["id"]), []), quotes_per_visit)
                    if cell.total and quotes_per_visit > 0
                    else [],
                )
            )
        examined = [i for i, v in enumerate(tl.visits) if tl.cells[t["id"]][v.id].examined]
        now = tl.visits[examined[-1]].id if examined else None
        since = now if examined and examined[-1] < len(tl.visits) - 1 else None
        out.append(
            Track(
                la=tl.la,
                theme=t["id"],
                name=t["name"],
                group=t.get("group", ""),
                trend=tl.trends[t["id"]],
                trend_window=list(tl.window),
                visits=rows,
                journey=tl.window_journey,
                now=now,
                now_verdict=tl.cells[t["id"]][now].verdict if now else None,
                not_examined_since=since,
            )
        )
    return out


def track(
    con: sqlite3.Connection,
    theme: str,
    la: str,
    *,
    taxonomy=None,
    quotes_per_visit: int = 3,
    min_score: float = 0.0,
    since: str | None = None,
    until: str | None = None,
    journey=None,
) -> Track:
    """One theme across a council's visits: verdict per visit, the trend over the window
    (see :func:`timeline`), where it stands now, and representative quotes."""
    tl = timeline(con, la, taxonomy=taxonomy, min_score=min_score, since=since, until=until, journey=journey)
    if theme not in tl.cells:  # a usage error (exit 2) that lists the themes
        import difflib

        from ..errors import UsageError

        ids = [t["id"] for t in tl.themes]
        hint = difflib.get_close_matches(theme, ids, n=3, cutoff=0.5)
        raise UsageError(
            f"unknown theme {theme!r}"
            + (f" (did you mean {', '.join(hint)}?)" if hint else "")
            + f"; use one of: {', '.join(ids)}"
        )
    return tracks(con, tl, quotes_per_visit, min_score, themes=[theme])[0]


# ------------------------------------------------------------------ compare
def resolve_visit(con: sqlite3.Connection, visit_id: str) -> sqlite3.Row:
    """The quoted document of the visit with this id (a source's own id finds its visit too)."""
    r = visit_document(con, visit_id)
    if not r:
        like = visit_ids_like(con, visit_id, 5)
        hint = f" (did you mean: {', '.join(like)})" if like else ""
        raise KeyError(f"no visit with id {visit_id!r}{hint}")
    if r["visit_key"]:
        r = quoted_document_of(con, r["visit_key"]) or r
    return r


def compare(
    con: sqlite3.Connection,
    visit_a: str,
    visit_b: str,
    *,
    taxonomy=None,
    min_score: float = 0.0,
    quotes: int = 2,
) -> Comparison:
    """Per theme: the two visits' cells (the very cells of their councils' timelines) and the status
    from a to b (:func:`cells.compare_status`), with quotes side by side."""
    ra, rb = resolve_visit(con, visit_a), resolve_visit(con, visit_b)
    for r in (ra, rb):
        if (
            r["kind"] not in OFSTED_KINDS
            or not r["la_urn"]
            or not (find_council(str(r["la_urn"])) or str(r["la_urn"]).startswith(UNLISTED_PREFIX))
        ):
            raise KeyError(
                f"{r['visit_id']}: not an Ofsted visit of a known council, so it has no theme cells"
            )
    tls = {}
    for r in (ra, rb):
        if r["la_urn"] not in tls:
            tls[r["la_urn"]] = timeline(con, str(r["la_urn"]), taxonomy=taxonomy, min_score=min_score)
    ta, tb = tls[ra["la_urn"]], tls[rb["la_urn"]]
    va, vb = ta.visit(ra["visit_id"]), tb.visit(rb["visit_id"])
    if va is None or vb is None:
        raise KeyError(f"{ra['visit_id'] if va is None else rb['visit_id']}: not in its council's timeline")
    cands = _candidates(con, [va.id, vb.id], min_score) if quotes > 0 else {}
    out = []
    for t in ta.themes:
        a, b = ta.cells[t["id"]][va.id], tb.cells[t["id"]][vb.id]
        out.append(
            CompareTheme(
                theme=t["id"],
                name=t["name"],
                status=compare_status(a, b),
                a=a,
                b=b,
                a_quotes=pick_quotes(cands.get((va.id, t["id"]), []), quotes) if a.total else [],
                b_quotes=pick_quotes(cands.get((vb.id, t["id"]), []), quotes) if b.total else [],
            )
        )

    def ref(tl, v):
        return VisitRef(
            visit_id=v.id, la=tl.la, kind=v.kind, date=v.date, label=v.label, published=v.published
        )

    return Comparison(a=ref(ta, va), b=ref(tb, vb), themes=out)
