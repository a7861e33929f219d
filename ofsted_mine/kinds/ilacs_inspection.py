"""Full inspection reports under ILACS (inspections of local authority children's services,
2018 onwards): judgement table, "What needs to improve", sections per judgement."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import Detector, DocKind, register

if TYPE_CHECKING:
    from ..model import Visit


def read_metadata(text: str, path: str, framework: str | None = None) -> Visit:
    """An inspection report's metadata, by its framework (``parse.meta.inspection_meta``)."""
    from ..parse.meta import inspection_meta

    return inspection_meta(text, framework, path)


#: the fields an inspection report's reader fills (shared by the three inspection frameworks)
INSPECTION_FIELDS = (
    "la_name",
    "start_date",
    "end_date",
    "published",
    "lead_inspector",
    "inspectors",
    "judgements",
)

KIND = register(
    DocKind(
        name="ilacs_inspection",
        kind="inspection",
        framework="ilacs",
        label="inspection",
        short="Inspection",
        abbrev="insp",
        detectors=(
            Detector(
                r"inspection of (?!services for)(?!looked after).{0,120}?"
                r"children[’']s (?:social care )?services",
                framework="ilacs",
            ),
            Detector(
                r"^inspection of (?!services for)(?!looked after)[^\n]{2,100}\n\s*inspection dates?",
                framework="ilacs",
            ),
        ),
        metadata=read_metadata,
        fields=INSPECTION_FIELDS,
        shape="report",
        first_section="summary",
        opens_journey=True,
        order=0,
        noun="report",
        site_titles=(
            Detector(
                r"^(?=.*\b(re-?)?inspection\b)"
                r"(?=.*(children|child|safeguarding|looked after|local authority|care leavers|ilacs|sif))",
                score=1,
            ),
        ),
        aliases=("inspections", "ilacs"),
        module=__name__,
    )
)
