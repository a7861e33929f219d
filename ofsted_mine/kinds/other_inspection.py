"""Older inspections stored under framework ``other``: the 2012–13 inspections of looked after
children services (their own grades: adequate…), inspections of safeguarding and looked after
children services, and stand-alone reviews of a Local Safeguarding Children Board."""

from __future__ import annotations

from . import Detector, DocKind, register
from .ilacs_inspection import INSPECTION_FIELDS, read_metadata

KIND = register(
    DocKind(
        name="other_inspection",
        kind="inspection",
        framework="other",
        label="inspection",
        short="Inspection",
        abbrev="insp",
        detectors=(
            Detector(
                r"inspection of looked after children services|"
                r"review of the effectiveness of the local safeguarding children board|"
                r"inspection of safeguarding and looked after children services",
                framework="other",
            ),
        ),
        metadata=read_metadata,
        fields=INSPECTION_FIELDS,
        shape="report",
        first_section="summary",
        opens_journey=True,
        order=0,
        noun="report",
        module=__name__,
    )
)
