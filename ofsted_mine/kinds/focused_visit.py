"""Focused visit letters (and the 2020–21 assurance visits, in the same shape): one area of
practice in a council not judged inadequate; a visit that finds serious weaknesses sets
"areas for priority action", which open an improvement journey."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import Detector, DocKind, register
from .monitoring_visit import finish

if TYPE_CHECKING:
    from ..model import Visit


def read_metadata(text: str, path: str, framework: str | None = None) -> Visit:
    """A focused (or assurance) visit letter's metadata (``parse.meta.letter_meta``)."""
    from ..parse.meta import letter_meta

    return letter_meta(text, "focused_visit", path)


KIND = register(
    DocKind(
        name="focused_visit",
        kind="focused_visit",
        label="focused visit",
        short="FV",
        abbrev="fv",
        detectors=(
            Detector(r"(focused|assurance) visit (to|of) .{2,120}?children[’']s services"),
            Detector(
                r"this letter summarises the (findings|outcome) of (the|a|an) (focused|assurance) visit"
            ),
        ),
        metadata=read_metadata,
        fields=(
            "la_name",
            "start_date",
            "end_date",
            "published",
            "lead_inspector",
            "inspectors",
            "framework",
            "focus_areas",
            "progress_verdict",
        ),
        shape="letter",
        sets_actions=True,
        site_titles=(Detector(r"\b(focused|focussed|assurance) visit", score=2),),
        aliases=("focused", "assurance_visit", "fv"),
        order=2,
        finish=finish,
        module=__name__,
    )
)
