"""Themes across visits: the timeline grid, one theme's track, and visit-to-visit comparison.

Cell verdicts (one theme in one visit), from the findings tagged with the theme (tag score
>= ``min_score``) and their polarity; c, s, m = concern, strength, mixed counts:

* ``not_examined``: no finding touches the theme and the visit's areas covered do not name it
  (an absent theme is not a resolved one);
* ``examined_silent``: the areas covered name the theme but no finding touches it;
* ``concern`` when (c + m/2) / (c + s + m) >= 0.5, ``mixed`` when >= 0.25, else ``strength``
  (only strengths, or concerns too few to weigh: "no concerns found");
* ``neutral``: only neutral findings touch the theme.

The trend of a theme (``track``) follows the examined cells (concern = 1, mixed = 0.5,
strength = 0; not examined, silent and neutral cells are skipped) in date order, over the
current improvement journey: the latest inspection before the council's monitoring or
focused visits, and those visits (a later re-inspection is shown but closes the journey).
With no monitoring or focused visits, all inspections count.

* ``not_enough_evidence``: fewer than two examined cells;
* ``consistent_strength``: strengths throughout;
* ``resolved``: a concern earlier, and the last two examined cells are strengths;
* ``improving``: a concern earlier, and the latest cell is a strength (but not two in a row),
  or the last two cells average at most "mixed" and are better than the first two;
* ``persistent``: concern or mixed in every examined cell, or in the trailing run after
  cells that were mostly concerns too;
* ``emerging``: a trailing run of concern/mixed cells after cells that were mostly strengths;
* ``deteriorating``: as emerging, but a full concern had been raised before those strengths
  (it came back).
"""
from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict, dataclass, field
from typing import Optional

from ..store.search import KIND_LABELS

OFSTED_KINDS = ("inspection", "monitoring_visit", "focused_visit", "jtai")
#: sections whose sentences are not findings about practice (letter header, signature, Ofsted's
#: back matter, the opening paragraph, the list of areas covered)
NON_FINDING_SECTIONS = ("header", "closing", "about", "opening", "areas_covered")
_NOT_FINDING_SQL = "(" + ", ".join(f"'{s}'" for s in NON_FINDING_SECTIONS) + ")"
CELL_SCORE = {"concern": 1.0, "mixed": 0.5, "strength": 0.0}


@dataclass
class Cell:
    theme: str
    visit_id: str
    concern: int = 0
    strength: int = 0
    mixed: int = 0
    neutral: int = 0
    in_focus: bool = False
    verdict: str = "not_examined"

    @property
    def total(self) -> int:
        return self.concern + self.strength + self.mixed + self.neutral


@dataclass
class VisitCol:
    id: str
    kind: str
    label: str
    date: Optional[str]
    visit_number: Optional[int]
    progress_verdict: Optional[str]
    judgements: dict
    focus_areas: list
    focus_themes: list


@dataclass
class Timeline:
    la: str
    la_urn: str
    visits: list[VisitCol]
    themes: list[dict]                      # id, name, group
    cells: dict[str, dict[str, Cell]]       # theme -> visit id -> cell
    journey: list[str] = field(default_factory=list)  # the one-line improvement journey

    def to_dict(self) -> dict:
        return {"la": self.la, "la_urn": self.la_urn, "journey": self.journey,
                "visits": [asdict(v) for v in self.visits], "themes": self.themes,
                "cells": {t: {v: asdict(c) for v, c in row.items()} for t, row in self.cells.items()}}


def cell_verdict(c: Cell) -> str:
    n = c.concern + c.strength + c.mixed
    if n == 0:
        if c.neutral:
            return "neutral"
        return "examined_silent" if c.in_focus else "not_examined"
    share = (c.concern + 0.5 * c.mixed) / n
    if share >= 0.5:
        return "concern"
    if share >= 0.25:
        return "mixed"
    return "strength"


def _council(la: str, con: Optional[sqlite3.Connection] = None):
    """The council named by ``--la`` (URN, name, alias or slug; one not in the table when the
    database holds its documents); NotFoundError with the closest names otherwise."""
    from ..councils import resolve_council
    return resolve_council(la, con)


def taxonomy_of(con: Optional[sqlite3.Connection], taxonomy=None):
    """The taxonomy asked for, else the one the database was last tagged with, else the default."""
    from pathlib import Path

    from ..store.db import get_setting
    from ..tag.taxonomy import load_taxonomy
    if taxonomy is None and con is not None:
        used = get_setting(con, "taxonomy")
        if used and used not in ("default", "untagged") and Path(used).exists():
            taxonomy = used
    return load_taxonomy(taxonomy)


def _load_taxonomy_light(con: sqlite3.Connection, taxonomy=None) -> list[dict]:
    """Theme ids and names (no spaCy: the TOML is read directly)."""
    tax = taxonomy_of(con, taxonomy)
    return [{"id": t.id, "name": t.name, "group": t.group} for t in tax.themes]


def visit_label(kind: str, visit_number: Optional[int], date: Optional[str]) -> str:
    k = {"monitoring_visit": "MV", "focused_visit": "FV", "inspection": "Inspection", "jtai": "JTAI"}.get(kind, kind)
    if kind == "monitoring_visit" and visit_number:
        k += str(visit_number)
    return f"{k} {date[:7] if date else '?'}"


def timeline(con: sqlite3.Connection, la: str, *, taxonomy=None, min_score: float = 0.0,
             since: Optional[str] = None, until: Optional[str] = None) -> Timeline:
    """Visits x themes for one council: counts of concern/strength/mixed findings and a verdict."""
    c = _council(la, con)
    rows = con.execute(
        f"""SELECT id, visit_id, kind, COALESCE(start_date, published) AS date, visit_number, progress_verdict,
                   judgements, focus_areas, focus_themes FROM documents
            WHERE la_urn = ? AND kind IN ({','.join('?' * len(OFSTED_KINDS))})
            ORDER BY COALESCE(start_date, published), id""", (c.urn, *OFSTED_KINDS)).fetchall()
    rows = [r for r in rows if (not since or (r["date"] or "") >= since) and (not until or (r["date"] or "") <= until)]
    themes = _load_taxonomy_light(con, taxonomy)
    visits = [VisitCol(id=r["visit_id"], kind=r["kind"], label=visit_label(r["kind"], r["visit_number"], r["date"]),
                       date=r["date"], visit_number=r["visit_number"], progress_verdict=r["progress_verdict"],
                       judgements=json.loads(r["judgements"]), focus_areas=json.loads(r["focus_areas"]),
                       focus_themes=json.loads(r["focus_themes"])) for r in rows]
    doc_ids = {r["id"]: r["visit_id"] for r in rows}
    cells = {t["id"]: {v.id: Cell(theme=t["id"], visit_id=v.id, in_focus=t["id"] in v.focus_themes) for v in visits}
             for t in themes}
    if doc_ids:
        q = f"""SELECT f.doc_id, t.theme, f.polarity, COUNT(*) FROM tags t JOIN findings f ON f.id = t.finding_id
                WHERE f.doc_id IN ({','.join('?' * len(doc_ids))}) AND t.score >= ?
                  AND f.section_kind NOT IN {_NOT_FINDING_SQL} GROUP BY 1, 2, 3"""
        for doc_id, theme, pol, n in con.execute(q, (*doc_ids, min_score)):
            cell = cells.get(theme, {}).get(doc_ids[doc_id])
            if cell is not None and pol in ("concern", "strength", "mixed", "neutral"):
                setattr(cell, pol, getattr(cell, pol) + n)
    for row in cells.values():
        for cell in row.values():
            cell.verdict = cell_verdict(cell)
    journey = [journey_step(v) for v in visits]
    return Timeline(la=c.name, la_urn=c.urn, visits=visits, themes=themes, cells=cells, journey=journey)


def journey_step(v: VisitCol) -> str:
    from ..report.labels import grade_short, verdict_label
    if v.kind == "inspection":
        g = v.judgements.get("overall")
        return f"{v.label}: {g}" if g else f"{v.label}: " + ", ".join(f"{k} {grade_short(x)}" for k, x in v.judgements.items())
    return f"{v.label}: {verdict_label(v.progress_verdict) or 'no headline verdict'}"


def trend(verdicts: list[str]) -> str:
    """The trend of one theme from its cell verdicts in date order (see module docstring)."""
    ex = [CELL_SCORE[v] for v in verdicts if v in CELL_SCORE]
    if len(ex) < 2:
        return "not_enough_evidence"
    if ex[-1] == 0.0:
        if not any(x > 0 for x in ex):
            return "consistent_strength"
        return "resolved" if ex[-2] == 0.0 else "improving"
    last2, first2 = sum(ex[-2:]) / 2, sum(ex[:2]) / 2
    if ex[-1] <= 0.5 and last2 <= 0.5 and last2 < first2:
        return "improving"
    k = len(ex)
    while k > 0 and ex[k - 1] > 0:
        k -= 1
    before = ex[:k]
    if not before:
        return "persistent"
    if sum(1 for x in before if x == 0.0) * 2 >= len(before):
        first_strength = before.index(0.0)
        return "deteriorating" if any(x == 1.0 for x in before[:first_strength]) else "emerging"
    return "persistent"


def journey_window(visits: list["VisitCol"]) -> list[int]:
    """Indexes of the visits in the current improvement journey (see module docstring)."""
    vis = [i for i, v in enumerate(visits) if v.kind in ("monitoring_visit", "focused_visit")]
    if not vis:
        return list(range(len(visits)))
    insp = [i for i in range(vis[0]) if visits[i].kind == "inspection"]
    start = insp[-1] if insp else vis[0]
    return list(range(start, vis[-1] + 1))


TREND_LABELS = {"persistent": "persistent concern", "resolved": "resolved", "improving": "improving",
                "emerging": "emerging concern", "deteriorating": "deteriorating",
                "not_enough_evidence": "not enough evidence", "consistent_strength": "consistent strength"}


_POL_RANK = {"concern": 0, "mixed": 1, "strength": 2}


def pick_quotes(rows: list, n: int) -> list[dict]:
    """The most representative quotes of one theme in one visit: concerns and mixed first,
    then by tag score and order in the letter; at most n - 1 of one polarity when there
    are more candidates than places. Rows need text, polarity, score, seq and citation fields."""
    rows = sorted(rows, key=lambda r: (_POL_RANK.get(r["polarity"], 3), -r["score"], r["seq"]))[:50]
    out, seen = [], {}
    for r in rows:
        if len(out) >= n:
            break
        if seen.get(r["polarity"], 0) >= max(1, n - 1) and len(rows) > n:
            continue
        seen[r["polarity"]] = seen.get(r["polarity"], 0) + 1
        out.append(_quote_dict(r))
    return out


def _quotes_for(con, visit_id: str, theme: str, n: int = 3, min_score: float = 0.0) -> list[dict]:
    """The most representative quotes of a theme in one visit (see :func:`pick_quotes`)."""
    rows = con.execute(
        f"""SELECT f.text, f.page, f.paragraph, f.section, f.polarity, f.seq, t.score, d.la, d.kind, d.visit_id,
                  COALESCE(d.start_date, d.published) AS date, d.path
           FROM tags t JOIN findings f ON f.id = t.finding_id JOIN documents d ON d.id = f.doc_id
           WHERE d.visit_id = ? AND t.theme = ? AND t.score >= ? AND f.section_kind NOT IN {_NOT_FINDING_SQL}""",
        (visit_id, theme, min_score)).fetchall()
    return pick_quotes(rows, n)


def _quote_dict(r) -> dict:
    para = r["paragraph"]
    cite = f"{r['la']}, {KIND_LABELS.get(r['kind'], r['kind'])} {r['date']}" + \
        (f", para {para}" if para and not str(para).startswith("¶") else (f", {para}" if para else "")) + f", p. {r['page']}"
    return {"text": r["text"], "polarity": r["polarity"], "score": round(r["score"], 3), "page": r["page"],
            "paragraph": para, "section": r["section"], "visit_id": r["visit_id"], "date": r["date"],
            "citation": cite, "source": r["path"]}


def track(con: sqlite3.Connection, theme: str, la: str, *, taxonomy=None, quotes_per_visit: int = 3,
          min_score: float = 0.0, since: Optional[str] = None) -> dict:
    """One theme across a council's visits: verdict per visit, the trend, representative quotes."""
    tl = timeline(con, la, taxonomy=taxonomy, min_score=min_score, since=since)
    if theme not in tl.cells:  # a usage error (exit 2) that lists the themes
        import difflib

        from ..errors import UsageError
        ids = [t["id"] for t in tl.themes]
        hint = difflib.get_close_matches(theme, ids, n=3, cutoff=0.5)
        raise UsageError(f"unknown theme {theme!r}" + (f" (did you mean {', '.join(hint)}?)" if hint else "")
                         + f"; use one of: {', '.join(ids)}")
    name = next(t["name"] for t in tl.themes if t["id"] == theme)
    rows = []
    for v in tl.visits:
        cell = tl.cells[theme][v.id]
        rows.append({"visit_id": v.id, "label": v.label, "kind": v.kind, "date": v.date, "verdict": cell.verdict,
                     "concern": cell.concern, "strength": cell.strength, "mixed": cell.mixed, "in_focus": cell.in_focus,
                     "quotes": _quotes_for(con, v.id, theme, quotes_per_visit, min_score) if cell.total else []})
    window = journey_window(tl.visits)
    for i, r in enumerate(rows):
        r["in_trend"] = i in window
    tr = trend([rows[i]["verdict"] for i in window])
    return {"la": tl.la, "theme": theme, "name": name, "trend": tr, "trend_label": TREND_LABELS[tr],
            "trend_window": [rows[i]["visit_id"] for i in window], "visits": rows}


def compare(con: sqlite3.Connection, visit_a: str, visit_b: str, *, taxonomy=None, min_score: float = 0.0,
            quotes: int = 2) -> dict:
    """Per theme: concerns new / persistent / no longer raised, strengths gained / lost, quotes side by side."""
    docs = {}
    for vid in (visit_a, visit_b):
        r = con.execute("SELECT id, visit_id, la, la_urn, kind, COALESCE(start_date, published) AS date, focus_themes "
                        "FROM documents WHERE visit_id = ?", (vid,)).fetchone()
        if not r:
            raise KeyError(f"no visit with id {vid!r}")
        docs[vid] = r
    themes = _load_taxonomy_light(con, taxonomy)
    counts: dict = {vid: {} for vid in docs}
    for vid, r in docs.items():
        for theme, pol, n in con.execute(
                f"""SELECT t.theme, f.polarity, COUNT(*) FROM tags t JOIN findings f ON f.id = t.finding_id
                   WHERE f.doc_id = ? AND t.score >= ? AND f.section_kind NOT IN {_NOT_FINDING_SQL}
                   GROUP BY 1, 2""", (r["id"], min_score)):
            counts[vid].setdefault(theme, {})[pol] = n
    out = []
    for t in themes:
        cells = {}
        for vid, r in docs.items():
            c = counts[vid].get(t["id"], {})
            cell = Cell(theme=t["id"], visit_id=vid, concern=c.get("concern", 0), strength=c.get("strength", 0),
                        mixed=c.get("mixed", 0), neutral=c.get("neutral", 0),
                        in_focus=t["id"] in json.loads(r["focus_themes"]))
            cell.verdict = cell_verdict(cell)
            cells[vid] = cell
        a, b = cells[visit_a], cells[visit_b]
        a_con, b_con = a.concern + a.mixed > 0, b.concern + b.mixed > 0
        if a_con and b_con:
            status = "persistent concern"
        elif b_con:
            status = "new concern"
        elif a_con and b.verdict in ("not_examined", "examined_silent"):
            status = "no longer raised (not examined)"
        elif a_con:
            status = "no longer raised"
        elif a.strength and b.strength:
            status = "strength kept"
        elif b.strength:
            status = "strength gained"
        elif a.strength and b.verdict == "not_examined":
            status = "strength not examined"
        elif a.strength:
            status = "strength lost"
        else:
            status = "not examined in either" if a.verdict == b.verdict == "not_examined" else "no judgement"
        out.append({"theme": t["id"], "name": t["name"], "status": status,
                    "a": asdict(a) | {"quotes": _quotes_for(con, visit_a, t["id"], quotes, min_score) if a.total else []},
                    "b": asdict(b) | {"quotes": _quotes_for(con, visit_b, t["id"], quotes, min_score) if b.total else []}})
    ra, rb = docs[visit_a], docs[visit_b]
    return {"a": {"visit_id": visit_a, "la": ra["la"], "kind": ra["kind"], "date": ra["date"]},
            "b": {"visit_id": visit_b, "la": rb["la"], "kind": rb["kind"], "date": rb["date"]}, "themes": out}
