"""The taxonomy in use with counts in the database."""

from __future__ import annotations

import sqlite3


def theme_counts(con: sqlite3.Connection | None, taxonomy=None) -> tuple[list[dict], str]:
    """Every theme of the taxonomy in use (see :func:`timeline.taxonomy_of`) with how many stored
    Ofsted findings carry it, by polarity; and a line naming the taxonomy."""
    from ..store.findings import theme_polarity_counts
    from .timeline import taxonomy_of

    tax = taxonomy_of(con, taxonomy)
    counts: dict = theme_polarity_counts(con) if con is not None else {}
    rows = []
    for t in tax.themes:
        c = counts.get(t.id, {})
        rows.append(
            {
                "id": t.id,
                "name": t.name,
                "group": t.group,
                "definition": t.definition,
                "findings": sum(c.values()),
                "concern": c.get("concern", 0),
                "strength": c.get("strength", 0),
                "mixed": c.get("mixed", 0),
                "neutral": c.get("neutral", 0),
            }
        )
    return rows, f"{tax.name} (v{tax.version}, {tax.source})"
