"""``ingest`` and ``demo``: read, parse, tag and store documents, with a progress bar."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from ..api import IngestResult

from .options import DbOption, console, fail, open_database


def run_ingest(
    paths: list[str],
    db: Path | None,
    taxonomy: Path | None = None,
    workers: int | None = None,
    quiet: bool = False,
    max_bytes: int | None = -1,
    retry_failed: bool = False,
) -> IngestResult:
    """Ingest ``paths`` into ``db`` with a progress bar on stderr (on a terminal), then one line
    per failed, skipped-as-failed-before and warned file; returns the ingest result."""
    from rich.markup import escape
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from ..api import expand_paths, ingest

    err = console(stderr=True)
    files, _ = expand_paths(paths)
    with Progress(
        TextColumn("[bold]ingest"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
        console=err,
        transient=True,
        disable=quiet or not err.is_terminal,
    ) as prog:
        task = prog.add_task("", total=len(files))

        def tick(path: str, status: str):
            prog.update(
                task,
                advance=1 if status != "failed" or Path(path).is_file() else 0,
                description=escape(f"{status}: {Path(path).name[:50]}"),
            )  # a name is not markup

        result = ingest(
            paths,
            db,
            workers=workers,
            taxonomy=taxonomy,
            progress=tick,
            max_bytes=max_bytes,
            retry_failed=retry_failed,
        )
    from ..display import shown

    for path, why in result.failed:  # one plain line per file: never wrapped; a newline in a name is escaped
        sys.stderr.write(f"error: {shown(path)}: {shown(why)}\n")
    for path, why in result.skipped:
        sys.stderr.write(
            f"skipped: {shown(path)}: failed before ({shown(why)}); unchanged since "
            f"(--retry-failed tries again)\n"
        )
    for path, why in result.warnings:
        sys.stderr.write(f"warning: {shown(path)}: {shown(why)}\n")
    return result


def ingest(
    paths: list[str] = typer.Argument(..., help="Files, folders or globs: PDF, HTML, .txt"),
    db: DbOption = None,
    taxonomy: Path | None = typer.Option(
        None, "--taxonomy", help="Tag with this taxonomy TOML instead of the default codebook"
    ),
    workers: int | None = typer.Option(None, "--workers", help="Worker processes (default: all CPUs)"),
    max_size: float = typer.Option(
        50.0, "--max-size", min=0, help="Refuse files larger than this many MB (0: no limit)"
    ),
    retry_failed: bool = typer.Option(
        False, "--retry-failed", help="Try again files that failed before and have not changed"
    ),
):
    """Read, parse, tag and store Ofsted letters and reports. Safe to re-run: unchanged files are skipped,
    and so are unchanged files that failed before (said, but not counted as new failures).

    Put '--' before the files when a name may start with '-' (e.g. a glob that matches a
    file called '--db=x'): everything after '--' is a file."""
    from ..store.db import default_db_path
    from ..validate import plural

    result = run_ingest(
        paths, db, taxonomy, workers, max_bytes=int(max_size * 1e6) or None, retry_failed=retry_failed
    )
    out = console()
    skipped = f", {len(result.skipped)} skipped (failed before)" if result.skipped else ""
    out.print(
        f"{len(result.added)} added, {len(result.replaced)} replaced, {len(result.unchanged)} unchanged, "
        f"{len(result.failed)} failed{skipped}  ({plural(result.pages, 'page')}) "
        f"-> {db or default_db_path()}",
        markup=False,
    )
    if result.failed:
        raise typer.Exit(1)


def corpus_dir() -> Path:
    """The sample corpus: the clone's corpus/ folder, or the copy inside an installed wheel."""
    from ..resources import CHECKOUT_DIR
    from ..resources import corpus_dir as find

    return find() or CHECKOUT_DIR / "corpus"


def demo(
    db: Path | None = typer.Option(
        None, "--db", help="Database for the demo (default: ./ofsted-mine-demo.db)"
    ),
):
    """Ingest the bundled sample corpus (fictional councils) and show what it found."""
    from ..report.tables import visits_table
    from ..report.terminal import quotes_table
    from ..store.search import quotes as q
    from ..store.search import visits as v

    root = corpus_dir()
    pdfs = root / "pdf"
    if not pdfs.is_dir():
        fail(f"{pdfs}: sample corpus not found (this installation was built without it; reinstall the wheel)")
    db = db or Path("ofsted-mine-demo.db")
    out = console()
    from rich.markup import escape

    out.print(
        f"[bold]ofsted-mine demo[/bold]: ingesting the sample corpus in {escape(str(root))} "
        f"into {escape(str(db))}"
    )
    srcs = (
        [str(pdfs)] + [str(p) for p in sorted((root / "papers").glob("*.txt"))]
        if (root / "papers").is_dir()
        else [str(pdfs)]
    )
    result = run_ingest(srcs, db)
    out.print(
        f"{len(result.added)} added, {len(result.replaced)} replaced, {len(result.unchanged)} unchanged, "
        f"{len(result.failed)} failed",
        markup=False,
    )
    con = open_database(db)
    out.print(visits_table(v(con)))
    for la, words in (("Wyvern Vale", "management oversight"),):
        res = q(con, words, la=la, limit=5)
        out.print(f'\n[bold]quotes "{words}" --la "{la}"[/bold]')
        out.print(quotes_table(res))
    res = q(con, None, la="Wyvern Vale", themes=["drift_delay"], polarity="concern", limit=5)
    out.print('\n[bold]quotes --theme drift_delay --polarity concern --la "Wyvern Vale"[/bold]')
    out.print(quotes_table(res))
    out.print(
        f"\nNext: ofsted-mine visits --db {db}    ofsted-mine show VISIT_ID --db {db}    "
        f'ofsted-mine quotes "drift" --db {db}',
        markup=False,
    )
