"""The shared vocabulary of ofsted-mine: one place for the words every stage uses.

Document kinds, section kinds (and which of them hold findings), cell verdicts, trend
labels, comparison statuses, follow-up statuses and the citation format. Every stage
(parse, store, analyse, report, CLI) imports these instead of keeping its own copy, so a
word means the same thing in the terminal, JSON, CSV, Markdown, HTML and XLSX.

Nothing here imports anything heavy: the query path stays fast.
"""

from __future__ import annotations

# ------------------------------------------------------------------ document kinds
# Declared once, in ofsted_mine/kinds (one module per kind, registered there); these are the
# registry's views that the store, analyses and reports use.
from .kinds import registry as _kinds  # noqa: E402

_KINDS = _kinds.all_kinds()
#: every document kind; council papers and unknown documents are never Ofsted findings
DOC_KINDS = _kinds.kind_ids()
#: kinds whose sentences are Ofsted's findings (in the order a timeline lists them when dates tie)
OFSTED_KINDS = tuple(dict.fromkeys(k.kind for k in sorted(_KINDS, key=lambda k: k.order) if k.ofsted))
NON_OFSTED_KINDS = tuple(dict.fromkeys(k.kind for k in _KINDS if not k.ofsted))
#: a full inspection always opens an improvement journey (and closes the one before it)
JOURNEY_OPENING_KINDS = tuple(dict.fromkeys(k.kind for k in _KINDS if k.opens_journey))
#: a focused (or assurance) visit opens a journey only when it sets actions (areas for priority action)
ACTION_SETTING_KINDS = tuple(dict.fromkeys(k.kind for k in _KINDS if k.sets_actions))
#: kinds whose recommendations are followed up (every Ofsted kind with recommendation sections)
RECOMMENDATION_KINDS = tuple(
    dict.fromkeys(
        k.kind for k in sorted(_KINDS, key=lambda k: k.order) if k.ofsted and k.recommendation_sections
    )
)

#: kinds a fetch from Ofsted's website can ask for (those the site's listing titles name)
SITE_KINDS = tuple(dict.fromkeys(k.kind for k in sorted(_KINDS, key=lambda k: k.order) if k.site_titles))
#: every name a user may give for a kind (``--kind mv``) -> its id
KIND_ALIASES = _kinds.kind_aliases()

#: the kind in running text and citations
KIND_LABELS = {i: _kinds.by_id(i).label for i in DOC_KINDS}
#: the kind in a column head ("MV3 2023-05", "Inspection 2024-10")
KIND_SHORT = {i: _kinds.by_id(i).short for i in DOC_KINDS}
#: the kind in a visit id ("eastmere-mv1-2023-05-16")
KIND_ID = {i: _kinds.by_id(i).abbrev for i in DOC_KINDS}
#: what a document of the kind is called after its label ("monitoring visit letter", "inspection report")
KIND_NOUNS = {i: _kinds.by_id(i).noun for i in DOC_KINDS}
#: kinds whose visits are numbered in their series ("MV3")
NUMBERED_KINDS = tuple(i for i in DOC_KINDS if _kinds.by_id(i).numbered)

FRAMEWORKS = {"sif": "SIF", "ilacs": "ILACS", "other": "other"}

#: monitoring/focused visits: the headline verdict class
PROGRESS_VERDICTS = {
    "good_progress": "progress evident",
    "some_progress": "some progress",
    "insufficient_progress": "progress too slow",
    "serious_weaknesses": "serious weaknesses",
}

#: inspection judgement grades in short (one-line judgements, the journey's steps)
GRADE_SHORT = {
    "outstanding": "O",
    "good": "G",
    "requires improvement": "RI",
    "inadequate": "I",
    "not judged": "NJ",
    "adequate": "A",
}

# ------------------------------------------------------------------ section kinds
#: sections whose sentences are not findings about practice: the letter header and signature,
#: Ofsted's back matter, a letter's opening paragraph and its list of areas covered
NON_FINDING_SECTIONS = ("header", "closing", "about", "opening", "areas_covered")
#: sections that are never quotes at all (the opening and the areas covered are context, shown on request)
NEVER_QUOTED_SECTIONS = ("header", "closing", "about")
#: sections where Ofsted addresses recommendations to the council
RECOMMENDATION_SECTIONS = ("what_needs_to_improve", "priority_action")
#: every section kind the parser gives (headings.SECTION_KINDS plus the structural ones; the
#: kinds' own headings add theirs at the end)
SECTION_KINDS: tuple[str, ...] = (
    "header",
    "opening",
    "areas_covered",
    "headline_findings",
    "findings",
    "priority_action",
    "what_needs_to_improve",
    "judgement_help_protection",
    "judgement_care_leavers",
    "judgement_in_care",
    "judgement_leaders",
    "adoption",
    "summary",
    "children_summary",
    "lscb",
    "about",
    "closing",
    "other",
)
SECTION_KINDS += tuple(k for k in _kinds.section_kinds() if k not in SECTION_KINDS)


def holds_findings(section_kind: str | None) -> bool:
    """Whether sentences of this section kind are findings (counted, tagged, quoted)."""
    return (section_kind or "") not in NON_FINDING_SECTIONS


def sql_list(values) -> str:
    """A tuple of string constants as an SQL list literal: ``('a', 'b')`` (constants only, never
    user input)."""
    return "(" + ", ".join("'" + str(v).replace("'", "''") + "'" for v in values) + ")"


NOT_FINDING_SQL = sql_list(NON_FINDING_SECTIONS)

# ------------------------------------------------------------------ polarity
POLARITIES = ("concern", "mixed", "strength", "neutral")

# ------------------------------------------------------------------ cell verdicts (one theme in one visit)
#: a cell needs at least this many judged (concern, mixed or strength) findings for a verdict;
#: with fewer it is ``too_little``: examined, but too little evidence to weigh
MIN_CELL_EVIDENCE = 2
#: every cell verdict, worst first (see ``analyse.cells.cell_verdict`` for the rule)
CELL_VERDICTS = (
    "concern",
    "mixed",
    "mostly_strength",
    "strength",
    "too_little",
    "neutral",
    "examined_silent",
    "not_examined",
)
#: verdicts of a cell that weighed its evidence (used by trends)
JUDGED_VERDICTS = ("concern", "mixed", "mostly_strength", "strength")
#: verdicts of a cell where at least one finding carries the theme (the theme was examined)
EXAMINED_VERDICTS = ("concern", "mixed", "mostly_strength", "strength", "too_little", "neutral")
CELL_LABELS = {
    "concern": "concern",
    "mixed": "mixed",
    "mostly_strength": "mostly strengths",
    "strength": "no concerns",
    "too_little": "too little evidence",
    "neutral": "neutral only",
    "examined_silent": "in areas covered, nothing recorded",
    "not_examined": "not examined",
}
#: one letter per verdict: the terminal, Markdown and the pack's grid show it next to the colour
CELL_LETTERS = {
    "concern": "C",
    "mixed": "M",
    "mostly_strength": "s",
    "strength": "S",
    "too_little": "?",
    "neutral": "N",
    "examined_silent": "0",
    "not_examined": "–",
}
#: the score of a judged cell for trends: higher is worse
CELL_SCORE = {"concern": 1.0, "mixed": 0.5, "mostly_strength": 0.25, "strength": 0.0}

# ------------------------------------------------------------------ trends (one theme over a window)
TRENDS = (
    "persistent",
    "deteriorating",
    "emerging",
    "improving",
    "resolved",
    "consistent_strength",
    "steady",
    "not_enough_evidence",
)
TREND_LABELS = {
    "persistent": "persistent concern",
    "deteriorating": "deteriorating",
    "emerging": "emerging concern",
    "improving": "improving",
    "resolved": "resolved",
    "consistent_strength": "strengths throughout",
    "steady": "no clear change",
    "not_enough_evidence": "not enough evidence",
}

# ------------------------------------------------------------------ comparison of two visits
COMPARE_STATUSES = (
    "persistent concern",
    "new concern",
    "concern eased",
    "no longer raised",
    "not examined later",
    "strength kept",
    "strength gained",
    "strength lost",
    "strength not examined later",
    "still mixed",
    "now mixed",
    "too little evidence",
    "not examined in either",
)

# ------------------------------------------------------------------ recommendation follow-up
#: statuses of one recommendation at one later visit (boards' words), with a red-amber-green colour
#: (rules: analyse/followup.py); "not yet examined" is the latest status of an item no later visit
#: has evidence about; "no specific evidence" / "not examined" are cells without evidence
FOLLOWUP_STATUSES = (
    "met",
    "progressing",
    "not met",
    "not yet examined",
    "repeated",
    "no specific evidence",
    "not examined",
)
FOLLOWUP_RAG = {
    "met": "green",
    "progressing": "amber",
    "not met": "red",
    "repeated": "red",
    "not yet examined": "grey",
    "no specific evidence": "grey",
    "not examined": "grey",
}
#: one letter per follow-up status (terminal and grids show it next to the colour, with a legend)
FOLLOWUP_LETTERS = {
    "met": "M",
    "progressing": "P",
    "not met": "N",
    "repeated": "R",
    "no specific evidence": "?",
    "not examined": "–",
    "not yet examined": "–",
}


# ------------------------------------------------------------------ labels and citations
def visit_label(kind: str, visit_number: int | None, date: str | None) -> str:
    """A visit's short label: ``MV3 2023-05``, ``Inspection 2024-10``."""
    k = KIND_SHORT.get(kind, kind)
    if kind in NUMBERED_KINDS and visit_number:
        k += str(visit_number)
    return f"{k} {date[:7] if date else '?'}"


def paragraph_text(paragraph) -> str:
    """``para 12`` for a printed paragraph number, ``¶3`` for an unnumbered one, else ''."""
    if paragraph is None or paragraph == "":
        return ""
    p = str(paragraph)
    if p.startswith("•"):
        return f"bullet {p[1:]}"  # the n-th bullet of a list (recommendations)
    return p if p.startswith("¶") else f"para {p}"


def citation(
    la: str | None,
    kind: str,
    date: str | None,
    paragraph=None,
    page=None,
    published: str | None = None,
) -> str:
    """The one citation format:
    ``Eastmere, monitoring visit 2023-05-16 (published 2023-06-20), para 4, p. 2``.

    ``date`` is the visit's start date (else its publication date); the publication date is
    added when it is known and differs."""
    s = f"{la or 'unknown council'}, {KIND_LABELS.get(kind, kind)} {date or 'undated'}"
    if published and published != date:
        s += f" (published {published})"
    p = paragraph_text(paragraph)
    if p:
        s += f", {p}"
    if page is not None:
        s += f", p. {page}"
    return s


#: short forms of Ofsted's grades (timeline journeys, terminal tables)
GRADE_SHORT = {
    "outstanding": "O",
    "good": "G",
    "requires improvement": "RI",
    "inadequate": "I",
    "not judged": "NJ",
    "adequate": "A",
}
