"""Plain row queries that the views need (so that ``report/`` holds no SQL): the stored findings
with their tags for an export, the councils with Ofsted visits, the database's file."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator


def tag_theme_ids(con: sqlite3.Connection) -> list[str]:
    """Every theme id that occurs in the stored tags."""
    return sorted(r[0] for r in con.execute("SELECT DISTINCT theme FROM tags"))


def finding_tags(con: sqlite3.Connection, urn: str | None = None) -> dict[int, list[tuple[str, float]]]:
    """finding id -> [(theme, score), ...], best score first (of one council, or all)."""
    where, args = ("WHERE d.la_urn = ?", [urn]) if urn else ("", [])
    tags: dict[int, list[tuple[str, float]]] = {}
    for fid, theme, score in con.execute(
        f"""SELECT t.finding_id, t.theme, t.score FROM tags t JOIN findings f ON f.id = t.finding_id
                JOIN documents d ON d.id = f.doc_id {where} ORDER BY t.finding_id, t.score DESC""",
        args,
    ):
        tags.setdefault(fid, []).append((theme, score))
    return tags


def finding_records(con: sqlite3.Connection, urn: str | None = None) -> Iterator[dict]:
    """Every stored finding (of one council, or all) with its document's metadata, in council,
    date and reading order."""
    where, args = ("WHERE d.la_urn = ?", [urn]) if urn else ("", [])
    for r in con.execute(
        f"""SELECT f.id AS finding_id, d.visit_id, d.la, d.la_urn, d.kind, d.framework,
                       COALESCE(d.start_date, d.published) AS date, d.published, f.section, f.section_kind,
                       f.paragraph, f.page, d.path AS source, f.text, f.polarity, f.polarity_score, d.quoted
                FROM findings f JOIN documents d ON d.id = f.doc_id {where}
                ORDER BY d.la, COALESCE(d.start_date, d.published), d.id, f.seq""",
        args,
    ):
        yield dict(r)


def council_urns(con: sqlite3.Connection, kinds: tuple) -> list[str]:
    """The URNs of the councils with a document of one of ``kinds``, by council name."""
    return [
        str(r[0])
        for r in con.execute(
            f"""SELECT DISTINCT la_urn FROM documents WHERE la_urn IS NOT NULL
            AND kind IN ({",".join("?" * len(kinds))}) ORDER BY la""",
            kinds,
        )
    ]


def database_file(con: sqlite3.Connection) -> str:
    """The file of the connection's main database ('' in memory)."""
    return next((r[2] for r in con.execute("PRAGMA database_list") if r[1] == "main"), "") or ""


def tagged_finding_rows(con: sqlite3.Connection, visit_ids: list, min_score: float, skip_sections) -> list:
    """Every (finding, theme) of the given visits with a tag score >= ``min_score``, outside the
    ``skip_sections`` kinds: the candidates for quotes (text, citation fields, polarity, score, seq)."""
    if not visit_ids:
        return []
    skip = tuple(skip_sections)
    q = f"""SELECT f.text, f.page, f.paragraph, f.section, f.polarity, t.score, d.la, d.kind, d.visit_id,
                   COALESCE(d.start_date, d.published) AS date, d.path, t.theme, f.seq
            FROM documents d JOIN findings f ON f.doc_id = d.id JOIN tags t ON t.finding_id = f.id
            WHERE d.visit_id IN ({",".join("?" * len(visit_ids))}) AND t.score >= ?
              AND f.section_kind NOT IN ({",".join("?" * len(skip))})"""
    return con.execute(q, (*visit_ids, min_score, *skip)).fetchall()


def person_corrected(con: sqlite3.Connection) -> tuple[set[int], set[int]]:
    """Findings a person corrected: (ids with a theme tag set by a person, ids whose polarity a
    person set)."""
    themes = {r[0] for r in con.execute("SELECT DISTINCT finding_id FROM tags WHERE source = 'person'")}
    has_col = any(r[1] == "polarity_source" for r in con.execute("PRAGMA table_info(findings)"))
    pol = (
        {r[0] for r in con.execute("SELECT id FROM findings WHERE polarity_source = 'person'")}
        if has_col
        else set()
    )
    return themes, pol


def export_documents(con: sqlite3.Connection, where: list[str], args: list) -> list[sqlite3.Row]:
    """Documents (alias ``d``) matching ``where`` with their text, by council and date (the QDA project)."""
    return con.execute(
        f"""SELECT d.id, d.visit_id, d.sha256, d.la, d.kind, d.framework, d.start_date, d.published,
                           d.text FROM documents d WHERE {" AND ".join(where)}
                           ORDER BY d.la, COALESCE(d.start_date, d.published), d.id""",
        args,
    ).fetchall()


def document_tags(con: sqlite3.Connection, doc_id: int) -> list[tuple]:
    """(finding id, theme, score, source) of one document's tags, highest score first."""
    return con.execute(
        "SELECT t.finding_id, t.theme, t.score, t.source FROM tags t JOIN findings f "
        "ON f.id = t.finding_id WHERE f.doc_id = ? ORDER BY t.score DESC",
        (doc_id,),
    ).fetchall()


def document_findings(con: sqlite3.Connection, doc_id: int) -> list[sqlite3.Row]:
    """One document's findings in order: id, offsets, section, paragraph, page, polarity and its source."""
    return con.execute(
        """SELECT id, start, "end", section, paragraph, page, polarity, polarity_source
                          FROM findings WHERE doc_id = ? ORDER BY seq""",
        (doc_id,),
    ).fetchall()


def correction_people(con: sqlite3.Connection) -> set[str]:
    """Everyone who has corrected a tag."""
    return {r[0] for r in con.execute("SELECT DISTINCT who FROM corrections")}


def correction_keys(con: sqlite3.Connection) -> list[tuple]:
    """(document sha256, start, end, text sha1, who) of every correction, oldest first."""
    return con.execute(
        'SELECT doc_sha256, start, "end", text_sha1, who FROM corrections ORDER BY id'
    ).fetchall()
