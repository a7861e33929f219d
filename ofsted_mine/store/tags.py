"""Queries and writes over the ``tags`` table and the findings' polarity (tagging, re-tagging).

Typed module functions over a connection (see the README's "Architecture" section).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from .search import _tags_for


def tags_for(con: sqlite3.Connection, finding_ids: Iterable[int]) -> dict[int, list[dict]]:
    """finding id -> its tags (theme, score, source, cues), highest score first."""
    return _tags_for(con, finding_ids)


def finding_themes(con: sqlite3.Connection, finding_id: int) -> list[str]:
    """The theme ids of one finding, highest score first."""
    return [
        t
        for (t,) in con.execute(
            "SELECT theme FROM tags WHERE finding_id=? ORDER BY score DESC", (finding_id,)
        )
    ]


def stored_theme_ids(con: sqlite3.Connection) -> list[str]:
    """Every theme id the database's tags use (in no particular order)."""
    return [r[0] for r in con.execute("SELECT DISTINCT theme FROM tags")]


def finding_exists(con: sqlite3.Connection, finding_id: int) -> bool:
    """True when a finding with this id is stored."""
    return con.execute("SELECT 1 FROM findings WHERE id=?", (finding_id,)).fetchone() is not None


def findings_to_retag(con: sqlite3.Connection) -> list[sqlite3.Row]:
    """Every stored finding with what the tagger reads (text, section kind and name, bullet,
    document, order, the document's kind and framework), in id order."""
    return con.execute("""SELECT f.id, f.text, f.section_kind, f.is_bullet, f.section, f.doc_id, f.seq,
                                 d.kind, d.framework
                          FROM findings f JOIN documents d ON d.id = f.doc_id ORDER BY f.id""").fetchall()


def clear_tags(con: sqlite3.Connection) -> None:
    """Delete every tag (re-tagging writes them again)."""
    con.execute("DELETE FROM tags")


def insert_tags(con: sqlite3.Connection, rows: Iterable[tuple[int, str, float, str, str]]) -> None:
    """Store tags: (finding id, theme, score, source, cues as JSON text)."""
    con.executemany("INSERT INTO tags (finding_id, theme, score, source, cues) VALUES (?,?,?,?,?)", rows)


def set_polarities(con: sqlite3.Connection, rows: Iterable[tuple[str, float, str, int]]) -> None:
    """Set findings' polarity: (polarity, score, cues as JSON text, finding id)."""
    con.executemany("UPDATE findings SET polarity=?, polarity_score=?, polarity_cues=? WHERE id=?", rows)


def clear_polarity_sources(con: sqlite3.Connection) -> None:
    """Forget who set each polarity (re-tagging: the model's again until corrections are applied)."""
    con.execute("UPDATE findings SET polarity_source=NULL WHERE polarity_source IS NOT NULL")


def document_focus_areas(con: sqlite3.Connection) -> list[tuple[int, str]]:
    """(document id, focus areas as JSON text) of every stored document."""
    return [(r[0], r[1]) for r in con.execute("SELECT id, focus_areas FROM documents").fetchall()]


def set_focus_themes(con: sqlite3.Connection, doc_id: int, themes_json: str) -> None:
    """Set one document's focus themes (JSON text)."""
    con.execute("UPDATE documents SET focus_themes=? WHERE id=?", (themes_json, doc_id))


def tag_rows(con: sqlite3.Connection, finding_ids: list[int]) -> list[tuple[int, str, float, str]]:
    """(finding id, theme, score, source) of the tags of these findings."""
    if not finding_ids:
        return []
    return [
        tuple(r)
        for r in con.execute(
            "SELECT finding_id, theme, score, source FROM tags "
            f"WHERE finding_id IN ({','.join('?' * len(finding_ids))})",
            finding_ids,
        )
    ]


def findings_overlapping(con: sqlite3.Connection, doc_id: int, start: int, end: int) -> list[sqlite3.Row]:
    """(id, start, end, polarity) of the findings of one document overlapping ``start``-``end``."""
    return con.execute(
        'SELECT id, start, "end", polarity FROM findings WHERE doc_id=? AND "end" > ? AND start < ?',
        (doc_id, start, end),
    ).fetchall()


def themes_of(con: sqlite3.Connection, finding_id: int) -> list[str]:
    """The theme ids of one finding, in stored order."""
    return [t[0] for t in con.execute("SELECT theme FROM tags WHERE finding_id=?", (finding_id,))]
