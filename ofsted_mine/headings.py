"""Known section headings of Ofsted letters and reports (shared by the read and parse stages).

``SECTION_KINDS`` is the shared table, used for every document; a document kind may declare
headings of its own (``DocKind.headings`` in ``ofsted_mine.kinds``), looked up first when the
caller says which kind of document the heading is in (``heading_kind(text, kind)``)."""

from __future__ import annotations

import re

from .kinds import registry as kinds

# (regex on a heading block, normalised section kind). First match wins.
SECTION_KINDS: list[tuple[str, str]] = [
    (r"^(monitoring|focused|assurance) visit (to|of) ", "opening"),
    (r"^areas? covered( by (the|this) visit)?", "areas_covered"),
    (r"^headline findings|^overview$", "headline_findings"),
    (r"^findings and evaluation of progress|^evaluation of progress", "findings"),
    (r"^main findings|^findings$", "findings"),
    (r"^areas? for priority action", "priority_action"),
    (
        r"^what needs to improve|^areas? for (improvement|development)|^recommendations?$|"
        r"^what the local authority needs to do",
        "what_needs_to_improve",
    ),
    (
        r"^(the )?experiences and progress of children who need help and protection|"
        r"^children who need help and protection",
        "judgement_help_protection",
    ),
    (
        r"^(the )?experiences and progress of care leavers|^(2\.2 )?experiences and progress of care leavers",
        "judgement_care_leavers",
    ),
    (
        r"^(the )?experiences and progress of children (in care|looked after)|"
        r"^children looked after and achieving permanence",
        "judgement_in_care",
    ),
    (r"^(the )?impact of leaders|^leadership,? management and governance", "judgement_leaders"),
    (r"^(2\.1 )?adoption performance|^adoption", "adoption"),
    (r"^executive summary|^summary of (key )?findings|^section 1: the local authority", "summary"),
    (r"^summary for children and young people", "children_summary"),
    (
        r"^(section 2: )?the (effectiveness of the )?local safeguarding children board|"
        r"^review of the effectiveness of the local safeguarding|^the lscb|^recommendations for the lscb",
        "lscb",
    ),
    (
        r"^information about this (inspection|local authority area|visit)|^about this inspection|"
        r"^the inspection judgements and what they mean|^what the inspection judgements mean|^contents$|"
        r"^any complaints|^ofsted produces|^the office for standards in education|"
        r"^if you would like a copy of this document|^piccadilly gate|^© crown copyright|"
        r"^ofsted will take the findings",
        "about",
    ),
    (r"^(the )?local authority$|^the local authority:?", "other"),
]
SECTION_RES = [(re.compile(p, re.I), k) for p, k in SECTION_KINDS]


_GRADE_ENDINGS = ("good", "outstanding", "inadequate", "improvement")
_GRADE_TAIL = re.compile(
    r"[:?]?\s*(requires? improvement( to be good)?|good|outstanding|inadequate)\s*$", re.I
)


# all heading patterns in one alternation (first match wins, as in the table): one search per line
_ONE = re.compile("|".join(f"(?P<k{i}>{p})" for i, (p, _) in enumerate(SECTION_KINDS)), re.I)
_LEADING_NUMBER = re.compile(r"^\d+(\.\d+)?\.?\s+")


_BY_KIND: dict[tuple[str, tuple], tuple[re.Pattern[str], list[str]] | None] = {}


def _kind_table(kind: str) -> tuple[re.Pattern[str], list[str]] | None:
    """One alternation of a kind's own headings (None when it declares none)."""
    own = kinds.headings_for(kind)
    key = (kind, own)
    if key not in _BY_KIND:
        _BY_KIND[key] = (
            (
                re.compile("|".join(f"(?P<k{i}>{p})" for i, (p, _) in enumerate(own)), re.I),
                [k for _, k in own],
            )
            if own
            else None
        )
    return _BY_KIND[key]


def heading_kind(text: str, kind: str | None = None) -> str | None:
    """Normalised kind of a heading as printed, or None when it is not a known heading.

    ``kind``: the document kind the heading is in; its own headings are looked up first."""
    t = text.strip()
    if not t or len(t) > 200:
        return None
    if t.lower().endswith(_GRADE_ENDINGS):  # cheap test first: the regex scans the whole line
        t = _GRADE_TAIL.sub("", t)
    if not t.startswith(("2.1", "2.2")):
        t = _LEADING_NUMBER.sub("", t)
    if kind is not None:
        table = _kind_table(kind)
        if table is not None:
            m = table[0].match(t)
            if m and m.lastgroup:
                return table[1][int(m.lastgroup[1:])]
    m = _ONE.match(t)  # every pattern is anchored at the start of the heading
    return SECTION_KINDS[int(m.lastgroup[1:])][1] if m and m.lastgroup else None


# prose that opens Ofsted's back matter (address, licence, complaints): everything after is not findings
BACKMATTER_RE = re.compile(
    r"^(the office for standards in education, children[’']s services and skills \(ofsted\) regulates|"
    r"if you would like a copy of this document in a different format|ofsted has published|"
    r"any complaints about the inspection or the report|you are encouraged to use our online)",
    re.I,
)
