"""The taxonomy in use with counts in the database."""

from __future__ import annotations

import sqlite3


def theme_counts(con: sqlite3.Connection | None, taxonomy=None) -> tuple[list[dict], str]:
    from ..vocab import NON_OFSTED_KINDS, sql_list
    from .timeline import taxonomy_of

    tax = taxonomy_of(con, taxonomy)
    counts: dict = {}
    if con is not None:
        for r in con.execute(f"""SELECT t.theme, f.polarity, COUNT(*) FROM tags t JOIN findings f ON f.id = t.finding_id
                                JOIN documents d ON d.id = f.doc_id
                                WHERE d.kind NOT IN {sql_list(NON_OFSTED_KINDS)} AND d.quoted = 1 GROUP BY 1, 2"""):
            counts.setdefault(r[0], {})[r[1]] = r[2]
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
