"""The policy around the tagger that commands share, kept in the library so that every front end
(CLI, web, scripts) decides the same way:

- which model a command asks for (:func:`model_choice`: ``--rules-only``, ``--model FILE`` or
  the shipped model);
- where the shared data live by default (:func:`default_shared`, :func:`default_reports`: the
  ``shared/`` folder beside the checkout, holding ``ofsted-reports/`` and ``gold/``);
- what training leaves beside the model (:func:`train_and_record`: ``MODEL.report.json`` and
  the model card ``MODEL.card.md``);
- what an evaluation in context reports (:func:`in_context_report`: the stored tags, beside the
  tagger's scores on the sentences alone).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from ..resources import CHECKOUT_DIR

#: the model name meaning "the shipped model" (``Tagger(model="default")``)
DEFAULT_MODEL = "default"


def model_choice(model: str | Path | None = None, rules_only: bool = False) -> str | None:
    """The ``model`` argument of :class:`~ofsted_mine.tag.Tagger` for a command's options:
    None (the cue-phrase rules alone) with ``rules_only``, else the file given, else the
    shipped model."""
    if rules_only:
        return None
    return str(model) if model else DEFAULT_MODEL


def default_shared() -> Path:
    """The shared data folder: ``shared/`` beside the checkout (``../shared`` from its root)."""
    return CHECKOUT_DIR.parent / "shared"


def default_reports() -> Path:
    """The folder of real reports that annotations and corrections refer to by name."""
    return default_shared() / "ofsted-reports"


def train_and_record(
    annotations: Sequence[str | Path],
    out: str | Path,
    *,
    taxonomy: str | Path | None = None,
    shared: str | Path | None = None,
    cv: bool = True,
) -> dict:
    """Train a model (:func:`ofsted_mine.tag.train.train`) with ``shared`` defaulting to
    :func:`default_shared`, and write its report (``OUT.report.json``) and model card
    (``OUT.card.md``) beside it. Returns the report."""
    from .train import model_card, train

    rep = train(
        [str(a) for a in annotations], out, taxonomy=taxonomy, shared=shared or default_shared(), cv=cv
    )
    Path(str(out) + ".report.json").write_text(json.dumps(rep, indent=2))
    Path(str(out) + ".card.md").write_text(model_card(rep))
    return rep


def in_context_report(
    gold: str | Path,
    reports: str | Path | None = None,
    *,
    taxonomy: str | Path | None = None,
    model: str | Path | None = None,
) -> dict:
    """Score the tags stored for the findings that hold the gold sentences (their reports
    ingested into a scratch database: what a user sees), with the tagger's scores on the
    sentences alone under ``"alone"``. ``reports`` defaults to :func:`default_reports`. A
    missing gold file or reports folder, or a gold line without its ``report``, is an
    :class:`~ofsted_mine.errors.InputError`."""
    from ..errors import InputError
    from .evaluate import evaluate_tagger, read_gold
    from .incontext import evaluate_in_context
    from .tagger import Tagger

    if not Path(gold).is_file():
        raise InputError(f"{gold}: no such gold file")
    root = Path(reports) if reports else default_reports()
    if not root.is_dir():
        raise InputError(f"{root}: no reports folder (give --reports FOLDER holding the gold file's reports)")
    try:
        g = read_gold(gold)
    except (ValueError, KeyError) as e:
        raise InputError(f"{gold}: not a gold JSONL file ({e})") from None
    if any("report" not in x for x in g):
        raise InputError(
            f'{gold}: --in-context needs a "report" field on every line (the report each sentence comes from)'
        )
    m = evaluate_in_context(g, root, taxonomy=taxonomy, model=model_choice(model))
    alone = evaluate_tagger(Tagger(taxonomy, model=model_choice(model)), g)
    m["alone"] = {
        k: alone[k] for k in ("theme_micro_f1", "theme_macro_f1", "polarity_accuracy", "polarity_macro_f1")
    }
    return m
