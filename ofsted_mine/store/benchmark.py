"""The counts behind the benchmark (:func:`ofsted_mine.analyse.benchmark.benchmark`): per
council, its Ofsted findings and its concerns per theme, in a period.

They are read from two small tables kept per document by triggers (schema migration "national
scale" in :mod:`ofsted_mine.store.db`), whatever writes the findings and tags (ingest, tag,
corrections, the web app): ``doc_findings`` (findings outside
:data:`~ofsted_mine.vocab.NON_FINDING_SECTIONS`) and ``theme_concerns`` (per theme, 1 for each
concern and 0.5 for each mixed finding tagged with it, same sections). So the benchmark reads a
few thousand rows at national scale, never the million findings and their tags;
:func:`recount` counts the same from the findings, to check them.
"""

from __future__ import annotations

import sqlite3

from ..vocab import NOT_FINDING_SQL, OFSTED_KINDS, sql_list
from .search import document_filters

#: how much a finding of each polarity counts as a concern (the triggers' rule)
CONCERN_WEIGHT = {"concern": 1.0, "mixed": 0.5}

Counts = tuple[dict[str | None, int], dict[str | None, dict[str, float]]]


def council_concerns(
    con: sqlite3.Connection, *, since: str | None = None, until: str | None = None
) -> Counts:
    """``(findings, concerns)`` of the quoted Ofsted documents in the period, by council
    (``la_urn``; None for documents of no known council): ``findings[urn]`` counts the findings
    (letter headers, closings, back matter and the like apart), ``concerns[urn][theme]`` sums
    :data:`CONCERN_WEIGHT` over the findings tagged with the theme."""
    where, args = document_filters(since=since, until=until, alias="d")
    where += [f"d.kind IN {sql_list(OFSTED_KINDS)}", "d.quoted = 1"]
    w = " AND ".join(where)
    findings: dict[str | None, int] = {}
    for urn, n in con.execute(
        f"SELECT d.la_urn, SUM(c.n) FROM doc_findings c JOIN documents d ON d.id = c.doc_id "
        f"WHERE {w} AND c.n > 0 GROUP BY 1",
        args,
    ):
        findings[urn] = n
    concerns: dict[str | None, dict[str, float]] = {}
    for urn, theme, n in con.execute(
        f"SELECT d.la_urn, c.theme, SUM(c.weight) FROM theme_concerns c JOIN documents d ON d.id = c.doc_id "
        f"WHERE {w} GROUP BY 1, 2",
        args,
    ):
        concerns.setdefault(urn, {})[theme] = n or 0.0
    return findings, concerns


def recount(con: sqlite3.Connection) -> tuple[dict[int, int], dict[tuple[int, str], float]]:
    """The per-document counts the triggers keep, counted afresh from the findings and tags
    (``({doc_id: findings}, {(doc_id, theme): weight})``; zero weights left out), to check the
    tables against: :func:`stored_counts` must give the same."""
    findings = dict(
        con.execute(
            f"SELECT doc_id, COUNT(*) FROM findings WHERE section_kind NOT IN {NOT_FINDING_SQL} GROUP BY 1"
        ).fetchall()
    )
    weights = " ".join(f"WHEN '{p}' THEN {w}" for p, w in CONCERN_WEIGHT.items())
    concerns = {
        (d, t): n
        for d, t, n in con.execute(
            f"""SELECT f.doc_id, t.theme, SUM(CASE f.polarity {weights} ELSE 0 END)
                FROM findings f JOIN tags t ON t.finding_id = f.id
                WHERE f.section_kind NOT IN {NOT_FINDING_SQL} GROUP BY 1, 2"""
        )
        if n
    }
    return findings, concerns


def stored_counts(con: sqlite3.Connection) -> tuple[dict[int, int], dict[tuple[int, str], float]]:
    """The per-document counts as the triggers keep them (zero counts left out)."""
    findings = dict(con.execute("SELECT doc_id, n FROM doc_findings WHERE n != 0").fetchall())
    concerns = {
        (d, t): w
        for d, t, w in con.execute("SELECT doc_id, theme, weight FROM theme_concerns WHERE weight != 0")
    }
    return findings, concerns
