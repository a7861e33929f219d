"""The fallback: a document no registered kind recognises. Stored, searchable, never counted as
Ofsted's findings, and always with a warning saying so (a closed list never decides silently)."""

from __future__ import annotations

from . import DocKind, register

KIND = register(
    DocKind(
        name="unknown",
        kind="unknown",
        label="document",
        short="Document",
        abbrev="doc",
        ofsted=False,
        order=99,
        noun="",
        fallback=True,
        warning="not recognised as an Ofsted letter or report: stored as 'unknown'",
        module=__name__,
    )
)
