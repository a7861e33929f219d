"""Writing documents: the rows of a parsed (and tagged) document, and one transaction per document.

The rows are made by :func:`document_rows` (in an ingest worker: :func:`pack_document`), so
the one writing process runs SQL and little else. They hold everything stored for the
document: its sections, findings, tags and the recommendations Ofsted addresses to the
council (with the codebook rule "recommendation items are concerns" already applied to the
findings inside them). An ingest killed at any moment leaves the database as it was before
the document being written.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from json.encoder import encode_basestring_ascii

from ..model import Document
from ..vocab import KIND_ID, NUMBERED_KINDS
from .recommendations import EXTRACTOR_VERSION, REC_KINDS, RULE_CUE

#: index a document's findings in one statement after inserting them (the schema's trigger, which
#: indexes row by row, is told to wait); False: leave it to the trigger (the same index, slower)
DEFER_FTS = True


def make_visit_key(doc: Document) -> str:
    """What identifies a visit: council + kind + start date (a document without a start date is
    its own visit)."""
    v = doc.visit
    when = v.start_date.isoformat() if v.start_date else "sha:" + doc.sha256
    return f"{v.la_urn or v.la or '?'}|{v.kind}|{when}"


def _source_rank(r) -> tuple:
    """Which source of a visit is quoted: Ofsted's own PDF first, then the latest published, then
    the latest stored."""
    return (r["format"] == "pdf", r["published"] or "", r["id"])


def settle_visit(con: sqlite3.Connection, visit_key: str) -> str | None:
    """Mark the one quoted source of a visit and give it the visit's plain id (the other sources
    keep ``<id>-s2``, ``<id>-s3``...). Runs inside the caller's transaction. Returns the visit id."""
    rows = con.execute(
        "SELECT id, visit_id, format, published FROM documents WHERE visit_key = ?", (visit_key,)
    ).fetchall()
    if not rows:
        return None
    best = max(rows, key=_source_rank)
    plain = min((r["visit_id"] for r in rows), key=lambda x: (len(x), x))
    con.execute("UPDATE documents SET quoted = (id = ?) WHERE visit_key = ?", (best["id"], visit_key))
    if best["visit_id"] != plain:
        holder = next(r for r in rows if r["visit_id"] == plain)
        con.execute("UPDATE documents SET visit_id = ? WHERE id = ?", (plain + "~swap", holder["id"]))
        con.execute("UPDATE documents SET visit_id = ? WHERE id = ?", (plain, best["id"]))
        con.execute("UPDATE documents SET visit_id = ? WHERE id = ?", (best["visit_id"], holder["id"]))
    return plain


def make_visit_id(doc: Document) -> str:
    """A visit's readable id: council slug, kind (and monitoring visit number), date."""
    from ..councils import slugify

    v = doc.visit
    la = slugify(v.la) if v.la else "unknown"
    when = v.start_date or v.published
    kind = KIND_ID.get(v.kind, "doc")
    if v.kind in NUMBERED_KINDS and v.visit_number:  # "mv3": declared by the kind
        kind += str(v.visit_number)
    return f"{la}-{kind}-{when.isoformat() if when else doc.sha256[:8]}"


def find_by_sha(con: sqlite3.Connection, sha: str) -> sqlite3.Row | None:
    """The stored document with these bytes (id, path, visit id), or None."""
    return con.execute("SELECT id, path, visit_id FROM documents WHERE sha256=?", (sha,)).fetchone()


def _recommendation_rows(doc: Document) -> tuple[list[tuple], str | None]:
    """The recommendation rows of a document (without doc id) and its LSCB spans as JSON; ``None``
    spans for a kind of document that holds no recommendations of Ofsted's (no bookkeeping row)."""
    if doc.visit.kind not in REC_KINDS:
        return [], None
    from ..parse.recommendations import extract_recommendations, lscb_spans

    recs = [
        (r.seq, r.text, r.group, r.tail, r.addressee, r.section, r.paragraph, r.page, r.start, r.end)
        for r in extract_recommendations(doc.text)
    ]
    return recs, json.dumps(lscb_spans(doc.text))


def _json_list(x: list) -> str:
    """A list as JSON, as ``json.dumps`` writes it; a list of strings (cues: nearly all) by the
    C string encoder alone, without ``json.dumps``'s set-up for each call."""
    if not x:
        return "[]"
    if all(type(v) is str for v in x):
        return "[" + ", ".join(map(encode_basestring_ascii, x)) + "]"
    return json.dumps(x)


def _in_any(spans: list[tuple[int, int]]):
    """A test "does [start, end) overlap any of these spans?" (sorted starts, running maximum
    of the ends: a binary search per finding rather than a scan of every recommendation)."""
    from bisect import bisect_left
    from itertools import accumulate

    spans = sorted(spans)
    starts = [a for a, _ in spans]
    reach = list(accumulate((z for _, z in spans), max))

    def test(start: int, end: int) -> bool:
        k = bisect_left(starts, end)  # spans that start before this one ends
        return k > 0 and reach[k - 1] > start

    return test


def document_rows(doc: Document) -> dict:
    """The rows ``write_document`` stores for a document's pages, sections, findings, tags and
    recommendations (finding ids relative to the document, JSON already encoded).

    The findings inside a recommendation's span get polarity ``concern`` (score 1.0, cue
    ``recommendation item``), as :func:`ofsted_mine.store.recommendations.sync_recommendations`
    gives the rows of documents stored before."""
    from ..model import PAGE_SEP

    starts, pos = [], 0
    for p in doc.pages:
        starts.append(pos)
        pos += len(p.text) + len(PAGE_SEP)
    recs, spans = _recommendation_rows(doc)
    in_rec = _in_any([(r[8], r[9]) for r in recs])
    rule = ("concern", 1.0, json.dumps([RULE_CUE]))
    findings = [
        (f.seq, f.text, f.page, f.start, f.end, f.section, f.section_kind, f.paragraph, int(f.is_bullet))
        + (rule if in_rec(f.start, f.end) else (f.polarity, f.polarity_score, _json_list(f.polarity_cues)))
        for f in doc.findings
    ]
    return {
        "n_pages": len(doc.pages),
        "page_starts": json.dumps(starts),
        "sections": [(i, s.heading, s.kind, s.page, s.start, s.end) for i, s in enumerate(doc.sections)],
        "findings": findings,
        "tags": [
            (i, t.theme, t.score, t.source, _json_list(t.cues))
            for i, f in enumerate(doc.findings)
            for t in f.tags
        ],
        "recommendations": recs,
        "lscb_spans": spans,
    }


def pack_document(doc: Document) -> Document:
    """Replace a document's page, section and finding objects by the rows stored for them
    (done in ingest workers: tuples cross process boundaries far faster than objects)."""
    doc.packed = document_rows(doc)
    doc.pages, doc.sections, doc.findings = [], [], []
    return doc


def _new_visit_id(con: sqlite3.Connection, doc: Document, visit_key: str) -> str:
    """A visit id no stored document has: the plain id, or ``<plain id>-s2``, ``-s3``... for
    another source of a stored visit (``-2``, ``-3``... for another visit with the same id)."""
    visit_id = make_visit_id(doc)
    same = con.execute("SELECT visit_id FROM documents WHERE visit_key=?", (visit_key,)).fetchall()
    if same:  # another source of a stored visit: <plain id>-s2, -s3, ...
        base = min((r[0] for r in same), key=lambda x: (len(x), x))
        n = 2
        visit_id = f"{base}-s{n}"
    else:
        base, n = visit_id, 1
    while con.execute("SELECT 1 FROM documents WHERE visit_id=?", (visit_id,)).fetchone():
        n += 1
        visit_id = f"{base}-s{n}" if same else f"{base}-{n}"
    return visit_id


def _insert_document(
    con: sqlite3.Connection, doc: Document, rows: dict, visit_id: str, visit_key: str
) -> int:
    """The ``documents`` row; returns its id."""
    v = doc.visit

    def d(x):
        return x.isoformat() if x else None

    cur = con.execute(
        """INSERT INTO documents (visit_id, sha256, path, format, kind, framework, la, la_urn,
           la_name_printed, start_date, end_date, published, visit_number, inadequate_date, lead_inspector,
           inspectors, focus_areas, judgements, progress_verdict, n_pages, page_starts, text, warnings,
           ingested_at, focus_themes, visit_key)
           VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)""",
        (
            visit_id,
            doc.sha256,
            doc.path,
            doc.format,
            v.kind,
            v.framework,
            v.la,
            v.la_urn,
            v.la_name,
            d(v.start_date),
            d(v.end_date),
            d(v.published),
            v.visit_number,
            v.inadequate_date,
            v.lead_inspector,
            json.dumps(v.inspectors),
            json.dumps(v.focus_areas),
            json.dumps(v.judgements),
            v.progress_verdict,
            rows["n_pages"],
            rows["page_starts"],
            doc.text,
            json.dumps(doc.warnings),
            datetime.now(UTC).isoformat(timespec="seconds"),
            json.dumps(v.focus_themes),
            visit_key,
        ),
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


def _index_findings(con: sqlite3.Connection, doc_id: int) -> None:
    """A document's findings into the full-text index in one statement (far cheaper than the
    trigger's row by row), and the trigger back on (``fts_deferred`` lives only in this
    transaction)."""
    con.execute(
        "INSERT INTO findings_fts (rowid, text) SELECT id, text FROM findings WHERE doc_id = ?", (doc_id,)
    )
    con.execute("DELETE FROM settings WHERE key = 'fts_deferred'")


def _insert_rows(con: sqlite3.Connection, doc_id: int, rows: dict) -> None:
    """A document's sections, findings, tags and recommendations."""
    con.executemany(
        'INSERT INTO sections (doc_id, seq, heading, kind, page, start, "end") VALUES (?,?,?,?,?,?,?)',
        [(doc_id,) + r for r in rows["sections"]],
    )
    first = con.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM findings").fetchone()[0]
    if DEFER_FTS:
        con.execute("INSERT INTO settings (key, value) VALUES ('fts_deferred', '1')")  # the trigger waits
    con.executemany(
        """INSERT INTO findings (id, doc_id, seq, text, page, start, "end", section, section_kind, paragraph,
           is_bullet, polarity, polarity_score, polarity_cues) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)""",
        [(first + i, doc_id) + r for i, r in enumerate(rows["findings"])],
    )
    if DEFER_FTS:
        _index_findings(con, doc_id)
    con.executemany(
        "INSERT INTO tags (finding_id, theme, score, source, cues) VALUES (?,?,?,?,?)",
        [(first + r[0],) + r[1:] for r in rows["tags"]],
    )
    if rows.get("lscb_spans") is not None:
        con.executemany(
            """INSERT INTO recommendations (doc_id, seq, text, grp, tail, addressee, section, paragraph, page,
               start, "end") VALUES (?,?,?,?,?,?,?,?,?,?,?)""",
            [(doc_id,) + r for r in rows["recommendations"]],
        )
        con.execute(
            "INSERT INTO recommendation_docs (doc_id, version, lscb_spans) VALUES (?, ?, ?)",
            (doc_id, EXTRACTOR_VERSION, rows["lscb_spans"]),
        )


def write_document(con: sqlite3.Connection, doc: Document) -> tuple[str, str]:
    """Store one parsed (and tagged) document in one transaction.

    Returns (status, visit_id): status is ``added``, ``replaced`` (the file at this path
    changed) or ``unchanged`` (same bytes already stored)."""
    con.execute("BEGIN IMMEDIATE")
    try:
        row = find_by_sha(con, doc.sha256)
        if row:
            con.execute("COMMIT")
            return "unchanged", row["visit_id"]
        old = con.execute(
            "SELECT id, visit_id, visit_key FROM documents WHERE path=?", (doc.path,)
        ).fetchall()
        status = "replaced" if old else "added"
        for r in old:
            con.execute("DELETE FROM documents WHERE id=?", (r["id"],))
        for r in old:
            settle_visit(con, r["visit_key"])
        visit_key = make_visit_key(doc)
        visit_id = _new_visit_id(con, doc, visit_key)
        rows = doc.packed if doc.packed is not None else document_rows(doc)
        doc_id = _insert_document(con, doc, rows, visit_id, visit_key)
        _insert_rows(con, doc_id, rows)
        visit_id = settle_visit(con, visit_key) or visit_id
        con.execute("COMMIT")
        return status, visit_id
    except BaseException:
        con.execute("ROLLBACK")
        raise


def known_documents(con: sqlite3.Connection) -> dict[str, str]:
    """Content hash -> visit id of every stored document."""
    return {r[0]: r[1] for r in con.execute("SELECT sha256, visit_id FROM documents")}


def ingest_failures(con: sqlite3.Connection, version: str) -> dict[str, tuple[str, str]]:
    """Path -> (content hash, reason) of the files that failed with this version of ofsted-mine."""
    return {
        r[0]: (r[1], r[2])
        for r in con.execute("SELECT path, sha256, reason FROM ingest_failures WHERE version = ?", (version,))
    }


def remember_failure(con: sqlite3.Connection, path: str, sha: str, reason: str, version: str) -> None:
    """Remember that a file (these bytes) failed, and why (a re-run skips it and says so)."""
    con.execute(
        """INSERT INTO ingest_failures (path, sha256, reason, version, failed_at) VALUES (?,?,?,?,?)
                   ON CONFLICT(path) DO UPDATE SET sha256=excluded.sha256, reason=excluded.reason,
                   version=excluded.version, failed_at=excluded.failed_at""",
        (path, sha, reason, version, datetime.now(UTC).isoformat(timespec="seconds")),
    )


def forget_failure(con: sqlite3.Connection, path: str) -> None:
    """A file that failed before is now stored."""
    con.execute("DELETE FROM ingest_failures WHERE path = ?", (path,))
