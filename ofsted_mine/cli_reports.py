"""`ofsted-mine readiness` and `ofsted-mine export`: the command-line face of
:mod:`ofsted_mine.report.html`, :mod:`ofsted_mine.report.markdown` and
:mod:`ofsted_mine.report.export`.

Registered by the main CLI with ``app.command("readiness")(readiness_command)`` and
``app.command("export")(export_command)``. Errors are one line on stderr (``error: ...``)
and exit status 1.
"""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path

import typer

from .cli_options import guard

DB_HELP = "SQLite database (default: $OFSTED_MINE_DB or ~/.local/share/ofsted-mine/ofsted.db)"


class ExportFormat(str, Enum):
    csv = "csv"
    xlsx = "xlsx"
    json = "json"


def _fail(msg: str, code: int = 1):
    sys.stderr.write(f"error: {msg}\n")
    raise typer.Exit(code)


def _open(db: Path | None):
    """The CLI's one way to open a database (errors are one line)."""
    from .cli_options import open_database

    return open_database(db)


@guard
def readiness_command(
    la: str = typer.Option(..., "--la", help="Council: name, alias or Ofsted URN"),
    out: Path = typer.Option(
        ...,
        "-o",
        "--out",
        help="Output file: .html (self-contained, prints to A4) or .md; "
        "'-' writes the Markdown pack to standard output",
    ),
    db: Path | None = typer.Option(None, "--db", help=DB_HELP),
    since: str | None = typer.Option(None, "--since", help="Only visits from this date (YYYY-MM-DD)"),
    taxonomy: Path | None = typer.Option(
        None, "--taxonomy", help="A taxonomy TOML (default: the codebook)"
    ),
    full: bool = typer.Option(
        False, "--full", help="The full pack: the board pages, then the evidence (at most 40 A4 pages)"
    ),
) -> None:
    """Write a council's board pack (at most four A4 pages): how to read it, where the council stands,
    open recommendations with their status, themes at a glance with one cited quote each. With --full,
    the full pack: those pages, then themes x visits, per-theme charts, verdicts and cited evidence,
    and the recommendation follow-up (at most 40 A4 pages)."""
    from .report.html import write_readiness

    suffix = out.suffix.lower()
    if str(out) == "-":
        from .report.markdown import readiness_markdown

        if taxonomy is not None and not taxonomy.exists():
            _fail(f"{taxonomy}: no such taxonomy file")
        sys.stdout.write(readiness_markdown(_open(db), la, taxonomy=taxonomy, since=since))
        return
    if suffix not in (".html", ".htm", ".md", ".markdown"):
        _fail(f"{out}: the pack is written as .html or .md (got {out.suffix or 'no suffix'!r})")
    if taxonomy is not None and not taxonomy.exists():
        _fail(f"{taxonomy}: no such taxonomy file")
    con = _open(db)
    try:
        p = write_readiness(con, la, out, taxonomy=taxonomy, since=since, full=full)
    except (ValueError, KeyError) as e:
        _fail(str(e.args[0] if e.args else e))
    except OSError as e:
        _fail(f"{out}: {e.strerror or e}")
    print(f"wrote {p}")


@guard
def export_command(
    out: Path = typer.Option(
        ..., "-o", "--out", help="Output file ('-' for standard output with csv or json)"
    ),
    format: ExportFormat | None = typer.Option(
        None, "--format", help="csv, xlsx or json (default: from the file suffix)"
    ),
    la: str | None = typer.Option(None, "--la", help="Only this council (name, alias or Ofsted URN)"),
    db: Path | None = typer.Option(None, "--db", help=DB_HELP),
    taxonomy: Path | None = typer.Option(
        None, "--taxonomy", help="A taxonomy TOML (default: the codebook)"
    ),
) -> None:
    """Export findings (one row per finding, with tags and citation columns) and the timeline grid
    as csv (plus NAME-timeline.csv), xlsx (sheets findings and timeline) or json."""
    from .report.export import FORMATS, export_findings

    fmt = format.value if format else out.suffix.lstrip(".").lower()
    if fmt not in FORMATS:
        _fail(f"{out}: say --format csv, xlsx or json (cannot tell from the suffix {out.suffix or 'none'!r})")
    con = _open(db)
    try:
        res = export_findings(con, str(out), fmt, la=la, taxonomy=taxonomy)
    except BrokenPipeError:  # e.g. `export -o - | head`: the reader has gone, nothing to say
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise typer.Exit(0)
    except (ValueError, KeyError) as e:
        _fail(str(e.args[0] if e.args else e))
    except OSError as e:
        _fail(f"{out}: {e.strerror or e}")
    if str(out) != "-":
        print(
            f"exported {res['findings']} findings and {res['councils']} council timeline"
            f"{'s' if res['councils'] != 1 else ''} ({res['timeline_rows']} cells) -> {', '.join(res['files'])}"
        )
