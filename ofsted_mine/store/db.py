"""SQLite storage: connection (WAL), versioned schema with migrations, writing documents.

Only the parent process writes; each document is written in one transaction, so an
ingest killed at any moment leaves the database as it was before that document.
"""
from __future__ import annotations

import json
import os
import sqlite3
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

from ..model import Document

# Each migration moves the schema from version i to i+1. Never edit a released one: append.
MIGRATIONS: list[str] = [
    # 1: documents, sections, findings, tags, full-text index
    """
    CREATE TABLE documents (
        id INTEGER PRIMARY KEY,
        visit_id TEXT NOT NULL UNIQUE,
        sha256 TEXT NOT NULL UNIQUE,
        path TEXT NOT NULL,
        format TEXT NOT NULL,
        kind TEXT NOT NULL,
        framework TEXT,
        la TEXT, la_urn TEXT, la_name_printed TEXT,
        start_date TEXT, end_date TEXT, published TEXT,
        visit_number INTEGER, inadequate_date TEXT,
        lead_inspector TEXT,
        inspectors TEXT NOT NULL DEFAULT '[]',
        focus_areas TEXT NOT NULL DEFAULT '[]',
        judgements TEXT NOT NULL DEFAULT '{}',
        progress_verdict TEXT,
        n_pages INTEGER NOT NULL,
        page_starts TEXT NOT NULL,
        text TEXT NOT NULL,
        warnings TEXT NOT NULL DEFAULT '[]',
        ingested_at TEXT NOT NULL
    );
    CREATE INDEX documents_path ON documents(path);
    CREATE INDEX documents_la ON documents(la_urn, start_date);
    CREATE TABLE sections (
        id INTEGER PRIMARY KEY,
        doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL, heading TEXT NOT NULL, kind TEXT NOT NULL,
        page INTEGER NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL
    );
    CREATE INDEX sections_doc ON sections(doc_id);
    CREATE TABLE findings (
        id INTEGER PRIMARY KEY,
        doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        text TEXT NOT NULL,
        page INTEGER NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL,
        section TEXT, section_kind TEXT, paragraph TEXT, is_bullet INTEGER NOT NULL DEFAULT 0,
        polarity TEXT, polarity_score REAL, polarity_cues TEXT NOT NULL DEFAULT '[]'
    );
    CREATE INDEX findings_doc ON findings(doc_id, seq);
    CREATE TABLE tags (
        finding_id INTEGER NOT NULL REFERENCES findings(id) ON DELETE CASCADE,
        theme TEXT NOT NULL, score REAL NOT NULL, source TEXT NOT NULL, cues TEXT NOT NULL DEFAULT '[]',
        PRIMARY KEY (finding_id, theme)
    );
    CREATE INDEX tags_theme ON tags(theme, finding_id);
    CREATE VIRTUAL TABLE findings_fts USING fts5(
        text, content='findings', content_rowid='id', tokenize='unicode61 remove_diacritics 2');
    CREATE TRIGGER findings_ai AFTER INSERT ON findings BEGIN
        INSERT INTO findings_fts(rowid, text) VALUES (new.id, new.text);
    END;
    CREATE TRIGGER findings_ad AFTER DELETE ON findings BEGIN
        INSERT INTO findings_fts(findings_fts, rowid, text) VALUES ('delete', old.id, old.text);
    END;
    CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
    # 2: the themes of each visit's "areas covered" (to tell "not examined" from "no concerns")
    """
    ALTER TABLE documents ADD COLUMN focus_themes TEXT NOT NULL DEFAULT '[]';
    """,
    # 3: tags clustered by (finding, theme) without a rowid, and no separate theme index:
    #    half the B-tree writes at ingest; lookups go through the finding
    """
    CREATE TABLE tags_v3 (
        finding_id INTEGER NOT NULL REFERENCES findings(id) ON DELETE CASCADE,
        theme TEXT NOT NULL, score REAL NOT NULL, source TEXT NOT NULL, cues TEXT NOT NULL DEFAULT '[]',
        PRIMARY KEY (finding_id, theme)
    ) WITHOUT ROWID;
    INSERT INTO tags_v3 SELECT finding_id, theme, score, source, cues FROM tags;
    DROP TABLE tags;
    ALTER TABLE tags_v3 RENAME TO tags;
    """,
    # corrections by people, kept apart from the model's tags and keyed by the document's
    # bytes and the finding's offsets and text (not row ids), so they survive re-tagging,
    # re-ingest and a model upgrade; applied into tags (source 'person') after each tagging
    """
    CREATE TABLE corrections (
        id INTEGER PRIMARY KEY,
        doc_sha256 TEXT NOT NULL,
        start INTEGER NOT NULL, "end" INTEGER NOT NULL,
        text_sha1 TEXT NOT NULL,
        add_themes TEXT NOT NULL DEFAULT '[]',
        remove_themes TEXT NOT NULL DEFAULT '[]',
        polarity TEXT,
        action TEXT NOT NULL DEFAULT 'correct',
        model_themes TEXT NOT NULL DEFAULT '[]',
        model_polarity TEXT,
        who TEXT NOT NULL,
        at TEXT NOT NULL,
        note TEXT
    );
    CREATE INDEX corrections_doc ON corrections(doc_sha256, start);
    ALTER TABLE findings ADD COLUMN polarity_source TEXT;
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)


def default_db_path() -> Path:
    """``$OFSTED_MINE_DB`` if set, else ``$XDG_DATA_HOME/ofsted-mine/ofsted.db`` (~/.local/share/...)."""
    env = os.environ.get("OFSTED_MINE_DB")
    if env:
        return Path(env).expanduser()
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "ofsted-mine" / "ofsted.db"


def open_db(path: Optional[str | Path] = None, *, create: bool = True) -> sqlite3.Connection:
    """Open (and create or migrate) a database. ``path=None`` uses :func:`default_db_path`."""
    p = Path(path).expanduser() if path else default_db_path()
    if not p.exists():
        if not create:
            raise FileNotFoundError(f"{p}: no such database (run 'ofsted-mine ingest' first)")
        p.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(str(p), isolation_level=None, timeout=30)
    con.row_factory = sqlite3.Row
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    con.execute("PRAGMA foreign_keys=ON")
    con.execute("PRAGMA cache_size=-32000")
    migrate(con)
    return con


def migrate(con: sqlite3.Connection) -> int:
    version = con.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise RuntimeError(f"database schema v{version} is newer than this ofsted-mine (v{SCHEMA_VERSION})")
    while version < SCHEMA_VERSION:
        con.execute("BEGIN IMMEDIATE")
        for stmt in _split_sql(MIGRATIONS[version]):
            con.execute(stmt)
        version += 1
        con.execute(f"PRAGMA user_version={version}")
        con.execute("COMMIT")
    return version


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements (triggers contain ';' inside BEGIN ... END)."""
    out, buf = [], []
    for line in script.strip().splitlines():
        buf.append(line)
        joined = "\n".join(buf).strip()
        if joined.endswith(";") and sqlite3.complete_statement(joined):
            out.append(joined)
            buf = []
    if "\n".join(buf).strip():
        out.append("\n".join(buf))
    return out


_KIND_ABBREV = {"monitoring_visit": "mv", "focused_visit": "fv", "inspection": "insp", "jtai": "jtai",
                "council_paper": "paper", "unknown": "doc"}


def make_visit_id(doc: Document) -> str:
    from ..councils import slugify
    v = doc.visit
    la = slugify(v.la) if v.la else "unknown"
    when = v.start_date or v.published
    kind = _KIND_ABBREV.get(v.kind, "doc")
    if v.kind == "monitoring_visit" and v.visit_number:
        kind += str(v.visit_number)
    return f"{la}-{kind}-{when.isoformat() if when else doc.sha256[:8]}"


def find_by_sha(con: sqlite3.Connection, sha: str) -> Optional[sqlite3.Row]:
    return con.execute("SELECT id, path, visit_id FROM documents WHERE sha256=?", (sha,)).fetchone()


def document_rows(doc: Document) -> dict:
    """The rows ``write_document`` stores for a document's pages, sections, findings and
    tags (finding ids relative to the document, JSON already encoded)."""
    from ..model import PAGE_SEP
    starts, pos = [], 0
    for p in doc.pages:
        starts.append(pos)
        pos += len(p.text) + len(PAGE_SEP)
    return {
        "n_pages": len(doc.pages),
        "page_starts": json.dumps(starts),
        "sections": [(i, s.heading, s.kind, s.page, s.start, s.end) for i, s in enumerate(doc.sections)],
        "findings": [(f.seq, f.text, f.page, f.start, f.end, f.section, f.section_kind, f.paragraph,
                      int(f.is_bullet), f.polarity, f.polarity_score, json.dumps(f.polarity_cues))
                     for f in doc.findings],
        "tags": [(i, t.theme, t.score, t.source, json.dumps(t.cues)) for i, f in enumerate(doc.findings) for t in f.tags],
    }


def pack_document(doc: Document) -> Document:
    """Replace a document's page, section and finding objects by the rows stored for them
    (done in ingest workers: tuples cross process boundaries far faster than objects)."""
    doc.packed = document_rows(doc)
    doc.pages, doc.sections, doc.findings = [], [], []
    return doc


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
        old = con.execute("SELECT id, visit_id FROM documents WHERE path=?", (doc.path,)).fetchall()
        status = "replaced" if old else "added"
        for r in old:
            con.execute("DELETE FROM documents WHERE id=?", (r["id"],))
        visit_id = make_visit_id(doc)
        if old and len(old) == 1:
            visit_id = old[0]["visit_id"] if visit_id == old[0]["visit_id"] else visit_id
        base, n = visit_id, 2
        while con.execute("SELECT 1 FROM documents WHERE visit_id=?", (visit_id,)).fetchone():
            visit_id = f"{base}-{n}"
            n += 1
        v = doc.visit
        d = lambda x: x.isoformat() if x else None  # noqa: E731
        rows = doc.packed if doc.packed is not None else document_rows(doc)
        cur = con.execute(
            """INSERT INTO documents (visit_id, sha256, path, format, kind, framework, la, la_urn, la_name_printed,
               start_date, end_date, published, visit_number, inadequate_date, lead_inspector, inspectors,
               focus_areas, judgements, progress_verdict, n_pages, page_starts, text, warnings, ingested_at,
               focus_themes)
               VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)""",
            (visit_id, doc.sha256, doc.path, doc.format, v.kind, v.framework, v.la, v.la_urn, v.la_name,
             d(v.start_date), d(v.end_date), d(v.published), v.visit_number, v.inadequate_date,
             v.lead_inspector, json.dumps(v.inspectors), json.dumps(v.focus_areas), json.dumps(v.judgements),
             v.progress_verdict, rows["n_pages"], rows["page_starts"], doc.text, json.dumps(doc.warnings),
             datetime.now(timezone.utc).isoformat(timespec="seconds"), json.dumps(v.focus_themes)))
        doc_id = cur.lastrowid
        con.executemany(
            'INSERT INTO sections (doc_id, seq, heading, kind, page, start, "end") VALUES (?,?,?,?,?,?,?)',
            [(doc_id,) + r for r in rows["sections"]])
        first = con.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM findings").fetchone()[0]
        con.executemany(
            """INSERT INTO findings (id, doc_id, seq, text, page, start, "end", section, section_kind, paragraph,
               is_bullet, polarity, polarity_score, polarity_cues) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)""",
            [(first + i, doc_id) + r for i, r in enumerate(rows["findings"])])
        con.executemany(
            "INSERT INTO tags (finding_id, theme, score, source, cues) VALUES (?,?,?,?,?)",
            [(first + r[0],) + r[1:] for r in rows["tags"]])
        con.execute("COMMIT")
        return status, visit_id
    except BaseException:
        con.execute("ROLLBACK")
        raise


def set_setting(con: sqlite3.Connection, key: str, value: str) -> None:
    """Remember a fact about the database (e.g. the taxonomy its tags come from)."""
    con.execute("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                (key, value))


def get_setting(con: sqlite3.Connection, key: str, default: Optional[str] = None) -> Optional[str]:
    r = con.execute("SELECT value FROM settings WHERE key=?", (key,)).fetchone()
    return r[0] if r else default
