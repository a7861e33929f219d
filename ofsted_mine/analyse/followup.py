"""Recommendation follow-up: each recommendation Ofsted made to the council, against the evidence
about it in every later visit of its improvement journey. Computed once, here; the terminal,
JSON, CSV/XLSX action log and the readiness packs only render a :class:`FollowUp`.

**Items.** The council's recommendations as stored (``store.recommendations``: ILACS/focused
visit "What needs to improve", "Areas for priority action", SIF "Recommendations" with their
time group). The LSCB's recommendations are listed apart (``lscb_items``) and never followed
up as the council's.

**Window (journey).** A recommendation made by a visit is followed through the later visits of
its journey: every monitoring or focused visit after it, up to and including the next full
inspection, which closes the journey (and makes recommendations of its own). A focused visit
that sets actions opens a journey of its own in ``analyse/journeys.py``, but the recommendations
made before it are still followed until the next full inspection. Each visit counts once: its
quoted source (``timeline.council_visits``).

**Themes.** An item's themes are those the tagger gave to its sentences.

**Evidence** for an item in a later visit: the visit's findings (sentences outside the letter
header/closing, Ofsted's back matter, the areas covered and the LSCB part; neutral ones carry
no judgement and are left out) that share at least one of the item's themes **and** whose
wording is similar to the item's: TF-IDF cosine similarity (words and word pairs, English
stop words removed, words found in nearly every sentence such as "children", "care" or
"social" counted only inside word pairs, idf over the council's documents) of at least
:data:`SIMILARITY_THRESHOLD`.
At most :data:`EVIDENCE_SHOWN` quotes are kept, most similar first, and **the verdict is
computed from exactly those quotes** (so a shown quote never contradicts its verdict and no
hidden one decides it):

* ``met`` — the quotes are all strengths;
* ``not met`` — at least one concern and no strength;
* ``progressing`` — strengths together with concerns or mixed findings (or only mixed ones);
* ``repeated`` — the closing inspection makes a recommendation whose wording is similar to the
  item's (similarity >= :data:`REPEAT_THRESHOLD`); that recommendation is shown first;
* ``no specific evidence`` — the visit has findings on the item's themes, but none similar
  enough to this item;
* ``not examined`` — **only** when no finding of the visit carries any of the item's themes.

**Status** (latest) of an item: the verdict of its latest visit with evidence (met, progressing,
not met, repeated); ``not yet examined`` when no later visit has evidence about it. Colours
(red-amber-green): met green; progressing amber; not met and repeated red; the others grey.
Every verdict also has a word and a letter, so colour is never the only signal.
"""

from __future__ import annotations

import bisect
import math
import re
import sqlite3
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from ..vocab import FOLLOWUP_LETTERS, FOLLOWUP_RAG, NON_FINDING_SECTIONS, citation
from .journeys import split_journeys
from .timeline import council_visits, resolve_la

#: minimum TF-IDF cosine similarity between an item and a finding for the finding to be evidence
SIMILARITY_THRESHOLD = 0.12
#: minimum similarity between an item and a later inspection's recommendation for "repeated"
REPEAT_THRESHOLD = 0.30
#: quotes kept (and deciding the verdict) per item and visit
EVIDENCE_SHOWN = 3

MET, PROGRESSING, NOT_MET, REPEATED = "met", "progressing", "not met", "repeated"
NO_SPECIFIC, NOT_EXAMINED, NOT_YET = "no specific evidence", "not examined", "not yet examined"
#: verdict -> red-amber-green colour, and one letter for grids and terminals (vocab.py owns both)
RAG = FOLLOWUP_RAG
LETTER = FOLLOWUP_LETTERS
#: verdicts that rest on evidence (the others say there is none)
JUDGED = (MET, PROGRESSING, NOT_MET, REPEATED)
_EXCLUDED_SECTIONS = tuple(NON_FINDING_SECTIONS) + ("lscb",)


@dataclass
class Evidence:
    """One quote shown (and counted) for an item in a later visit."""

    text: str
    polarity: str  # concern | strength | mixed ("concern" for a repeating recommendation)
    similarity: float  # TF-IDF cosine with the item
    shared_themes: list[str]
    visit_id: str
    date: str | None
    page: int
    paragraph: str | None
    section: str | None
    citation: str  # "Norfolk, monitoring visit 2023-05-16, para 3, p. 2"
    source: str  # the file quoted
    finding_id: int | None = None
    repeats: bool = False  # a recommendation of the closing inspection that repeats the item

    def to_dict(self) -> dict:
        """The evidence as plain data (the JSON shape)."""
        return asdict(self)


@dataclass
class Cell:
    """An item in one later visit: the verdict and the quotes it rests on."""

    visit_id: str
    verdict: str
    evidence: list[Evidence] = field(default_factory=list)
    on_theme: int = 0  # findings of the visit that carry one of the item's themes

    @property
    def rag(self) -> str:
        """Red, amber or green for the cell's verdict (the pack's colour)."""
        return RAG[self.verdict]

    @property
    def letter(self) -> str:
        """The verdict's one-letter abbreviation."""
        return LETTER[self.verdict]

    def to_dict(self) -> dict:
        """The cell as plain data (the JSON shape)."""
        return {
            "visit_id": self.visit_id,
            "verdict": self.verdict,
            "rag": self.rag,
            "letter": self.letter,
            "on_theme": self.on_theme,
            "evidence": [e.to_dict() for e in self.evidence],
        }


@dataclass
class LaterVisit:
    """A visit that follows at least one recommendation (a column of the follow-up)."""

    id: str
    label: str  # "MV2 2023-06"
    kind: str
    date: str | None
    published: str | None


@dataclass
class Item:
    """One recommendation: where it was made, its themes, a cell per later visit of its journey,
    and its latest status."""

    ref: str  # "R1", "R2", … in date order (the council's items only)
    text: str
    tail: str | None  # "(outcome 1, national framework)"
    group: str | None  # "Immediately", "Within three months", … or None
    addressee: str  # council | lscb
    visit_id: str  # the visit that made it
    kind: str
    date: str | None
    published: str | None
    section: str | None
    paragraph: str | None
    page: int
    citation: str
    source: str
    themes: list[str]
    later: list[str] = field(default_factory=list)  # visit ids of its journey after it (in order)
    closes: str | None = None  # the inspection that closes its journey, if any
    cells: dict[str, Cell] = field(default_factory=dict)  # visit id -> cell
    status: str = NOT_YET
    status_visit: str | None = None

    @property
    def rag(self) -> str:
        """Red, amber or green for the item's status."""
        return RAG[self.status]

    def to_dict(self) -> dict:
        """The item as plain data (the JSON shape), its cells by visit id."""
        d = {
            k: getattr(self, k)
            for k in (
                "ref",
                "text",
                "tail",
                "group",
                "addressee",
                "visit_id",
                "kind",
                "date",
                "published",
                "section",
                "paragraph",
                "page",
                "citation",
                "source",
                "themes",
                "later",
                "closes",
                "status",
                "status_visit",
            )
        }
        d["rag"] = self.rag
        d["latest_status"], d["latest_visit"] = (
            self.status,
            self.status_visit,
        )  # the names report/board.py reads
        d["cells"] = {v: c.to_dict() for v, c in self.cells.items()}
        return d


@dataclass
class FollowUp:
    """One council's recommendations followed through its later visits (see the module docstring)."""

    la: str
    la_urn: str
    items: list[Item]  # the council's recommendations, date order
    lscb_items: list[Item]  # the LSCB's (listed, not followed up)
    visits: list[LaterVisit]  # every visit that follows some item, date order
    journeys: list[list[str]] = field(default_factory=list)  # visit ids per improvement journey
    similarity_threshold: float = SIMILARITY_THRESHOLD
    repeat_threshold: float = REPEAT_THRESHOLD

    def status_counts(self) -> dict[str, int]:
        """How many items have each status."""
        return dict(Counter(i.status for i in self.items))

    def to_dict(self) -> dict:
        """The follow-up as plain data (the JSON shape), with the rule's thresholds."""
        return {
            "la": self.la,
            "la_urn": self.la_urn,
            "items": [i.to_dict() for i in self.items],
            "lscb_items": [i.to_dict() for i in self.lscb_items],
            "visits": [asdict(v) for v in self.visits],
            "journeys": self.journeys,
            "status_counts": self.status_counts(),
            "rule": {
                "similarity_threshold": self.similarity_threshold,
                "repeat_threshold": self.repeat_threshold,
                "evidence_shown": EVIDENCE_SHOWN,
            },
        }


# ------------------------------------------------------------------ text similarity (no scikit-learn import)
_STOP = frozenset(
    """a about above after again against all also am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further had has
have having he her here hers him his how i if in into is it its itself just me more most my no nor
not now of off on once only or other our ours out over own same she should so some such than that
the their theirs them then there these they this those through to too under until up very was we
were what when where which while who whom why will with would you your ensure ensuring improve
improving improvement quality local authority authority's""".split()
)
#: words in nearly every sentence of a report: not counted alone (they still count inside word pairs)
_GENERIC = frozenset(
    """child children young people person family families care social work worker workers service
services practice practitioner practitioners council staff team teams""".split()
)
_WORD = re.compile(r"[a-z][a-z’'-]*[a-z]")


def _terms(text: str) -> list[str]:
    words = []
    for w in _WORD.findall(text.lower().replace("’", "'")):
        w = w.replace("'s", "")
        if w in _STOP or len(w) < 3:
            continue
        if len(w) > 4 and w.endswith("s") and not w.endswith("ss"):
            w = w[:-1]
        words.append(w)
    return [w for w in words if w not in _GENERIC] + [a + " " + b for a, b in zip(words, words[1:])]


class _Vectors:
    """Sublinear TF-IDF vectors, L2-normalised, over one council's texts."""

    def __init__(self, texts: list[str]):
        self.terms = [_terms(t) for t in texts]
        df = Counter(t for ts in self.terms for t in set(ts))
        n = len(texts) or 1
        self.idf = {t: math.log((1 + n) / (1 + c)) + 1.0 for t, c in df.items()}
        self.vecs = [self._vec(ts) for ts in self.terms]

    def _vec(self, ts: list[str]) -> dict[str, float]:
        v = {t: (1.0 + math.log(c)) * self.idf.get(t, 1.0) for t, c in Counter(ts).items()}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        return {t: x / norm for t, x in v.items()}

    @staticmethod
    def cosine(a: dict[str, float], b: dict[str, float]) -> float:
        return sum(a[t] * b[t] for t in a.keys() & b.keys())


# ------------------------------------------------------------------ the window of a recommendation
def _window(kinds: list[str], k: int, dates: list | None = None) -> list[int]:
    """Positions of the visits that follow the visit at ``k`` in its journey, up to and including
    the next full inspection (a document of the same date is another copy of the visit, not a
    later one)."""
    out = []
    for j in range(k + 1, len(kinds)):
        if dates is not None and (dates[j] or "") <= (dates[k] or ""):
            continue
        out.append(j)
        if kinds[j] == "inspection":
            break
    return out


# ------------------------------------------------------------------ the follow-up


class _Council:
    """One council's documents, recommendations and findings, indexed for the follow-up rule."""

    def __init__(
        self, c, docs: list[dict], recs: list, rows: list, lscb: dict, min_similarity: float, evidence: int
    ):
        self.c, self.docs, self.recs = c, docs, recs
        self.min_similarity, self.evidence = min_similarity, evidence
        self.kinds = [d["kind"] for d in docs]
        self.dates = [d["date"] for d in docs]
        self.pos = {d["id"]: i for i, d in enumerate(docs)}
        by_doc: dict[int, list] = {}
        self.all_by_doc: dict[int, list] = {}
        for r in rows:
            self.all_by_doc.setdefault(r["doc_id"], []).append(r)
            if r["section_kind"] in _EXCLUDED_SECTIONS or any(
                a <= r["start"] < b for a, b in lscb[r["doc_id"]]
            ):
                continue  # context, Ofsted's back matter, or the LSCB part (about the board, not the council)
            by_doc.setdefault(r["doc_id"], []).append(r)
        self.starts = {doc_id: [f["start"] for f in rs] for doc_id, rs in self.all_by_doc.items()}
        self.theme_cache: dict[int, list[str]] = {}
        self.theme_index = self._theme_index()
        self.council_recs = [r for r in recs if r["addressee"] == "council"]
        cands = [r for rs in by_doc.values() for r in rs if r["polarity"] in ("concern", "strength", "mixed")]
        vec = _Vectors([r["text"] for r in recs] + [f["text"] for f in cands])
        self.rvec = {r["id"]: vec.vecs[i] for i, r in enumerate(recs)}
        self.fvec = {f["id"]: vec.vecs[len(recs) + i] for i, f in enumerate(cands)}
        self.cands_by_doc: dict[int, list] = {}
        for f in cands:
            self.cands_by_doc.setdefault(f["doc_id"], []).append(f)
        self.recs_by_doc: dict[int, list] = {}
        for r in self.council_recs:
            self.recs_by_doc.setdefault(r["doc_id"], []).append(r)

    def _theme_index(self) -> dict[int, dict[str, set]]:
        """doc -> theme -> ids of its findings with the theme, counted as the timeline grid counts
        them (every finding section, the LSCB part too), so "not examined" here never contradicts
        the grid."""
        theme_index: dict[int, dict[str, set]] = {}
        for doc_id, rs in self.all_by_doc.items():
            idx = theme_index.setdefault(doc_id, {})
            for f in rs:
                if f["section_kind"] in NON_FINDING_SECTIONS:
                    continue
                for t in f["themes"].split(",") if f["themes"] else ():
                    idx.setdefault(t, set()).add(f["id"])
        return theme_index

    def rec_themes(self, rec) -> list[str]:
        """The themes of the sentences inside a recommendation's span, in order."""
        if rec["id"] not in self.theme_cache:
            seen: dict[str, None] = {}
            fs = self.all_by_doc.get(rec["doc_id"], [])
            k = max(0, bisect.bisect_right(self.starts.get(rec["doc_id"], []), rec["start"]) - 1)
            while k < len(fs) and fs[k]["start"] < rec["end"]:
                f = fs[k]
                if f["end"] > rec["start"] and f["themes"]:
                    for t in f["themes"].split(","):
                        seen.setdefault(t)
                k += 1
            self.theme_cache[rec["id"]] = list(seen)
        return self.theme_cache[rec["id"]]

    def _cite(self, d: dict, row) -> str:
        return citation(self.c.name, d["kind"], d["date"], row["paragraph"], row["page"], d["published"])

    def make_item(self, r, ref: str) -> Item:
        """A recommendation as an item of the follow-up (no later visits judged yet)."""
        d = self.docs[self.pos[r["doc_id"]]]
        return Item(
            ref=ref,
            text=r["text"],
            tail=r["tail"],
            group=r["grp"],
            addressee=r["addressee"],
            visit_id=d["visit_id"],
            kind=d["kind"],
            date=d["date"],
            published=d["published"],
            section=r["section"],
            paragraph=r["paragraph"],
            page=r["page"],
            citation=self._cite(d, r),
            source=d["path"],
            themes=self.rec_themes(r),
        )

    def evidence_of(self, f, d: dict, sim: float, shared: list[str]) -> Evidence:
        """A later finding shown as evidence for an item."""
        return Evidence(
            text=f["text"],
            polarity=f["polarity"],
            similarity=round(sim, 3),
            shared_themes=shared,
            visit_id=d["visit_id"],
            date=d["date"],
            page=f["page"],
            paragraph=f["paragraph"],
            section=f["section"],
            citation=self._cite(d, f),
            source=d["path"],
            finding_id=f["id"],
            repeats=False,
        )

    def linked(self, item: Item, rv: dict, d: dict) -> list[Evidence]:
        """The findings of a later document sharing a theme with the item and similar enough to
        it, most similar first (at most ``evidence``)."""
        found = []
        for f in self.cands_by_doc.get(d["id"], []):
            ft = f["themes"].split(",") if f["themes"] else []
            shared = [t for t in item.themes if t in ft]
            if not shared:
                continue
            sim = _Vectors.cosine(rv, self.fvec[f["id"]])
            if sim >= self.min_similarity:
                found.append((sim, f, shared))
        found.sort(key=lambda x: (-x[0], x[1]["id"]))
        return [self.evidence_of(f, d, sim, shared) for sim, f, shared in found[: self.evidence]]

    def repeat_in(self, item: Item, rv: dict, d: dict) -> Evidence | None:
        """The inspection ``d``'s own recommendation that repeats the item, if one is similar enough."""
        if d["kind"] != "inspection":
            return None
        sim, o = max(
            ((_Vectors.cosine(rv, self.rvec[o["id"]]), o) for o in self.recs_by_doc.get(d["id"], [])),
            key=lambda x: x[0],
            default=(0.0, None),
        )
        if o is None or sim < REPEAT_THRESHOLD:
            return None
        return Evidence(
            text=o["text"],
            polarity="concern",
            similarity=round(sim, 3),
            shared_themes=[t for t in item.themes if t in self.rec_themes(o)],
            visit_id=d["visit_id"],
            date=d["date"],
            page=o["page"],
            paragraph=o["paragraph"],
            section=o["section"],
            source=d["path"],
            repeats=True,
            citation=self._cite(d, o),
        )

    def cell(self, item: Item, rv: dict, d: dict) -> Cell:
        """The item's cell in one later visit: its verdict and the evidence shown."""
        on_theme = set().union(*(self.theme_index.get(d["id"], {}).get(t, ()) for t in item.themes))
        shown = self.linked(item, rv, d)
        repeat = self.repeat_in(item, rv, d)
        if repeat is not None:
            # the repeating recommendation decides; it is shown first (its own sentences are not repeated)
            shown = [repeat] + [e for e in shown if not (e.page == repeat.page and e.text in repeat.text)]
            shown = shown[: self.evidence]
            verdict = REPEATED
        elif shown:
            verdict = verdict_of([e.polarity for e in shown])
        else:
            verdict = NO_SPECIFIC if on_theme else NOT_EXAMINED
        return Cell(visit_id=d["visit_id"], verdict=verdict, evidence=shown, on_theme=len(on_theme))

    def follow(self, r, ref: str, used_visits: set[int]) -> Item:
        """One council recommendation followed through the later visits of its window."""
        item = self.make_item(r, ref)
        window = _window(self.kinds, self.pos[r["doc_id"]], self.dates)
        item.later = [self.docs[j]["visit_id"] for j in window]
        if window and self.kinds[window[-1]] == "inspection":
            item.closes = self.docs[window[-1]]["visit_id"]
        for j in window:
            used_visits.add(j)
            item.cells[self.docs[j]["visit_id"]] = self.cell(item, self.rvec[r["id"]], self.docs[j])
        for vid in reversed(item.later):
            cell = item.cells[vid]
            if cell.verdict in JUDGED:
                item.status, item.status_visit = cell.verdict, vid
                break
        return item


def followup(
    con: sqlite3.Connection,
    la: str,
    *,
    since: str | None = None,
    min_similarity: float = SIMILARITY_THRESHOLD,
    evidence: int = EVIDENCE_SHOWN,
) -> FollowUp:
    """The follow-up of one council's recommendations (see the module docstring for the rule).

    ``since``: only recommendations made on or after this date (YYYY-MM-DD) are listed; later
    visits are never cut off, so a window always runs to the council's latest document."""
    from ..store.findings import findings_with_themes
    from ..store.recommendations import lscb_spans_of
    from ..store.recommendations import recommendations as stored_recs
    from ..store.visits import document_paths

    c = resolve_la(la, con)
    # one row per visit: its quoted source (a second copy of a visit is never counted twice)
    cols, doc_of = council_visits(con, c.urn)
    journeys = [j.visits for j in split_journeys(cols)] if cols else []
    result = FollowUp(
        la=c.name,
        la_urn=c.urn,
        items=[],
        lscb_items=[],
        visits=[],
        journeys=journeys,
        similarity_threshold=min_similarity,
    )
    if not cols:
        return result
    paths = document_paths(con, doc_of.values())
    docs: list[dict[str, Any]] = [
        {
            "id": doc_of[v.id],
            "visit_id": v.id,
            "kind": v.kind,
            "date": v.date,
            "published": v.published,
            "label": v.label,
            "path": paths[doc_of[v.id]],
        }
        for v in cols
    ]
    pos = {d["id"]: i for i, d in enumerate(docs)}
    recs = [r for r in stored_recs(con, la_urn=c.urn, addressee=None) if r["doc_id"] in pos]
    if not recs:
        return result
    # every finding of the council's visits, with its themes (one query)
    ids = [d["id"] for d in docs]
    cc = _Council(
        c, docs, recs, findings_with_themes(con, ids), lscb_spans_of(con, ids), min_similarity, evidence
    )

    def in_window(r) -> bool:
        return not since or (docs[pos[r["doc_id"]]]["date"] or "") >= since

    used_visits: set[int] = set()
    for r in cc.council_recs:
        if in_window(r):
            result.items.append(cc.follow(r, f"R{len(result.items) + 1}", used_visits))
    lscb_recs = (r for r in recs if r["addressee"] == "lscb")
    result.lscb_items = [cc.make_item(r, f"L{k}") for k, r in enumerate(lscb_recs, 1) if in_window(r)]
    result.visits = [
        LaterVisit(
            id=docs[j]["visit_id"],
            label=docs[j]["label"],
            kind=docs[j]["kind"],
            date=docs[j]["date"],
            published=docs[j]["published"],
        )
        for j in sorted(used_visits)
    ]
    return result


def verdict_of(polarities: list[str]) -> str:
    """The verdict from the polarities of the quotes shown (see the module docstring)."""
    c = sum(p == "concern" for p in polarities)
    s = sum(p == "strength" for p in polarities)
    m = sum(p == "mixed" for p in polarities)
    if s and not c and not m:
        return MET
    if c and not s:
        return NOT_MET
    if s or m:
        return PROGRESSING
    return NO_SPECIFIC
