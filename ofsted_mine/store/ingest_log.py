"""What ingest asks of the store before and after writing documents: the documents already
stored (by file hash) and the files that failed (the ``ingest_failures`` table), so that an
unchanged file that failed before is not tried again by the same version.

Ready for ``api.ingest`` (owned by the ingest work) to call instead of its own SQL.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime


def stored_hashes(con: sqlite3.Connection) -> dict[str, str]:
    """File SHA-256 -> visit id, of every stored document."""
    return {r[0]: r[1] for r in con.execute("SELECT sha256, visit_id FROM documents")}


def failures_of_version(con: sqlite3.Connection, version: str) -> dict[str, tuple[str, str]]:
    """path -> (file SHA-256, reason) of the files this version failed to ingest."""
    return {
        r[0]: (r[1], r[2])
        for r in con.execute("SELECT path, sha256, reason FROM ingest_failures WHERE version = ?", (version,))
    }


def forget_failure(con: sqlite3.Connection, path: str) -> None:
    """The file at ``path`` was ingested after all: forget that it failed."""
    con.execute("DELETE FROM ingest_failures WHERE path = ?", (path,))


def remember_failure(con: sqlite3.Connection, path: str, sha: str, reason: str, version: str) -> None:
    """Remember that this version failed to ingest the file ``path`` (with this hash), and why."""
    con.execute(
        """INSERT INTO ingest_failures (path, sha256, reason, version, failed_at) VALUES (?,?,?,?,?)
           ON CONFLICT(path) DO UPDATE SET sha256=excluded.sha256, reason=excluded.reason,
           version=excluded.version, failed_at=excluded.failed_at""",
        (path, sha, reason, version, datetime.now(UTC).isoformat(timespec="seconds")),
    )
