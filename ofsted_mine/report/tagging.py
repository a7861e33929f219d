"""Plain-text views of the tagger's results: one sentence explained, a training run, people's
corrections and their agreement with the model. Nothing is computed here: each view renders
what a library function returned (``Tagger.explain``, ``tag.training_policy.train_and_record``,
``tag.corrections.corrected_findings`` and ``agreement``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def _names(xs) -> str:
    return ", ".join(xs) or "none"


def explain_text(e: Mapping) -> str:
    """Why one sentence got its tags: the tagger, the polarity and its cues, each theme with its
    score, cue phrases and threshold, and the themes considered but below their threshold."""
    lines = [
        f"tagger: {e['tagger']}",
        f"polarity: {e['polarity']} ({e['polarity_source']}, score {e['polarity_score']})",
    ]
    lines += [f"  {k} cues: {', '.join(v)}" for k, v in e["polarity_cues"].items()]
    if not e["themes"]:
        lines.append("themes: none")
    for t in e["themes"]:
        cues = ", ".join(f"'{c['text']}' [{c['start']}:{c['end']}]" for c in t["cues"]) or "no cue phrase"
        extra = (
            f"; threshold {t['threshold']}; model words: {', '.join(t.get('model_words', []))}"
            if "threshold" in t
            else ""
        )
        lines.append(f"theme {t['theme']}: score {t['score']} ({t['source']}); cues: {cues}{extra}")
    lines += [
        f"  considered, below threshold: {t['theme']} {t['score']} < {t['threshold']}"
        for t in e["considered"]
    ]
    return "\n".join(lines)


def training_text(rep: Mapping) -> str:
    """What a training run did: sentences and documents, and the cross-validation figures."""
    from ..validate import plural

    syn = f" (incl. {rep['synthetic']} synthetic)" if rep.get("synthetic") else ""
    if rep.get("corrections"):
        syn += f" (incl. {rep['corrections']} corrected by people)"
    lines = [
        f"trained on {plural(rep['examples'], 'sentence')}{syn} "
        f"from {plural(rep['documents'], 'document')} -> {rep['model']}"
    ]
    for k, v in rep.get("cross_validation", {}).items():
        lines.append(
            f"  grouped 5-fold CV, {k:8}: theme micro-F1 {v['theme_micro_f1']:.3f} "
            f"macro-F1 {v['theme_macro_f1']:.3f} "
            f"polarity acc {v['polarity_accuracy']:.3f} macro-F1 {v['polarity_macro_f1']:.3f}"
        )
    return "\n".join(lines)


def corrections_text(rows: Sequence[Mapping]) -> str:
    """The corrected findings: labels now, what the model said, who and when, and the text."""
    lines = []
    for r in rows:
        lines.append(
            f"{r['finding']} {r['visit_id']} [{r['who']} {r['at']}] themes {_names(r['themes'])} "
            f"(model: {_names(r['model_themes'])}); "
            f"polarity {r['polarity']} (model: {r['model_polarity']})"
        )
        lines.append(f"    {r['text']}")
    return "\n".join(lines) if rows else "no corrections stored"


def agreement_text(m: Mapping) -> str:
    """How often people's corrections disagree with the model, per theme and for polarity, and
    the disagreements one by one."""
    n = m["corrected_findings"]
    if not n:
        return "no corrections stored: nothing to compare"
    lines = [
        f"{n} findings checked by a person; {m['findings_disagreeing']} disagree with the model "
        f"(themes differ in {m['theme_disagreement_rate']:.0%}, "
        f"polarity in {m['polarity_disagreement_rate']:.0%})",
        f"\n{'theme':24} {'agreed':>7} {'added':>7} {'removed':>8} {'disagree':>9}",
    ]
    for t, v in m["per_theme"].items():
        lines.append(
            f"{t:24} {v['agreed']:7} {v['added_by_person']:7} {v['removed_by_person']:8} "
            f"{v['disagreement_rate']:9.0%}"
        )
    lines.append("\npolarity (rows: model, columns: person)")
    for k, row in m["polarity_confusion"].items():
        lines.append(f"  {k:9} " + "  ".join(f"{p} {c}" for p, c in row.items()))
    lines.append("\ndisagreements")
    for d in m["disagreements"]:
        lines.append(f"- finding {d['finding']} ({d['visit_id']}; {d['who']} {d['at']}): {d['text']}")
        if d["model_themes"] != d["person_themes"]:
            lines.append(
                f"    themes: model {_names(d['model_themes'])} -> person {_names(d['person_themes'])}"
            )
        if d["model_polarity"] != d["person_polarity"]:
            lines.append(f"    polarity: model {d['model_polarity']} -> person {d['person_polarity']}")
    return "\n".join(lines)
