"""A council's own paper about a visit (cabinet or scrutiny report, press release): its words
are the council's, never stored or quoted as Ofsted's findings."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from . import DocKind, register

if TYPE_CHECKING:
    from ..model import Visit


def read_metadata(text: str, path: str, framework: str | None = None) -> Visit:
    """A council paper's council and date (``parse.meta.paper_meta``)."""
    from ..parse.meta import paper_meta

    return paper_meta(text, path)


# a council's own paper or press text about a visit
_COUNCIL_MARKERS = re.compile(
    r"^(report to|subject|lead officer|cabinet member|wards|agenda item|forward plan|brief for the committee|"
    r"origin of item|corporate priority|recommendations?$|executive summary$|press release|news)\b|"
    r"\b(cabinet|scrutiny|committee|the council(?:’s|'s)? (?:cabinet|leader)|councillor|our plan|we are)\b",
    re.I | re.M,
)
_MENTIONS_OFSTED = re.compile(r"\bofsted\b|monitoring visit|inspectors?\b", re.I)
_WE = re.compile(r"\bour\b|\bwe\b", re.I)


def claims(text: str, title_at: int | None) -> bool:
    """A council paper quotes a letter's title deep inside (two council markers before it),
    or, with no title at all, mentions Ofsted in a council's voice."""
    if title_at is not None:
        return len(_COUNCIL_MARKERS.findall(text[:title_at])) >= 2
    if _MENTIONS_OFSTED.search(text[:20000]):
        return bool(_COUNCIL_MARKERS.search(text[:20000]) or _WE.search(text[:5000]))
    return False


KIND = register(
    DocKind(
        name="council_paper",
        kind="council_paper",
        label="council paper",
        short="Paper",
        abbrev="paper",
        claims=claims,
        metadata=read_metadata,
        fields=("la_name", "published"),
        ofsted=False,
        strict_council=False,
        order=90,
        noun="",
        module=__name__,
    )
)
