"""Queries about stored documents as visits: a council's documents, one visit by id, paths.

Typed module functions over a connection, like the rest of :mod:`ofsted_mine.store` (see the
README's "Architecture" section); the analyses in :mod:`ofsted_mine.analyse` call these and
never write SQL themselves.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

_VISIT_COLUMNS = "id, visit_id, visit_key, la, la_urn, kind"


def has_column(con: sqlite3.Connection, table: str, col: str) -> bool:
    """True when ``table`` has a column ``col`` (older databases may lack newer columns)."""
    return any(r[1] == col for r in con.execute(f"PRAGMA table_info({table})"))


def council_documents(con: sqlite3.Connection, urn: str, kinds: Iterable[str]) -> list[sqlite3.Row]:
    """Every stored document of one council of these kinds, oldest first (the quoted source of a
    visit before its other copies), with what a timeline column needs: dates, verdicts,
    judgements, focus areas and themes (JSON text), the source file, and ``sets_actions``
    (a focused visit that set priority actions)."""
    kinds = tuple(kinds)
    return con.execute(
        f"""SELECT id, visit_id, kind, framework, COALESCE(start_date, published) AS date, published,
                   end_date, visit_number, progress_verdict, judgements, focus_areas, focus_themes, path,
                   format, sha256, visit_key, quoted,
                   CASE WHEN kind = 'focused_visit' THEN EXISTS (SELECT 1 FROM findings f
                        WHERE f.doc_id = documents.id AND f.section_kind = 'priority_action')
                   ELSE 0 END AS sets_actions
            FROM documents WHERE la_urn = ? AND kind IN ({",".join("?" * len(kinds))})
            ORDER BY COALESCE(start_date, published), quoted DESC, id""",
        (urn, *kinds),
    ).fetchall()


def visit_document(con: sqlite3.Connection, visit_id: str) -> sqlite3.Row | None:
    """The document stored under this visit id (id, visit_id, visit_key, la, la_urn, kind), or None."""
    return con.execute(f"SELECT {_VISIT_COLUMNS} FROM documents WHERE visit_id = ?", (visit_id,)).fetchone()


def quoted_document_of(con: sqlite3.Connection, visit_key: str) -> sqlite3.Row | None:
    """The quoted source among the documents of one visit (same columns as :func:`visit_document`)."""
    return con.execute(
        f"SELECT {_VISIT_COLUMNS} FROM documents WHERE visit_key = ? ORDER BY quoted DESC LIMIT 1",
        (visit_key,),
    ).fetchone()


def visit_ids_like(con: sqlite3.Connection, text: str, limit: int = 5) -> list[str]:
    """Stored visit ids containing ``text`` (for "did you mean"), in order."""
    return [
        r[0]
        for r in con.execute(
            "SELECT visit_id FROM documents WHERE visit_id LIKE ? ORDER BY visit_id LIMIT ?",
            (f"%{text}%", limit),
        )
    ]


def document_paths(con: sqlite3.Connection, doc_ids: Iterable[int]) -> dict[int, str]:
    """Database id -> source file path, for these documents."""
    ids = list(doc_ids)
    if not ids:
        return {}
    return dict(
        con.execute(
            f"SELECT id, path FROM documents WHERE id IN ({','.join('?' * len(ids))})", ids
        ).fetchall()
    )


def document_path_of_visit(con: sqlite3.Connection, visit_id: str) -> str | None:
    """The source file path of the document stored under this visit id, or None."""
    r = con.execute("SELECT path FROM documents WHERE visit_id = ?", (visit_id,)).fetchone()
    return r[0] if r else None


def document_text_of_visit(con: sqlite3.Connection, visit_id: str) -> tuple[int, str] | None:
    """(database id, cleaned text) of the document stored under this visit id, or None."""
    r = con.execute("SELECT id, text FROM documents WHERE visit_id=?", (visit_id,)).fetchone()
    return (r[0], r[1]) if r else None
