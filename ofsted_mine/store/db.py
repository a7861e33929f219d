"""SQLite storage: connection (WAL), versioned schema with migrations, writing documents.

Only the parent process writes; each document is written in one transaction, so an
ingest killed at any moment leaves the database as it was before that document.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from ..errors import DatabaseError
from .counts_schema import COUNTS_MIGRATION

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
    # visits, not files: documents of one visit (council + kind + start date) share a visit_key;
    # exactly one of them is quoted (counted and cited): Ofsted's own PDF first, then the latest
    """
    ALTER TABLE documents ADD COLUMN visit_key TEXT;
    ALTER TABLE documents ADD COLUMN quoted INTEGER NOT NULL DEFAULT 1;
    UPDATE documents SET visit_key = COALESCE(la_urn, la, '?') || '|' || kind || '|'
        || COALESCE(start_date, 'sha:' || sha256);
    UPDATE documents SET quoted = CASE WHEN id = (SELECT d2.id FROM documents d2
        WHERE d2.visit_key = documents.visit_key
        ORDER BY (d2.format = 'pdf') DESC, COALESCE(d2.published, '') DESC, d2.id DESC LIMIT 1)
        THEN 1 ELSE 0 END;
    CREATE INDEX documents_visit_key ON documents(visit_key);
    """,
    # files that could not be ingested, by path and content: an unchanged file that failed
    # before is skipped on a re-run (and said so) instead of failing again
    """
    CREATE TABLE IF NOT EXISTS ingest_failures (
        path TEXT PRIMARY KEY,
        sha256 TEXT NOT NULL,
        reason TEXT NOT NULL,
        version TEXT NOT NULL,
        failed_at TEXT NOT NULL
    );
    """,
    # recommendations: the items Ofsted addresses to the council (or the LSCB), made from each
    # document's text by store.recommendations.sync_recommendations; recommendation_docs: which
    # extractor version made a document's rows, and the offsets of a SIF report's LSCB part.
    # (IF NOT EXISTS, and no change to documents: safe whatever number this migration gets.)
    """
    CREATE TABLE IF NOT EXISTS recommendations (
        id INTEGER PRIMARY KEY,
        doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        text TEXT NOT NULL, grp TEXT, tail TEXT,
        addressee TEXT NOT NULL,
        section TEXT, paragraph TEXT,
        page INTEGER NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS recommendations_doc ON recommendations(doc_id, seq);
    CREATE TABLE IF NOT EXISTS recommendation_docs (
        doc_id INTEGER PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
        version INTEGER NOT NULL,
        lscb_spans TEXT NOT NULL DEFAULT '[]'
    );
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
    # the full-text index of a document's findings is written in one statement by the writer
    # (store/write.py), not row by row by the trigger: half the writing process's time at ingest.
    # The writer sets 'fts_deferred' inside its own transaction (never visible outside it);
    # any other insert into findings is indexed by the trigger as before. (Safe at any number.)
    """
    DROP TRIGGER IF EXISTS findings_ai;
    CREATE TRIGGER findings_ai AFTER INSERT ON findings
        WHEN NOT EXISTS (SELECT 1 FROM settings WHERE key = 'fts_deferred') BEGIN
        INSERT INTO findings_fts(rowid, text) VALUES (new.id, new.text);
    END;
    """,
    # the benchmark's counts per document, kept by triggers (national scale: store/benchmark.py)
    COUNTS_MIGRATION,
]
SCHEMA_VERSION = len(MIGRATIONS)


def default_db_path() -> Path:
    """``$OFSTED_MINE_DB`` if set, else ``$XDG_DATA_HOME/ofsted-mine/ofsted.db`` (~/.local/share/...)."""
    env = os.environ.get("OFSTED_MINE_DB")
    if env:
        return Path(env).expanduser()
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "ofsted-mine" / "ofsted.db"


#: SQLite ``application_id`` marking a database as ofsted-mine's ("OfMn")
APPLICATION_ID = 0x4F664D6E
#: tables every ofsted-mine database has had since schema v1 (recognises unmarked older files)
_OUR_TABLES = {"documents", "sections", "findings", "tags", "findings_fts", "settings"}
#: databases up to this size get a full ``PRAGMA quick_check`` when opened for reading (larger
#: ones a cheap size check: a full check of the 56 MB real-report database costs 0.2-0.3 s,
#: as much as a query); every write checks fully
QUICK_CHECK_MAX_BYTES = 16 * 1024 * 1024


def _db_error(p: Path, e: BaseException) -> DatabaseError:
    """A sqlite3 error, as one line naming the database and the reason."""
    msg = str(e).splitlines()[0] if str(e) else type(e).__name__
    low = msg.lower()
    if "not a database" in low:
        return DatabaseError(f"{_q(p)}: not a SQLite database (the file holds something else)")
    if "malformed" in low or "corrupt" in low:
        return DatabaseError(
            f"{_q(p)}: the database is corrupt ({msg}); restore a copy or delete it and re-run ingest"
        )
    if "readonly" in low or "read-only" in low:
        return DatabaseError(f"{_q(p)}: the database is read-only here, so nothing can be written ({msg})")
    if "unable to open" in low:
        why = "the folder is not writable" if p.parent.exists() and not os.access(p.parent, os.W_OK) else msg
        return DatabaseError(f"{_q(p)}: cannot open the database ({why})")
    if "locked" in low or "busy" in low:
        return DatabaseError(f"{_q(p)}: the database is busy (another process holds it): {msg}")
    return DatabaseError(f"{_q(p)}: {msg}")


def _q(p) -> str:
    """A path for a one-line message (a newline in a name cannot forge a second line)."""
    from ..display import shown

    return shown(p)


def _identify(con: sqlite3.Connection) -> tuple[str, int]:
    """("ours" | "fresh" | "foreign", user_version) from the header and the schema, read in
    one transaction (so another process's migration is seen entirely or not at all)."""
    own = not con.in_transaction
    if own:
        con.execute("BEGIN")
    try:
        names = {r[0] for r in con.execute("SELECT name FROM sqlite_master")}
        app = con.execute("PRAGMA application_id").fetchone()[0]
        version = con.execute("PRAGMA user_version").fetchone()[0]
    finally:
        if own and con.in_transaction:
            con.execute("COMMIT")
    if app == APPLICATION_ID:
        return "ours", version
    if app != 0:
        return "foreign", version
    if version == 0 and not names:
        return "fresh", 0
    if version >= 1 and _OUR_TABLES <= names:
        return "ours", version  # an ofsted-mine database from before the application_id mark
    return "foreign", version


def _refuse(p: Path, kind: str, version: int, write: bool) -> None:
    if kind == "foreign":
        raise DatabaseError(
            f"{_q(p)}: not an ofsted-mine database (another program's SQLite file); "
            "left unchanged; give another --db"
        )
    if version > SCHEMA_VERSION:
        raise DatabaseError(
            f"{_q(p)}: database schema v{version} is newer than this ofsted-mine's "
            f"(v{SCHEMA_VERSION}); upgrade ofsted-mine"
        )
    if not write and kind == "fresh":
        raise DatabaseError(
            f"{_q(p)}: empty database, no documents yet; run 'ofsted-mine ingest FILES --db {p}' first"
        )
    if not write and version < SCHEMA_VERSION:
        raise DatabaseError(
            f"{_q(p)}: database schema v{version} is older than this ofsted-mine's (v{SCHEMA_VERSION}); "
            f"any write upgrades it (e.g. 'ofsted-mine ingest FILES --db {p}', re-ingesting the same files)"
        )


def check_integrity(con: sqlite3.Connection, path: str | Path = "database") -> None:
    """``PRAGMA quick_check``: raise :class:`DatabaseError` (one line) if the file is damaged."""
    try:
        rows = con.execute("PRAGMA quick_check(3)").fetchall()
    except sqlite3.DatabaseError as e:
        raise _db_error(Path(path), e) from None
    if [r[0] for r in rows] != ["ok"]:
        first = str(rows[0][0]).splitlines()[0][:120] if rows else "no answer"
        raise DatabaseError(
            f"{_q(path)}: the database is corrupt ({first}); restore a copy or delete it and re-run ingest"
        )


def _check_size(con: sqlite3.Connection, p: Path) -> None:
    """Cheap: a database file shorter than its header says was cut short (copy, disk)."""
    wal = Path(str(p) + "-wal")
    if wal.exists() and wal.stat().st_size > 0:
        return  # pages may live in the WAL
    pages = con.execute("PRAGMA page_count").fetchone()[0]
    size = con.execute("PRAGMA page_size").fetchone()[0]
    if p.stat().st_size < pages * size:
        raise DatabaseError(
            f"{_q(p)}: the database is corrupt (the file is shorter than its header says: "
            "truncated); restore a copy or delete it and re-run ingest"
        )


def _retry(fn, tries: int = 50, wait: float = 0.05):
    """Run ``fn``, retrying while SQLite says the database is locked or busy (setting WAL
    does not always wait for the busy timeout)."""
    import time

    for i in range(tries):
        try:
            return fn()
        except sqlite3.OperationalError as e:
            if i == tries - 1 or not any(w in str(e).lower() for w in ("locked", "busy")):
                raise
            time.sleep(wait * (1 + i % 5))


def open_db(path: str | Path | None = None, *, create: bool = True, check: bool = True) -> sqlite3.Connection:
    """Open a database. ``path=None`` uses :func:`default_db_path`.

    ``create=True`` (writing: ingest, tag, the Python API's default): create the file if
    missing, migrate an older schema, switch to WAL and mark it with ``application_id``;
    an existing database gets ``PRAGMA quick_check`` first (``check=False`` skips it).
    ``create=False`` (reading: every query command): never create, migrate or switch
    anything; the file is opened read-only, so a read-only file or folder works; it gets
    ``PRAGMA quick_check`` up to ``QUICK_CHECK_MAX_BYTES``, a size check above.
    Either way a folder, a file that is not SQLite, another program's database (without
    ofsted-mine's ``application_id`` or, for older files, its tables), a corrupt database
    and a newer schema are refused with :class:`~ofsted_mine.errors.DatabaseError` (one
    line) before anything is written.
    """
    if str(path) == ":memory:" and create:  # a throw-away database (tests, experiments)
        con = sqlite3.connect(":memory:", isolation_level=None)
        con.row_factory = sqlite3.Row
        con.execute("PRAGMA foreign_keys=ON")
        migrate(con, ":memory:")
        return con
    p = Path(path).expanduser() if path else default_db_path()
    if p.is_dir():
        raise DatabaseError(
            f"{_q(p)}: is a folder, not a database file; give a file name such as {_q(p / 'ofsted.db')}"
        )
    if not create:
        return _open_read(p, check)
    if not p.exists():
        try:
            p.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise DatabaseError(f"{_q(p)}: cannot create the database's folder ({e.strerror or e})") from None
        if not os.access(p.parent, os.W_OK):
            raise DatabaseError(f"{_q(p)}: cannot create the database (the folder is not writable)")
    existed = p.exists() and p.stat().st_size > 0
    try:
        con = sqlite3.connect(str(p), isolation_level=None, timeout=30)
    except sqlite3.Error as e:
        raise _db_error(p, e) from None
    try:
        con.row_factory = sqlite3.Row
        kind, version = _retry(lambda: _identify(con))
        _refuse(p, kind, version, write=True)
        if existed and check:
            check_integrity(con, p)
        if not os.access(p, os.W_OK):
            raise DatabaseError(f"{_q(p)}: the database file is read-only, so nothing can be written here")
        if _retry(lambda: con.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
            mode = _retry(lambda: con.execute("PRAGMA journal_mode=WAL").fetchone()[0])
            if str(mode).lower() != "wal":
                raise DatabaseError(f"{_q(p)}: cannot switch the database to WAL (journal mode stays {mode})")
        con.execute("PRAGMA synchronous=NORMAL")
        con.execute("PRAGMA foreign_keys=ON")
        con.execute("PRAGMA cache_size=-32000")
        migrate(con, p)
        return con
    except sqlite3.Error as e:
        con.close()
        raise _db_error(p, e) from None
    except BaseException:
        con.close()
        raise


def _open_read(p: Path, check: bool) -> sqlite3.Connection:
    from urllib.parse import quote

    if not p.exists():
        raise DatabaseError(
            f"{_q(p)}: no database here yet; run 'ofsted-mine ingest FILES --db {p}' "
            "(or 'ofsted-mine demo') first"
        )
    if p.stat().st_size == 0:
        _refuse(p, "fresh", 0, write=False)
    uri = "file:" + quote(str(p.resolve())) + "?mode=ro"
    con = None
    try:
        con = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=30)
        con.row_factory = sqlite3.Row
        try:
            kind, version = _identify(con)
        except sqlite3.OperationalError as e:
            # a WAL database in a folder we cannot write: no shared-memory file can be made
            if (
                "unable to open" not in str(e).lower()
                or os.access(p.parent, os.W_OK)
                or Path(str(p) + "-wal").exists()
            ):
                raise
            con.close()
            con = sqlite3.connect(uri + "&immutable=1", uri=True, isolation_level=None, timeout=30)
            con.row_factory = sqlite3.Row
            kind, version = _identify(con)
        _refuse(p, kind, version, write=False)
        if check and p.stat().st_size <= QUICK_CHECK_MAX_BYTES:
            check_integrity(con, p)
        elif check:
            _check_size(con, p)
        con.execute("PRAGMA query_only=ON")
        return con
    except sqlite3.Error as e:
        if con is not None:
            con.close()
        raise _db_error(p, e) from None
    except BaseException:
        if con is not None:
            con.close()
        raise


def migrate(con: sqlite3.Connection, path: str | Path = "database") -> int:
    """Bring the schema to :data:`SCHEMA_VERSION` and mark the file as ofsted-mine's.

    The write lock is taken (``BEGIN IMMEDIATE``) *before* the version is read, and all
    steps run in that one transaction, so two processes creating or upgrading the same
    database at once cannot both apply a migration."""
    con.execute("BEGIN IMMEDIATE")
    try:
        kind, version = _identify(con)
        _refuse(Path(path), kind, version, write=True)
        while version < SCHEMA_VERSION:
            for stmt in _split_sql(MIGRATIONS[version]):
                con.execute(stmt)
            version += 1
            con.execute(f"PRAGMA user_version={version}")
        if con.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
            con.execute(f"PRAGMA application_id={APPLICATION_ID}")
        con.execute("COMMIT")
    except BaseException:
        if con.in_transaction:
            con.execute("ROLLBACK")
        raise
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


def set_setting(con: sqlite3.Connection, key: str, value: str) -> None:
    """Remember a fact about the database (e.g. the taxonomy its tags come from)."""
    con.execute(
        "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
        (key, value),
    )


def get_setting(con: sqlite3.Connection, key: str, default: str | None = None) -> str | None:
    """A fact remembered by :func:`set_setting`, or ``default``."""
    r = con.execute("SELECT value FROM settings WHERE key=?", (key,)).fetchone()
    return r[0] if r else default


# the write path lives in store/write.py; its names stay importable from here
from .write import (  # noqa: E402, F401
    document_rows,
    find_by_sha,
    make_visit_id,
    make_visit_key,
    pack_document,
    settle_visit,
    write_document,
)
