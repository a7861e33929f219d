"""Typed results of the cross-visit analysis, computed once in :mod:`ofsted_mine.analyse` and
only rendered by the views (terminal, JSON, CSV, Markdown, HTML, XLSX).

* :class:`Source` — one stored document of a visit (a PDF, its text copy, a re-published PDF);
* :class:`VisitCol` — one visit (council + kind + start date) as a column of the grid;
* :class:`Journey` — an improvement journey: an inspection (or a focused visit that sets
  actions), the visits that belong to it, and the inspection that closes it;
* :class:`Cell` — one theme in one visit: finding counts and the verdict;
* :class:`Quote` — one cited finding;
* :class:`TrackVisit`, :class:`Track` — one theme across visits, its trend over a window, and
  where it stands now;
* :class:`Timeline` — a council's visits x themes, its journeys and the default trend window;
* :class:`CompareTheme`, :class:`Comparison` — two visits side by side, theme by theme.

Every result has ``to_dict()``; its JSON shapes are the ones ``timeline``/``track``/``compare
--format json`` print (the keys other tools rely on are kept; ``journeys`` is added).
Views must not recompute a verdict, a trend or a status: they read these fields.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from ..vocab import CELL_LABELS, CELL_LETTERS, TREND_LABELS


@dataclass
class Source:
    """One stored document of a visit. ``doc_id`` is the document's own id (``visit_id`` of its
    database row); ``quoted`` marks the one source whose findings are counted and quoted."""

    doc_id: str
    path: str
    format: str
    published: str | None = None
    sha256: str = ""
    quoted: bool = True


@dataclass
class VisitCol:
    """One visit: a column of the timeline grid."""

    id: str
    kind: str
    label: str
    date: str | None
    visit_number: int | None
    progress_verdict: str | None
    judgements: dict
    focus_areas: list
    focus_themes: list
    framework: str | None = None
    published: str | None = None
    end_date: str | None = None
    sets_actions: bool = False  # has "areas for priority action"
    journey: int | None = None  # index (1-based) of the journey it belongs to
    sources: list[Source] = field(default_factory=list)

    @property
    def quoted_source(self) -> Source | None:
        """The source quoted for this visit (Ofsted's own PDF first), or None."""
        return next((s for s in self.sources if s.quoted), self.sources[0] if self.sources else None)


@dataclass
class Journey:
    """An improvement journey. ``visits``: its visit ids in date order, the opening visit first and
    the closing inspection (which also opens the next journey) last when there is one."""

    index: int  # 1-based, oldest first
    opened_by: str  # visit id
    closed_by: str | None  # visit id of the next journey's opening visit, or None
    visits: list[str]
    start: str | None
    end: str | None  # the closing visit's date, or the council's latest document's
    current: bool  # the journey the council is on now (it ends at the latest document)
    framework: str | None = None  # framework of the opening visit (SIF, ILACS, other)
    closing_framework: str | None = None
    months: int | None = None  # from the opening to the closing (or latest) visit
    opened_with: str | None = None  # the opening visit's overall grade or headline verdict
    closed_with: str | None = None  # the closing inspection's overall grade
    label: str = ""  # "Inspection 2023-01 (ILACS, inadequate) → Inspection 2024-10 (good)"

    @property
    def framework_change(self) -> bool:
        """True when the journey closed under another framework than the one it opened under."""
        return bool(
            self.closed_by
            and self.framework
            and self.closing_framework
            and self.framework != self.closing_framework
        )

    def to_dict(self) -> dict:
        """The journey as plain data (the JSON shape)."""
        return asdict(self) | {"framework_change": self.framework_change}


@dataclass
class Cell:
    """One theme in one visit: how many findings carry the theme, by polarity, and the verdict
    (``analyse.cells.cell_verdict``)."""

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
        """How many findings carry the theme (every polarity)."""
        return self.concern + self.strength + self.mixed + self.neutral

    @property
    def judged(self) -> int:
        """How many of them are judged (concern, strength or mixed: not neutral)."""
        return self.concern + self.strength + self.mixed

    @property
    def examined(self) -> bool:
        """At least one finding of the visit carries the theme."""
        return self.total > 0

    @property
    def label(self) -> str:
        """The verdict in words."""
        return CELL_LABELS.get(self.verdict, self.verdict)

    @property
    def letter(self) -> str:
        """The verdict's one-letter abbreviation."""
        return CELL_LETTERS.get(self.verdict, "?")

    @property
    def counts(self) -> str:
        """``c/m/s`` counts, '' when no judged finding."""
        return f"{self.concern}/{self.mixed}/{self.strength}" if self.judged else ""

    def to_dict(self) -> dict:
        """The cell as plain data (the JSON shape)."""
        return asdict(self) | {"label": self.label}


@dataclass
class Quote:
    """One finding quoted as evidence, with its citation."""

    text: str
    polarity: str | None
    score: float
    page: int | None
    paragraph: str | None
    section: str | None
    visit_id: str
    date: str | None
    citation: str
    source: str
    published: str | None = None
    finding_id: int | None = None

    def to_dict(self) -> dict:
        """The quote as plain data (the JSON shape)."""
        return asdict(self)


@dataclass
class TrackVisit:
    """One visit of a theme's track."""

    visit_id: str
    label: str
    kind: str
    date: str | None
    verdict: str
    concern: int
    strength: int
    mixed: int
    neutral: int
    in_focus: bool
    in_trend: bool
    quotes: list[Quote] = field(default_factory=list)

    def to_dict(self) -> dict:
        """The visit's row of a track as plain data (the JSON shape)."""
        d = asdict(self)
        d["label_verdict"] = CELL_LABELS.get(self.verdict, self.verdict)
        return d


@dataclass
class Track:
    """One theme across a council's visits: the verdict per visit, the trend over ``trend_window``
    (visit ids: a journey including its closing inspection, by default the one that reaches the
    council's latest document), and where it stands now (the latest visit that examined it)."""

    la: str
    theme: str
    name: str
    group: str
    trend: str
    trend_window: list[str]
    visits: list[TrackVisit]
    journey: int | None = None  # the journey the window is, if it is one
    now: str | None = None  # visit id of the latest visit with a finding on the theme
    now_verdict: str | None = None
    not_examined_since: str | None = None  # = now, when later visits have no finding on the theme

    @property
    def trend_label(self) -> str:
        """The trend in words."""
        return TREND_LABELS.get(self.trend, self.trend)

    def to_dict(self) -> dict:
        """The track as plain data (the JSON shape)."""
        return {
            "la": self.la,
            "theme": self.theme,
            "name": self.name,
            "group": self.group,
            "trend": self.trend,
            "trend_label": self.trend_label,
            "trend_window": list(self.trend_window),
            "journey": self.journey,
            "now": self.now,
            "now_verdict": self.now_verdict,
            "not_examined_since": self.not_examined_since,
            "visits": [v.to_dict() for v in self.visits],
        }


@dataclass
class Timeline:
    """A council's visits x themes. ``window``: visit ids of the default trend window (see
    ``analyse.journeys.default_window``); ``trends``: theme id -> trend over it."""

    la: str
    la_urn: str
    visits: list[VisitCol]
    themes: list[dict]  # id, name, group
    cells: dict[str, dict[str, Cell]]  # theme -> visit id -> cell
    journey: list[str] = field(
        default_factory=list
    )  # the one-line history: "Inspection 2023-01: inadequate", ...
    journeys: list[Journey] = field(default_factory=list)
    window: list[str] = field(default_factory=list)
    window_journey: int | None = None
    trends: dict[str, str] = field(default_factory=dict)

    def visit(self, visit_id: str) -> VisitCol | None:
        """The visit column with this id, or None."""
        return next((v for v in self.visits if v.id == visit_id), None)

    def to_dict(self) -> dict:
        """The timeline as plain data (the JSON shape): visits, themes, cells, journeys, trends."""
        return {
            "la": self.la,
            "la_urn": self.la_urn,
            "journey": self.journey,
            "journeys": [j.to_dict() for j in self.journeys],
            "window": list(self.window),
            "window_journey": self.window_journey,
            "visits": [asdict(v) for v in self.visits],
            "themes": self.themes,
            "cells": {t: {v: c.to_dict() for v, c in row.items()} for t, row in self.cells.items()},
            "trends": {
                t: {"trend": tr, "trend_label": TREND_LABELS.get(tr, tr)} for t, tr in self.trends.items()
            },
        }


@dataclass
class VisitRef:
    """One side of a comparison: the visit, its council, kind and dates."""

    visit_id: str
    la: str | None
    kind: str
    date: str | None
    label: str = ""
    published: str | None = None


@dataclass
class CompareTheme:
    """One theme in two visits: the two cells (the same cells as the timeline's) and the status
    that follows from their verdicts (``analyse.cells.compare_status``)."""

    theme: str
    name: str
    status: str
    a: Cell
    b: Cell
    a_quotes: list[Quote] = field(default_factory=list)
    b_quotes: list[Quote] = field(default_factory=list)

    def to_dict(self) -> dict:
        """The theme's comparison as plain data (the JSON shape)."""
        return {
            "theme": self.theme,
            "name": self.name,
            "status": self.status,
            "a": self.a.to_dict() | {"quotes": [q.to_dict() for q in self.a_quotes]},
            "b": self.b.to_dict() | {"quotes": [q.to_dict() for q in self.b_quotes]},
        }


@dataclass
class Comparison:
    """Two visits compared theme by theme (see :func:`ofsted_mine.analyse.timeline.compare`)."""

    a: VisitRef
    b: VisitRef
    themes: list[CompareTheme]

    def to_dict(self) -> dict:
        """The comparison as plain data (the JSON shape)."""
        return {"a": asdict(self.a), "b": asdict(self.b), "themes": [t.to_dict() for t in self.themes]}
