"""Command-line plumbing shared by every command: the shared options (``--db``, ``--la``,
``--kind``, ``--since``/``--until``, ``--theme``, ``--format``, ``-o/--output``, ``--taxonomy``,
``--model``) declared once as ``Annotated`` aliases, each with its one check; help for every
option, one-line errors, the tagger's warning, standard output for ``-o -``.

Kept apart from the command modules so that the commands stay thin and the rules live in one
place.
"""

from __future__ import annotations

import inspect
import os
import sqlite3
import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from ..validate import one_of
from ..vocab import DOC_KINDS

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"]}

DB_HELP = "SQLite database (default: $OFSTED_MINE_DB or ~/.local/share/ofsted-mine/ofsted.db)"

#: help for options that a command declared without any (by parameter name)
OPTION_HELP = {
    "db": DB_HELP,
    "la": "Council: Ofsted URN, name, alias or slug (see 'ofsted-mine councils')",
    "kind": f"Document kind: {one_of(DOC_KINDS)}",  # the kinds registered (ofsted_mine.kinds)
    "since": "Only visits on or after this date (YYYY-MM-DD)",
    "until": "Only visits on or before this date (YYYY-MM-DD)",
    "limit": "At most this many results",
    "taxonomy": "A taxonomy TOML (default: the codebook shipped with ofsted-mine)",
    "model": "A model file made by 'ofsted-mine train' (default: the shipped model)",
    "rules_only": "Tag with the cue-phrase rules alone (no model)",
    "min_score": "Minimum tag score for a theme to count",
    "visit_a": "The earlier visit's id (from 'visits')",
    "visit_b": "The later visit's id (from 'visits')",
    "out": "Output file ('-' for standard output where the format is text)",
    "format": "Output format",
    "mode": "combined (model+rules), rules or model",
    "quotes": "Quotes per visit",
}


def _checked(check, *args):
    """A Typer callback running ``check(value, *args)``: a bad value is one line, exit 2."""

    def callback(value):
        from ..errors import UsageError

        try:
            return check(value, *args)
        except UsageError as e:
            raise typer.Exit(report(e)) from None

    return callback


def _check_date(value, option):
    from ..validate import check_date

    return check_date(value, option)


def _check_kind(value):
    from ..validate import check_kind

    return check_kind(value)


def _check_choices(value, option, choices):
    from ..validate import check_choice

    return check_choice(value, option, choices)


def format_option(*choices: str, help: str | None = None):
    """The ``--format`` option of a command offering ``choices`` (the first is the default):
    every value is checked against them here, once, before the command runs; each choice is a
    format registered in :mod:`ofsted_mine.report.formats`."""
    from ..validate import one_of

    return typer.Option(
        "--format",
        help=help or f"Output format: {one_of(choices)}",
        callback=_checked(_check_choices, "--format", choices),
    )


# The shared options. A command declares e.g. ``db: DbOption = None`` or ``la: LaOption = None``.
DbOption = Annotated[Path | None, typer.Option("--db", help=DB_HELP)]
LaOption = Annotated[str | None, typer.Option("--la", help=OPTION_HELP["la"])]
LaRequired = Annotated[str, typer.Option("--la", help=OPTION_HELP["la"])]
KindOption = Annotated[
    str | None, typer.Option("--kind", help=OPTION_HELP["kind"], callback=_checked(_check_kind))
]


def date_option(name: str, help: str):
    """A date option (``--since``, ``--until``): YYYY-MM-DD, checked once, here."""
    return typer.Option(name, help=help, callback=_checked(_check_date, name))


SinceOption = Annotated[str | None, date_option("--since", OPTION_HELP["since"])]
UntilOption = Annotated[str | None, date_option("--until", OPTION_HELP["until"])]
ThemesOption = Annotated[
    list[str] | None,
    typer.Option("--theme", help="Theme id; repeat for several (any of them, or all with --all-themes)"),
]
#: every command that writes a file names it with -o (long forms --out and --output alike)
OUT_NAMES = ("-o", "--out", "--output")
OutputOption = Annotated[Path | None, typer.Option(*OUT_NAMES, help=OPTION_HELP["out"])]
TaxonomyOption = Annotated[Path | None, typer.Option("--taxonomy", help=OPTION_HELP["taxonomy"])]
ModelOption = Annotated[Path | None, typer.Option("--model", help=OPTION_HELP["model"])]


def fill_help(app) -> None:
    """Finish the app's commands: give every option and argument a help text (from
    :data:`OPTION_HELP` when the command declared none), check ``--since``/``--until`` values
    as dates, and make every error one line (:func:`guard`)."""
    from typer.models import ArgumentInfo, OptionInfo

    for group in app.registered_groups:  # sub-apps (e.g. `users`) get the same treatment
        if group.typer_instance is not None:
            fill_help(group.typer_instance)
    for cmd in app.registered_commands:
        for name, param in inspect.signature(cmd.callback).parameters.items():
            info = param.default
            if not isinstance(info, (OptionInfo, ArgumentInfo)):
                continue
            if not info.help and name in OPTION_HELP:
                info.help = OPTION_HELP[name]
            if name in ("since", "until") and info.callback is None:
                info.callback = _date_callback("--" + name)
        if not getattr(cmd.callback, "_guarded", False):
            cmd.callback = guard(cmd.callback)


def report(e: BaseException) -> int:
    """Print an error as one line on stderr; return its exit code (1, or 2 for a usage error)."""
    from ..errors import OfstedMineError

    if isinstance(e, OfstedMineError):
        sys.stderr.write(f"error: {e}\n")
        return e.exit_code
    sys.stderr.write(f"error: {plain_error(e)}\n")
    return 1


def guard(fn):
    """Wrap a command: any error it raises becomes one line on stderr and an exit code, never a
    traceback (``OFSTED_MINE_DEBUG=1`` lets the traceback through)."""
    import functools

    import typer

    @functools.wraps(fn)
    def run(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (typer.Exit, typer.Abort, SystemExit, KeyboardInterrupt, BrokenPipeError):
            raise
        except Exception as e:
            if debug():
                raise
            raise typer.Exit(report(e)) from None

    run._guarded = True  # type: ignore[attr-defined]  # the mark fill_help reads
    return run


def _date_callback(option: str):
    def check(value: str | None):
        import typer

        from ..errors import UsageError
        from ..validate import check_date

        try:
            return check_date(value, option)
        except UsageError as e:
            raise typer.Exit(report(e)) from None

    return check


def console(stderr: bool = False):
    """A Rich console for a command's output (no highlighting, no soft wrap)."""
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=False)


def fail(msg: str, code: int = 1) -> NoReturn:
    """Say ``error: MSG`` on stderr (one line) and end the command with exit status ``code``."""
    import typer

    sys.stderr.write(f"error: {msg}\n")
    raise typer.Exit(code)


def stdout_or_path(out) -> bool:
    """True when ``-o -`` asks for standard output."""
    return str(out) == "-"


def tagger(taxonomy=None, model="default", mode: str = "combined"):
    """A Tagger; when the default model cannot be loaded, say so on stderr (tags then come from
    the rules alone and the tagger's description says why)."""
    from ..tag import Tagger

    tg = Tagger(taxonomy, model=model, mode=mode)
    if tg.model_problem:
        sys.stderr.write(f"warning: tagging by rules only: {tg.model_problem}\n")
    return tg


def open_database(db: Path | None, create: bool = False, write: bool = False) -> sqlite3.Connection:
    """The one way every command opens its database (read-only unless ``create`` or ``write``):
    anything wrong with it is a :class:`~ofsted_mine.errors.DatabaseError` naming the file and
    the reason (``store.db.open_db`` decides; this adds the hint for a database not made yet).
    ``write`` opens an existing database for writing (corrections); ``create`` may make it."""
    from ..errors import DatabaseError, OfstedMineError
    from ..store.db import default_db_path, open_db

    p = Path(db).expanduser() if db else default_db_path()
    if not p.exists() and not p.is_dir() and not create:
        raise DatabaseError(
            f"{p}: no database here yet; run 'ofsted-mine ingest FILES --db {p}' "
            f"(or 'ofsted-mine demo') first"
        )
    try:
        return open_db(p, create=create or write)
    except OfstedMineError:
        raise
    except sqlite3.Error as e:
        raise DatabaseError(f"{p}: cannot use the database ({e})") from None
    except OSError as e:
        raise DatabaseError(f"{p}: cannot open the database ({e.strerror or e})") from None


def plain_error(e: BaseException) -> str:
    """One line for an error that escaped a command (never a traceback)."""
    from ..tag.taxonomy import TaxonomyError

    if isinstance(
        e, sqlite3.DatabaseError
    ):  # damage found after opening (large files get no full check on read)
        from ..display import shown

        msg = shown(str(e).splitlines()[0] if str(e) else type(e).__name__)
        return (
            f"the database cannot be used: {msg}; if it is corrupt, restore a copy or ingest into a new file"
        )
    if isinstance(e, sqlite3.Error):
        return f"database: {e}"
    if isinstance(e, OSError):
        where = f"{e.filename}: " if getattr(e, "filename", None) else ""
        return f"{where}{e.strerror or e}"
    if isinstance(e, (TaxonomyError, UnicodeDecodeError)):
        return str(e)
    first = str(e).splitlines()[0] if str(e) else ""
    return (
        f"unexpected {type(e).__name__}{': ' + first if first else ''} "
        f"(please report it; OFSTED_MINE_DEBUG=1 shows where it happened)"
    )


def debug() -> bool:
    """True when ``OFSTED_MINE_DEBUG`` asks for tracebacks."""
    return bool(os.environ.get("OFSTED_MINE_DEBUG"))
