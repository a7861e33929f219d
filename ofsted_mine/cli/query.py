"""Commands that look things up: ``visits``, ``show``, ``quotes`` and ``councils``."""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path

import typer

from ..report.csvout import csv_text
from .options import DB_HELP, console, fail, open_database


class VisitFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


class QuoteFormat(str, Enum):
    table = "table"
    markdown = "markdown"
    csv = "csv"
    json = "json"


def visits_table(rows: list[dict]):
    """The visits as a Rich table (document text is shown as text, never markup)."""
    from rich.table import Table
    from rich.text import Text

    from ..read.controls import strip_controls
    from ..report.labels import judgements_short, kind_label, verdict_label

    t = Table(show_lines=False, header_style="bold")
    for c in ("id", "council", "kind", "dates", "no.", "lead inspector", "judgements / verdict", "findings"):
        t.add_column(c, overflow="fold")
    for r in rows:
        dates = r["start_date"] or ""
        if r["end_date"] and r["end_date"] != r["start_date"]:
            dates += f" to {r['end_date']}"
        if not dates and r.get("published"):
            dates = f"published {r['published']}"
        j = r["judgements"] or {}
        verdict = judgements_short(j) if j else verdict_label(r.get("progress_verdict"))
        n_src = len(r.get("sources") or [])
        vid = r["id"] + (f"\n(+{n_src - 1} source{'s' if n_src > 2 else ''})" if n_src > 1 else "")
        cells = (
            vid,
            r["la"] or "?",
            kind_label(r["kind"], r.get("framework")),
            dates,
            str(r["visit_number"] or ""),
            r["lead_inspector"] or "",
            verdict,
            str(r.get("n_findings", "")),
        )
        t.add_row(*(Text(strip_controls(str(c))) for c in cells))  # document text: never markup or escapes
    return t


def visits(
    db: Path | None = typer.Option(None, "--db", help=DB_HELP),
    la: str | None = typer.Option(None, "--la", help="Council name, alias or Ofsted URN"),
    kind: str | None = typer.Option(
        None, "--kind", help="monitoring_visit, focused_visit, inspection, jtai, council_paper, unknown"
    ),
    since: str | None = typer.Option(None, "--since"),
    until: str | None = typer.Option(None, "--until"),
    format: VisitFormat = typer.Option(VisitFormat.table, "--format"),
):
    """List stored visits (one per document), oldest first."""
    from ..store.search import VISIT_FIELDS
    from ..store.search import visits as q

    con = open_database(db)
    try:
        rows = q(con, la=la, kind=kind, since=since, until=until)
    except ValueError as e:
        fail(str(e))
    if format == VisitFormat.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
    elif format == VisitFormat.csv:
        sys.stdout.write(csv_text(rows, list(VISIT_FIELDS)))
    else:
        console().print(visits_table(rows))
        if not rows:
            console(stderr=True).print("no visits match", markup=False)


def show(
    visit_id: str = typer.Argument(..., help="Visit id (from 'visits')"),
    db: Path | None = typer.Option(None, "--db", help=DB_HELP),
    why: bool = typer.Option(False, "--why", help="Say why each finding got its tags (cue phrases, source)"),
    format: str = typer.Option("text", "--format", help="text or json"),
):
    """One letter or report, structured: metadata, sections and numbered findings with their tags."""
    from ..report.terminal import render_visit
    from ..store.search import get_visit
    from ..validate import check_choice

    check_choice(format, "--format", ("text", "json"))
    con = open_database(db)
    try:
        v = get_visit(con, visit_id)
    except KeyError as e:
        fail(str(e.args[0]))
    if format == "json":
        print(json.dumps(v, indent=2, ensure_ascii=False, default=str))
    else:
        render_visit(console(), v, why=why)


def quotes(
    text: str | None = typer.Argument(
        None, help='Words to find (all must appear; "a phrase" in quotes; word* for a prefix)'
    ),
    db: Path | None = typer.Option(None, "--db", help=DB_HELP),
    la: str | None = typer.Option(None, "--la"),
    kind: str | None = typer.Option(None, "--kind"),
    since: str | None = typer.Option(None, "--since"),
    until: str | None = typer.Option(None, "--until"),
    section: str | None = typer.Option(
        None, "--section", help="Section kind (e.g. headline_findings) or words of a heading"
    ),
    theme: list[str] | None = typer.Option(
        None, "--theme", help="Theme id; repeat for several (any of them, or all with --all-themes)"
    ),
    all_themes: bool = typer.Option(
        False, "--all-themes", help="With several --theme: require all of them (AND) instead of any (OR)"
    ),
    polarity: str | None = typer.Option(None, "--polarity", help="strength, concern, mixed or neutral"),
    min_score: float = typer.Option(0.0, "--min-score", help="Minimum tag score for --theme"),
    limit: int = typer.Option(20, "--limit"),
    fts: bool = typer.Option(
        False, "--fts", help='Pass TEXT to SQLite FTS5 unchanged (AND/OR/NOT/NEAR, prefix*, "phrases")'
    ),
    include_papers: bool = typer.Option(
        False, "--include-papers", help="Also search council papers (never Ofsted's words)"
    ),
    format: QuoteFormat = typer.Option(QuoteFormat.table, "--format"),
):
    """Evidence quotes with exact citations (council, visit, date, section, paragraph, page)."""
    from ..store.search import quotes as q

    if not (text and text.strip()) and not theme and not polarity and not la and not section:
        fail("give words to search for, or at least one filter (--theme, --polarity, --la, --section)")
    con = open_database(db)
    try:
        res = q(
            con,
            text,
            la=la,
            kind=kind,
            since=since,
            until=until,
            section=section,
            themes=theme or None,
            theme_mode="all" if all_themes else "any",
            polarity=polarity,
            min_score=min_score,
            limit=limit,
            raw_fts=fts,
            include_papers=include_papers,
        )
    except ValueError as e:
        fail(str(e))
    rows = [x.to_dict() | {"citation": x.citation()} for x in res]
    if format == QuoteFormat.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
    elif format == QuoteFormat.csv:
        sys.stdout.write(
            csv_text(
                rows,
                [
                    "text",
                    "citation",
                    "visit_id",
                    "la",
                    "kind",
                    "date",
                    "section",
                    "paragraph",
                    "page",
                    "polarity",
                    "themes",
                    "score",
                    "source",
                ],
            )
        )
    elif format == QuoteFormat.markdown:
        from ..report.terminal import quotes_markdown

        print(quotes_markdown(res))
    else:
        from ..report.terminal import quotes_table

        out = console()
        out.print(quotes_table(res))
        if not res:
            console(stderr=True).print("no quotes match", markup=False)


def councils(
    db: Path | None = typer.Option(
        None,
        "--db",
        help=DB_HELP + "; with it: documents per council, and the councils not in the table it holds",
    ),
    search: str | None = typer.Argument(
        None, help="Only councils whose name, alias, slug or URN contains this"
    ),
    former: bool = typer.Option(
        True, "--former/--current", help="Include councils abolished by reorganisation"
    ),
    format: str = typer.Option("table", "--format", help="table, csv or json"),
):
    """The council table: England's councils with children's services (and those they replaced,
    with the dates), the sample corpus's fictional ones, your own, and any stored that the table lacks."""
    from ..councils import council_rows, user_councils_path
    from ..store.db import default_db_path
    from ..validate import check_choice

    check_choice(format, "--format", ("table", "csv", "json"))
    con = open_database(db) if db or default_db_path().exists() else None
    rows = council_rows(con, include_former=former)
    if search:
        k = search.lower()
        rows = [
            r
            for r in rows
            if any(k in str(x).lower() for x in (r["urn"], r["name"], r["slug"], *r["aliases"]))
        ]
    if format == "json":
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if format == "csv":
        sys.stdout.write(csv_text(rows, list(rows[0]) if rows else ["urn", "name"]))
        return
    from rich.table import Table

    t = Table(header_style="bold", title=f"{len(rows)} councils (add your own in {user_councils_path()})")
    cols = ["urn", "name", "aliases", "la code", "region", "status", "history"] + (
        ["documents"] if con else []
    )
    for c in cols:
        t.add_column(c, overflow="fold")
    for r in rows:
        hist = "; ".join(
            x
            for x in (
                f"from {', '.join(r['predecessors'])} ({r['established']})"
                if r["predecessors"]
                else (f"since {r['established']}" if r["established"] else ""),
                f"became {', '.join(r['successors'])}" if r["successors"] else "",
            )
            if x
        )
        cells = [r["urn"], r["name"], ", ".join(r["aliases"]), r["la_code"], r["region"], r["status"], hist]
        if con:
            cells.append(str(r["documents"]))
        t.add_row(*cells)
    console().print(t)
