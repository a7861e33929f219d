"""Commands about tags a person can check and correct: in-context evaluation, review,
correct, corrections export, agreement. Each is a thin layer over a library function
(``ofsted_mine.tag.incontext``, ``ofsted_mine.tag.corrections``); registered in
``ofsted_mine.cli``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from .options import DB_HELP, fail, open_database


def _default_reports() -> Path:
    return Path(__file__).resolve().parent.parent.parent / "shared" / "ofsted-reports"


def evaluate_in_context_command(
    gold: Path,
    reports: Path | None,
    taxonomy: Path | None,
    model: Path | None,
    format: str,
    rows_out: Path | None,
) -> None:
    from ..tag.evaluate import read_gold
    from ..tag.incontext import evaluate_in_context, format_in_context, write_rows

    if not Path(gold).is_file():
        fail(f"{gold}: no such gold file")
    root = reports or _default_reports()
    if not Path(root).is_dir():
        fail(f"{root}: no reports folder (give --reports FOLDER holding the gold file's reports)")
    try:
        g = read_gold(gold)
    except (ValueError, KeyError) as e:
        fail(f"{gold}: not a gold JSONL file ({e})")
    if any("report" not in x for x in g):
        fail(
            f'{gold}: --in-context needs a "report" field on every line (the report each sentence comes from)'
        )
    m = evaluate_in_context(g, root, taxonomy=taxonomy, model=str(model) if model else "default")
    from ..tag import Tagger
    from ..tag.evaluate import evaluate_tagger

    alone = evaluate_tagger(Tagger(taxonomy, model=str(model) if model else "default"), g)
    m["alone"] = {
        k: alone[k] for k in ("theme_micro_f1", "theme_macro_f1", "polarity_accuracy", "polarity_macro_f1")
    }
    if rows_out:
        write_rows(m, rows_out)
    if format == "json":
        print(json.dumps({k: v for k, v in m.items() if k != "rows"}, indent=2))
    else:
        print(format_in_context(m, "stored tags, in context"))


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
    db: Path | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Correct one finding's tags (for scripts). Kept apart from the model's tags, with who and
    when; it survives re-tagging, re-ingest and a new model."""
    from ..tag.corrections import CorrectionError, correct

    con = open_database(db, write=True)
    try:
        if confirm:
            from ..tag.corrections import _themes_of

            cur = (
                [t for t in _themes_of(con, finding) if t not in _split(remove)]
                if con.execute("SELECT 1 FROM findings WHERE id=?", (finding,)).fetchone()
                else []
            )
            res = correct(
                con,
                finding,
                add=cur + [t for t in _split(add) if t not in cur],
                polarity=polarity,
                exact=True,
                who=who,
                note=note,
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
    la: str = typer.Option(..., "--la", help="Council: name, alias or Ofsted URN"),
    theme: str | None = typer.Option(
        None, "--theme", help="Only findings tagged with, or close to, this theme"
    ),
    visit: str | None = typer.Option(None, "--visit", help="Only this visit (id from 'visits')"),
    limit: int = typer.Option(20, "--limit", help="How many findings to review"),
    who: str | None = typer.Option(
        None, "--who", help="Who reviews (default: $OFSTED_MINE_USER or the login name)"
    ),
    db: Path | None = typer.Option(None, "--db", help=DB_HELP),
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
    out: Path = typer.Option(..., "-o", "--out", help="Output JSONL (training annotations by reference)"),
    reports: Path | None = typer.Option(
        None, "--reports", help="Folder the references are relative to (default: ../shared/ofsted-reports)"
    ),
    db: Path | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Write the corrected findings as training annotations (by reference to the document,
    never the sentence text); 'ofsted-mine train' accepts the file."""
    from ..tag.corrections import export_corrections

    con = open_database(db)
    n = export_corrections(con, out, reports or _default_reports())
    print(f"{n} corrected findings -> {out}")


@corrections_app.command("list")
def corrections_list(
    db: Path | None = typer.Option(None, "--db", help=DB_HELP),
    format: str = typer.Option("text", "--format", help="text or json"),
) -> None:
    """The corrected findings: current labels, what the model said, who and when."""
    from ..tag.corrections import corrected_findings

    rows = corrected_findings(open_database(db))
    if format == "json":
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for r in rows:
        print(
            f"{r['finding']} {r['visit_id']} [{r['who']} {r['at']}] themes {', '.join(r['themes']) or 'none'} "
            f"(model: {', '.join(r['model_themes']) or 'none'}); polarity {r['polarity']} (model: {r['model_polarity']})"
        )
        print(f"    {r['text']}")
    if not rows:
        print("no corrections stored")


def agreement_command(
    db: Path | None = typer.Option(None, "--db", help=DB_HELP),
    format: str = typer.Option("text", "--format", help="text or json"),
) -> None:
    """How often people's corrections disagree with the model, per theme and for polarity, and
    the list of disagreements."""
    from ..tag.corrections import agreement

    m = agreement(open_database(db))
    if format == "json":
        print(json.dumps(m, indent=2, ensure_ascii=False))
        return
    n = m["corrected_findings"]
    if not n:
        print("no corrections stored: nothing to compare")
        return
    print(
        f"{n} findings checked by a person; {m['findings_disagreeing']} disagree with the model "
        f"(themes differ in {m['theme_disagreement_rate']:.0%}, polarity in {m['polarity_disagreement_rate']:.0%})"
    )
    print(f"\n{'theme':24} {'agreed':>7} {'added':>7} {'removed':>8} {'disagree':>9}")
    for t, v in m["per_theme"].items():
        print(
            f"{t:24} {v['agreed']:7} {v['added_by_person']:7} {v['removed_by_person']:8} {v['disagreement_rate']:9.0%}"
        )
    print("\npolarity (rows: model, columns: person)")
    for k, row in m["polarity_confusion"].items():
        print(f"  {k:9} " + "  ".join(f"{p} {c}" for p, c in row.items()))
    print("\ndisagreements")
    for d in m["disagreements"]:
        print(f"- finding {d['finding']} ({d['visit_id']}; {d['who']} {d['at']}): {d['text']}")
        if d["model_themes"] != d["person_themes"]:
            print(
                f"    themes: model {', '.join(d['model_themes']) or 'none'} -> person {', '.join(d['person_themes']) or 'none'}"
            )
        if d["model_polarity"] != d["person_polarity"]:
            print(f"    polarity: model {d['model_polarity']} -> person {d['person_polarity']}")
