"""Commands about tags a person can check and correct: review,
correct, corrections export, agreement. Each is a thin layer over a library function
(``ofsted_mine.tag.corrections``, ``ofsted_mine.tag.review``); registered in
``ofsted_mine.cli``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from ..report.formats import emit
from .options import OUT_NAMES, DbOption, LaRequired, fail, format_option, open_database


def _split(values: list[str] | None) -> list[str]:
    return [t.strip() for v in values or [] for t in v.split(",") if t.strip()]


def correct_command(
    finding: int = typer.Argument(
        ..., help="Finding id (from 'show VISIT', 'quotes --format json' or 'review')"
    ),
    add: list[str] | None = typer.Option(None, "--add", help="Theme id to add (repeat, or comma-separated)"),
    remove: list[str] | None = typer.Option(
        None, "--remove", help="Theme id to remove (repeat, or comma-separated)"
    ),
    polarity: str | None = typer.Option(None, "--polarity", help="strength, concern, mixed or neutral"),
    confirm: bool = typer.Option(
        False, "--confirm", help="The finding's tags are right as they are (after --add/--remove)"
    ),
    who: str | None = typer.Option(
        None, "--who", help="Who corrects (default: $OFSTED_MINE_USER or the login name)"
    ),
    note: str | None = typer.Option(None, "--note", help="Why (kept with the correction)"),
    db: DbOption = None,
) -> None:
    """Correct one finding's tags (for scripts). Kept apart from the model's tags, with who and
    when; it survives re-tagging, re-ingest and a new model."""
    from ..tag.corrections import CorrectionError, correct
    from ..tag.corrections import confirm as confirm_tags

    con = open_database(db, write=True)
    try:
        if confirm:
            res = confirm_tags(
                con, finding, add=_split(add), remove=_split(remove), polarity=polarity, who=who, note=note
            )
        else:
            res = correct(
                con, finding, add=_split(add), remove=_split(remove), polarity=polarity, who=who, note=note
            )
    except CorrectionError as e:
        fail(str(e))
    print(
        f"finding {finding}: themes {', '.join(res['themes']) or 'none'}; polarity {res['polarity']} "
        f"(model said: {', '.join(res['model_themes']) or 'none'}; {res['model_polarity']})"
    )


def review_command(
    la: LaRequired,
    theme: str | None = typer.Option(
        None, "--theme", help="Only findings tagged with, or close to, this theme"
    ),
    visit: str | None = typer.Option(None, "--visit", help="Only this visit (id from 'visits')"),
    limit: int = typer.Option(20, "--limit", help="How many findings to review"),
    who: str | None = typer.Option(
        None, "--who", help="Who reviews (default: $OFSTED_MINE_USER or the login name)"
    ),
    db: DbOption = None,
) -> None:
    """Walk the findings the tagger is least sure of (a score near its threshold, a cue the model
    overruled, two polarities close): see each in its paragraph with its tags and why, then
    add/remove a theme, set the polarity, confirm or skip, from the keyboard."""
    from ..tag.review import review_queue, run_review

    con = open_database(db, write=True)
    try:
        queue = review_queue(con, la, theme=theme, visit=visit, limit=limit)
    except (ValueError, KeyError) as e:
        fail(str(e))
    if not queue:
        print(f"nothing to review for {la}" + (f" ({theme})" if theme else ""))
        return
    stats = run_review(con, queue, sys.stdin, sys.stdout, who=who)
    print(f"reviewed {stats['shown']} findings: {stats['saved']} saved, {stats['skipped']} skipped")


corrections_app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    help="People's corrections of tags: list or export them.",
)


@corrections_app.command("export")
def corrections_export(
    out: Path = typer.Option(..., *OUT_NAMES, help="Output JSONL (training annotations by reference)"),
    reports: Path | None = typer.Option(
        None, "--reports", help="Folder the references are relative to (default: ../shared/ofsted-reports)"
    ),
    db: DbOption = None,
) -> None:
    """Write the corrected findings as training annotations (by reference to the document,
    never the sentence text); 'ofsted-mine train' accepts the file."""
    from ..tag.corrections import export_corrections
    from ..tag.training_policy import default_reports

    con = open_database(db)
    n = export_corrections(con, out, reports or default_reports())
    print(f"{n} corrected findings -> {out}")


@corrections_app.command("list")
def corrections_list(
    db: DbOption = None,
    format: Annotated[str, format_option("text", "json")] = "text",
) -> None:
    """The corrected findings: current labels, what the model said, who and when."""
    from ..report.tagging import corrections_text
    from ..tag.corrections import corrected_findings

    rows = corrected_findings(open_database(db))
    emit(format, {"text": lambda: corrections_text(rows), "json": lambda: rows})


def agreement_command(
    db: DbOption = None,
    format: Annotated[str, format_option("text", "json")] = "text",
) -> None:
    """How often people's corrections disagree with the model, per theme and for polarity, and
    the list of disagreements."""
    from ..report.tagging import agreement_text
    from ..tag.corrections import agreement

    m = agreement(open_database(db))
    emit(format, {"text": lambda: agreement_text(m), "json": lambda: m})
