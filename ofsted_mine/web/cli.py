"""The web app's settings from command-line options (``build_settings``), shared by
``ofsted-mine serve`` (:mod:`ofsted_mine.cli.web`) and the tests."""

from __future__ import annotations

import ipaddress
from pathlib import Path


def db_path(db: Path | None) -> Path:
    """The database file a command names (``--db``), or the default one."""
    from ..store.db import default_db_path

    return Path(db).expanduser() if db else default_db_path()


def is_loopback(host: str) -> bool:
    """True for an address only this machine can reach."""
    if host in ("localhost", "::1"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def build_settings(
    db: Path,
    *,
    host: str = "127.0.0.1",
    team: bool | None = None,
    accounts: Path | None = None,
    insecure_cookies: bool = False,
    ingest_folder: list | None = None,
    uploads: Path | None = None,
):
    """The web app's settings from the command's options (shared by ``serve`` and the tests)."""
    from .accounts import accounts_path
    from .app import Settings

    team = (not is_loopback(host)) if team is None else team
    return Settings(
        db=db,
        accounts=Path(accounts) if accounts else accounts_path(db),
        team=team,
        secure_cookies=team and not insecure_cookies,
        folder_roots=[Path(p).expanduser().resolve() for p in ingest_folder or []],
        allow_any_folder=not team and not ingest_folder,
        upload_dir=Path(uploads) if uploads else db.with_name(db.stem + "-uploads"),
    )


def settings_problem(settings, host: str) -> str | None:
    """Why the web app must not start with these settings, or None: team mode without any
    account, or no sign-in on an address other machines can reach."""
    from .accounts import Accounts

    if settings.team:
        if not Accounts(settings.accounts).users():
            return (
                f"team mode needs accounts and {settings.accounts} has none: add one with "
                f"'ofsted-mine users add NAME --role editor --db {settings.db}'"
            )
        return None
    if not is_loopback(host):
        return (
            f"--no-team with --host {host} would let anyone on the network in without signing in; "
            "drop --no-team, or use --host 127.0.0.1"
        )
    return None
