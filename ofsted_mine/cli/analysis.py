"""Commands across visits: ``timeline``, ``track``, ``compare``, ``followup``, ``benchmark``,
``themes``. Each calls one function of :mod:`ofsted_mine.analyse` and hands the result to the
views of :mod:`ofsted_mine.report` through the format registry."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..report.formats import Csv, File, emit
from .options import (
    OUT_NAMES,
    DbOption,
    LaRequired,
    SinceOption,
    TaxonomyOption,
    UntilOption,
    date_option,
    fail,
    format_option,
    open_database,
)

JOURNEY_HELP = (
    "Trend window: journey number (1 = oldest), 'current' or 'previous' "
    "(default: the journey that reaches the latest document)"
)
JourneyOption = Annotated[str | None, typer.Option("--journey", help=JOURNEY_HELP)]


def _csv_rows(rows: list[dict]) -> Csv:
    """Rows whose columns are the first row's keys (a lone ``theme`` column when there are none)."""
    return Csv(rows, list(rows[0]) if rows else ["theme"])


def timeline(
    la: LaRequired,
    db: DbOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    journey: JourneyOption = None,
    min_score: float = typer.Option(0.0, "--min-score"),
    taxonomy: TaxonomyOption = None,
    format: Annotated[str, format_option("table", "csv", "json", "markdown")] = "table",
):
    """Visits x themes: concern/mixed/strength findings per cell, its verdict, and each theme's trend."""
    from ..analyse.timeline import timeline as tl_fn
    from ..report.terminal import render_timeline, timeline_markdown, timeline_rows

    con = open_database(db)
    try:
        tl = tl_fn(con, la, taxonomy=taxonomy, min_score=min_score, since=since, until=until, journey=journey)
    except ValueError as e:
        fail(str(e))
    if not tl.visits:
        fail(f"no Ofsted letters or reports stored for {tl.la}")
    emit(
        format,
        {
            "table": lambda: lambda c: render_timeline(c, tl),
            "csv": lambda: Csv(timeline_rows(tl), ["theme"] + [v.id for v in tl.visits] + ["trend"]),
            "json": tl.to_dict,
            "markdown": lambda: timeline_markdown(tl),
        },
    )


def track(
    theme: str = typer.Argument(..., help="Theme id (see 'ofsted-mine themes')"),
    la: LaRequired = ...,  # type: ignore[assignment]  # required: Typer asks for it
    db: DbOption = None,
    quotes: int = typer.Option(3, "--quotes", help="Quotes per visit"),
    since: SinceOption = None,
    journey: JourneyOption = None,
    taxonomy: TaxonomyOption = None,
    format: Annotated[str, format_option("text", "json", "csv", "markdown")] = "text",
):
    """One theme across a council's visits: verdict per visit, the trend, where it stands now, and quotes."""
    from ..analyse.timeline import track as track_fn
    from ..report.terminal import render_track, track_markdown, track_rows

    con = open_database(db)
    try:
        tr = track_fn(
            con, theme, la, taxonomy=taxonomy, quotes_per_visit=quotes, since=since, journey=journey
        )
    except ValueError as e:
        fail(str(e))
    emit(
        format,
        {
            "text": lambda: lambda c: render_track(c, tr),
            "json": tr.to_dict,
            "csv": lambda: _csv_rows(track_rows(tr)),
            "markdown": lambda: track_markdown(tr),
        },
    )


def compare(
    visit_a: str = typer.Argument(...),
    visit_b: str = typer.Argument(...),
    db: DbOption = None,
    taxonomy: TaxonomyOption = None,
    format: Annotated[str, format_option("table", "json", "csv", "markdown")] = "table",
):
    """Per theme: concerns new, persistent or no longer raised; strengths gained or lost;
    quotes side by side."""
    from ..analyse.timeline import compare as cmp_fn
    from ..report.terminal import compare_markdown, compare_rows, render_compare

    con = open_database(db)
    try:
        res = cmp_fn(con, visit_a, visit_b, taxonomy=taxonomy)
    except KeyError as e:
        fail(str(e.args[0]))
    emit(
        format,
        {
            "table": lambda: lambda c: render_compare(c, res),
            "json": res.to_dict,
            "csv": lambda: _csv_rows(compare_rows(res)),
            "markdown": lambda: compare_markdown(res),
        },
    )


def _action_log(res, output: Path | None, fmt: str, names: dict) -> File:
    """The follow-up's action log (CSV or XLSX, every cell guarded by its writer) as a file
    payload: to ``output``, or CSV on standard output for ``-o -``."""
    import sys

    from ..errors import UsageError
    from ..report.actionlog import write_action_log

    if output is None:
        raise UsageError(f"followup --format {fmt} writes an action log: name the file with -o FILE")
    if str(output) == "-":
        if fmt == "xlsx":
            raise UsageError(
                "followup --format xlsx -o -: a workbook is a binary file; "
                "give a file name (e.g. actions.xlsx)"
            )

        def to_stdout() -> None:
            write_action_log(res, sys.stdout, "csv", names)

        return File(to_stdout)

    def save() -> str:
        try:
            write_action_log(res, output, fmt, names)
        except OSError as e:
            fail(f"{output}: cannot write: {e.strerror or e}")
        return f"{output}: action log of {len(res.items)} recommendation(s) for {res.la}"

    return File(save)


def _json_to(data: dict, output: Path | None):
    """JSON on standard output, or a :class:`File` when ``-o FILE`` names one."""
    if not output or str(output) == "-":
        return data

    def save() -> None:
        from ..report.formats import write_json

        with open(output, "w", encoding="utf-8") as f:
            write_json(data, f)

    return File(save)


def followup(
    la: LaRequired,
    db: DbOption = None,
    since: Annotated[
        str | None, date_option("--since", "only recommendations made on/after this date")
    ] = None,
    format: Annotated[
        str,
        format_option(
            "table", "json", "csv", "xlsx", help="table, json, csv or xlsx (csv/xlsx: the action log)"
        ),
    ] = "table",
    output: Annotated[
        Path | None, typer.Option(*OUT_NAMES, help="file for csv/xlsx (json: optional)")
    ] = None,
    quotes: int = typer.Option(0, "--quotes", help="quotes per visit in the table (0: every deciding quote)"),
):
    """Each recommendation Ofsted made to the council x the later visits of its journey: evidence,
    verdict (met / progressing / not met / repeated) and latest status; csv/xlsx write an action log."""
    from ..analyse.followup import followup as fu
    from ..analyse.timeline import taxonomy_of
    from ..report.actionlog import render_followup

    if format in ("csv", "xlsx"):  # a missing or wrong -o is said before any work is done
        _action_log(None, output, format, {})
    con = open_database(db)
    try:
        res = fu(con, la, since=since)
    except ValueError as e:
        fail(str(e))
    names = {t.id: t.name for t in taxonomy_of(con, None).themes}
    emit(
        format,
        {
            "table": lambda: lambda c: render_followup(c, res, names, quotes=quotes),
            "json": lambda: _json_to(res.to_dict(), output),
            "csv": lambda: _action_log(res, output, "csv", names),
            "xlsx": lambda: _action_log(res, output, "xlsx", names),
        },
    )


def benchmark(
    la: LaRequired,
    db: DbOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    format: Annotated[str, format_option("table", "json")] = "table",
):
    """How often each theme is raised as a concern here, against all other councils and
    statistical neighbours."""
    from ..analyse.benchmark import benchmark as bm
    from ..report.tables import benchmark_table

    con = open_database(db)
    try:
        res = bm(con, la, since=since, until=until)
    except ValueError as e:
        fail(str(e))
    emit(format, {"table": lambda: benchmark_table(res), "json": lambda: res})


def themes(
    db: DbOption = None,
    taxonomy: Annotated[
        Path | None, typer.Option("--taxonomy", help="A taxonomy TOML (default: the codebook)")
    ] = None,
    format: Annotated[str, format_option("table", "json")] = "table",
):
    """List the taxonomy in use, with counts of tagged findings (and concerns) in the database."""
    from ..analyse.themes import theme_counts
    from ..report.tables import themes_table
    from ..store.db import default_db_path

    con = open_database(db) if db or default_db_path().exists() else None  # a --db named must exist
    try:
        rows, name = theme_counts(con, taxonomy)
    except ValueError as e:
        fail(str(e))
    emit(format, {"table": lambda: themes_table(rows, name), "json": lambda: rows})
