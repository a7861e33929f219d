"""Rich tables for the list commands (``visits``, ``councils``, ``themes``, ``benchmark``) and
for the summary of ``fetch``.

Nothing is computed here: each table renders rows a library function returned. Text from
documents is put in :class:`rich.text.Text` cells, so it is never read as markup.
(The views of one visit, a timeline, a track and a comparison are in
:mod:`ofsted_mine.report.terminal`.)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

#: below this width the visits table leaves out the council and the start date (the id holds
#: both), the end date and the lead inspector, and says so under the table
VISITS_WIDE = 110


class _FitToWidth:
    """A renderable that builds its table for the width it is given (Rich passes it at print time)."""

    def __init__(self, build):
        self.build = build

    def __rich_console__(self, console, options):
        yield self.build(options.max_width)


def visits_table(rows: Sequence[Mapping]):
    """The visits (``store.search.visits`` rows) as a table: id, council, kind, dates, number,
    lead inspector, judgements or verdict, findings. In a terminal narrower than
    :data:`VISITS_WIDE` columns the council, dates and lead inspector are left out (a caption
    says so; the id holds the council and the start date); the id, which a user types next
    (``show ID``, ``compare A B``), is never folded."""
    rows = list(rows)
    return _FitToWidth(lambda width: _visits_table(rows, wide=width >= VISITS_WIDE))


def _visits_table(rows: Sequence[Mapping], *, wide: bool):
    """Build the visits table, with every column (``wide``) or the narrow set."""
    from rich.table import Table
    from rich.text import Text

    from ..read.controls import strip_controls
    from .labels import judgements_short, kind_label, verdict_label

    caption = None if wide else "council, dates and lead inspector: a wider terminal or --format csv"
    t = Table(show_lines=False, header_style="bold", caption=caption)
    t.add_column("id", no_wrap=True)
    columns = ("council", "kind", "dates", "no.", "lead inspector") if wide else ("kind", "no.")
    for c in columns:
        t.add_column(c, overflow="fold")
    t.add_column("judgements / verdict" if wide else "verdict", overflow="fold")
    t.add_column("findings" if wide else "n", justify="right")
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
        kind = kind_label(r["kind"], r.get("framework"))
        no = str(r["visit_number"] or "")
        cells = [vid, r["la"] or "?", kind, dates, no, r["lead_inspector"] or ""] if wide else [vid, kind, no]
        cells += [verdict, str(r.get("n_findings", ""))]
        t.add_row(*(Text(strip_controls(str(c))) for c in cells))  # document text: never markup or escapes
    return t


def _history(r: Mapping) -> str:
    """A council's reorganisation history in one cell."""
    if r["predecessors"]:
        made = f"from {', '.join(r['predecessors'])} ({r['established']})"
    else:
        made = f"since {r['established']}" if r["established"] else ""
    became = f"became {', '.join(r['successors'])}" if r["successors"] else ""
    return "; ".join(x for x in (made, became) if x)


def councils_table(rows: Sequence[Mapping], title: str, documents: bool):
    """The council table (``councils.council_rows``); ``documents`` adds the count per council."""
    from rich.table import Table

    t = Table(header_style="bold", title=title)
    cols = ["urn", "name", "aliases", "la code", "region", "status", "history"]
    for c in cols + (["documents"] if documents else []):
        t.add_column(c, overflow="fold")
    for r in rows:
        cells = [
            r["urn"],
            r["name"],
            ", ".join(r["aliases"]),
            r["la_code"],
            r["region"],
            r["status"],
            _history(r),
        ]
        if documents:
            cells.append(str(r["documents"]))
        t.add_row(*cells)
    return t


def themes_table(rows: Sequence[Mapping], title: str):
    """The taxonomy with counts of tagged findings (``analyse.themes.theme_counts``)."""
    from rich.table import Table

    t = Table(title=title, header_style="bold")
    cols = ("id", "name", "group", "findings", "concern", "strength", "mixed")
    for col in cols:
        t.add_column(col, overflow="fold")
    for r in rows:
        t.add_row(r["id"], r["name"], r["group"], *(str(r[c]) for c in cols[3:]))
    return t


def _dash(x) -> str:
    return "—" if x is None else str(x)


def benchmark_table(res: Mapping):
    """A council's concern rates against England, its region and its statistical neighbours
    (``analyse.benchmark.benchmark``)."""
    from rich.table import Table

    t = Table(
        title=f"{res['la']}: {res['unit']} ({res['findings']} findings; "
        f"{res['councils_compared']} councils compared; "
        f"region: {res['region'] or 'not known'}, {len(res['region_councils'])} in database; "
        f"neighbours in database: {', '.join(res['neighbours']) or 'none'})",
        header_style="bold",
    )
    cols = {
        "theme": "theme",
        "this council": "rate",
        "England: mean": "all_mean",
        "England: median": "all_median",
        "percentile": "percentile",
        "region: mean": "region_mean",
        "neighbours: mean": "neighbours_mean",
    }
    for col in cols:
        t.add_column(col, justify="right" if col != "theme" else "left")
    for r in res["themes"]:
        t.add_row(r["theme"], *(_dash(r[k]) for k in list(cols.values())[1:]))
    return t


def fetch_tables(result, library) -> list:
    """What a fetch run did (:class:`ofsted_mine.fetch.FetchResult`) as Rich renderables: per
    council, the new files, the publications of an unrecognised kind, the failures, and a
    summary line. Every cell holding site or file text is a ``rich.text.Text`` (never parsed as
    markup: a title like ``[/x]`` is printed as it is)."""
    from pathlib import Path

    from rich.text import Text

    parts = [_fetch_councils(result)]
    if result.new:
        parts.append(
            _table(
                "Would download" if result.dry_run else "New",
                ("Council", "Kind", "Date", "File"),
                [
                    (it.council_name, it.kind or "", it.date or "", str(it.path.name if it.path else it.url))
                    for it in result.new
                ],
            )
        )
    if result.unrecognised:
        parts.append(
            _table(
                "Not downloaded: unrecognised kind of publication",
                ("Council", "As listed", "Link"),
                [(it.council_name, it.title, it.url) for it in result.unrecognised],
            )
        )
    if result.failed:
        parts.append(
            _table(
                "Failed",
                ("Council", "What", "Reason"),
                [(it.council_name, it.title or it.url, it.reason) for it in result.failed],
                style={"Reason": "red"},
            )
        )
    line = result.summary()
    if not result.dry_run:
        line += f"; library: {Path(library).expanduser()}"
    parts.append(Text(line))
    return parts


def _table(title: str, cols: Sequence[str], rows, style: Mapping[str, str] | None = None):
    """A table of text cells; the last column folds (file names, links, reasons)."""
    from rich.table import Table
    from rich.text import Text

    t = Table(title=title)
    for i, c in enumerate(cols):
        t.add_column(c, style=(style or {}).get(c), overflow="fold" if i == len(cols) - 1 else "ellipsis")
    for r in rows:
        t.add_row(*(Text(str(x)) for x in r))
    return t


def _fetch_councils(result):
    from rich.table import Table
    from rich.text import Text

    t = Table(title="Fetch (dry run: nothing downloaded)" if result.dry_run else "Fetch")
    t.add_column("Council")
    t.add_column("URN")
    t.add_column("Listed", justify="right")
    t.add_column("Would download" if result.dry_run else "New", justify="right")
    t.add_column("Skipped", justify="right")
    t.add_column("Failed", justify="right")
    for c in result.councils:
        t.add_row(
            Text(c.name),
            Text(c.urn),
            str(c.found),
            str(c.new),
            str(c.skipped),
            Text(str(c.failed), style="red") if c.failed else "0",
        )
    if len(result.councils) > 1:
        t.add_row(
            "[b]total[/b]",
            "",
            str(sum(c.found for c in result.councils)),
            str(len(result.new)),
            str(len(result.skipped)),
            str(len(result.failed)),
        )
    return t
