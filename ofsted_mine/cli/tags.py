"""Commands about the tagger: ``tag``, ``explain``, ``classify``, ``evaluate``, ``train``.
Which model a command uses and where the shared data live are decided by
:mod:`ofsted_mine.tag.training_policy`; the text views are :mod:`ofsted_mine.report.tagging`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from ..report.formats import emit
from .options import OUT_NAMES, DbOption, ModelOption, TaxonomyOption, fail, format_option, open_database

RulesOnly = Annotated[
    bool, typer.Option("--rules-only", help="Tag with the cue-phrase rules alone (no model)")
]


def tag(
    db: DbOption = None,
    taxonomy: Annotated[
        Path | None, typer.Option("--taxonomy", help="Re-tag with this taxonomy TOML")
    ] = None,
    model: Annotated[
        Path | None, typer.Option("--model", help="Model file (default: models/tagger.joblib)")
    ] = None,
    rules_only: RulesOnly = False,
):
    """Re-tag every stored finding after a taxonomy or model change (no PDFs are re-read)."""
    from ..api import retag
    from ..tag.training_policy import model_choice
    from ..validate import plural

    open_database(db).close()
    try:
        res = retag(db, taxonomy=taxonomy, model=model_choice(model, rules_only))
    except ValueError as e:
        fail(str(e))
    if res.get("model_problem"):
        sys.stderr.write(f"warning: tagging by rules only: {res['model_problem']}\n")
    print(f"re-tagged {plural(res['findings'], 'finding')} with {res['tagger']}")


def explain(
    sentence: str = typer.Argument(..., help="A sentence to tag and explain"),
    taxonomy: TaxonomyOption = None,
    model: ModelOption = None,
    format: Annotated[str, format_option("text", "json")] = "text",
):
    """Tag one sentence and say why: cue phrases, model scores and thresholds, polarity cues."""
    from ..report.tagging import explain_text
    from ..tag.training_policy import model_choice
    from .options import tagger

    e = tagger(taxonomy, model=model_choice(model)).explain(sentence)
    emit(format, {"text": lambda: explain_text(e), "json": lambda: e})


def classify(
    infile: Path = typer.Argument(..., help='JSONL with {"id", "text"} per line'),
    out: Path = typer.Option(..., *OUT_NAMES, help="Output JSONL"),
    taxonomy: TaxonomyOption = None,
    model: ModelOption = None,
    rules_only: RulesOnly = False,
):
    """Tag sentences from a JSONL file: {"id", "themes", "polarity", "scores"} per line."""
    from ..tag.classify import classify_file
    from ..tag.training_policy import model_choice
    from ..validate import plural
    from .options import tagger

    tg = tagger(taxonomy, model=model_choice(model, rules_only), mode="rules" if rules_only else "combined")
    to_stdout = str(out) == "-"
    try:
        n = classify_file(infile, sys.stdout if to_stdout else out, taxonomy=taxonomy, tagger=tg)
    except ValueError as e:
        fail(str(e))
    if to_stdout:  # the JSONL went to standard output: the summary goes to stderr
        sys.stderr.write(f"classified {plural(n, 'sentence')} -> standard output\n")
    else:
        print(f"classified {plural(n, 'sentence')} -> {out}")


def _check(value, option: str, choices: tuple[str, ...]):
    from ..validate import check_choice

    return check_choice(value, option, choices)


def evaluate(
    gold: Path = typer.Argument(..., help='Gold JSONL: {"id", "text", "themes", "polarity"}'),
    baseline: str | None = typer.Option(
        None, "--baseline", help="keyword: a plain keyword matcher instead of the tagger"
    ),
    taxonomy: TaxonomyOption = None,
    model: ModelOption = None,
    mode: str = typer.Option("combined", "--mode", help="combined, rules or model"),
    format: Annotated[str, format_option("text", "json")] = "text",
    in_context: bool = typer.Option(
        False,
        "--in-context",
        help="Ingest the gold file's reports into a scratch database and score the tags stored for the "
        "findings holding the gold sentences (what a user sees)",
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
    """Per-theme precision/recall/F1, micro and macro F1, polarity accuracy, macro-F1 and
    confusion matrix."""
    from ..tag import Tagger
    from ..tag.evaluate import evaluate_tagger, format_report, read_gold
    from ..tag.training_policy import model_choice
    from .options import tagger

    if in_context:
        return _evaluate_in_context(gold, reports, taxonomy, model, format, rows_out)
    _check(mode, "--mode", ("combined", "rules", "model"))
    _check(baseline, "--baseline", ("keyword",))
    gold_rows = read_gold(gold)
    if baseline == "keyword":
        tg, title = Tagger(taxonomy, model=None, mode="rules"), "keyword baseline (cue phrases only)"
    else:
        tg = tagger(taxonomy, model=model_choice(model), mode=mode)
        title = tg.description + f" [{mode}]"
    m = evaluate_tagger(tg, gold_rows)
    emit(format, {"text": lambda: format_report(m, title), "json": lambda: m})


def _evaluate_in_context(
    gold: Path,
    reports: Path | None,
    taxonomy: Path | None,
    model: Path | None,
    format: str,
    rows_out: Path | None,
) -> None:
    """``evaluate --in-context``: the stored tags of the findings holding the gold sentences,
    beside the tagger's scores on the sentences alone."""
    from ..tag.incontext import format_in_context, write_rows
    from ..tag.training_policy import in_context_report

    m = in_context_report(gold, reports, taxonomy=taxonomy, model=model)
    if rows_out:
        write_rows(m, rows_out)
    emit(
        format,
        {
            "text": lambda: format_in_context(m, "stored tags, in context"),
            "json": lambda: {k: v for k, v in m.items() if k != "rows"},
        },
    )


def train(
    annotations: list[Path] = typer.Argument(
        ..., help="Annotation JSONL files (text, or references into reports)"
    ),
    out: Path = typer.Option(Path("models/tagger.joblib"), *OUT_NAMES),
    taxonomy: TaxonomyOption = None,
    shared: Path | None = typer.Option(
        None, "--shared", help="Folder holding ofsted-reports/ (for references) and gold/ (excluded)"
    ),
    cv: bool = typer.Option(True, "--cv/--no-cv", help="Estimate quality by grouped cross-validation first"),
):
    """Train the theme and polarity classifiers from labelled sentences."""
    from ..errors import UsageError
    from ..report.tagging import training_text
    from ..tag.training_policy import train_and_record

    if str(out) == "-":
        raise UsageError("train -o -: a model is a binary file; give a file name (e.g. models/tagger.joblib)")
    rep = train_and_record(annotations, out, taxonomy=taxonomy, shared=shared, cv=cv)
    for p in rep["problems"][:20]:
        sys.stderr.write(f"warning: {p}\n")
    print(training_text(rep))
