"""Is this file an ofsted-mine database, and is it whole? The checks :func:`ofsted_mine.store.db.open_db`
runs before trusting a file: its ``application_id`` mark and schema, ``PRAGMA quick_check``, a
cheap size check; and sqlite3's errors as one line naming the file and the reason."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from ..errors import DatabaseError

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
