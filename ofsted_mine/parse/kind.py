"""What is this document? Ofsted letter/report (and which framework), council paper, or unknown."""

from __future__ import annotations

import re

# each: (kind, framework, regex searched in the opening text of the document)
_OFSTED_TITLES: list[tuple[str, str | None, str]] = [
    ("jtai", None, r"joint targeted area inspection"),
    (
        "monitoring_visit",
        None,
        r"monitoring visit (to|of) .{2,120}?children[’']s services|this letter summarises the (findings|outcome) of (the|a) monitoring visit",
    ),
    (
        "focused_visit",
        None,
        r"(focused|assurance) visit (to|of) .{2,120}?children[’']s services|this letter summarises the (findings|outcome) of (the|a|an) (focused|assurance) visit",
    ),
    ("inspection", "sif", r"(re-)?inspection of services for children in need of help and protection"),
    (
        "inspection",
        "ilacs",
        r"inspection of (?!services for)(?!looked after).{0,120}?children[’']s (?:social care )?services",
    ),
    (
        "inspection",
        "ilacs",
        r"^inspection of (?!services for)(?!looked after)[^\n]{2,100}\n\s*inspection dates?",
    ),
    (
        "inspection",
        "other",
        r"inspection of looked after children services|review of the effectiveness of the local safeguarding children board|inspection of safeguarding and looked after children services",
    ),
]
_OFSTED_RES = [(k, f, re.compile(p.replace(" ", r"\s+"), re.I | re.S | re.M)) for k, f, p in _OFSTED_TITLES]

# a council's own paper or press text about a visit
_COUNCIL_MARKERS = re.compile(
    r"^(report to|subject|lead officer|cabinet member|wards|agenda item|forward plan|brief for the committee|"
    r"origin of item|corporate priority|recommendations?$|executive summary$|press release|news)\b|"
    r"\b(cabinet|scrutiny|committee|the council(?:’s|'s)? (?:cabinet|leader)|councillor|our plan|we are)\b",
    re.I | re.M,
)
_MENTIONS_OFSTED = re.compile(r"\bofsted\b|monitoring visit|inspectors?\b", re.I)


def detect_kind(text: str) -> tuple[str, str | None]:
    """Return (kind, framework) from the cleaned text of a document."""
    head = text[:1600]
    found = []
    for kind, framework, rx in _OFSTED_RES:
        m = rx.search(head)
        if m:
            found.append((m.start(), kind, framework, m))
    # the title (earliest match) decides: prose may mention other kinds of visit
    for _, kind, framework, m in sorted(found, key=lambda x: x[0])[:1]:
        # a council paper may quote a letter's title deep inside; Ofsted titles sit at the top
        before = head[: m.start()]
        if len(_COUNCIL_MARKERS.findall(before)) >= 2:
            return "council_paper", None
        return kind, framework
    if _MENTIONS_OFSTED.search(text[:20000]):
        if _COUNCIL_MARKERS.search(text[:20000]) or re.search(r"\bour\b|\bwe\b", text[:5000], re.I):
            return "council_paper", None
    return "unknown", None
