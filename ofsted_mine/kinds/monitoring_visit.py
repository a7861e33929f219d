"""Monitoring visit letters: HMI's quarterly-ish visits to a council judged inadequate."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import Detector, DocKind, register

if TYPE_CHECKING:
    from ..model import Document, Visit


def read_metadata(text: str, path: str, framework: str | None = None) -> Visit:
    """A monitoring visit letter's metadata (``parse.meta.letter_meta``; loaded when first used)."""
    from ..parse.meta import letter_meta

    return letter_meta(text, "monitoring_visit", path)


def finish(doc: Document) -> None:
    """Focus areas and progress verdict, once the letter is segmented (``parse.meta.letter_finish``)."""
    from ..parse.meta import letter_finish

    letter_finish(doc)


KIND = register(
    DocKind(
        name="monitoring_visit",
        kind="monitoring_visit",
        label="monitoring visit",
        short="MV",
        abbrev="mv",
        detectors=(
            Detector(r"monitoring visit (to|of) .{2,120}?children[’']s services"),
            Detector(r"this letter summarises the (findings|outcome) of (the|a) monitoring visit"),
        ),
        metadata=read_metadata,
        fields=(
            "la_name",
            "start_date",
            "end_date",
            "published",
            "visit_number",
            "inadequate_date",
            "lead_inspector",
            "inspectors",
            "framework",
            "focus_areas",
            "progress_verdict",
        ),
        shape="letter",
        order=1,
        numbered=True,
        site_titles=(Detector(r"\bmonitoring visit", score=3),),
        aliases=("monitoring", "mv"),
        finish=finish,
        module=__name__,
    )
)
