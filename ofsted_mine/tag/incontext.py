"""Measure what the user sees: the tags *stored at ingest*, scored against a gold file.

``evaluate GOLD.jsonl`` classifies each gold sentence alone. What a user reads, though, is
what ``ingest`` stored: the document is parsed into sections and findings, and each finding
is tagged with its context (section, the sentence before, the document's kind). This module
ingests the reports a gold file names into a scratch database, finds the stored finding
that holds each gold sentence, and scores the stored themes and polarity. A gold sentence
in boilerplate that is not a finding (letter header, back matter, a heading) counts as
``neutral`` with no theme; so does one that cannot be found (counted as ``not_found``).
"""

from __future__ import annotations

import json
import re
import sqlite3
import tempfile
from pathlib import Path

from .evaluate import score

_WS = re.compile(r"\s+")
_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\u00ad": None})


def norm(text: str) -> str:
    """Text compared for matching: quotes and dashes unified, whitespace collapsed, lower case."""
    return _WS.sub(" ", text.translate(_QUOTES)).strip().lower()


def _norm_map(text: str) -> tuple[str, list[int]]:
    """``norm(text)`` and, for each of its characters, the offset in ``text`` it came from."""
    out, where, space = [], [], True
    for i, ch in enumerate(text):
        ch = ch.translate(_QUOTES)
        if not ch:
            continue
        if ch.isspace():
            if not space:
                out.append(" ")
                where.append(i)
            space = True
            continue
        space = False
        out.append(ch.lower())
        where.append(i)
    return "".join(out), where


_LOCATE_CACHE: dict = {}  # the last document's normalised text (gold lines come report by report)


def locate(doc_text: str, sentence: str) -> tuple[int, int] | None:
    """Character span of ``sentence`` in ``doc_text`` (whitespace, quotes, case ignored), or None."""
    _cache = _LOCATE_CACHE
    key = id(doc_text)
    hit = _cache.get(key)
    if hit is None or hit[0] is not doc_text:
        _cache.clear()
        hit = _cache[key] = (doc_text,) + _norm_map(doc_text)
    _, n, where = hit
    s = norm(sentence)
    i = n.find(s)
    if i >= 0:
        return where[i], where[i + len(s) - 1] + 1
    # a page header or footer inside the sentence: its first or its last 60 characters
    if len(s) > 80:
        head, tail = s[:60], s[-60:]
        i = n.find(head)
        if i >= 0:
            return where[i], where[i + len(head) - 1] + 1
        i = n.find(tail)
        if i >= 0:
            return where[i], where[i + len(tail) - 1] + 1
    return None


def stored_labels(
    con: sqlite3.Connection, doc_id: int, span: tuple[int, int] | None
) -> tuple[dict, int | None]:
    """Themes and polarity stored for the finding holding ``span`` (largest overlap), and its id."""
    none = {"themes": [], "polarity": "neutral"}
    if span is None:
        return none, None
    a, z = span
    from ..store.tags import findings_overlapping, themes_of

    rows = findings_overlapping(con, doc_id, a, z)
    if not rows:
        return none, None
    best = max(rows, key=lambda r: min(z, r["end"]) - max(a, r["start"]))
    themes = themes_of(con, best["id"])
    return {"themes": themes, "polarity": best["polarity"] or "neutral"}, best["id"]


def evaluate_in_context(
    gold: list[dict],
    reports_root: str | Path,
    *,
    db: str | Path | None = None,
    taxonomy=None,
    model="default",
    workers: int | None = None,
) -> dict:
    """Ingest the gold file's reports into ``db`` (default: a scratch database, deleted
    afterwards), then score the stored tags of the findings holding the gold sentences.

    Returns the usual scores (:func:`ofsted_mine.tag.evaluate.score`) plus ``found`` (gold
    sentences located in a stored finding), ``not_finding`` (located, but in text that is
    not a finding), ``not_found`` and ``missing_reports``; ``rows`` lists, per gold line, its
    id, the stored finding id and the stored labels."""
    from ..api import ingest
    from .taxonomy import load_taxonomy

    root = Path(reports_root)
    reports = sorted({g["report"] for g in gold})
    present = [r for r in reports if (root / r).is_file()]
    tmp = None
    if db is None:
        tmp = tempfile.TemporaryDirectory(prefix="ofsted-mine-incontext-")
        db = Path(tmp.name) / "scratch.db"
    try:
        res = ingest([str(root / r) for r in present], db, taxonomy=taxonomy, model=model, workers=workers)
        from ..store.db import open_db
        from ..store.visits import document_text_of_visit

        con = open_db(db)
        try:
            by_path = {}
            for r in present:
                vid = res.visit_ids.get(str((root / r).resolve()))
                if vid:
                    by_path[r] = document_text_of_visit(con, vid)
            pred, rows = [], []
            counts = {"found": 0, "not_finding": 0, "not_found": 0}
            for g in gold:
                doc = by_path.get(g["report"])
                span = locate(doc[1], g["text"]) if doc else None
                labels, fid = (
                    stored_labels(con, doc[0], span) if doc else ({"themes": [], "polarity": "neutral"}, None)
                )
                counts["found" if fid else ("not_finding" if span else "not_found")] += 1
                pred.append(labels)
                rows.append(
                    {
                        "id": g.get("id"),
                        "finding_id": fid,
                        **labels,
                        "gold_themes": g["themes"],
                        "gold_polarity": g["polarity"],
                    }
                )
        finally:
            con.close()
    finally:
        if tmp is not None:
            tmp.cleanup()
    tax = load_taxonomy(taxonomy)
    m = score(gold, pred, tax.ids)
    m.update(counts)
    m["missing_reports"] = [r for r in reports if r not in present]
    m["failed_reports"] = [p for p, _ in res.failed]
    m["rows"] = rows
    return m


def format_in_context(m: dict, title: str = "") -> str:
    """The in-context evaluation as text: the scores, how many gold sentences were found, and the
    same sentences' scores tagged alone."""
    from .evaluate import format_report

    head = (
        f"in context: {m['found']} gold sentences found in a stored finding, {m['not_finding']} in text "
        f"that is not a finding (scored neutral, no theme), {m['not_found']} not found"
    )
    if m.get("missing_reports"):
        head += f"; {len(m['missing_reports'])} reports missing"
    if m.get("alone"):
        a = m["alone"]
        head += (
            f"\nthe same sentences tagged alone: theme micro-F1 {a['theme_micro_f1']:.3f}   macro-F1 "
            f"{a['theme_macro_f1']:.3f}   polarity accuracy {a['polarity_accuracy']:.3f}   macro-F1 "
            f"{a['polarity_macro_f1']:.3f}"
        )
    return format_report(m, title) + "\n" + head


def write_rows(m: dict, path: str | Path) -> None:
    """Write each gold sentence's stored and gold labels as JSON lines (to inspect the misses)."""
    with open(path, "w", encoding="utf-8") as f:
        for r in m["rows"]:
            f.write(json.dumps(r) + "\n")
