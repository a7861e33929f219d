"""Scoring extracted recommendations against a verified list (used by bench and tests).

The verified file (``recommendations-verified.jsonl``) has one line per report: ``folder``,
``pdf_filename``, ``framework``, ``items`` (the council's: ``text``, ``group``, ``tail``) and
``lscb_items`` (``text``, ``group``).

Matching: an extracted item matches a verified item of the same report and addressee when
their texts are equal after :func:`normalise` (Unicode NFKC; curly quotes, dashes and every
other character that is not a letter or digit become a space; lower case; runs of spaces
collapse). So differences of punctuation, quotes, spacing, line breaks and of how sub-bullets
were joined (": " / "; ") do not count; a missing or extra word does. Each verified item
matches at most one extracted item. Precision = matched / extracted, recall = matched /
verified; group and tail accuracy are over the matched council items (tails compared after
:func:`normalise` too; ``None`` equals ``None``).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path


def normalise(text: str | None) -> str:
    """Text with spaces, quotes and dashes normalised (for comparing extracted and verified items)."""
    if not text:
        return ""
    t = unicodedata.normalize("NFKC", text).lower()
    t = re.sub(r"[^0-9a-z]+", " ", t)
    return t.strip()


def strict(text: str | None) -> str:
    """Only whitespace and quote/dash forms normalised (a stricter view, reported alongside)."""
    t = unicodedata.normalize("NFKC", text or "")
    forms: dict[str, str | int | None] = {"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-"}
    t = t.translate(str.maketrans(forms))
    return " ".join(t.split())


def load_truth(path) -> dict[tuple[str, str], dict]:
    """The verified recommendations (JSON lines), keyed by (folder, file name)."""
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                r = json.loads(line)
                out[(r["folder"], r["pdf_filename"])] = r
    return out


def _counts() -> dict:
    return {"extracted": 0, "verified": 0, "matched": 0}


def _pr(c: dict) -> dict:
    p = c["matched"] / c["extracted"] if c["extracted"] else 1.0
    r = c["matched"] / c["verified"] if c["verified"] else 1.0
    return {**c, "precision": round(p, 4), "recall": round(r, 4)}


def score(truth: dict[tuple[str, str], dict], extracted: dict[tuple[str, str], list[dict]]) -> dict:
    """Compare ``extracted[(folder, file)]`` (dicts with ``text``, ``group``, ``tail``, ``addressee``)
    with the verified items of the same reports (only reports present in both are scored
    against each other; a verified report missing from ``extracted`` counts all its items as
    missed). Returns overall / per framework / per group counts, precision and recall, group
    and tail accuracy, and the lists of misses and extras."""
    by: dict[str, dict] = defaultdict(_counts)
    groups: dict[str, dict] = defaultdict(_counts)
    misses, extras = [], []
    group_right = group_n = tail_right = tail_n = strict_right = 0
    wrong_group, wrong_tail = [], []
    for key, t in truth.items():
        if t.get("readable") == "no":
            continue
        fw = t.get("framework") or "other"
        got = extracted.get(key, [])
        for who, verified in (("council", t.get("items", [])), ("lscb", t.get("lscb_items", []))):
            mine = [g for g in got if g.get("addressee", "council") == who]
            pool: dict[str, list[dict]] = defaultdict(list)
            for g in mine:
                pool[normalise(g["text"])].append(g)
            for cat in ((who, "all"), (who, fw)):
                by["/".join(cat)]["verified"] += len(verified)
                by["/".join(cat)]["extracted"] += len(mine)
            for v in verified:
                gname = f"{who}/{v.get('group') or '(none)'}"
                groups[gname]["verified"] += 1
                hit = pool.get(normalise(v["text"]))
                if hit:
                    g = hit.pop(0)
                    for cat in ((who, "all"), (who, fw)):
                        by["/".join(cat)]["matched"] += 1
                    groups[gname]["matched"] += 1
                    groups[gname]["extracted"] += 1
                    strict_right += strict(g["text"]) == strict(v["text"])
                    if who == "council":
                        group_n += 1
                        tail_n += 1
                        if (g.get("group") or None) == (v.get("group") or None):
                            group_right += 1
                        else:
                            wrong_group.append((key, v["text"][:60], v.get("group"), g.get("group")))
                        if normalise(g.get("tail")) == normalise(v.get("tail")):
                            tail_right += 1
                        else:
                            wrong_tail.append((key, v["text"][:60], v.get("tail"), g.get("tail")))
                else:
                    misses.append((key, who, v.get("group"), v["text"]))
            for rest in pool.values():
                for g in rest:
                    extras.append((key, who, g.get("group"), g["text"]))
                    groups[f"{who}/{g.get('group') or '(none)'}"]["extracted"] += 1
    return {
        "by": {k: _pr(v) for k, v in sorted(by.items())},
        "groups": {k: _pr(v) for k, v in sorted(groups.items())},
        "group_accuracy": round(group_right / group_n, 4) if group_n else 1.0,
        "tail_accuracy": round(tail_right / tail_n, 4) if tail_n else 1.0,
        "strict_matches": strict_right,
        "misses": misses,
        "extras": extras,
        "wrong_group": wrong_group,
        "wrong_tail": wrong_tail,
    }


def extracted_from_db(con, reports_root) -> dict[tuple[str, str], list[dict]]:
    """The stored recommendations of every document under ``reports_root``, keyed like the truth."""
    root = Path(reports_root).resolve()
    out: dict[tuple[str, str], list[dict]] = {}
    from .store.recommendations import recommendations_by_path

    rows = recommendations_by_path(con)
    for path, text, grp, tail, who in rows:
        p = Path(path)
        try:
            rel = p.resolve().relative_to(root)
        except ValueError:
            continue
        key = (rel.parts[0], rel.parts[-1]) if len(rel.parts) >= 2 else ("", rel.parts[-1])
        lst = out.setdefault(key, [])
        if text is not None:
            lst.append({"text": text, "group": grp, "tail": tail, "addressee": who})
    return out


def format_report(res: dict, *, misses: int = 40) -> Iterable[str]:
    """Lines to print: P/R overall, per framework and per group; accuracies; misses and extras."""
    yield f"{'set':32} {'verified':>8} {'extracted':>9} {'matched':>7} {'P':>6} {'R':>6}"
    for name, c in list(res["by"].items()) + [("-- groups --", None)] + list(res["groups"].items()):
        if c is None:
            yield name
            continue
        counts = f"{c['verified']:8d} {c['extracted']:9d} {c['matched']:7d}"
        yield f"{name:32} {counts} {c['precision']:6.3f} {c['recall']:6.3f}"
    yield f"group accuracy (matched council items): {res['group_accuracy']:.3f}"
    yield f"tail accuracy (matched council items):  {res['tail_accuracy']:.3f}"
    matched = sum(c["matched"] for k, c in res["by"].items() if k.endswith("/all"))
    yield (
        f"matched items whose text is also equal with only spaces, quotes and dashes normalised: "
        f"{res['strict_matches']} of {matched}"
    )
    for title, rows in (("missed", res["misses"]), ("extra", res["extras"])):
        yield f"{len(rows)} {title}:"
        for key, who, grp, text in rows[:misses]:
            yield f"  {title[:4]} [{who}/{grp}] {key[0]}/{key[1]}: {text[:110]}"
    for title, rows in (("wrong group", res["wrong_group"]), ("wrong tail", res["wrong_tail"])):
        if rows:
            yield f"{len(rows)} {title}:"
            for key, text, want, got in rows[:misses]:
                yield f"  {key[0]}/{key[1]}: {text!r}: verified {want!r}, got {got!r}"
