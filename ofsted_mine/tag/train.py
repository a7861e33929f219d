"""Training and honest evaluation of the tagger model.

``train(paths, out)`` fits the model on all annotation files and, first, estimates its
quality by cross-validation grouped by document (a report's sentences never sit on both
sides of a split). Gold files are for ``evaluate`` only: never train on them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from .annotations import Example, load_annotations
from .classifier import TaggerModel
from .evaluate import score
from .rules import RuleMatcher
from .taxonomy import Taxonomy, load_taxonomy


def gold_reports(shared: Path | None) -> set[str]:
    """Reports of the gold file: their sentences are never used for training."""
    if not shared:
        return set()
    g = Path(shared) / "gold" / "themes-dev.jsonl"
    if not g.exists():
        return set()
    return {json.loads(l)["report"] for l in g.read_text("utf-8").splitlines() if l.strip()}


def _fold_predictions(
    texts: list[str],
    themes: list[list[str]],
    polarities: list[str],
    test: list[str],
    taxonomy: Taxonomy,
    use_rules: bool,
    seed: int,
    synthetic: list[bool],
) -> list[dict]:
    """Fit on one fold's training part, predict its test part (runs in a worker process)."""
    from .tagger import Tagger

    matcher = RuleMatcher(taxonomy)
    m = TaggerModel(taxonomy, seed=seed, use_rule_features=use_rules, tune=True).fit(
        texts, themes, polarities, matcher=matcher, synthetic=synthetic
    )
    tg = Tagger(taxonomy, model=m, mode="combined" if use_rules else "model")
    return [{"themes": [t.theme for t in r.tags], "polarity": r.polarity} for r in tg.tag(test)]


def cross_validate(
    examples: list[Example], taxonomy: Taxonomy, folds: int = 5, seed: int = 0, n_jobs: int = -1
) -> dict:
    """Grouped k-fold estimate for rules-only, model-only and combined taggers.

    Only sentences from documents (sample corpus, real reports) are split and scored;
    synthetic sentences (``"synthetic": true``) join every training part and are never
    scored, so the estimate is about sentences as they occur in reports.
    Folds run in parallel (``n_jobs`` processes, -1 = all CPUs)."""
    from joblib import Parallel, delayed
    from sklearn.model_selection import GroupKFold

    from .tagger import Tagger

    real = [e for e in examples if not e.synthetic]
    extra = [e for e in examples if e.synthetic]
    texts = [e.text for e in real]
    groups = [e.group for e in real]
    preds: dict[str, list] = {k: [None] * len(real) for k in ("rules", "model", "combined")}
    jobs = []
    for tr, te in GroupKFold(folds).split(texts, groups=groups):
        train_part = [real[i] for i in tr] + extra
        for name, use_rules in (("model", False), ("combined", True)):
            jobs.append(
                (
                    name,
                    te,
                    delayed(_fold_predictions)(
                        [e.text for e in train_part],
                        [e.themes for e in train_part],
                        [e.polarity for e in train_part],
                        [texts[i] for i in te],
                        taxonomy,
                        use_rules,
                        seed,
                        [e.synthetic for e in train_part],
                    ),
                )
            )
    results = Parallel(n_jobs=n_jobs)(j[2] for j in jobs)
    for (name, te, _), out in zip(jobs, results):
        for i, r in zip(te, out):
            preds[name][i] = r
    rules = Tagger(taxonomy, model=None, mode="rules")
    for i, r in enumerate(rules.tag(texts)):
        preds["rules"][i] = {"themes": [t.theme for t in r.tags], "polarity": r.polarity}
    gold = [{"themes": e.themes, "polarity": e.polarity} for e in real]
    return {k: score(gold, v, taxonomy.ids) for k, v in preds.items()}


def _has_corrections(path) -> bool:
    try:
        return any(
            json.loads(l).get("correction") for l in Path(path).read_text("utf-8").splitlines() if l.strip()
        )
    except (OSError, ValueError, AttributeError):
        return False


#: fewer labelled sentences than this cannot give a model worth saving
MIN_EXAMPLES = 20


def train(
    paths: list[str | Path],
    out: str | Path,
    *,
    taxonomy: str | Path | None = None,
    shared: str | Path | None = None,
    cv: bool = True,
    seed: int = 0,
) -> dict:
    """Train from annotation files, save the model to ``out`` and return a report."""
    from ..errors import InputError, ModelError

    tax = load_taxonomy(taxonomy)
    for a in paths:
        pa = Path(a)
        if not pa.exists():
            raise InputError(f"{pa}: no such annotation file")
        if pa.is_dir():
            raise InputError(f"{pa}: is a folder, not an annotation file (JSONL)")
        if not os.access(pa, os.R_OK):
            raise InputError(f"{pa}: cannot read (permission denied)")
    root = Path(shared) / "ofsted-reports" if shared else None
    examples, problems = load_annotations(
        paths, root, exclude_reports=gold_reports(Path(shared) if shared else None)
    )
    unknown = sorted({t for e in examples for t in e.themes if not tax.get(t)})
    if unknown:
        problems.append(f"themes not in the taxonomy (ignored): {', '.join(unknown)}")
        for e in examples:
            e.themes = [t for t in e.themes if tax.get(t)]
    report: dict = {
        "examples": len(examples),
        "synthetic": sum(e.synthetic for e in examples),
        "corrections": sum(e.correction for e in examples),
        "documents": len({e.group for e in examples if not e.synthetic}),
        "problems": problems,
    }
    if len(examples) < MIN_EXAMPLES:
        raise ModelError(
            f"{', '.join(str(p) for p in paths)}: {len(examples)} labelled sentence"
            f"{'' if len(examples) == 1 else 's'} is too few to train on (need at least {MIN_EXAMPLES})"
        )
    if cv and len(examples) - report["synthetic"] >= 50:
        report["cross_validation"] = cross_validate(examples, tax, seed=seed)
    try:
        model = TaggerModel(tax, seed=seed).fit(
            [e.text for e in examples],
            [e.themes for e in examples],
            [e.polarity for e in examples],
            synthetic=[e.synthetic for e in examples],
        )
    except ValueError as e:  # e.g. scikit-learn: "After pruning, no terms remain"
        raise ModelError(f"cannot train on these {len(examples)} sentences: {e}") from None
    model.info.update(
        {
            "documents": report["documents"],
            "annotation_files": [str(p) for p in paths],
            "corrections": report["corrections"],
            "correction_files": sorted({str(p) for p in paths if _has_corrections(p)}),
        }
    )
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    model.save(out)
    report["thresholds"] = model.thresholds
    report["model"] = str(out)
    report["annotation_files"] = [str(p) for p in paths]
    report["correction_files"] = model.info["correction_files"]
    return report


def model_card(report: dict) -> str:
    """A short model card (Markdown) for a model trained by ``train``: its data (with how
    many labels are people's corrections, and from which files) and its cross-validation."""
    lines = [
        f"# Model card: `{report.get('model', '?')}`",
        "",
        f"- Trained on {report['examples']} labelled sentences from {report['documents']} documents"
        + (f" (and {report['synthetic']} written example sentences)" if report.get("synthetic") else "")
        + ".",
    ]
    if report.get("corrections"):
        lines.append(
            f"- **Includes {report['corrections']} labels corrected by people** (exported with "
            f"`ofsted-mine corrections export`): {', '.join(report.get('correction_files', []))}. "
            "They are trained on like any other label."
        )
    else:
        lines.append("- No labels corrected by people.")
    lines.append(f"- Annotation files: {', '.join(report.get('annotation_files', []))}.")
    cv = report.get("cross_validation") or {}
    if cv:
        lines += [
            "",
            "Grouped 5-fold cross-validation (by document):",
            "",
            "| tagger | theme micro-F1 | theme macro-F1 | polarity accuracy | polarity macro-F1 |",
            "|---|---|---|---|---|",
        ]
        for k, v in cv.items():
            lines.append(
                f"| {k} | {v['theme_micro_f1']:.3f} | {v['theme_macro_f1']:.3f} | "
                f"{v['polarity_accuracy']:.3f} | "
                f"{v['polarity_macro_f1']:.3f} |"
            )
    return "\n".join(lines) + "\n"
