"""Review: the findings the tagger is least sure of, one at a time, corrected from the keyboard.

:func:`review_queue` ranks a council's findings by how unsure the tagger is of them (a theme
score near its threshold, a cue phrase the model overruled, two polarities close) and says
why; :func:`run_review` walks the queue reading commands from a stream (stdin in the CLI,
a string in tests) and stores each correction with :func:`corrections.correct`.
"""

from __future__ import annotations

import sqlite3
from typing import IO

import numpy as np

from .annotations import sentence_hash
from .corrections import CorrectionError, correct, current_user
from .tagger import SKIP_SECTIONS, Tagger

HELP = (
    "commands: a THEME (add)  r THEME (remove)  p POLARITY (set polarity)  c (confirm and save)  "
    "s (skip)  q (quit)  ? (help)"
)


def review_queue(
    con: sqlite3.Connection,
    la: str | None,
    *,
    theme: str | None = None,
    visit: str | None = None,
    limit: int = 20,
    tagger: Tagger | None = None,
) -> list[dict]:
    """The ``limit`` findings of council ``la`` (optionally one visit, or findings tagged with
    or close to ``theme``) the tagger is least sure of, most unsure first, each with the
    reasons. Findings a person has already corrected are left out."""
    from ..store.corrections import corrected_keys, findings_to_review
    from ..store.search import document_filters
    from ..store.tags import tag_rows

    where, args = document_filters(la=la, alias="d")
    if visit:
        where.append("d.visit_id = ?")
        args.append(visit)
    where.append("d.kind NOT IN ('council_paper', 'unknown')")
    rows = findings_to_review(con, where, args)
    rows = [r for r in rows if r["section_kind"] not in SKIP_SECTIONS]
    done = corrected_keys(con)
    rows = [r for r in rows if (r["sha256"], sentence_hash(r["text"])) not in done]
    if not rows:
        return []
    tg = tagger or Tagger()
    texts = [r["text"] for r in rows]
    hits = tg.matcher.match_many(texts)
    stored: dict = {}
    for fid, t, score, source in tag_rows(con, [r["id"] for r in rows]):
        stored.setdefault(fid, []).append({"theme": t, "score": round(score, 3), "source": source})
    model = tg.model
    P = Q = None
    thresholds = model.thresholds if model is not None else {}
    pol_classes: list[str] = []
    if model is not None:  # the scores the stored tags came from (with their context)
        from .context import doc_key

        P, Q, thresholds, pol_classes = tg.scores(
            texts,
            hits,
            [r["section_kind"] for r in rows],
            [r["section"] or "" for r in rows],
            _prev_in_section(rows),
            [doc_key(r["kind"], r["framework"]) for r in rows],
        )
    out = []
    for i, r in enumerate(rows):
        reasons: list[str] = []
        unsure = 0.0
        tagged = {t["theme"] for t in stored.get(r["id"], [])}
        if P is not None and Q is not None:
            reasons, unsure = _theme_reasons(P[i], tg, thresholds, hits[i].themes, tagged)
            close = _polarity_close(Q[i], pol_classes)
            if close:
                reasons.append(close[0])
                unsure = max(unsure, close[1])
        if theme:
            considered = (
                theme in tagged
                or theme in hits[i].themes
                or (
                    P is not None
                    and model is not None
                    and theme in model.theme_ids
                    and float(P[i][model.theme_ids.index(theme)]) >= 0.2
                )
            )
            if not considered:
                continue
        if not reasons:
            continue
        out.append(
            {
                "finding": r["id"],
                "text": r["text"],
                "section": r["section"],
                "polarity": r["polarity"],
                "tags": stored.get(r["id"], []),
                "reasons": reasons,
                "unsure": round(unsure, 3),
            }
        )
    out.sort(key=lambda d: -d["unsure"])
    return out[:limit]


def paragraph_of(con: sqlite3.Connection, finding_id: int) -> list[tuple[int, str]]:
    """The findings of the paragraph holding ``finding_id`` (id, text), in order."""
    from ..store.corrections import paragraph_findings

    return paragraph_findings(con, finding_id, 6)


def _pick_theme(word: str, ids: list[str]) -> str | None:
    word = word.strip().lower()
    if word in ids:
        return word
    found = [t for t in ids if t.startswith(word)]
    return found[0] if len(found) == 1 else None


def _theme_reasons(
    p_row: np.ndarray, tg: Tagger, thresholds: dict, cue_hits: dict, tagged: set
) -> tuple[list[str], float]:
    """Why a finding's themes are unsure (a score near its threshold, a cue phrase the model
    overruled), and how unsure (0-1)."""
    assert tg.model is not None
    reasons: list[str] = []
    near, unsure = [], 0.0
    for j, t in enumerate(tg.model.theme_ids):
        if t not in tg._model_themes:
            continue
        thr = thresholds.get(t, 0.5)
        p = float(p_row[j])
        gap = abs(p - thr)
        if gap < 0.1:
            near.append((gap, t, p, thr))
            unsure = max(unsure, 1.0 - gap / 0.1)
        cues = [c[0] for c in cue_hits.get(t, ())]
        if cues and t not in tagged:
            reasons.append(
                f"cue {', '.join(repr(c) for c in cues[:2])} suggests {t}, but the model gives "
                f"{p:.2f} < threshold {thr:.2f}"
            )
            unsure = max(unsure, 0.7)
    for _gap, t, p, thr in sorted(near)[:3]:
        reasons.append(f"{t} score {p:.2f} is near its threshold {thr:.2f}")
    return reasons, unsure


def _polarity_close(q: np.ndarray, classes: list[str]) -> tuple[str, float] | None:
    """(reason, how unsure) when the two likeliest polarities are within 0.25, else None."""
    order = np.argsort(-q)
    gap = float(q[order[0]] - q[order[1]])
    if gap >= 0.25:
        return None
    reason = f"polarity close: {classes[order[0]]} {q[order[0]]:.2f} vs {classes[order[1]]} {q[order[1]]:.2f}"
    return reason, 1.0 - gap / 0.25


def _show(con: sqlite3.Connection, item: dict, counter: str, polarity: str, w) -> None:
    """Print one finding of the review queue: its paragraph, its tags and why it is shown."""
    w(f"\n{counter} finding {item['finding']}  ({item['section']})\n")
    for fid, text in paragraph_of(con, item["finding"]):
        w((">> " if fid == item["finding"] else "   ") + text + "\n")
    w(
        "tags: "
        + (", ".join(f"{t['theme']} {t['score']:.2f} ({t['source']})" for t in item["tags"]) or "none")
        + f"; polarity: {polarity}\n"
    )
    for reason in item["reasons"]:
        w(f"  why unsure: {reason}\n")


def _prev_in_section(rows: list) -> list[int | None]:
    """For each row, the index of the finding just before it in the same section, or None."""
    return [
        k - 1
        if k > 0
        and rows[k - 1]["doc_id"] == r["doc_id"]
        and rows[k - 1]["section"] == r["section"]
        and rows[k - 1]["seq"] == r["seq"] - 1
        else None
        for k, r in enumerate(rows)
    ]


def run_review(
    con: sqlite3.Connection,
    queue: list[dict],
    inp: IO[str],
    out: IO[str],
    *,
    who: str | None = None,
    theme_ids: list[str] | None = None,
) -> dict:
    """Walk ``queue`` reading one command per line from ``inp`` (see ``HELP``), writing
    prompts to ``out``. "c" stores the finding as checked (its themes and polarity as
    edited, exactly); "s" skips; "q" or the end of input stops. Returns counts."""
    from ..store.db import get_setting
    from .taxonomy import POLARITIES, load_taxonomy

    if theme_ids is None:
        src = get_setting(con, "taxonomy")
        from pathlib import Path

        theme_ids = load_taxonomy(src if src and Path(src).exists() else None).ids
    who = who or current_user()
    stats = {"shown": 0, "saved": 0, "skipped": 0}
    w = out.write
    w(HELP + "\n")
    for n, item in enumerate(queue, 1):
        stats["shown"] += 1
        themes = [t["theme"] for t in item["tags"]]
        polarity = item["polarity"] or "neutral"
        _show(con, item, f"[{n}/{len(queue)}]", polarity, w)
        while True:
            w(f"now: themes [{', '.join(themes) or 'none'}], polarity {polarity} > ")
            line = inp.readline()
            if not line:
                w("\n")
                return stats
            cmd, _, arg = line.strip().partition(" ")
            cmd = cmd.lower()
            if cmd in ("a", "add", "r", "remove"):
                t = _pick_theme(arg, theme_ids)
                if not t:
                    w(f"  unknown theme {arg!r}; themes: {', '.join(theme_ids)}\n")
                elif cmd.startswith("a") and t not in themes:
                    themes.append(t)
                elif cmd.startswith("r") and t in themes:
                    themes.remove(t)
            elif cmd in ("p", "polarity"):
                if arg.strip().lower() in POLARITIES:
                    polarity = arg.strip().lower()
                else:
                    w(f"  polarity is one of: {', '.join(POLARITIES)}\n")
            elif cmd in ("c", "confirm", "y"):
                try:
                    correct(con, item["finding"], add=themes, polarity=polarity, exact=True, who=who)
                except CorrectionError as e:
                    w(f"  not saved: {e}\n")
                    continue
                stats["saved"] += 1
                w("  saved\n")
                break
            elif cmd in ("s", "skip", "n", ""):
                stats["skipped"] += 1
                break
            elif cmd in ("q", "quit"):
                return stats
            else:
                w(HELP + "\n")
    return stats
