"""Data-driven patterns for parsing: section headings, judgement rows, grades, verdicts.

Kept as plain tables so they can be read, tested and extended without touching the
parsing code.
"""

from __future__ import annotations

import re

from ..headings import SECTION_KINDS, SECTION_RES, heading_kind  # noqa: F401

# sections whose sentences are context or boilerplate, not findings about practice

GRADE_RE = re.compile(
    r"requires?\s+improvement(?:\s+to\s+be\s+good)?|inadequate|outstanding|good|not\s+judged|adequate", re.I
)


def norm_grade(g: str) -> str:
    """A grade as printed, normalised ("Requires improvement to be good" -> "requires improvement")."""
    g = re.sub(r"\s+", " ", g.lower())
    if g.startswith("requir"):
        return "requires improvement"
    return g


# judgement row labels -> key. Order matters (longer, more specific first).
JUDGEMENT_ROWS: list[tuple[str, str]] = [
    (r"impact of leaders on (?:social work )?practice(?: with children and families)?", "leaders"),
    (r"experiences and progress of children who need help and protection", "help_protection"),
    (r"experiences and progress of children in care and care leavers", "in_care"),
    (r"experiences and progress of children in care", "in_care"),
    (r"experiences and progress of (?:children )?care leavers", "care_leavers"),
    (r"overall effectiveness", "overall"),
    # SIF
    (r"\b1\.\s*children who need help and protection", "help_protection"),
    (r"\b2\.\s*children looked after and achieving permanence", "in_care"),
    (r"\b2\.1\s*adoption performance", "adoption"),
    (r"\b2\.2\s*experiences and progress of care leavers", "care_leavers"),
    (r"\b3\.\s*leadership,? management and governance", "leaders"),
]
JUDGEMENT_RES = [(re.compile(p.replace(" ", r"\s+"), re.I), k) for p, k in JUDGEMENT_ROWS]

SIF_OVERALL_RES = [
    re.compile(r"children[’']s services? in .{2,80}? (?:are |is )?(" + GRADE_RE.pattern + ")", re.I),
    re.compile(
        r"the overall judgement is(?: that)?(?: children[’']s services?)?(?: (?:are|is|requires?))?\s+("
        + GRADE_RE.pattern
        + ")",
        re.I,
    ),
]
LSCB_RE = re.compile(
    r"effectiveness of the local safeguarding children board(?: \(LSCB\))?(?: is| requires)\s+("
    + GRADE_RE.pattern
    + ")",
    re.I,
)

# overall verdict of a monitoring/focused visit, from its headline findings (first match wins)
PROGRESS_VERDICTS: list[tuple[str, str]] = [
    (
        r"serious weaknesses|widespread (or|and) serious|not (made|making) (any|sufficient) progress|"
        r"deteriorat|has declined|have declined",
        "serious_weaknesses",
    ),
    (
        r"too slow|insufficient progress|limited progress|progress (has been|is) (slow|limited|mixed)|"
        r"not (made|making) enough progress|slow progress|lack of progress|not improved|has not improved|"
        r"progress has stalled",
        "insufficient_progress",
    ),
    (
        r"(significant|considerable|strong|good|substantial|sustained|rapid|sound|clear|"
        r"steady) (and \w+ )?progress|gather(ing|ed) pace|progress (is|has been) (evident|sustained|"
        r"maintained)|continu(e|es|ing) to (improve|make progress)|(are|is) improving|have improved|"
        r"has improved|improvements? (have|has) been (made|sustained)",
        "good_progress",
    ),
    (
        r"some progress|progress in some|beginning to|early (signs|stages)|initial progress|"
        r"some improvement|mixed",
        "some_progress",
    ),
]
PROGRESS_RES = [(re.compile(p, re.I), k) for p, k in PROGRESS_VERDICTS]

PROGRESS_LABELS = {
    "good_progress": "Progress evident",
    "some_progress": "Some progress",
    "insufficient_progress": "Progress too slow",
    "serious_weaknesses": "Serious weaknesses",
}
