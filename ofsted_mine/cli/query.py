"""Commands that look things up: ``visits``, ``show``, ``quotes`` and ``councils``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..report.formats import QUOTE_FIELDS, Csv, emit
from .options import (
    DB_HELP,
    DbOption,
    KindOption,
    LaOption,
    SinceOption,
    ThemesOption,
    UntilOption,
    fail,
    format_option,
    open_database,
)


def _none_match(what: str):
    """Say on stderr that nothing matched (the table on stdout stays a table)."""
    import sys

    sys.stderr.write(f"no {what} match\n")


def visits(
    db: DbOption = None,
    la: LaOption = None,
    kind: KindOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    format: Annotated[str, format_option("table", "json", "csv")] = "table",
):
    """List stored visits (one per document), oldest first."""
    from ..report.tables import visits_table
    from ..store.search import VISIT_FIELDS
    from ..store.search import visits as q

    con = open_database(db)
    try:
        rows = q(con, la=la, kind=kind, since=since, until=until)
    except ValueError as e:
        fail(str(e))
    emit(
        format,
        {
            "table": lambda: visits_table(rows),
            "json": lambda: rows,
            "csv": lambda: Csv(rows, VISIT_FIELDS),
        },
    )
    if format == "table" and not rows:
        _none_match("visits")


def show(
    visit_id: str = typer.Argument(..., help="Visit id (from 'visits')"),
    db: DbOption = None,
    why: bool = typer.Option(False, "--why", help="Say why each finding got its tags (cue phrases, source)"),
    format: Annotated[str, format_option("text", "json")] = "text",
):
    """One letter or report, structured: metadata, sections and numbered findings with their tags."""
    from ..report.terminal import render_visit
    from ..store.search import get_visit

    con = open_database(db)
    try:
        v = get_visit(con, visit_id)
    except KeyError as e:
        fail(str(e.args[0]))
    emit(format, {"text": lambda: lambda c: render_visit(c, v, why=why), "json": lambda: v})


def quotes(
    text: str | None = typer.Argument(
        None, help='Words to find (all must appear; "a phrase" in quotes; word* for a prefix)'
    ),
    db: DbOption = None,
    la: LaOption = None,
    kind: KindOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    section: str | None = typer.Option(
        None, "--section", help="Section kind (e.g. headline_findings) or words of a heading"
    ),
    theme: ThemesOption = None,
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
    format: Annotated[str, format_option("table", "markdown", "csv", "json")] = "table",
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
    from ..report.terminal import quotes_markdown, quotes_table

    emit(
        format,
        {
            "table": lambda: quotes_table(res),
            "markdown": lambda: quotes_markdown(res),
            "csv": lambda: Csv(_quote_rows(res), QUOTE_FIELDS),
            "json": lambda: _quote_rows(res),
        },
    )
    if format == "table" and not res:
        _none_match("quotes")
    if getattr(res, "note", None):  # the ranking was capped (store.search.RANK_CAP): say so
        import sys

        sys.stderr.write(f"note: {res.note}\n")


def _quote_rows(res) -> list[dict]:
    """Quotes as rows: each quote's fields and its citation."""
    return [x.to_dict() | {"citation": x.citation()} for x in res]


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
    format: Annotated[str, format_option("table", "csv", "json")] = "table",
):
    """The council table: England's councils with children's services (and those they replaced,
    with the dates), the sample corpus's fictional ones, your own, and any stored that the table lacks."""
    from ..councils import user_councils_path
    from ..report.tables import councils_table
    from ..store.councils import council_rows
    from ..store.db import default_db_path

    con = open_database(db) if db or default_db_path().exists() else None
    rows = _matching(council_rows(con, include_former=former), search)
    title = f"{len(rows)} councils (add your own in {user_councils_path()})"
    emit(
        format,
        {
            "table": lambda: councils_table(rows, title, documents=con is not None),
            "csv": lambda: Csv(rows, list(rows[0]) if rows else ["urn", "name"]),
            "json": lambda: rows,
        },
    )


def _matching(rows: list[dict], search: str | None) -> list[dict]:
    """The councils whose URN, name, slug or an alias contains ``search`` (any case)."""
    if not search:
        return rows
    k = search.lower()
    return [
        r for r in rows if any(k in str(x).lower() for x in (r["urn"], r["name"], r["slug"], *r["aliases"]))
    ]
