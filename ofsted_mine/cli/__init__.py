"""Command line: a thin layer over the library (ofsted_mine.api and friends).

Each command parses its options, calls one library function and renders the result. The
commands live in one module per group (``ingest``, ``query``, ``tags``, ``analysis``,
``reports``, ``corrections``, ``web``); this module builds :data:`app` from them, in the order
``ofsted-mine --help`` lists them, and :func:`main` runs it (the ``ofsted-mine`` entry point).
"""

from __future__ import annotations

import sys

import typer

from .. import __version__
from ..report.csvout import csv_text as _csv  # noqa: F401  (the guarded CSV writer; tests call cli._csv)
from . import analysis, corrections, fetch, ingest, query, reports, tags, web
from .options import CONTEXT_SETTINGS, fill_help

__all__ = ["app", "main"]

app = typer.Typer(
    add_completion=True,
    no_args_is_help=True,
    rich_markup_mode=None,
    context_settings=CONTEXT_SETTINGS,
    help="ofsted-mine: evidence from Ofsted letters and reports on councils' children's services.",
)


def version_callback(value: bool):
    """``--version``: print the version and stop."""
    if value:
        print(f"ofsted-mine {__version__}")
        raise typer.Exit()


@app.callback()
def main_callback(
    version: bool = typer.Option(
        False, "--version", callback=version_callback, is_eager=True, help="Show the version and exit."
    ),
):
    """Options that come before any command (``--version``)."""
    pass


for _name, _fn in (
    ("ingest", ingest.ingest),
    ("visits", query.visits),
    ("show", query.show),
    ("quotes", query.quotes),
    ("themes", analysis.themes),
    ("tag", tags.tag),
    ("explain", tags.explain),
    ("classify", tags.classify),
    ("evaluate", tags.evaluate),
    ("train", tags.train),
    ("timeline", analysis.timeline),
    ("track", analysis.track),
    ("compare", analysis.compare),
    ("followup", analysis.followup),
    ("benchmark", analysis.benchmark),
    ("councils", query.councils),
    ("demo", ingest.demo),
):
    app.command(_name)(_fn)

app.command("fetch")(fetch.fetch_command)
app.command("readiness")(reports.readiness_command)
app.command("export")(reports.export_command)
app.command("serve")(web.serve_command)
app.add_typer(web.users_app, name="users")
app.command("correct")(corrections.correct_command)
app.command("review")(corrections.review_command)
app.command("agreement")(corrections.agreement_command)
app.add_typer(corrections.corrections_app, name="corrections")
app.add_typer(reports.qda_app, name="qda")

fill_help(app)  # every option has a help text; --since/--until are checked as dates


def main():
    """Entry point: run the Typer app; an :class:`~ofsted_mine.errors.OfstedMineError` that
    escapes a command is printed as one line on stderr (exit 1, or 2 for a usage error). Any
    other error is one line too (exit 1); ``OFSTED_MINE_DEBUG=1`` shows its traceback."""
    from ..errors import OfstedMineError
    from .options import debug, plain_error

    try:
        app()
    except OfstedMineError as e:
        sys.stderr.write(f"error: {e}\n")
        raise SystemExit(e.exit_code) from None
    except KeyboardInterrupt:
        sys.stderr.write("error: interrupted\n")
        raise SystemExit(130) from None
    except BrokenPipeError:  # e.g. `... | head`: the reader has gone, nothing to say
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise SystemExit(0) from None
    except Exception as e:  # e.g. sqlite3.DatabaseError: damage found after opening
        if debug():
            raise
        sys.stderr.write(f"error: {plain_error(e)}\n")
        raise SystemExit(1) from None
