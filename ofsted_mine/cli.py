"""Command line: a thin layer over the library (ofsted_mine.api and friends).

Each command parses its options, calls one library function and renders the result.
"""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path

import typer

from . import __version__
from .cli_options import CONTEXT_SETTINGS

app = typer.Typer(
    add_completion=True,
    no_args_is_help=True,
    rich_markup_mode=None,
    context_settings=CONTEXT_SETTINGS,
    help="ofsted-mine: evidence from Ofsted letters and reports on councils' children's services.",
)

DB_HELP = "SQLite database (default: $OFSTED_MINE_DB or ~/.local/share/ofsted-mine/ofsted.db)"


class VisitFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


class QuoteFormat(str, Enum):
    table = "table"
    markdown = "markdown"
    csv = "csv"
    json = "json"


def _console(stderr: bool = False):
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=False)


def _fail(msg: str, code: int = 1):
    sys.stderr.write(f"error: {msg}\n")
    raise typer.Exit(code)


def _open(db: Path | None, create: bool = False):
    """Every command opens its database here (read-only unless ``create``): a missing, foreign,
    damaged or newer database is one line (DatabaseError), never a traceback."""
    from .cli_options import open_database

    return open_database(db, create=create)


def version_callback(value: bool):
    if value:
        print(f"ofsted-mine {__version__}")
        raise typer.Exit()


@app.callback()
def main_callback(
    version: bool = typer.Option(
        False, "--version", callback=version_callback, is_eager=True, help="Show the version and exit."
    ),
):
    pass


# ------------------------------------------------------------------ ingest
def run_ingest(
    paths: list[str],
    db: Path | None,
    taxonomy: Path | None = None,
    workers: int | None = None,
    quiet: bool = False,
    max_bytes: int | None = -1,
    retry_failed: bool = False,
) -> object:
    from rich.markup import escape
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from .api import expand_paths, ingest

    err = _console(stderr=True)
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
    from .display import shown

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


@app.command()
def ingest(
    paths: list[str] = typer.Argument(..., help="Files, folders or globs: PDF, HTML, .txt"),
    db: Path | None = typer.Option(None, "--db", help=DB_HELP),
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
    from .store.db import default_db_path
    from .validate import plural

    result = run_ingest(
        paths, db, taxonomy, workers, max_bytes=int(max_size * 1e6) or None, retry_failed=retry_failed
    )
    out = _console()
    skipped = f", {len(result.skipped)} skipped (failed before)" if result.skipped else ""
    out.print(
        f"{len(result.added)} added, {len(result.replaced)} replaced, {len(result.unchanged)} unchanged, "
        f"{len(result.failed)} failed{skipped}  ({plural(result.pages, 'page')}) -> {db or default_db_path()}",
        markup=False,
    )
    if result.failed:
        raise typer.Exit(1)


# ------------------------------------------------------------------ visits
def _visits_table(rows: list[dict]):
    from rich.table import Table
    from rich.text import Text

    from .read.controls import strip_controls
    from .report.labels import judgements_short, kind_label, verdict_label

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


def _csv(rows: list[dict], fields: list[str]) -> str:
    from .report.csvout import csv_text  # the one guarded CSV writer (no formula injection)

    return csv_text(rows, fields)


@app.command()
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
    from .store.search import VISIT_FIELDS
    from .store.search import visits as q

    con = _open(db)
    try:
        rows = q(con, la=la, kind=kind, since=since, until=until)
    except ValueError as e:
        _fail(str(e))
    if format == VisitFormat.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
    elif format == VisitFormat.csv:
        sys.stdout.write(_csv(rows, list(VISIT_FIELDS)))
    else:
        _console().print(_visits_table(rows))
        if not rows:
            _console(stderr=True).print("no visits match", markup=False)


@app.command()
def show(
    visit_id: str = typer.Argument(..., help="Visit id (from 'visits')"),
    db: Path | None = typer.Option(None, "--db", help=DB_HELP),
    why: bool = typer.Option(False, "--why", help="Say why each finding got its tags (cue phrases, source)"),
    format: str = typer.Option("text", "--format", help="text or json"),
):
    """One letter or report, structured: metadata, sections and numbered findings with their tags."""
    from .report.terminal import render_visit
    from .store.search import get_visit
    from .validate import check_choice

    check_choice(format, "--format", ("text", "json"))
    con = _open(db)
    try:
        v = get_visit(con, visit_id)
    except KeyError as e:
        _fail(str(e.args[0]))
    if format == "json":
        print(json.dumps(v, indent=2, ensure_ascii=False, default=str))
    else:
        render_visit(_console(), v, why=why)


@app.command()
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
    from .store.search import quotes as q

    if not (text and text.strip()) and not theme and not polarity and not la and not section:
        _fail("give words to search for, or at least one filter (--theme, --polarity, --la, --section)")
    con = _open(db)
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
        _fail(str(e))
    rows = [x.to_dict() | {"citation": x.citation()} for x in res]
    if format == QuoteFormat.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
    elif format == QuoteFormat.csv:
        sys.stdout.write(
            _csv(
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
        from .report.terminal import quotes_markdown

        print(quotes_markdown(res))
    else:
        from .report.terminal import quotes_table

        out = _console()
        out.print(quotes_table(res))
        if not res:
            _console(stderr=True).print("no quotes match", markup=False)


# ------------------------------------------------------------------ tagging
@app.command()
def themes(
    db: Path | None = typer.Option(None, "--db", help=DB_HELP),
    taxonomy: Path | None = typer.Option(
        None, "--taxonomy", help="A taxonomy TOML (default: the codebook)"
    ),
    format: str = typer.Option("table", "--format", help="table or json"),
):
    """List the taxonomy in use, with counts of tagged findings (and concerns) in the database."""
    from .analyse.themes import theme_counts
    from .store.db import default_db_path
    from .validate import check_choice

    check_choice(format, "--format", ("table", "json"))
    con = _open(db) if db or default_db_path().exists() else None  # a --db named must exist
    try:
        rows, name = theme_counts(con, taxonomy)
    except ValueError as e:
        _fail(str(e))
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
    _console().print(t)


@app.command()
def tag(
    db: Path | None = typer.Option(None, "--db", help=DB_HELP),
    taxonomy: Path | None = typer.Option(None, "--taxonomy", help="Re-tag with this taxonomy TOML"),
    model: Path | None = typer.Option(None, "--model", help="Model file (default: models/tagger.joblib)"),
    rules_only: bool = typer.Option(False, "--rules-only", help="Use the cue-phrase rules alone"),
):
    """Re-tag every stored finding after a taxonomy or model change (no PDFs are re-read)."""
    from .api import retag

    _open(db).close()
    m = None if rules_only else (str(model) if model else "default")
    try:
        res = retag(db, taxonomy=taxonomy, model=m)
    except ValueError as e:
        _fail(str(e))
    from .validate import plural

    if res.get("model_problem"):
        sys.stderr.write(f"warning: tagging by rules only: {res['model_problem']}\n")
    print(f"re-tagged {plural(res['findings'], 'finding')} with {res['tagger']}")


@app.command()
def explain(
    sentence: str = typer.Argument(..., help="A sentence to tag and explain"),
    taxonomy: Path | None = typer.Option(None, "--taxonomy"),
    model: Path | None = typer.Option(None, "--model"),
    format: str = typer.Option("text", "--format", help="text or json"),
):
    """Tag one sentence and say why: cue phrases, model scores and thresholds, polarity cues."""
    from .cli_options import tagger
    from .validate import check_choice

    check_choice(format, "--format", ("text", "json"))
    tg = tagger(taxonomy, model=str(model) if model else "default")
    e = tg.explain(sentence)
    if format == "json":
        print(json.dumps(e, indent=2, ensure_ascii=False))
        return
    print(f"tagger: {e['tagger']}")
    print(f"polarity: {e['polarity']} ({e['polarity_source']}, score {e['polarity_score']})")
    for k, v in e["polarity_cues"].items():
        print(f"  {k} cues: {', '.join(v)}")
    if not e["themes"]:
        print("themes: none")
    for t in e["themes"]:
        cues = ", ".join(f"'{c['text']}' [{c['start']}:{c['end']}]" for c in t["cues"]) or "no cue phrase"
        extra = (
            f"; threshold {t['threshold']}; model words: {', '.join(t.get('model_words', []))}"
            if "threshold" in t
            else ""
        )
        print(f"theme {t['theme']}: score {t['score']} ({t['source']}); cues: {cues}{extra}")
    for t in e["considered"]:
        print(f"  considered, below threshold: {t['theme']} {t['score']} < {t['threshold']}")


@app.command()
def classify(
    infile: Path = typer.Argument(..., help='JSONL with {"id", "text"} per line'),
    out: Path = typer.Option(..., "-o", "--out", help="Output JSONL"),
    taxonomy: Path | None = typer.Option(None, "--taxonomy"),
    model: Path | None = typer.Option(None, "--model"),
    rules_only: bool = typer.Option(False, "--rules-only"),
):
    """Tag sentences from a JSONL file: {"id", "themes", "polarity", "scores"} per line."""
    from .cli_options import tagger
    from .tag.classify import classify_file
    from .validate import plural

    tg = tagger(
        taxonomy,
        model=None if rules_only else (str(model) if model else "default"),
        mode="rules" if rules_only else "combined",
    )
    to_stdout = str(out) == "-"
    try:
        n = classify_file(infile, sys.stdout if to_stdout else out, taxonomy=taxonomy, tagger=tg)
    except ValueError as e:
        _fail(str(e))
    if to_stdout:  # the JSONL went to standard output: the summary goes to stderr
        sys.stderr.write(f"classified {plural(n, 'sentence')} -> standard output\n")
    else:
        print(f"classified {plural(n, 'sentence')} -> {out}")


@app.command()
def evaluate(
    gold: Path = typer.Argument(..., help='Gold JSONL: {"id", "text", "themes", "polarity"}'),
    baseline: str | None = typer.Option(
        None, "--baseline", help="keyword: a plain keyword matcher instead of the tagger"
    ),
    taxonomy: Path | None = typer.Option(None, "--taxonomy"),
    model: Path | None = typer.Option(None, "--model"),
    mode: str = typer.Option("combined", "--mode", help="combined, rules or model"),
    format: str = typer.Option("text", "--format", help="text or json"),
    in_context: bool = typer.Option(
        False,
        "--in-context",
        help="Ingest the gold file's reports into a scratch database and score the tags stored for the findings holding the gold sentences (what a user sees)",
    ),
    reports: Path | None = typer.Option(
        None,
        "--reports",
        help="With --in-context: folder holding the gold file's reports (default: ../shared/ofsted-reports)",
    ),
    rows_out: Path | None = typer.Option(
        None,
        "--rows",
        help="With --in-context: write one JSON line per gold sentence (stored finding and labels)",
    ),
):
    """Per-theme precision/recall/F1, micro and macro F1, polarity accuracy, macro-F1 and confusion matrix."""
    from .cli_options import tagger
    from .tag import Tagger

    if in_context:
        from .cli_tags import evaluate_in_context_command

        return evaluate_in_context_command(gold, reports, taxonomy, model, format, rows_out)
    from .tag.evaluate import evaluate_tagger, format_report, read_gold
    from .validate import check_choice

    check_choice(format, "--format", ("text", "json"))
    check_choice(mode, "--mode", ("combined", "rules", "model"))
    check_choice(baseline, "--baseline", ("keyword",))
    gold_rows = read_gold(gold)
    if baseline == "keyword":
        tg, title = Tagger(taxonomy, model=None, mode="rules"), "keyword baseline (cue phrases only)"
    elif baseline:
        _fail(f"unknown baseline {baseline!r} (try: keyword)")
    else:
        tg = tagger(taxonomy, model=str(model) if model else "default", mode=mode)
        title = tg.description + f" [{mode}]"
    m = evaluate_tagger(tg, gold_rows)
    print(json.dumps(m, indent=2) if format == "json" else format_report(m, title))


@app.command()
def train(
    annotations: list[Path] = typer.Argument(
        ..., help="Annotation JSONL files (text, or references into reports)"
    ),
    out: Path = typer.Option(Path("models/tagger.joblib"), "-o", "--out"),
    taxonomy: Path | None = typer.Option(None, "--taxonomy"),
    shared: Path | None = typer.Option(
        None, "--shared", help="Folder holding ofsted-reports/ (for references) and gold/ (excluded)"
    ),
    cv: bool = typer.Option(True, "--cv/--no-cv", help="Estimate quality by grouped cross-validation first"),
):
    """Train the theme and polarity classifiers from labelled sentences."""
    from .errors import UsageError
    from .tag.train import train as fit
    from .validate import plural

    if str(out) == "-":
        raise UsageError("train -o -: a model is a binary file; give a file name (e.g. models/tagger.joblib)")
    shared = shared or (Path(__file__).resolve().parent.parent.parent / "shared")
    rep = fit([str(a) for a in annotations], out, taxonomy=taxonomy, shared=shared, cv=cv)
    for p in rep["problems"][:20]:
        sys.stderr.write(f"warning: {p}\n")
    syn = f" (incl. {rep['synthetic']} synthetic)" if rep.get("synthetic") else ""
    if rep.get("corrections"):
        syn += f" (incl. {rep['corrections']} corrected by people)"
    print(
        f"trained on {plural(rep['examples'], 'sentence')}{syn} from {plural(rep['documents'], 'document')} -> {rep['model']}"
    )
    for k, v in rep.get("cross_validation", {}).items():
        print(
            f"  grouped 5-fold CV, {k:8}: theme micro-F1 {v['theme_micro_f1']:.3f} macro-F1 {v['theme_macro_f1']:.3f} "
            f"polarity acc {v['polarity_accuracy']:.3f} macro-F1 {v['polarity_macro_f1']:.3f}"
        )
    Path(str(out) + ".report.json").write_text(json.dumps(rep, indent=2))
    from .tag.train import model_card

    Path(str(out) + ".card.md").write_text(model_card(rep))


# ------------------------------------------------------------------ across visits
JOURNEY_HELP = "Trend window: journey number (1 = oldest), 'current' or 'previous' (default: the journey that reaches the latest document)"


@app.command()
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
    from .analyse.timeline import timeline as tl_fn
    from .report.terminal import timeline_markdown, timeline_rows
    from .validate import check_choice

    check_choice(format, "--format", ("table", "csv", "json", "markdown"))
    con = _open(db)
    try:
        tl = tl_fn(con, la, taxonomy=taxonomy, min_score=min_score, since=since, until=until, journey=journey)
    except ValueError as e:
        _fail(str(e))
    if not tl.visits:
        _fail(f"no Ofsted letters or reports stored for {tl.la}")
    if format == "json":
        print(json.dumps(tl.to_dict(), indent=2, ensure_ascii=False))
    elif format == "csv":
        sys.stdout.write(_csv(timeline_rows(tl), ["theme"] + [v.id for v in tl.visits] + ["trend"]))
    elif format == "markdown":
        print(timeline_markdown(tl))
    else:
        from rich.console import Console
        from rich.text import Text

        from .report.terminal import timeline_fitted

        console = Console(highlight=False)  # the terminal's width ($COLUMNS when set)
        for part in timeline_fitted(tl, console.width):
            console.print(part)
        for j in tl.journeys:  # the improvement journeys, and which one the trends follow
            mark = " [trend window]" if j.index == tl.window_journey else ""
            console.print(Text(f"journey {j.index}{' (current)' if j.current else ''}: {j.label}{mark}"))


@app.command()
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
    from .analyse.timeline import track as track_fn
    from .report.terminal import render_track, track_markdown, track_rows
    from .validate import check_choice

    check_choice(format, "--format", ("text", "json", "csv", "markdown"))
    con = _open(db)
    try:
        tr = track_fn(
            con, theme, la, taxonomy=taxonomy, quotes_per_visit=quotes, since=since, journey=journey
        )
    except ValueError as e:
        _fail(str(e))
    if format == "json":
        print(json.dumps(tr.to_dict(), indent=2, ensure_ascii=False))
    elif format == "csv":
        rows = track_rows(tr)
        sys.stdout.write(_csv(rows, list(rows[0]) if rows else ["theme"]))
    elif format == "markdown":
        print(track_markdown(tr))
    else:
        render_track(_console(), tr)


@app.command()
def compare(
    visit_a: str = typer.Argument(...),
    visit_b: str = typer.Argument(...),
    db: Path | None = typer.Option(None, "--db", help=DB_HELP),
    taxonomy: Path | None = typer.Option(None, "--taxonomy"),
    format: str = typer.Option("table", "--format", help="table, json, csv or markdown"),
):
    """Per theme: concerns new, persistent or no longer raised; strengths gained or lost; quotes side by side."""
    from .analyse.timeline import compare as cmp_fn
    from .report.terminal import compare_markdown, compare_rows, render_compare
    from .validate import check_choice

    check_choice(format, "--format", ("table", "json", "csv", "markdown"))
    con = _open(db)
    try:
        res = cmp_fn(con, visit_a, visit_b, taxonomy=taxonomy)
    except KeyError as e:
        _fail(str(e.args[0]))
    if format == "json":
        print(json.dumps(res.to_dict(), indent=2, ensure_ascii=False))
    elif format == "csv":
        rows = compare_rows(res)
        sys.stdout.write(_csv(rows, list(rows[0]) if rows else ["theme"]))
    elif format == "markdown":
        print(compare_markdown(res))
    else:
        render_compare(_console(), res)


@app.command()
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
    from .analyse.followup import followup as fu
    from .errors import UsageError
    from .validate import check_choice, check_date

    check_choice(format, "--format", ("table", "json", "csv", "xlsx"))
    check_date(since, "--since")
    if format in ("csv", "xlsx") and output is None:
        raise UsageError(f"followup --format {format} writes an action log: name the file with -o FILE")
    if format == "xlsx" and str(output) == "-":
        raise UsageError(
            "followup --format xlsx -o -: a workbook is a binary file; give a file name (e.g. actions.xlsx)"
        )
    con = _open(db)
    try:
        res = fu(con, la, since=since)
    except ValueError as e:
        _fail(str(e))
    names = None
    if format != "json":
        from .analyse.timeline import _load_taxonomy_light

        names = {t["id"]: t["name"] for t in _load_taxonomy_light(con)}
    if format == "json":
        text = json.dumps(res.to_dict(), indent=2, ensure_ascii=False)
        if output and str(output) != "-":
            output.write_text(text + "\n", encoding="utf-8")
        else:
            print(text)
        return
    if format in ("csv", "xlsx"):
        from .report.actionlog import write_action_log

        if str(output) == "-":
            write_action_log(res, sys.stdout, "csv", names)
            return
        try:
            write_action_log(res, output, format, names)
        except OSError as e:
            _fail(f"{output}: cannot write: {e.strerror or e}")
        print(f"{output}: action log of {len(res.items)} recommendation(s) for {res.la}")
        return
    from .report.actionlog import render_followup

    render_followup(_console(), res, names, quotes=quotes)


@app.command()
def benchmark(
    la: str = typer.Option(..., "--la"),
    db: Path | None = typer.Option(None, "--db", help=DB_HELP),
    since: str | None = typer.Option(None, "--since"),
    until: str | None = typer.Option(None, "--until"),
    format: str = typer.Option("table", "--format", help="table or json"),
):
    """How often each theme is raised as a concern here, against all other councils and statistical neighbours."""
    from .analyse.benchmark import benchmark as bm
    from .validate import check_choice

    check_choice(format, "--format", ("table", "json"))
    con = _open(db)
    try:
        res = bm(con, la, since=since, until=until)
    except ValueError as e:
        _fail(str(e))
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
    _console().print(t)


@app.command()
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
    from .councils import council_rows, user_councils_path
    from .store.db import default_db_path
    from .validate import check_choice

    check_choice(format, "--format", ("table", "csv", "json"))
    con = _open(db) if db or default_db_path().exists() else None
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
        sys.stdout.write(_csv(rows, list(rows[0]) if rows else ["urn", "name"]))
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
    _console().print(t)


# ------------------------------------------------------------------ demo
def corpus_dir() -> Path:
    """The sample corpus: the clone's corpus/ folder, or the copy inside an installed wheel."""
    from .resources import CHECKOUT_DIR
    from .resources import corpus_dir as find

    return find() or CHECKOUT_DIR / "corpus"


@app.command()
def demo(
    db: Path | None = typer.Option(
        None, "--db", help="Database for the demo (default: ./ofsted-mine-demo.db)"
    ),
):
    """Ingest the bundled sample corpus (fictional councils) and show what it found."""
    from .report.terminal import quotes_table
    from .store.search import quotes as q
    from .store.search import visits as v

    root = corpus_dir()
    pdfs = root / "pdf"
    if not pdfs.is_dir():
        _fail(
            f"{pdfs}: sample corpus not found (this installation was built without it; reinstall the wheel)"
        )
    db = db or Path("ofsted-mine-demo.db")
    out = _console()
    from rich.markup import escape

    out.print(
        f"[bold]ofsted-mine demo[/bold]: ingesting the sample corpus in {escape(str(root))} into {escape(str(db))}"
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
    con = _open(db)
    out.print(_visits_table(v(con)))
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


from .fetch_cli import fetch_command  # noqa: E402

app.command("fetch")(fetch_command)

from .cli_reports import export_command, readiness_command  # noqa: E402

app.command("readiness")(readiness_command)
app.command("export")(export_command)

from .web.cli import serve_command, users_app  # noqa: E402

app.command("serve")(serve_command)
app.add_typer(users_app, name="users")

from .cli_tags import agreement_command, correct_command, corrections_app, review_command  # noqa: E402

app.command("correct")(correct_command)
app.command("review")(review_command)
app.command("agreement")(agreement_command)
app.add_typer(corrections_app, name="corrections")
from .cli_tags import qda_app  # noqa: E402

app.add_typer(qda_app, name="qda")


from .cli_options import fill_help  # noqa: E402

fill_help(app)  # every option has a help text; --since/--until are checked as dates


def main():
    """Entry point: run the Typer app; an :class:`~ofsted_mine.errors.OfstedMineError` that
    escapes a command is printed as one line on stderr (exit 1, or 2 for a usage error). Any
    other error is one line too (exit 1); ``OFSTED_MINE_DEBUG=1`` shows its traceback."""
    from .cli_options import debug, plain_error
    from .errors import OfstedMineError

    try:
        app()
    except OfstedMineError as e:
        sys.stderr.write(f"error: {e}\n")
        raise SystemExit(e.exit_code)
    except KeyboardInterrupt:
        sys.stderr.write("error: interrupted\n")
        raise SystemExit(130)
    except BrokenPipeError:  # e.g. `... | head`: the reader has gone, nothing to say
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise SystemExit(0)
    except Exception as e:  # e.g. sqlite3.DatabaseError: damage found after opening
        if debug():
            raise
        sys.stderr.write(f"error: {plain_error(e)}\n")
        raise SystemExit(1)


if __name__ == "__main__":
    main()
