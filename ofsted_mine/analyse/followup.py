"""Recommendation follow-up: each "what needs to improve" / "areas for priority action" item
of an inspection or focused visit, linked to the evidence about it in every later visit.

An item's evidence in a later visit = findings that share one of the item's themes and are
similar in wording (TF-IDF cosine similarity, scikit-learn), best first. The verdict per
item x visit: ``improved`` (the evidence is mostly strengths), ``still a concern`` (mostly
concerns), ``mixed``, or ``not examined`` (no finding shares a theme and passes the
similarity floor).
"""
from __future__ import annotations

import sqlite3
from typing import Optional

from .timeline import _NOT_FINDING_SQL, _council, _quote_dict, visit_label

REC_SECTIONS = ("what_needs_to_improve", "priority_action")


def followup(con: sqlite3.Connection, la: str, *, min_similarity: float = 0.08, evidence: int = 3,
             since: Optional[str] = None) -> dict:
    c = _council(la, con)
    docs = con.execute(
        """SELECT id, visit_id, kind, COALESCE(start_date, published) AS date, visit_number FROM documents
           WHERE la_urn = ? AND kind IN ('inspection', 'monitoring_visit', 'focused_visit')
           ORDER BY COALESCE(start_date, published), id""", (c.urn,)).fetchall()
    if since:
        docs = [d for d in docs if (d["date"] or "") >= since]
    items = []
    for d in docs:
        if d["kind"] not in ("inspection", "focused_visit"):
            continue
        for r in con.execute(f"""SELECT f.id, f.text, f.section, f.section_kind FROM findings f WHERE f.doc_id = ?
                                 AND f.section_kind IN ({','.join('?' * len(REC_SECTIONS))}) ORDER BY f.seq""",
                             (d["id"], *REC_SECTIONS)):
            themes = [t[0] for t in con.execute("SELECT theme FROM tags WHERE finding_id = ? ORDER BY score DESC", (r["id"],))]
            items.append({"id": r["id"], "text": r["text"], "visit_id": d["visit_id"], "date": d["date"], "doc_id": d["id"],
                          "section": r["section"], "themes": themes, "cells": {}})
    later_visits = []
    if items:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.metrics.pairwise import cosine_similarity
        first_date = min(i["date"] or "" for i in items)
        later = [d for d in docs if (d["date"] or "") > first_date]
        later_visits = [{"id": d["visit_id"], "label": visit_label(d["kind"], d["visit_number"], d["date"]), "date": d["date"]}
                        for d in later]
        if later:
            rows = con.execute(
                f"""SELECT f.id, f.doc_id, f.text, f.page, f.paragraph, f.section, f.polarity, 0.0 AS score, d.la, d.kind, d.visit_id,
                           COALESCE(d.start_date, d.published) AS date, d.path,
                           (SELECT group_concat(theme) FROM tags t WHERE t.finding_id = f.id) AS themes
                    FROM findings f JOIN documents d ON d.id = f.doc_id
                    WHERE f.doc_id IN ({','.join('?' * len(later))})
                      AND f.section_kind NOT IN {_NOT_FINDING_SQL}""",
                [d["id"] for d in later]).fetchall()
            vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, stop_words="english")
            vec.fit([r["text"] for r in rows] + [i["text"] for i in items])
            F = vec.transform([r["text"] for r in rows])
            S = cosine_similarity(vec.transform([i["text"] for i in items]), F)
            by_doc: dict = {}
            for j, r in enumerate(rows):
                by_doc.setdefault(r["doc_id"], []).append((j, r, set((r["themes"] or "").split(","))))
            for k, item in enumerate(items):
                item_themes = set(item["themes"])
                for d in later:
                    if (d["date"] or "") <= (item["date"] or ""):
                        continue
                    cands = []
                    for j, r, r_themes in by_doc.get(d["id"], []):
                        shared = r_themes & item_themes
                        sim = float(S[k, j])
                        if (shared and sim >= min_similarity) or sim >= 0.35:
                            cands.append((sim + 0.1 * len(shared), sim, r))
                    cands.sort(key=lambda x: -x[0])
                    ev = [_quote_dict(r) | {"similarity": round(sim, 3)} for _, sim, r in cands[:evidence]]
                    item["cells"][d["visit_id"]] = {"verdict": _verdict([e["polarity"] for e in ev]), "evidence": ev}
    for i in items:
        i.pop("doc_id", None)
    return {"la": c.name, "items": items, "visits": later_visits}


def _verdict(pols: list[str]) -> str:
    if not pols:
        return "not examined"
    c = sum(1 for p in pols if p == "concern") + 0.5 * sum(1 for p in pols if p == "mixed")
    s = sum(1 for p in pols if p == "strength") + 0.5 * sum(1 for p in pols if p == "mixed")
    if c == 0 and s == 0:
        return "not examined"
    share = c / (c + s)
    return "still a concern" if share >= 0.6 else ("improved" if share <= 0.34 else "mixed")
