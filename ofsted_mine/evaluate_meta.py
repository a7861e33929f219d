"""Field-by-field comparison of extracted metadata with a verified CSV (used by bench and tests)."""

from __future__ import annotations

import csv
import re
from datetime import datetime
from typing import Any

FIELDS = [
    "readable",
    "framework",
    "la_name",
    "start_date",
    "end_date",
    "lead_inspector",
    "overall",
    "leaders",
    "help_protection",
    "in_care",
    "care_leavers",
    "adoption",
]
GRADE_FIELDS = ["overall", "leaders", "help_protection", "in_care", "care_leavers", "adoption"]


def load_verified(path) -> dict[tuple[str, str], dict]:
    """Read the verified metadata CSV: one row per report, keyed by (folder, PDF file name)."""
    with open(path, encoding="utf-8-sig") as f:
        return {(r["folder"], r["pdf_filename"]): r for r in csv.DictReader(f)}


def _peer_date(s: str) -> str:
    for fmt in ("%d/%m/%Y", "%d/%m/%y"):
        try:
            return datetime.strptime(s, fmt).date().isoformat()
        except ValueError:
            pass
    return ""


def _peer_value(r: dict, k: str) -> str:
    """A field of the peer tool's CSV, or "" where it says it has no value (its own markers)."""
    v = r.get(k, "")
    if v in ("", "data_unreadable", "inspection_pre_dates_judgement") or v.startswith("inspection_"):
        return ""
    return r[k]


def load_peer(path) -> dict[tuple[str, str], dict]:
    """Read a peer tool's extraction CSV into the verified CSV's fields, keyed by (URN, file name)."""
    out = {}
    with open(path, encoding="utf-8-sig") as f:
        for r in csv.DictReader(f):
            # the peer tool's folder key is "<urn>_<la>"; match on urn + file name
            fw = r.get("inspection_framework", "")
            out[(r["urn"], r["pdf_filename"])] = {
                "readable": "yes" if fw != "data_unreadable" else "",
                "framework": "ilacs" if fw in ("short", "standard") else "",
                "la_name": "",
                "start_date": _peer_date(r.get("inspection_start_date", "")),
                "end_date": _peer_date(r.get("inspection_end_date", "")),
                "lead_inspector": _peer_value(r, "inspector_name"),
                "overall": _peer_value(r, "overall_effectiveness_grade"),
                "leaders": _peer_value(r, "impact_of_leaders_grade"),
                "help_protection": _peer_value(r, "help_and_protection_grade"),
                "in_care": _peer_value(r, "in_care_grade"),
                "care_leavers": _peer_value(r, "care_leavers_grade"),
                "adoption": "",
            }
    return out


def extract_row(path: str) -> dict:
    """Run read + parse on one file and return the fields of the verified CSV."""
    from .model import ReadError
    from .parse import parse
    from .read import read_file

    try:
        doc = parse(read_file(path))
    except ReadError as e:
        return {"readable": "no", "error": str(e)}
    v = doc.visit
    row = {
        "readable": "yes",
        "framework": v.framework or "",
        "la_name": v.la_name or "",
        "start_date": v.start_date.isoformat() if v.start_date else "",
        "end_date": v.end_date.isoformat() if v.end_date else "",
        "lead_inspector": v.lead_inspector or "",
        "kind": v.kind,
        "la": v.la or "",
    }
    for g in GRADE_FIELDS:
        val = v.judgements.get(g, "")
        row[g] = "" if val == "not judged" else val
    return row


def _norm(field: str, s: str) -> str:
    s = re.sub(r"\s+", " ", (s or "").strip()).lower().replace("’", "'")
    return s


def compare_rows(truth: dict, rows: dict) -> tuple[dict, list[str]]:
    """Compare extracted rows with the truth field by field.

    Returns per-field counts (right, wrong, missing, covered; plus ``_n`` readable reports,
    ``_unreadable`` and ``_unreadable_ok``) and one line per disagreement.
    """
    stats: dict[str, Any] = {f: {"right": 0, "wrong": 0, "missing": 0, "covered": 0} for f in FIELDS}
    stats["_n"] = 0
    stats["_unreadable"] = stats["_unreadable_ok"] = 0
    dis = []
    for key, t in truth.items():
        folder, fn = key
        r = rows.get(key) or rows.get((folder.split("_")[0], fn)) or {}
        if t["readable"] != "yes":
            stats["_unreadable"] += 1
            stats["_unreadable_ok"] += r.get("readable") == "no"
            continue
        stats["_n"] += 1
        for f in FIELDS:
            tv, rv = _norm(f, t[f]), _norm(f, r.get(f, ""))
            if rv:
                stats[f]["covered"] += 1
            if tv == rv:
                stats[f]["right"] += 1
            elif not rv:
                stats[f]["missing"] += 1
                dis.append(f"{folder}/{fn}: {f}: expected {t[f]!r}, got nothing")
            else:
                stats[f]["wrong"] += 1
                dis.append(f"{folder}/{fn}: {f}: expected {t[f]!r}, got {r.get(f)!r}")
    return stats, dis
