"""Full inspection reports under the single inspection framework (SIF, 2013–2018): services
for children in need of help and protection, children looked after and care leavers, with a
review of the Local Safeguarding Children Board (whose recommendations are not the council's)."""

from __future__ import annotations

from . import Detector, DocKind, register
from .ilacs_inspection import INSPECTION_FIELDS, read_metadata

KIND = register(
    DocKind(
        name="sif_inspection",
        kind="inspection",
        framework="sif",
        label="inspection",
        short="Inspection",
        abbrev="insp",
        detectors=(
            Detector(
                r"(re-)?inspection of services for children in need of help and protection", framework="sif"
            ),
        ),
        metadata=read_metadata,
        fields=(*INSPECTION_FIELDS, "judgements.lscb"),
        shape="report",
        first_section="summary",
        opens_journey=True,
        order=0,
        noun="report",
        module=__name__,
    )
)
