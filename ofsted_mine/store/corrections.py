"""Queries and writes for people's corrections of tags (the ``corrections`` table) and the
finding rows they are about. The rules (what a correction means, how it is matched again
after re-ingest) live in :mod:`ofsted_mine.tag.corrections`; this module only runs the SQL.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable


def finding_row(con: sqlite3.Connection, finding_id: int) -> sqlite3.Row | None:
    """One finding with its document's sha256, visit id, council and path, or None."""
    return con.execute(
        """SELECT f.id, f.doc_id, f.text, f.start, f."end", f.polarity, f.polarity_score, f.section,
                  f.section_kind, f.paragraph, f.is_bullet, f.seq, d.sha256, d.visit_id, d.la, d.path
           FROM findings f JOIN documents d ON d.id = f.doc_id WHERE f.id = ?""",
        (finding_id,),
    ).fetchone()


def finding_polarity(con: sqlite3.Connection, finding_id: int) -> str | None:
    """One finding's polarity (None if it has none or is not stored)."""
    r = con.execute("SELECT polarity FROM findings WHERE id=?", (finding_id,)).fetchone()
    return r[0] if r else None


def first_correction(con: sqlite3.Connection, doc_sha256: str, text_sha1: str) -> sqlite3.Row | None:
    """The oldest correction of a finding (what the model said then), or None."""
    return con.execute(
        """SELECT model_themes, model_polarity FROM corrections
           WHERE doc_sha256=? AND text_sha1=? ORDER BY id LIMIT 1""",
        (doc_sha256, text_sha1),
    ).fetchone()


def corrections_of(con: sqlite3.Connection, doc_sha256: str, text_sha1: str) -> list[sqlite3.Row]:
    """Every correction of one finding, oldest first."""
    return con.execute(
        "SELECT * FROM corrections WHERE doc_sha256=? AND text_sha1=? ORDER BY id", (doc_sha256, text_sha1)
    ).fetchall()


def all_corrections(con: sqlite3.Connection) -> list[sqlite3.Row]:
    """Every stored correction, oldest first."""
    return con.execute("SELECT * FROM corrections ORDER BY id").fetchall()


def insert_correction(con: sqlite3.Connection, row: dict) -> None:
    """Store one correction; ``row`` holds every column of the ``corrections`` table but ``id``."""
    con.execute(
        """INSERT INTO corrections (doc_sha256, start, "end", text_sha1, add_themes, remove_themes,
                   polarity, action, model_themes, model_polarity, who, at, note)
           VALUES (:doc_sha256, :start, :end, :text_sha1, :add_themes, :remove_themes, :polarity, :action,
                   :model_themes, :model_polarity, :who, :at, :note)""",
        row,
    )


def apply_to_tags(
    con: sqlite3.Connection,
    finding_id: int,
    add: list[str],
    remove: list[str],
    polarity: str | None,
    exact: bool,
) -> None:
    """Write one correction into the tags (``source = 'person'``, score 1.0) and the finding's
    polarity (``polarity_source = 'person'``); ``exact``: the finding keeps only ``add``."""
    if exact:
        con.execute(
            f"DELETE FROM tags WHERE finding_id=? AND theme NOT IN ({','.join('?' * len(add))})",
            (finding_id, *add),
        )
    for t in remove:
        con.execute("DELETE FROM tags WHERE finding_id=? AND theme=?", (finding_id, t))
    for t in add:
        con.execute(
            """INSERT INTO tags (finding_id, theme, score, source, cues) VALUES (?, ?, 1.0, 'person', '[]')
               ON CONFLICT(finding_id, theme) DO UPDATE SET score=1.0, source='person', cues='[]'""",
            (finding_id, t),
        )
    if polarity:
        con.execute(
            "UPDATE findings SET polarity=?, polarity_score=1.0, polarity_source='person' WHERE id=?",
            (polarity, finding_id),
        )


def findings_of_document(con: sqlite3.Connection, doc_sha256: str) -> list[sqlite3.Row]:
    """(id, text, start, end) of every finding of the document with this sha256."""
    return con.execute(
        """SELECT f.id, f.text, f.start, f."end" FROM findings f JOIN documents d ON d.id = f.doc_id
           WHERE d.sha256 = ?""",
        (doc_sha256,),
    ).fetchall()


def document_sha_and_text(con: sqlite3.Connection, finding_id: int) -> tuple[str, str] | None:
    """(document sha256, finding text) of one finding, or None."""
    r = con.execute(
        "SELECT d.sha256, f.text FROM findings f JOIN documents d ON d.id = f.doc_id WHERE f.id = ?",
        (finding_id,),
    ).fetchone()
    return (r[0], r[1]) if r else None


def queue_rows(
    con: sqlite3.Connection, finding_ids: Iterable[int], *, with_score: bool = True
) -> dict[int, dict]:
    """finding id -> what a review queue shows of it (text, citation, polarity and, with
    ``with_score``, its score; visit, council, kind, date)."""
    ids = list(finding_ids)
    if not ids:
        return {}
    score = " f.polarity_score," if with_score else ""
    return {
        r["id"]: dict(r)
        for r in con.execute(
            f"""SELECT f.id, f.text, f.page, f.paragraph, f.section, f.polarity,{score}
                       d.visit_id, d.la, d.kind, COALESCE(d.start_date, d.published) AS date
                FROM findings f JOIN documents d ON d.id = f.doc_id
                WHERE f.id IN ({",".join("?" * len(ids))})""",
            ids,
        )
    }


def corrected_keys(con: sqlite3.Connection) -> set[tuple[str, str]]:
    """(document sha256, text sha1) of every corrected finding."""
    return {(r[0], r[1]) for r in con.execute("SELECT doc_sha256, text_sha1 FROM corrections")}


def findings_to_review(con: sqlite3.Connection, where: list[str], args: list) -> list[sqlite3.Row]:
    """The findings (alias ``f``) of the documents (alias ``d``) matching ``where``, with what the
    tagger reads and the document's sha256, kind and framework, in document and reading order."""
    return con.execute(
        f"""SELECT f.id, f.text, f.section_kind, f.section, f.is_bullet, f.polarity, f.doc_id, f.seq,
                   d.sha256, d.kind, d.framework
            FROM findings f JOIN documents d ON d.id = f.doc_id WHERE {" AND ".join(where)}
            ORDER BY d.id, f.seq""",
        args,
    ).fetchall()


def paragraph_findings(con: sqlite3.Connection, finding_id: int, around: int = 6) -> list[tuple[int, str]]:
    """(id, text) of the findings of the paragraph holding ``finding_id`` (at most ``around`` either
    side), in order; empty if there is no such finding."""
    f = con.execute(
        "SELECT doc_id, seq, paragraph, section FROM findings WHERE id=?", (finding_id,)
    ).fetchone()
    if f is None:
        return []
    return [
        (r[0], r[1])
        for r in con.execute(
            """SELECT id, text FROM findings WHERE doc_id=? AND paragraph IS ? AND section IS ?
               AND seq BETWEEN ? AND ? ORDER BY seq""",
            (f["doc_id"], f["paragraph"], f["section"], f["seq"] - around, f["seq"] + around),
        )
    ]


# ---------------------------------------------------------------- the web app's stand-in corrections
PERSON = "person"


def uncorrected_queue(
    con: sqlite3.Connection,
    not_finding_sql: str,
    *,
    la_urn: str | None = None,
    theme: str | None = None,
    limit: int = 25,
    finding_id: int | None = None,
) -> list[sqlite3.Row]:
    """Findings no person has tagged (or just ``finding_id``), least sure first: the polarity score
    nearest to a coin toss, then by id. ``not_finding_sql``: the SQL list of section kinds that
    hold no findings."""
    where = [
        f"f.section_kind NOT IN {not_finding_sql}",
        "d.kind NOT IN ('council_paper', 'unknown')",
        f"NOT EXISTS (SELECT 1 FROM tags x WHERE x.finding_id = f.id AND x.source = '{PERSON}')",
    ]
    args: list = []
    if finding_id is not None:
        where, args = ["f.id = ?"], [int(finding_id)]
    if la_urn:
        where.append("d.la_urn = ?")
        args.append(la_urn)
    if theme:
        where.append("EXISTS (SELECT 1 FROM tags x WHERE x.finding_id = f.id AND x.theme = ?)")
        args.append(theme)
    return con.execute(
        f"""SELECT f.id, f.text, f.page, f.paragraph, f.section, f.polarity, f.polarity_score,
                   d.visit_id, d.la, d.kind, COALESCE(d.start_date, d.published) AS date
            FROM findings f JOIN documents d ON d.id = f.doc_id
            WHERE {" AND ".join(where)}
            ORDER BY ABS(COALESCE(f.polarity_score, 0.5) - 0.5), f.id LIMIT ?""",
        (*args, int(limit)),
    ).fetchall()


def write_person_tags(
    con: sqlite3.Connection,
    finding_id: int,
    add: list[str],
    remove: list[str],
    polarity: str | None,
    who: str,
) -> None:
    """Write a person's tags straight into ``tags``/``findings`` (the web app's stand-in: re-tagging
    replaces them) and mark the finding's remaining tags as confirmed by a person. Call inside a
    write transaction."""
    cue = json.dumps([f"corrected by {who}"])
    for t in remove:
        con.execute("DELETE FROM tags WHERE finding_id = ? AND theme = ?", (finding_id, t))
    for t in add:
        con.execute(
            """INSERT INTO tags (finding_id, theme, score, source, cues) VALUES (?, ?, 1.0, ?, ?)
               ON CONFLICT(finding_id, theme) DO UPDATE SET score = 1.0, source = excluded.source,
               cues = excluded.cues""",
            (finding_id, t, PERSON, cue),
        )
    if polarity:
        con.execute(
            "UPDATE findings SET polarity = ?, polarity_score = 1.0, polarity_cues = ? WHERE id = ?",
            (polarity, json.dumps({PERSON: [f"corrected by {who}"]}), finding_id),
        )
    con.execute("UPDATE tags SET source = ? WHERE finding_id = ?", (PERSON, finding_id))
