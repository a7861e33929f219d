"""Commands across visits: ``timeline``, ``track``, ``compare``, ``followup``, ``benchmark``,
``themes``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from ..report.csvout import csv_text
from .options import DB_HELP, console, fail, open_database

JOURNEY_HELP = "Trend window: journey number (1 = oldest), 'current' or 'previous' (default: the journey that reaches the latest document)"


def timeline(
    la: str = typer.Option(..., "--la", help="Council name, alias or Ofsted URN"),
    db: Path | None = typer.Option(None, "--db", help=DB_HELP),
    since: str | None = typer.Option(None, "--since"),
    until: str | None = typer.Option(None, "--until"),
    journey: str | None = typer.Option(None, "--journey", help=JOURNEY_HELP),
    min_score: float = typer.Option(0.0, "--min-score"),
    taxonomy: Path | None = typer.Option(None, "--taxonomy"),
    format: str = typer.Option("table", "--format", help="table, csv, json or markdown"),
):
    """Visits x themes: concern/mixed/strength findings per cell, its verdict, and each theme's trend."""
    from ..analyse.timeline import timeline as tl_fn
    from ..report.terminal import timeline_markdown, timeline_rows
    from ..validate import check_choice

    check_choice(format, "--format", ("table", "csv", "json", "markdown"))
    con = open_database(db)
    try:
        tl = tl_fn(con, la, taxonomy=taxonomy, min_score=min_score, since=since, until=until, journey=journey)
    except ValueError as e:
        fail(str(e))
    if not tl.visits:
        fail(f"no Ofsted letters or reports stored for {tl.la}")
    if format == "json":
        print(json.dumps(tl.to_dict(), indent=2, ensure_ascii=False))
    elif format == "csv":
        sys.stdout.write(csv_text(timeline_rows(tl), ["theme"] + [v.id for v in tl.visits] + ["trend"]))
    elif format == "markdown":
        print(timeline_markdown(tl))
    else:
        from rich.console import Console
        from rich.text import Text

        from ..report.terminal import timeline_fitted

        console = Console(highlight=False)  # the terminal's width ($COLUMNS when set)
        for part in timeline_fitted(tl, console.width):
            console.print(part)
        for j in tl.journeys:  # the improvement journeys, and which one the trends follow
            mark = " [trend window]" if j.index == tl.window_journey else ""
            console.print(Text(f"journey {j.index}{' (current)' if j.current else ''}: {j.label}{mark}"))


def track(
    theme: str = typer.Argument(..., help="Theme id (see 'ofsted-mine themes')"),
    la: str = typer.Option(..., "--la"),
    db: Path | None = typer.Option(None, "--db", help=DB_HELP),
    quotes: int = typer.Option(3, "--quotes", help="Quotes per visit"),
    since: str | None = typer.Option(None, "--since"),
    journey: str | None = typer.Option(None, "--journey", help=JOURNEY_HELP),
    taxonomy: Path | None = typer.Option(None, "--taxonomy"),
    format: str = typer.Option("text", "--format", help="text, json, csv or markdown"),
):
    """One theme across a council's visits: verdict per visit, the trend, where it stands now, and quotes."""
    from ..analyse.timeline import track as track_fn
    from ..report.terminal import render_track, track_markdown, track_rows
    from ..validate import check_choice

    check_choice(format, "--format", ("text", "json", "csv", "markdown"))
    con = open_database(db)
    try:
        tr = track_fn(
            con, theme, la, taxonomy=taxonomy, quotes_per_visit=quotes, since=since, journey=journey
        )
    except ValueError as e:
        fail(str(e))
    if format == "json":
        print(json.dumps(tr.to_dict(), indent=2, ensure_ascii=False))
    elif format == "csv":
        rows = track_rows(tr)
        sys.stdout.write(csv_text(rows, list(rows[0]) if rows else ["theme"]))
    elif format == "markdown":
        print(track_markdown(tr))
    else:
        render_track(console(), tr)


def compare(
    visit_a: str = typer.Argument(...),
    visit_b: str = typer.Argument(...),
    db: Path | None = typer.Option(None, "--db", help=DB_HELP),
    taxonomy: Path | None = typer.Option(None, "--taxonomy"),
    format: str = typer.Option("table", "--format", help="table, json, csv or markdown"),
):
    """Per theme: concerns new, persistent or no longer raised; strengths gained or lost; quotes side by side."""
    from ..analyse.timeline import compare as cmp_fn
    from ..report.terminal import compare_markdown, compare_rows, render_compare
    from ..validate import check_choice

    check_choice(format, "--format", ("table", "json", "csv", "markdown"))
    con = open_database(db)
    try:
        res = cmp_fn(con, visit_a, visit_b, taxonomy=taxonomy)
    except KeyError as e:
        fail(str(e.args[0]))
    if format == "json":
        print(json.dumps(res.to_dict(), indent=2, ensure_ascii=False))
    elif format == "csv":
        rows = compare_rows(res)
        sys.stdout.write(csv_text(rows, list(rows[0]) if rows else ["theme"]))
    elif format == "markdown":
        print(compare_markdown(res))
    else:
        render_compare(console(), res)


def followup(
    la: str = typer.Option(..., "--la"),
    db: Path | None = typer.Option(None, "--db", help=DB_HELP),
    since: str | None = typer.Option(None, "--since", help="only recommendations made on/after this date"),
    format: str = typer.Option(
        "table", "--format", help="table, json, csv or xlsx (csv/xlsx: the action log)"
    ),
    output: Path | None = typer.Option(None, "--output", "-o", help="file for csv/xlsx (json: optional)"),
    quotes: int = typer.Option(0, "--quotes", help="quotes per visit in the table (0: every deciding quote)"),
):
    """Each recommendation Ofsted made to the council x the later visits of its journey: evidence,
    verdict (met / progressing / not met / repeated) and latest status; csv/xlsx write an action log."""
    from ..analyse.followup import followup as fu
    from ..errors import UsageError
    from ..validate import check_choice, check_date

    check_choice(format, "--format", ("table", "json", "csv", "xlsx"))
    check_date(since, "--since")
    if format in ("csv", "xlsx") and output is None:
        raise UsageError(f"followup --format {format} writes an action log: name the file with -o FILE")
    if format == "xlsx" and str(output) == "-":
        raise UsageError(
            "followup --format xlsx -o -: a workbook is a binary file; give a file name (e.g. actions.xlsx)"
        )
    con = open_database(db)
    try:
        res = fu(con, la, since=since)
    except ValueError as e:
        fail(str(e))
    names = None
    if format != "json":
        from ..analyse.timeline import _load_taxonomy_light

        names = {t["id"]: t["name"] for t in _load_taxonomy_light(con)}
    if format == "json":
        text = json.dumps(res.to_dict(), indent=2, ensure_ascii=False)
        if output and str(output) != "-":
            output.write_text(text + "\n", encoding="utf-8")
        else:
            print(text)
        return
    if format in ("csv", "xlsx"):
        from ..report.actionlog import write_action_log

        if str(output) == "-":
            write_action_log(res, sys.stdout, "csv", names)
            return
        try:
            write_action_log(res, output, format, names)
        except OSError as e:
            fail(f"{output}: cannot write: {e.strerror or e}")
        print(f"{output}: action log of {len(res.items)} recommendation(s) for {res.la}")
        return
    from ..report.actionlog import render_followup

    render_followup(console(), res, names, quotes=quotes)


def benchmark(
    la: str = typer.Option(..., "--la"),
    db: Path | None = typer.Option(None, "--db", help=DB_HELP),
    since: str | None = typer.Option(None, "--since"),
    until: str | None = typer.Option(None, "--until"),
    format: str = typer.Option("table", "--format", help="table or json"),
):
    """How often each theme is raised as a concern here, against all other councils and statistical neighbours."""
    from ..analyse.benchmark import benchmark as bm
    from ..validate import check_choice

    check_choice(format, "--format", ("table", "json"))
    con = open_database(db)
    try:
        res = bm(con, la, since=since, until=until)
    except ValueError as e:
        fail(str(e))
    if format == "json":
        print(json.dumps(res, indent=2, ensure_ascii=False))
        return
    from rich.table import Table

    t = Table(
        title=f"{res['la']}: {res['unit']} ({res['findings']} findings; {res['councils_compared']} councils compared; "
        f"region: {res['region'] or 'not known'}, {len(res['region_councils'])} in database; "
        f"neighbours in database: {', '.join(res['neighbours']) or 'none'})",
        header_style="bold",
    )
    for col in (
        "theme",
        "this council",
        "England: mean",
        "England: median",
        "percentile",
        "region: mean",
        "neighbours: mean",
    ):
        t.add_column(col, justify="right" if col != "theme" else "left")
    f = lambda x: "—" if x is None else str(x)  # noqa: E731
    for r in res["themes"]:
        t.add_row(
            r["theme"],
            f(r["rate"]),
            f(r["all_mean"]),
            f(r["all_median"]),
            f(r["percentile"]),
            f(r["region_mean"]),
            f(r["neighbours_mean"]),
        )
    console().print(t)


def themes(
    db: Path | None = typer.Option(None, "--db", help=DB_HELP),
    taxonomy: Path | None = typer.Option(None, "--taxonomy", help="A taxonomy TOML (default: the codebook)"),
    format: str = typer.Option("table", "--format", help="table or json"),
):
    """List the taxonomy in use, with counts of tagged findings (and concerns) in the database."""
    from ..analyse.themes import theme_counts
    from ..store.db import default_db_path
    from ..validate import check_choice

    check_choice(format, "--format", ("table", "json"))
    con = open_database(db) if db or default_db_path().exists() else None  # a --db named must exist
    try:
        rows, name = theme_counts(con, taxonomy)
    except ValueError as e:
        fail(str(e))
    if format == "json":
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    from rich.table import Table

    t = Table(title=name, header_style="bold")
    for col in ("id", "name", "group", "findings", "concern", "strength", "mixed"):
        t.add_column(col, overflow="fold")
    for r in rows:
        t.add_row(
            r["id"],
            r["name"],
            r["group"],
            str(r["findings"]),
            str(r["concern"]),
            str(r["strength"]),
            str(r["mixed"]),
        )
    console().print(t)
