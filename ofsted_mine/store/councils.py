"""The council table (:mod:`ofsted_mine.councils`) joined with what a database holds: the
councils not in the table it has documents for, ``--la`` resolved against both, and the
table with document counts (``ofsted-mine councils``).

:mod:`ofsted_mine.councils` stays reference data (no database); these functions give it the
stored councils it needs.
"""

from __future__ import annotations

import sqlite3

from .. import councils as table
from ..councils import UNLISTED_PREFIX, Council


def stored_unlisted(con: sqlite3.Connection) -> list[Council]:
    """The councils not in the table that a database holds documents for."""
    rows = con.execute(
        "SELECT la_urn, MIN(la) FROM documents WHERE la_urn LIKE ? GROUP BY la_urn", (UNLISTED_PREFIX + "%",)
    ).fetchall()
    return [table.unlisted_stored(r[0], r[1]) for r in rows]


def document_counts(con: sqlite3.Connection) -> dict[str, int]:
    """Council key (``la_urn``) -> how many documents are stored for it."""
    return {
        r[0]: r[1]
        for r in con.execute("SELECT la_urn, COUNT(*) FROM documents WHERE la_urn IS NOT NULL GROUP BY 1")
    }


def resolve_council(la: str, con: sqlite3.Connection | None = None) -> Council:
    """A council given by Ofsted URN, name, alias or slug (``--la``): the table's, else one not in
    the table whose documents ``con`` holds; :class:`ofsted_mine.councils.UnknownCouncilError`
    naming the closest councils otherwise."""
    return table.resolve_council(la, stored_unlisted(con) if con is not None else ())


def la_filter(la: str | None, con: sqlite3.Connection | None = None) -> str | None:
    """The stored key (``la_urn``) of the council ``--la`` names (see :func:`resolve_council`), or
    None when no council is asked for."""
    if not la:
        return None
    return resolve_council(la, con).urn


def suggestions(name: str, con: sqlite3.Connection | None = None, n: int = 3) -> list[str]:
    """The closest council names to a misspelt one (table names, aliases, stored unlisted ones)."""
    return table.suggestions(name, stored_unlisted(con) if con is not None else (), n)


def council_rows(
    con: sqlite3.Connection | None = None, *, include_fictional: bool = True, include_former: bool = True
) -> list[dict]:
    """The council table as rows (what ``ofsted-mine councils`` shows); with a database, also how
    many documents it holds for each, and the councils not in the table it holds documents for."""
    if con is None:
        return table.council_rows(None, include_fictional=include_fictional, include_former=include_former)
    return table.council_rows(
        document_counts(con),
        stored_unlisted(con),
        include_fictional=include_fictional,
        include_former=include_former,
    )
