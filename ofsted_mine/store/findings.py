"""Queries over stored findings and their tags, for the analyses (counts, cells, quote candidates).

Typed module functions over a connection (see the README's "Architecture" section).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from ..vocab import NON_OFSTED_KINDS, NOT_FINDING_SQL, sql_list


def theme_polarity_counts(con: sqlite3.Connection) -> dict[str, dict[str, int]]:
    """theme -> polarity -> number of tagged findings, over the quoted sources of Ofsted documents."""
    counts: dict[str, dict[str, int]] = {}
    for r in con.execute(f"""SELECT t.theme, f.polarity, COUNT(*) FROM tags t
                            JOIN findings f ON f.id = t.finding_id JOIN documents d ON d.id = f.doc_id
                            WHERE d.kind NOT IN {sql_list(NON_OFSTED_KINDS)} AND d.quoted = 1
                            GROUP BY 1, 2"""):
        counts.setdefault(r[0], {})[r[1]] = r[2]
    return counts


def theme_polarity_by_document(
    con: sqlite3.Connection, doc_ids: Iterable[int], min_score: float = 0.0
) -> list[tuple[int, str, str, int]]:
    """(document id, theme, polarity, number of findings) for the findings of these documents whose
    tag scores at least ``min_score`` (sections that hold no findings left out)."""
    ids = list(doc_ids)
    if not ids:
        return []
    q = f"""SELECT f.doc_id, t.theme, f.polarity, COUNT(*) FROM tags t JOIN findings f ON f.id = t.finding_id
            WHERE f.doc_id IN ({",".join("?" * len(ids))}) AND t.score >= ?
              AND f.section_kind NOT IN {NOT_FINDING_SQL} GROUP BY 1, 2, 3"""
    return [tuple(r) for r in con.execute(q, (*ids, min_score))]


QUOTE_SQL = f"""SELECT f.id AS finding_id, f.text, f.page, f.paragraph, f.section, f.polarity, f.seq,
                       t.score, t.theme, d.la, d.kind, d.visit_id,
                       COALESCE(d.start_date, d.published) AS date, d.published, d.path
                FROM documents d JOIN findings f ON f.doc_id = d.id JOIN tags t ON t.finding_id = f.id
                WHERE d.visit_id IN ({{ids}}) AND t.score >= ? AND f.section_kind NOT IN {NOT_FINDING_SQL}"""


def quote_candidates(
    con: sqlite3.Connection, visit_ids: list[str], min_score: float, theme: str | None = None
) -> dict[tuple[str, str], list[sqlite3.Row]]:
    """(visit id, theme) -> the tagged findings of those documents that may be quoted (text,
    polarity, score, order and citation fields), optionally of one theme only."""
    out: dict[tuple[str, str], list] = {}
    if not visit_ids:
        return out
    sql = QUOTE_SQL.format(ids=",".join("?" * len(visit_ids)))
    args: list = [*visit_ids, min_score]
    if theme:
        sql += " AND t.theme = ?"
        args.append(theme)
    for r in con.execute(sql, args):
        out.setdefault((r["visit_id"], r["theme"]), []).append(r)
    return out


def findings_with_themes(con: sqlite3.Connection, doc_ids: list[int]) -> list[sqlite3.Row]:
    """Every finding of these documents in reading order, with its citation fields, span and
    ``themes`` (comma-separated theme ids, or None)."""
    if not doc_ids:
        return []
    return con.execute(
        f"""SELECT f.id, f.doc_id, f.text, f.page, f.paragraph, f.section, f.section_kind, f.polarity,
                   f.start, f."end",
                   (SELECT group_concat(theme) FROM tags t WHERE t.finding_id = f.id) AS themes
            FROM findings f WHERE f.doc_id IN ({",".join("?" * len(doc_ids))}) ORDER BY f.doc_id, f.seq""",
        doc_ids,
    ).fetchall()
