"""Team mode's accounts: users with a role (viewer or editor), passwords hashed with scrypt,
the secret that signs session cookies, and an audit log (who did what, when).

Kept in their own SQLite file beside the database (``qa.db`` -> ``qa.accounts.db``), so that
the evidence database can be copied, shared or rebuilt without password hashes in it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

ROLES = ("viewer", "editor")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
# scrypt cost: 2**15 x 8 x 1 = 32 MiB and ~60 ms per check on this class of machine
_N, _R, _P = 2**15, 8, 1
MIN_PASSWORD = 10

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (name TEXT PRIMARY KEY, role TEXT NOT NULL, hash TEXT NOT NULL,
                                  created TEXT NOT NULL, changed TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS audit (id INTEGER PRIMARY KEY, at TEXT NOT NULL, who TEXT NOT NULL,
                                  action TEXT NOT NULL, target TEXT, detail TEXT NOT NULL DEFAULT '{}');
CREATE INDEX IF NOT EXISTS audit_target ON audit(action, target);
CREATE TABLE IF NOT EXISTS jobs (id TEXT PRIMARY KEY, started TEXT NOT NULL, state TEXT NOT NULL);
"""


class AccountError(ValueError):
    """A user-facing problem with an account (bad name, role, short password, unknown user)."""


def accounts_path(db: str | Path) -> Path:
    """Where the accounts of database ``db`` live: beside it, ``NAME.accounts.db``."""
    p = Path(db).expanduser()
    return p.with_name(p.stem + ".accounts.db")


def now() -> str:
    """The time now (UTC, to the second, ISO 8601)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def hash_password(password: str) -> str:
    """A salted scrypt hash of the password, with its cost parameters (``scrypt$N$r$p$salt$hash``)."""
    salt = secrets.token_bytes(16)
    h = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, maxmem=64 * 1024 * 1024, dklen=32)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${h.hex()}"


def check_password(password: str, stored: str) -> bool:
    """True when ``password`` matches a hash made by :func:`hash_password` (constant-time compare)."""
    try:
        alg, n, r, p, salt, h = stored.split("$")
        if alg != "scrypt":
            return False
        got = hashlib.scrypt(
            password.encode(),
            salt=bytes.fromhex(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            maxmem=64 * 1024 * 1024,
            dklen=len(h) // 2,
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got.hex(), h)


# a constant-cost check for unknown users, so that timing does not tell which names exist
_DUMMY = None


class Accounts:
    """The users, session secret, audit log and ingest jobs of one database's accounts file."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._ready = False

    def connect(self) -> sqlite3.Connection:
        """A new connection to the accounts file (created, WAL, schema, on first use)."""
        if not self._ready:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(str(self.path), isolation_level=None, timeout=30)
        con.row_factory = sqlite3.Row
        if not self._ready or not self.path.exists():
            con.execute("PRAGMA journal_mode=WAL")
            con.executescript(_SCHEMA)
            self._ready = True
        return con

    # -------------------------------------------------------------- users
    def add(self, name: str, role: str, password: str) -> None:
        """Add a user; :class:`AccountError` for a bad name, role or short password, or a taken name."""
        if not _NAME.match(name or ""):
            raise AccountError(f"{name!r}: a user name is 1-64 letters, digits, '.', '_', '@' or '-'")
        if role not in ROLES:
            raise AccountError(f"unknown role {role!r} (viewer or editor)")
        if len(password) < MIN_PASSWORD:
            raise AccountError(f"the password must have at least {MIN_PASSWORD} characters")
        con = self.connect()
        try:
            if con.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone():
                raise AccountError(f"user {name!r} exists already (use 'users password' or 'users role')")
            con.execute(
                "INSERT INTO users VALUES (?, ?, ?, ?, ?)",
                (name, role, hash_password(password), now(), now()),
            )
            self._log(con, "cli", "user added", name, {"role": role})
        finally:
            con.close()

    def set_password(self, name: str, password: str) -> None:
        """Change a user's password (ends their sessions)."""
        if len(password) < MIN_PASSWORD:
            raise AccountError(f"the password must have at least {MIN_PASSWORD} characters")
        self._update(name, "hash", hash_password(password), "password changed", {})

    def set_role(self, name: str, role: str) -> None:
        """Change a user's role, viewer or editor (ends their sessions)."""
        if role not in ROLES:
            raise AccountError(f"unknown role {role!r} (viewer or editor)")
        self._update(name, "role", role, "role changed", {"role": role})

    def _update(self, name, column, value, action, detail) -> None:
        con = self.connect()
        try:
            # changing the password or role also ends the user's sessions (their 'changed' stamp moves)
            cur = con.execute(
                f"UPDATE users SET {column} = ?, changed = ? WHERE name = ?", (value, now(), name)
            )
            if not cur.rowcount:
                raise AccountError(f"no user {name!r}")
            self._log(con, "cli", action, name, detail)
        finally:
            con.close()

    def remove(self, name: str) -> None:
        """Remove a user; :class:`AccountError` if there is none by that name."""
        con = self.connect()
        try:
            if not con.execute("DELETE FROM users WHERE name = ?", (name,)).rowcount:
                raise AccountError(f"no user {name!r}")
            self._log(con, "cli", "user removed", name, {})
        finally:
            con.close()

    def users(self) -> list[dict]:
        """Every user (name, role, created, changed), by name."""
        if not self.path.exists():
            return []
        con = self.connect()
        try:
            return [
                dict(r) for r in con.execute("SELECT name, role, created, changed FROM users ORDER BY name")
            ]
        finally:
            con.close()

    def get(self, name: str) -> dict | None:
        """One user (name, role, changed), or None."""
        con = self.connect()
        try:
            r = con.execute("SELECT name, role, changed FROM users WHERE name = ?", (name,)).fetchone()
            return dict(r) if r else None
        finally:
            con.close()

    def verify(self, name: str, password: str) -> dict | None:
        """The user if the password is right, else None (same cost either way)."""
        global _DUMMY
        con = self.connect()
        try:
            r = con.execute("SELECT name, role, hash, changed FROM users WHERE name = ?", (name,)).fetchone()
        finally:
            con.close()
        if r is None:
            _DUMMY = _DUMMY or hash_password("not a password at all")
            check_password(password, _DUMMY)
            return None
        return (
            {"name": r["name"], "role": r["role"], "changed": r["changed"]}
            if check_password(password, r["hash"])
            else None
        )

    # -------------------------------------------------------------- sessions' secret, audit log
    def secret(self) -> str:
        """The secret that signs session cookies (made once, then kept)."""
        con = self.connect()
        try:
            r = con.execute("SELECT value FROM settings WHERE key = 'session_secret'").fetchone()
            if r:
                return r[0]
            s = secrets.token_urlsafe(48)
            con.execute("INSERT OR IGNORE INTO settings VALUES ('session_secret', ?)", (s,))
            return con.execute("SELECT value FROM settings WHERE key = 'session_secret'").fetchone()[0]
        finally:
            con.close()

    def log(self, who: str, action: str, target: str, detail: dict) -> None:
        """Add one entry to the audit log."""
        con = self.connect()
        try:
            self._log(con, who, action, target, detail)
        finally:
            con.close()

    @staticmethod
    def _log(con, who, action, target, detail) -> None:
        con.execute(
            "INSERT INTO audit (at, who, action, target, detail) VALUES (?, ?, ?, ?, ?)",
            (now(), who, action, target, json.dumps(detail, ensure_ascii=False)),
        )

    # ------------------------------------------------------- ingest jobs (seen by every worker process)
    def save_job(self, job_id: str, started: str, state: dict) -> None:
        """Store an ingest job's state (seen by every worker process)."""
        con = self.connect()
        try:
            con.execute(
                "INSERT INTO jobs VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET state = excluded.state",
                (job_id, started, json.dumps(state, ensure_ascii=False)),
            )
        finally:
            con.close()

    def job(self, job_id: str) -> dict | None:
        """One ingest job's state, or None."""
        con = self.connect()
        try:
            r = con.execute("SELECT state FROM jobs WHERE id = ?", (job_id,)).fetchone()
            return json.loads(r[0]) if r else None
        finally:
            con.close()

    def recent_jobs(self, n: int = 10) -> list[dict]:
        """The states of the ``n`` latest ingest jobs, newest first."""
        con = self.connect()
        try:
            return [
                json.loads(r[0])
                for r in con.execute("SELECT state FROM jobs ORDER BY started DESC LIMIT ?", (n,))
            ]
        finally:
            con.close()

    def history(self, action: str, targets: list[str]) -> dict[str, list[dict]]:
        """Audit entries of one action for these targets, oldest first."""
        out: dict[str, list[dict]] = {}
        if not targets or not self.path.exists():
            return out
        con = self.connect()
        try:
            for i in range(0, len(targets), 500):
                chunk = targets[i : i + 500]
                for r in con.execute(
                    f"SELECT at, who, target, detail FROM audit WHERE action = ? AND target IN "
                    f"({','.join('?' * len(chunk))}) ORDER BY id",
                    (action, *chunk),
                ):
                    out.setdefault(r["target"], []).append(
                        {"at": r["at"], "who": r["who"], **json.loads(r["detail"])}
                    )
        finally:
            con.close()
        return out
