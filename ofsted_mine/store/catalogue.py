"""What a database holds, in summary: counts, the section kinds and councils it has documents
for (the web app's filters and front page). Typed module functions over a connection."""

from __future__ import annotations

import sqlite3


def set_busy_timeout(con: sqlite3.Connection, ms: int) -> None:
    """Wait up to ``ms`` milliseconds for another writer instead of failing at once."""
    con.execute(f"PRAGMA busy_timeout={int(ms)}")


def document_count(con: sqlite3.Connection) -> int:
    """How many documents are stored."""
    return con.execute("SELECT COUNT(*) FROM documents").fetchone()[0]


def finding_count(con: sqlite3.Connection) -> int:
    """How many findings are stored."""
    return con.execute("SELECT COUNT(*) FROM findings").fetchone()[0]


def stored_section_kinds(con: sqlite3.Connection) -> list[str]:
    """Every section kind stored, in alphabetical order."""
    return [r[0] for r in con.execute("SELECT DISTINCT kind FROM sections ORDER BY kind").fetchall()]


def councils_with_documents(con: sqlite3.Connection) -> list[dict]:
    """Councils with stored documents: ``la``, ``la_urn``, ``n`` documents, ``first`` and ``last``
    date, by name."""
    rows = con.execute("""SELECT la, la_urn, COUNT(*) AS n, MIN(COALESCE(start_date, published)) AS first,
                                 MAX(COALESCE(start_date, published)) AS last
                          FROM documents WHERE la_urn IS NOT NULL AND la_urn != ''
                          GROUP BY la_urn ORDER BY la""").fetchall()
    return [dict(r) for r in rows]
