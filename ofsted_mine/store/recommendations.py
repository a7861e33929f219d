"""Stored recommendations: one row per item Ofsted addresses to the council (or to the LSCB).

Rows are made from each stored document's text by
:func:`ofsted_mine.parse.recommendations.extract_recommendations`, after the document is
written and tagged (``sync_recommendations``: called at the end of ``ingest`` and ``retag``,
and before the follow-up reads them). ``recommendation_docs.version`` remembers which extractor
version made a document's rows, so a newer extractor re-makes them without re-reading files;
``recommendation_docs.lscb_spans`` holds the offsets of a SIF report's LSCB part (JSON list of
[start, end]): its sentences are about the board, not the council.

The codebook rule "recommendation items are ``concern``" is applied here, after tagging: the
findings (sentences) inside a recommendation's span get polarity ``concern`` (score 1.0, cue
``recommendation item``).
"""

from __future__ import annotations

import json
import sqlite3

#: version of the rules in parse/recommendations.py: bump it when they change, and the stored rows
#: of older versions are re-made (the query path imports the extractor only then)
EXTRACTOR_VERSION = 2

#: documents that can hold Ofsted's recommendations (council papers quote them in the council's words)
from ..vocab import RECOMMENDATION_KINDS as REC_KINDS  # noqa: E402  (declared by the kinds)

RULE_CUE = "recommendation item"


def sync_recommendations(con: sqlite3.Connection, doc_ids: list[int] | None = None) -> int:
    """(Re)make the recommendation rows of every document whose rows are missing or older than
    the extractor; returns how many documents were processed. One transaction."""
    q = f"""SELECT d.id, d.text FROM documents d LEFT JOIN recommendation_docs rd ON rd.doc_id = d.id
              WHERE (rd.version IS NULL OR rd.version < ?) AND d.kind IN ({",".join("?" * len(REC_KINDS))})"""
    args: list = [EXTRACTOR_VERSION, *REC_KINDS]
    if doc_ids is not None:
        q += f" AND d.id IN ({','.join('?' * len(doc_ids))})"
        args += list(doc_ids)
    todo = con.execute(q, args).fetchall()
    if not todo:
        return 0
    from ..parse.recommendations import extract_recommendations, lscb_spans

    own = not con.in_transaction
    if own:
        con.execute("BEGIN IMMEDIATE")
    try:
        for doc_id, text in todo:
            recs = extract_recommendations(text)
            con.execute("DELETE FROM recommendations WHERE doc_id = ?", (doc_id,))
            con.executemany(
                """INSERT INTO recommendations (doc_id, seq, text, grp, tail, addressee, section, paragraph,
                   page, start, "end") VALUES (?,?,?,?,?,?,?,?,?,?,?)""",
                [
                    (
                        doc_id,
                        r.seq,
                        r.text,
                        r.group,
                        r.tail,
                        r.addressee,
                        r.section,
                        r.paragraph,
                        r.page,
                        r.start,
                        r.end,
                    )
                    for r in recs
                ],
            )
            for r in recs:
                con.execute(
                    """UPDATE findings SET polarity = 'concern', polarity_score = 1.0, polarity_cues = ?
                               WHERE doc_id = ? AND start < ? AND "end" > ?""",
                    (json.dumps([RULE_CUE]), doc_id, r.end, r.start),
                )
            con.execute(
                "INSERT OR REPLACE INTO recommendation_docs (doc_id, version, lscb_spans) VALUES (?, ?, ?)",
                (doc_id, EXTRACTOR_VERSION, json.dumps(lscb_spans(text))),
            )
        if own:
            con.execute("COMMIT")
    except BaseException:
        if own:
            con.execute("ROLLBACK")
        raise
    return len(todo)


def _columns(con: sqlite3.Connection, table: str) -> set[str]:
    return {r[1] for r in con.execute(f"PRAGMA table_info({table})")}


def _current(con: sqlite3.Connection) -> bool:
    """Whether every document's stored rows come from this extractor (False on an older schema)."""
    if not _columns(con, "recommendation_docs") or not _columns(con, "recommendations"):
        return False
    return not con.execute(
        f"""SELECT 1 FROM documents d LEFT JOIN recommendation_docs rd ON rd.doc_id = d.id
                               WHERE (rd.version IS NULL OR rd.version < ?)
                                 AND d.kind IN ({",".join("?" * len(REC_KINDS))}) LIMIT 1""",
        (EXTRACTOR_VERSION, *REC_KINDS),
    ).fetchone()


def recommendations(
    con: sqlite3.Connection,
    *,
    la_urn: str | None = None,
    doc_id: int | None = None,
    addressee: str | None = "council",
) -> list:
    """Stored recommendations (with their document's visit id, kind and date), in document order.
    ``addressee=None`` returns the LSCB's too.

    Stale or missing rows are (re)made first; on a database opened read-only (every query
    command opens it so) whose rows are stale or whose schema predates the table, the items
    are extracted from the stored texts in memory instead (same keys; ids negative), so the
    answer never depends on whether the database could be written."""
    if not con.in_transaction:
        try:
            sync_recommendations(con)
        except sqlite3.OperationalError:  # read-only, or an older schema
            if con.in_transaction:
                con.execute("ROLLBACK")
    where: list[str] = []
    args: list = []
    if la_urn is not None:
        where.append("d.la_urn = ?")
        args.append(la_urn)
    if doc_id is not None:
        where.append("d.id = ?")
        args.append(doc_id)
    if not _current(con):
        return _in_memory(con, where, args, addressee)
    if addressee is not None:
        where.append("r.addressee = ?")
        args.append(addressee)
    sql = (
        """SELECT r.*, d.visit_id, d.kind, d.la, COALESCE(d.start_date, d.published) AS date, d.published,
                  d.path FROM recommendations r JOIN documents d ON d.id = r.doc_id"""
        + (" WHERE " + " AND ".join(where) if where else "")
        + " ORDER BY date, d.id, r.seq"
    )
    return con.execute(sql, args).fetchall()


def _in_memory(con: sqlite3.Connection, where: list[str], args: list, addressee: str | None) -> list[dict]:
    from ..parse.recommendations import extract_recommendations

    where = where + [f"d.kind IN ({','.join('?' * len(REC_KINDS))})"]
    docs = con.execute(
        """SELECT d.id, d.text, d.visit_id, d.kind, d.la, COALESCE(d.start_date, d.published) AS date,
                                 d.published, d.path FROM documents d WHERE """
        + " AND ".join(where)
        + " ORDER BY date, d.id",
        (*args, *REC_KINDS),
    ).fetchall()
    out: list[dict] = []
    for d in docs:
        for r in extract_recommendations(d["text"]):
            if addressee is not None and r.addressee != addressee:
                continue
            out.append(
                {
                    "id": -(len(out) + 1),
                    "doc_id": d["id"],
                    "seq": r.seq,
                    "text": r.text,
                    "grp": r.group,
                    "tail": r.tail,
                    "addressee": r.addressee,
                    "section": r.section,
                    "paragraph": r.paragraph,
                    "page": r.page,
                    "start": r.start,
                    "end": r.end,
                    "visit_id": d["visit_id"],
                    "kind": d["kind"],
                    "la": d["la"],
                    "date": d["date"],
                    "published": d["published"],
                    "path": d["path"],
                }
            )
    return out


def lscb_spans_of(con: sqlite3.Connection, doc_ids: list[int]) -> dict[int, list]:
    """doc id -> the offsets of its LSCB part (stored, or found in its text on an older database)."""
    if not doc_ids:
        return {}
    marks = ",".join("?" * len(doc_ids))
    if _current(con):
        return {
            r[0]: json.loads(r[1] or "[]")
            for r in con.execute(
                f"SELECT doc_id, lscb_spans FROM recommendation_docs WHERE doc_id IN ({marks})", doc_ids
            )
        }
    from ..parse.recommendations import lscb_spans

    return {
        r[0]: lscb_spans(r[1])
        for r in con.execute(f"SELECT id, text FROM documents WHERE id IN ({marks})", doc_ids)
    }


def finding_ids(con: sqlite3.Connection, rec: sqlite3.Row) -> list[int]:
    """The findings (sentences) inside a recommendation's span, in order."""
    return [
        r[0]
        for r in con.execute(
            'SELECT id FROM findings WHERE doc_id = ? AND start < ? AND "end" > ? ORDER BY seq',
            (rec["doc_id"], rec["end"], rec["start"]),
        )
    ]


def clear_recommendation_docs(con: sqlite3.Connection) -> None:
    """Forget which documents' recommendations were extracted (the next
    :func:`sync_recommendations` extracts them all again)."""
    con.execute("DELETE FROM recommendation_docs")


def recommendations_by_path(con: sqlite3.Connection) -> list[tuple]:
    """(document path, text, group, tail, addressee) of every stored recommendation, in document
    and reading order; a document without recommendations gives one row of path and four None."""
    return [
        tuple(r)
        for r in con.execute("""SELECT d.path, r.text, r.grp, r.tail, r.addressee FROM documents d
                                LEFT JOIN recommendations r ON r.doc_id = d.id ORDER BY d.id, r.seq""")
    ]
