"""Commands about the tagger: ``tag``, ``explain``, ``classify``, ``evaluate``, ``train``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from .options import DB_HELP, fail, open_database


def tag(
    db: Path | None = typer.Option(None, "--db", help=DB_HELP),
    taxonomy: Path | None = typer.Option(None, "--taxonomy", help="Re-tag with this taxonomy TOML"),
    model: Path | None = typer.Option(None, "--model", help="Model file (default: models/tagger.joblib)"),
    rules_only: bool = typer.Option(False, "--rules-only", help="Use the cue-phrase rules alone"),
):
    """Re-tag every stored finding after a taxonomy or model change (no PDFs are re-read)."""
    from ..api import retag

    open_database(db).close()
    m = None if rules_only else (str(model) if model else "default")
    try:
        res = retag(db, taxonomy=taxonomy, model=m)
    except ValueError as e:
        fail(str(e))
    from ..validate import plural

    if res.get("model_problem"):
        sys.stderr.write(f"warning: tagging by rules only: {res['model_problem']}\n")
    print(f"re-tagged {plural(res['findings'], 'finding')} with {res['tagger']}")


def explain(
    sentence: str = typer.Argument(..., help="A sentence to tag and explain"),
    taxonomy: Path | None = typer.Option(None, "--taxonomy"),
    model: Path | None = typer.Option(None, "--model"),
    format: str = typer.Option("text", "--format", help="text or json"),
):
    """Tag one sentence and say why: cue phrases, model scores and thresholds, polarity cues."""
    from ..validate import check_choice
    from .options import tagger

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


def classify(
    infile: Path = typer.Argument(..., help='JSONL with {"id", "text"} per line'),
    out: Path = typer.Option(..., "-o", "--out", help="Output JSONL"),
    taxonomy: Path | None = typer.Option(None, "--taxonomy"),
    model: Path | None = typer.Option(None, "--model"),
    rules_only: bool = typer.Option(False, "--rules-only"),
):
    """Tag sentences from a JSONL file: {"id", "themes", "polarity", "scores"} per line."""
    from ..tag.classify import classify_file
    from ..validate import plural
    from .options import tagger

    tg = tagger(
        taxonomy,
        model=None if rules_only else (str(model) if model else "default"),
        mode="rules" if rules_only else "combined",
    )
    to_stdout = str(out) == "-"
    try:
        n = classify_file(infile, sys.stdout if to_stdout else out, taxonomy=taxonomy, tagger=tg)
    except ValueError as e:
        fail(str(e))
    if to_stdout:  # the JSONL went to standard output: the summary goes to stderr
        sys.stderr.write(f"classified {plural(n, 'sentence')} -> standard output\n")
    else:
        print(f"classified {plural(n, 'sentence')} -> {out}")


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
    from ..tag import Tagger
    from .options import tagger

    if in_context:
        from .corrections import evaluate_in_context_command

        return evaluate_in_context_command(gold, reports, taxonomy, model, format, rows_out)
    from ..tag.evaluate import evaluate_tagger, format_report, read_gold
    from ..validate import check_choice

    check_choice(format, "--format", ("text", "json"))
    check_choice(mode, "--mode", ("combined", "rules", "model"))
    check_choice(baseline, "--baseline", ("keyword",))
    gold_rows = read_gold(gold)
    if baseline == "keyword":
        tg, title = Tagger(taxonomy, model=None, mode="rules"), "keyword baseline (cue phrases only)"
    elif baseline:
        fail(f"unknown baseline {baseline!r} (try: keyword)")
    else:
        tg = tagger(taxonomy, model=str(model) if model else "default", mode=mode)
        title = tg.description + f" [{mode}]"
    m = evaluate_tagger(tg, gold_rows)
    print(json.dumps(m, indent=2) if format == "json" else format_report(m, title))


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
    from ..errors import UsageError
    from ..tag.train import train as fit
    from ..validate import plural

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
    from ..tag.train import model_card

    Path(str(out) + ".card.md").write_text(model_card(rep))
