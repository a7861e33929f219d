"""`ofsted-mine readiness` and `ofsted-mine export`: the command-line face of
:mod:`ofsted_mine.report.html`, :mod:`ofsted_mine.report.markdown` and
:mod:`ofsted_mine.report.export`; and `ofsted-mine qda` (:mod:`ofsted_mine.report.qda`).

Registered in :mod:`ofsted_mine.cli`. Errors are one line on stderr (``error: ...``) and exit
status 1.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from ..errors import OfstedMineError
from .options import (
    OUT_NAMES,
    DbOption,
    LaRequired,
    TaxonomyOption,
    date_option,
    fail,
    format_option,
    guard,
    open_database,
)


@guard
def readiness_command(
    la: LaRequired,
    out: Path = typer.Option(
        ...,
        *OUT_NAMES,
        help="Output file: .html (self-contained, prints to A4) or .md; "
        "'-' writes the Markdown pack to standard output",
    ),
    db: DbOption = None,
    since: Annotated[str | None, date_option("--since", "Only visits from this date (YYYY-MM-DD)")] = None,
    taxonomy: TaxonomyOption = None,
    full: bool = typer.Option(
        False, "--full", help="The full pack: the board pages, then the evidence (at most 40 A4 pages)"
    ),
) -> None:
    """Write a council's board pack (at most four A4 pages): how to read it, where the council stands,
    open recommendations with their status, themes at a glance with one cited quote each. With --full,
    the full pack: those pages, then themes x visits, per-theme charts, verdicts and cited evidence,
    and the recommendation follow-up (at most 40 A4 pages)."""
    from ..report.html import write_readiness

    to_stdout = str(out) == "-"
    if not to_stdout and out.suffix.lower() not in (".html", ".htm", ".md", ".markdown"):
        fail(f"{out}: the pack is written as .html or .md (got {out.suffix or 'no suffix'!r})")
    if taxonomy is not None and not taxonomy.exists():
        fail(f"{taxonomy}: no such taxonomy file")
    if to_stdout:
        from ..report.markdown import readiness_markdown

        sys.stdout.write(readiness_markdown(open_database(db), la, taxonomy=taxonomy, since=since))
        return
    con = open_database(db)
    try:
        p = write_readiness(con, la, out, taxonomy=taxonomy, since=since, full=full)
    except (ValueError, KeyError) as e:
        fail(str(e.args[0] if e.args else e))
    except OSError as e:
        fail(f"{out}: {e.strerror or e}")
    print(f"wrote {p}")


@guard
def export_command(
    out: Path = typer.Option(..., *OUT_NAMES, help="Output file ('-' for standard output with csv or json)"),
    format: Annotated[
        str | None,
        format_option("csv", "xlsx", "json", help="csv, xlsx or json (default: from the file suffix)"),
    ] = None,
    la: Annotated[
        str | None, typer.Option("--la", help="Only this council (name, alias or Ofsted URN)")
    ] = None,
    db: DbOption = None,
    taxonomy: TaxonomyOption = None,
) -> None:
    """Export findings (one row per finding, with tags and citation columns) and the timeline grid
    as csv (plus NAME-timeline.csv), xlsx (sheets findings and timeline) or json."""
    from ..report.export import FORMATS, export_findings

    fmt = format or out.suffix.lstrip(".").lower()
    if fmt not in FORMATS:
        fail(f"{out}: say --format csv, xlsx or json (cannot tell from the suffix {out.suffix or 'none'!r})")
    con = open_database(db)
    try:
        res = export_findings(con, str(out), fmt, la=la, taxonomy=taxonomy)
    except BrokenPipeError:  # e.g. `export -o - | head`: the reader has gone, nothing to say
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise typer.Exit(0) from None
    except (ValueError, KeyError) as e:
        fail(str(e.args[0] if e.args else e))
    except OSError as e:
        fail(f"{out}: {e.strerror or e}")
    if str(out) != "-":
        print(
            f"exported {res['findings']} findings and {res['councils']} council timeline"
            f"{'s' if res['councils'] != 1 else ''} ({res['timeline_rows']} cells) "
            f"-> {', '.join(res['files'])}"
        )


qda_app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    help="REFI-QDA exchange files for NVivo, ATLAS.ti, MAXQDA, QualCoder, Taguette: the codebook "
    "(.qdc) and coded findings (.qdpx).",
)


@qda_app.command("codebook")
def qda_codebook(
    out: Path = typer.Option(..., *OUT_NAMES, help="Output .qdc file"),
    taxonomy: Path | None = typer.Option(
        None, "--taxonomy", help="A taxonomy TOML or .qdc (default: the codebook)"
    ),
) -> None:
    """Write the taxonomy as a REFI-QDA codebook (.qdc): a code per theme, grouped, and the polarities."""
    from ..report.qda import write_codebook
    from ..tag.taxonomy import TaxonomyError

    try:
        write_codebook(out, taxonomy)
    except (TaxonomyError, OfstedMineError) as e:
        fail(str(e))
    print(f"codebook -> {out}")


@qda_app.command("project")
def qda_project(
    out: Path = typer.Option(..., *OUT_NAMES, help="Output .qdpx file"),
    la: Annotated[
        str | None, typer.Option("--la", help="One council (default: every Ofsted document in the database)")
    ] = None,
    taxonomy: Path | None = typer.Option(
        None, "--taxonomy", help="The taxonomy the database was tagged with (default: the one it remembers)"
    ),
    db: DbOption = None,
) -> None:
    """Write coded findings as a REFI-QDA project (.qdpx): documents' text as sources, themes and
    polarities as codes, findings as coded selections with their offsets; codings a person made
    or checked name that person."""
    from ..report.qda import write_qdpx
    from ..tag.taxonomy import TaxonomyError

    if out.suffix.lower() != ".qdpx":
        fail(f"{out}: a REFI-QDA project is written as .qdpx (got {out.suffix or 'no suffix'!r})")
    con = open_database(db)
    try:
        res = write_qdpx(con, out, la=la, taxonomy=taxonomy)
    except (ValueError, TaxonomyError, OfstedMineError) as e:
        fail(str(e))
    print(f"{res['documents']} documents, {res['findings']} coded findings -> {out}")
