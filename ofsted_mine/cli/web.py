"""``ofsted-mine serve`` and ``ofsted-mine users``: the command-line face of the web app
(:mod:`ofsted_mine.web`)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from ..web.cli import build_settings, db_path, settings_problem
from .options import DbOption, fail


def serve_command(
    db: DbOption = None,
    host: str = typer.Option(
        "127.0.0.1",
        "--host",
        help="Address to listen on (default: this machine only). Any other address turns team mode on",
    ),
    port: int = typer.Option(8765, "--port", help="Port to listen on"),
    team: bool | None = typer.Option(
        None,
        "--team/--no-team",
        help="Accounts and sign-in (default: on unless the host is this machine only)",
    ),
    accounts: Path | None = typer.Option(
        None, "--accounts", help="Accounts file (default: beside the database, NAME.accounts.db)"
    ),
    insecure_cookies: bool = typer.Option(
        False,
        "--insecure-cookies",
        help="Team mode over plain HTTP (testing only): session cookies without the Secure flag",
    ),
    ingest_folder: list[Path] | None = typer.Option(
        None,
        "--ingest-folder",
        help="A server folder editors may ingest from (repeatable; team mode reads none by default)",
    ),
    uploads: Path | None = typer.Option(
        None, "--uploads", help="Where uploaded files are kept (default: beside the database)"
    ),
    workers: int = typer.Option(
        1, "--workers", min=1, max=32, help="Server processes (a team on a multi-core server: one per core)"
    ),
):
    """Open the web app: search, read documents, follow councils, download packs, review tags, add
    documents."""
    from ..web import library as lib
    from ..web.accounts import Accounts

    dbp = db_path(db)
    try:
        desc = lib.check_database(dbp)
    except ValueError as e:
        fail(str(e))
    settings = build_settings(
        dbp,
        host=host,
        team=team,
        accounts=accounts,
        insecure_cookies=insecure_cookies,
        ingest_folder=ingest_folder,
        uploads=uploads,
    )
    problem = settings_problem(settings, host)
    if problem:
        fail(problem)
    import os
    import threading

    import uvicorn

    from ..web.app import SETTINGS_ENV, create_app, settings_to_env

    Accounts(settings.accounts).secret()  # made once, before any worker starts
    shown = f"[{host}]" if ":" in host else host
    print(f"ofsted-mine: serving {desc}")
    print(
        f"  {'team mode: sign-in required' if settings.team else 'local mode: this machine only, no sign-in'}"
        + (f"; {workers} worker processes" if workers > 1 else "")
    )
    print(f"  open http://{shown}:{port}/ in your browser (Ctrl+C stops it)", flush=True)
    common: dict[str, Any] = dict(
        host=host, port=port, log_level="warning", proxy_headers=True, forwarded_allow_ips="127.0.0.1"
    )
    if workers > 1:
        os.environ[SETTINGS_ENV] = settings_to_env(settings)
        uvicorn.run("ofsted_mine.web.app:app_from_env", factory=True, workers=workers, **common)
    else:
        app = create_app(settings)
        threading.Thread(target=lib.warm_up, daemon=True).start()
        uvicorn.run(app, **common)


users_app = typer.Typer(
    help="Accounts for the web app's team mode (roles: viewer, editor).",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)


def _accounts(db: Path | None, accounts: Path | None):
    from ..web.accounts import Accounts, accounts_path

    return Accounts(accounts or accounts_path(db_path(db)))


def _password(stdin: bool) -> str:
    if stdin:
        return sys.stdin.readline().rstrip("\n")
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True)


ACC_HELP = "Accounts file (default: beside the database, NAME.accounts.db)"


@users_app.command("add")
def users_add(
    name: str = typer.Argument(..., help="User name"),
    role: str = typer.Option(
        "viewer", "--role", help="viewer (reads) or editor (also corrects tags and adds documents)"
    ),
    db: DbOption = None,
    accounts: Path | None = typer.Option(None, "--accounts", help=ACC_HELP),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from standard input"
    ),
):
    """Add a user (asks for the password twice)."""
    from ..web.accounts import AccountError

    acc = _accounts(db, accounts)
    try:
        acc.add(name, role, _password(password_stdin))
    except AccountError as e:
        fail(str(e))
    print(f"added {name} ({role}) to {acc.path}")


@users_app.command("list")
def users_list(
    db: DbOption = None,
    accounts: Path | None = typer.Option(None, "--accounts", help=ACC_HELP),
):
    """List the users and their roles."""
    acc = _accounts(db, accounts)
    rows = acc.users()
    if not rows:
        print(f"no users in {acc.path}")
    for u in rows:
        print(f"{u['name']}\t{u['role']}\tadded {u['created']}")


@users_app.command("remove")
def users_remove(
    name: str = typer.Argument(..., help="User name"),
    db: DbOption = None,
    accounts: Path | None = typer.Option(None, "--accounts", help=ACC_HELP),
):
    """Remove a user (their open sessions end at their next click)."""
    from ..web.accounts import AccountError

    try:
        _accounts(db, accounts).remove(name)
    except AccountError as e:
        fail(str(e))
    print(f"removed {name}")


@users_app.command("password")
def users_password(
    name: str = typer.Argument(..., help="User name"),
    db: DbOption = None,
    accounts: Path | None = typer.Option(None, "--accounts", help=ACC_HELP),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from standard input"
    ),
):
    """Set a user's password (ends their open sessions)."""
    from ..web.accounts import AccountError

    try:
        _accounts(db, accounts).set_password(name, _password(password_stdin))
    except AccountError as e:
        fail(str(e))
    print(f"password of {name} changed")


@users_app.command("role")
def users_role(
    name: str = typer.Argument(..., help="User name"),
    role: str = typer.Argument(..., help="viewer or editor"),
    db: DbOption = None,
    accounts: Path | None = typer.Option(None, "--accounts", help=ACC_HELP),
):
    """Change a user's role (ends their open sessions)."""
    from ..web.accounts import AccountError

    try:
        _accounts(db, accounts).set_role(name, role)
    except AccountError as e:
        fail(str(e))
    print(f"{name} is now {role}")
