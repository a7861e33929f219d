"""The pack's data: everything a readiness pack shows, computed once and rendered by
:mod:`ofsted_mine.report.html` (the full pack), :mod:`ofsted_mine.report.board` (the board
pack) and :mod:`ofsted_mine.report.markdown` (both as Markdown).

No markup here: plain data (:func:`pack_data`), the words and orders the packs share, and the
citation of a quote as plain strings.
"""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

from ..vocab import CELL_LABELS as VERDICT_TEXT  # the words are the analysis's
from ..vocab import CELL_LETTERS as VERDICT_ABBR
from ..vocab import NUMBERED_KINDS
from ..vocab import TRENDS as _TRENDS
from .labels import kind_label

__all__ = [
    "QUOTES_PER_VISIT",
    "FOLLOWUP_EVIDENCE",
    "VERDICT_TEXT",
    "VERDICT_ABBR",
    "TREND_ORDER",
    "JUDGEMENT_LONG",
    "JUDGEMENT_ORDER",
    "non_finding_sections",
    "pack_data",
    "all_tracks",
    "para_label",
    "citation_parts",
    "visit_labels",
    "not_examined_title",
    "date_range",
]

QUOTES_PER_VISIT = 2
FOLLOWUP_EVIDENCE = 3  # = analyse.followup.EVIDENCE_SHOWN: every quote that decides a verdict is shown

TREND_ORDER = list(_TRENDS)
JUDGEMENT_LONG = {
    "overall": "Overall effectiveness",
    "leaders": "Impact of leaders on social work practice with children and families",
    "help_protection": "Experiences and progress of children who need help and protection",
    "in_care": "Experiences and progress of children in care",
    "care_leavers": "Experiences and progress of care leavers",
    "adoption": "Adoption performance",
    "lscb": "Local Safeguarding Children Board",
}
JUDGEMENT_ORDER = ["overall", "leaders", "help_protection", "in_care", "care_leavers", "adoption", "lscb"]


def non_finding_sections() -> tuple:
    """Sections whose sentences are not findings (one list, owned by the analysis)."""
    from ..vocab import NON_FINDING_SECTIONS

    return NON_FINDING_SECTIONS


def pack_data(
    con: sqlite3.Connection,
    la: str,
    *,
    taxonomy=None,
    since: str | None = None,
    quotes_per_visit: int = QUOTES_PER_VISIT,
) -> dict:
    """Everything the pack shows, as plain data (shared by the HTML and Markdown packs)."""
    from ..analyse.timeline import timeline
    from ..store.search import visits as list_visits

    tl = timeline(con, la, taxonomy=taxonomy, since=since)
    if not tl.visits:  # a pack about nothing is an error, not an empty file
        from ..errors import NotFoundError

        raise NotFoundError(
            f"no Ofsted letters or reports stored for {tl.la}"
            + (f" since {since}" if since else "")
            + ": nothing to put in a readiness pack"
        )
    meta = {v["id"]: v for v in list_visits(con, la=la, since=since)}
    # practice priorities first, then the other themes, each in taxonomy order
    tl.themes = [t for t in tl.themes if t["group"] == "practice_priority"] + [
        t for t in tl.themes if t["group"] != "practice_priority"
    ]
    tracks = all_tracks(con, tl, quotes_per_visit)
    for tr, t in zip(tracks, tl.themes):
        tr["group"] = t["group"]
        last = next(
            (v for v in reversed(tr["visits"]) if v["verdict"] in ("concern", "mixed", "strength")), None
        )
        tr["latest"] = last
    win = set(tl.window)
    window = [i for i, v in enumerate(tl.visits) if v.id in win]
    baseline = tl.visits[window[0]] if window else None
    after = [tl.visits[i] for i in window[1:]]
    # literally true: the theme's latest finding is in an earlier visit than the council's latest one
    not_examined = [tr["theme"] for tr in tracks if tr["not_examined_since"]]
    by_trend: dict[str, list[str]] = {k: [] for k in TREND_ORDER}
    for tr in tracks:
        by_trend.setdefault(tr["trend"], []).append(tr["theme"])
    inspections = [v for v in tl.visits if v.kind == "inspection" and v.judgements]
    fu, fu_error = _followup(con, la, since)
    from ..store.rows import database_file

    db_file = database_file(con)
    return {
        "la": tl.la,
        "la_urn": tl.la_urn,
        "timeline": tl,
        "meta": meta,
        "tracks": tracks,
        "window": [tl.visits[i].id for i in window],
        "baseline": baseline,
        "after": after,
        "not_examined": not_examined,
        "by_trend": by_trend,
        "latest_inspection": inspections[-1] if inspections else None,
        "previous_inspection": inspections[-2] if len(inspections) > 1 else None,
        "followup": fu,
        "followup_error": fu_error,
        "since": since,
        "generated": date.today().isoformat(),
        "db": Path(db_file).name if db_file else "",
        "theme_names": {t["id"]: t["name"] for t in tl.themes},
    }


def all_tracks(
    con: sqlite3.Connection, tl, quotes_per_visit: int = QUOTES_PER_VISIT, min_score: float = 0.0
) -> list[dict]:
    """:func:`ofsted_mine.analyse.timeline.track` for every theme of a timeline at once.

    The same dicts as ``track(con, theme, la, quotes_per_visit=...)`` (a test holds them
    equal), built from the one timeline and a single query for the quotes of every visit and
    theme, instead of a timeline and a query per theme and visit.
    """
    from ..analyse.timeline import tracks

    return [t.to_dict() for t in tracks(con, tl, quotes_per_visit, min_score)]


def _followup(con, la, since):
    try:
        from ..analyse.followup import followup
    except ImportError:
        return None, "not available in this version of ofsted-mine"
    try:
        return followup(con, la, since=since).to_dict(), None  # the packs render its plain form
    except Exception as ex:  # one failing section must not cost the whole pack
        import warnings

        warnings.warn(
            f"recommendation follow-up failed: {type(ex).__name__}: {ex}", RuntimeWarning, stacklevel=2
        )
        return None, f"could not be computed ({type(ex).__name__}: {ex})"


def para_label(p) -> str:
    """A paragraph reference as printed: "para 12", a "¶" label as it is, "" for none."""
    if p is None or p == "":
        return ""
    p = str(p)
    return p if p.startswith("¶") else f"para {p}"


def citation_parts(q: dict, la: str, labels: dict) -> list[str]:
    """Council, visit, date, section, paragraph, page, visit id, file: each a plain string."""
    v = labels.get(q.get("visit_id"), {})
    parts = [la, v.get("long") or kind_label(v.get("kind", "")) or "", q.get("date") or "undated"]
    if q.get("section"):
        parts.append(f"“{q['section']}”")
    if para_label(q.get("paragraph")):
        parts.append(para_label(q.get("paragraph")))
    parts.append(f"p. {q.get('page')}")
    return [p for p in parts if p]


def visit_labels(data: dict) -> dict:
    """visit id -> short label, long label (e.g. "monitoring visit 3"), kind."""
    out = {}
    for v in data["timeline"].visits:
        long = kind_label(v.kind) + (
            f" {v.visit_number}" if v.kind in NUMBERED_KINDS and v.visit_number else ""
        )
        out[v.id] = {"short": v.label, "long": long, "kind": v.kind, "date": v.date}
    return out


def not_examined_title(data: dict) -> str:
    """The title of the list of themes no recent visit examined."""
    return "Not examined in the latest visits (since their last finding)"


def date_range(start: str | None, end: str | None) -> str:
    """'2021-11-15 – 11-26' (same year), '2021-12-30 – 2022-01-02', or one date."""
    start = start or ""
    if not end or end == start or not start:
        return start or end or ""
    if start[:4] == end[:4] and len(end) == 10:
        return f"{start} – {end[5:]}"
    return f"{start} – {end}"
