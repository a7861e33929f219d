"""`ofsted-mine fetch`: the command-line face of :mod:`ofsted_mine.fetch`.

Registered in :mod:`ofsted_mine.cli`; the summary tables are
:func:`ofsted_mine.report.tables.fetch_tables`.
Exit status: 0 when nothing failed, 1 when anything failed (a download, a provider page,
the search listing or ingest), 2 for bad arguments.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:  # the real imports happen when the command runs
    from rich.console import Console
    from rich.progress import TaskID


# the fetch stack (httpx) and Rich load only when the command runs, so other commands start fast;
# the fetchable kinds come from the kinds' declarations (vocab is light)
from ..vocab import SITE_KINDS as KNOWN_KINDS  # noqa: E402

DEFAULT_LIBRARY = Path("~/ofsted-library")  # as ofsted_mine.fetch.DEFAULT_LIBRARY (tested)


def fetch_command(
    la: str | None = typer.Option(
        None, "--la", help="Council: name as printed, slug or Ofsted URN (e.g. croydon)."
    ),
    urn: str | None = typer.Option(None, "--urn", help="Council by Ofsted URN (e.g. 80492)."),
    all_: bool = typer.Option(False, "--all", help="Every council in Ofsted's search listing."),
    kind: str | None = typer.Option(
        None, "--kind", help=f"Comma list of kinds to fetch: {','.join(KNOWN_KINDS)} (default: all)."
    ),
    since: str | None = typer.Option(None, "--since", help="Only publications dated on or after YYYY-MM-DD."),
    library: Path = typer.Option(DEFAULT_LIBRARY, "--library", help="Folder for the downloaded PDFs."),
    db: Path | None = typer.Option(None, "--db", help="Database to ingest into (default: the usual one)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what would be downloaded; change nothing."),
    request_deadline: float = typer.Option(
        300.0,
        "--request-deadline",
        min=0,
        help="Seconds one request may take in all, however slowly the server sends (0: no limit).",
    ),
    deadline: float = typer.Option(
        0.0,
        "--deadline",
        min=0,
        help="Seconds the whole run may spend on the site; then every remaining request fails (0: no limit).",
    ),
) -> None:
    """Fetch a council's Ofsted letters and reports into a library folder and ingest them.

    Only what is not already in the library is downloaded; a second run fetches nothing new.
    """
    from rich.console import Console
    from rich.markup import escape  # site text (titles, names, reasons) is never Rich markup

    from ..fetch import Limits, fetch
    from ..report.tables import fetch_tables

    out = Console()
    err = Console(stderr=True)
    progress = _Progress(err)
    progress.start()
    try:
        result = fetch(  # fetch() checks every argument, before any request
            la=la,
            urn=urn,
            all_councils=all_,
            kinds=kind,
            since=since,
            library=library,
            db=db,
            dry_run=dry_run,
            on_event=progress.on_event,
            limits=Limits(request_deadline=request_deadline or None, run_deadline=deadline or None),
        )
    except (ValueError, RuntimeError) as e:  # a FetchError (bad argument) or the library is in use
        progress.stop()
        err.print(f"[red]error:[/red] {escape(str(e))}", soft_wrap=True)  # one line, however long
        raise typer.Exit(2) from None
    finally:
        progress.stop()

    for part in fetch_tables(result, library):
        out.print(part)
    if result.failed:
        raise typer.Exit(1)


class _Progress:
    """Rich progress bars (on a terminal only) fed by fetch's ``on_event`` callbacks."""

    def __init__(self, err: Console):
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn

        self.bars = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}", justify="left"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[status]}"),
            console=err,
            transient=False,
            disable=not err.is_terminal,
        )
        self.tasks: dict[str, TaskID] = {}

    def start(self) -> None:
        """Show the bars."""
        self.bars.start()

    def stop(self) -> None:
        """Stop refreshing the bars (safe to call twice)."""
        self.bars.stop()

    def on_event(self, name: str, info: dict) -> None:
        """One of fetch's progress events (see :func:`ofsted_mine.fetch.fetch`)."""
        handler = getattr(self, "_" + name, None)
        if handler is not None:
            handler(info)

    def _listing_page(self, info: dict) -> None:
        if "listing" not in self.tasks:
            self.tasks["listing"] = self.bars.add_task("search listing", total=None, status="")
        self.bars.update(self.tasks["listing"], status=f"{info['total']} councils")

    def _council_start(self, info: dict) -> None:
        from rich.markup import escape

        if "listing" in self.tasks:
            self.bars.update(self.tasks["listing"], total=1, completed=1)
        self.tasks["council:" + info["council"]] = self.bars.add_task(
            escape(f"{info['name']} ({info['urn']})"), total=info["total"] or 0, status=""
        )

    def _item(self, info: dict) -> None:
        from rich.markup import escape

        tid = self.tasks.get("council:" + info["council"])
        if tid is not None:
            it = info["item"]
            self.bars.update(
                tid,
                advance=1 if it.stage != "provider" else 0,
                status=escape(f"{info['status']}: {it.kind or ''} {it.date or ''}".strip()),
            )

    def _council_done(self, info: dict) -> None:
        tid = self.tasks.get("council:" + info["council"])
        s = info["summary"]
        if tid is not None:
            self.bars.update(tid, status=f"{s.new} new, {s.skipped} skipped, {s.failed} failed")

    def _ingest_start(self, info: dict) -> None:
        self.tasks["ingest"] = self.bars.add_task("ingest", total=info["count"], status="")

    def _ingest_file(self, info: dict) -> None:
        from rich.markup import escape

        self.bars.update(
            self.tasks["ingest"], advance=1, status=escape(f"{Path(info['path']).name}: {info['status']}")
        )
