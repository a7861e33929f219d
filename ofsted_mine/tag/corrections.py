"""Corrections by people: kept apart from the model's tags, applied on top of them.

A correction names a finding by what does not change when the database is re-tagged, the
document re-ingested or the model upgraded: the document's SHA-256, the finding's offsets
in the document's cleaned text, and the SHA-1 of its text (if the reader's offsets drift,
the finding is found again by that hash). Row ids are never used as keys.

Two kinds of correction:

* ``correct`` (``ofsted-mine correct FINDING --add … --remove … --polarity …``): a change
  to some themes and/or the polarity; the model's other tags stand.
* ``set`` (a confirmed review, ``review``'s "confirm"): the person checked the whole
  finding; its themes are exactly those named and its polarity is the one named.

:func:`apply_corrections` writes every correction, oldest first, into the ``tags`` table
(``source = 'person'``, score 1.0) and the finding's polarity (``polarity_source =
'person'``). ``ingest`` and ``tag`` call it after tagging, so every view (quotes, timeline,
track, packs, exports) shows the corrected tags and can say that a person set them; the
``corrections`` table stays the durable record (who, when, what the model said then).
"""

from __future__ import annotations

import getpass
import json
import os
import sqlite3
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..store import corrections as stored
from ..store.tags import finding_themes
from ..store.transaction import write_transaction
from .annotations import sentence_hash
from .taxonomy import POLARITIES

_write = write_transaction  # one write transaction, unless the caller already holds one


class CorrectionError(ValueError):
    """A correction that cannot be made (unknown finding, theme or polarity)."""


def current_user() -> str:
    """Who is correcting: ``$OFSTED_MINE_USER``, else the login name."""
    env = os.environ.get("OFSTED_MINE_USER")
    if env:
        return env
    try:
        return getpass.getuser()
    except Exception:  # no login name (some containers)
        return "unknown"


def _taxonomy_ids(con: sqlite3.Connection, taxonomy=None) -> list[str]:
    from ..store.db import get_setting
    from .taxonomy import load_taxonomy

    if taxonomy is None:
        src = get_setting(con, "taxonomy")
        taxonomy = src if src and src not in ("default", "untagged") and Path(src).exists() else None
    return load_taxonomy(taxonomy).ids


def finding_row(con: sqlite3.Connection, finding_id: int) -> sqlite3.Row:
    """One stored finding with its document's sha256, visit id, council and path;
    :class:`CorrectionError` if there is no such finding."""
    r = stored.finding_row(con, finding_id)
    if r is None:
        raise CorrectionError(
            f"finding {finding_id}: no such finding in this database (see 'ofsted-mine show VISIT')"
        )
    return r


_themes_of = finding_themes  # older name (cli_tags.py imports it until it moves)


def _model_labels(con: sqlite3.Connection, f: sqlite3.Row) -> tuple[list[str], str | None]:
    """What the model said about the finding before any person corrected it."""
    first = stored.first_correction(con, f["sha256"], sentence_hash(f["text"]))
    if first:
        return json.loads(first["model_themes"]), first["model_polarity"]
    return finding_themes(con, f["id"]), f["polarity"]


def correct(
    con: sqlite3.Connection,
    finding_id: int,
    *,
    add: Iterable[str] = (),
    remove: Iterable[str] = (),
    polarity: str | None = None,
    exact: bool = False,
    who: str | None = None,
    note: str | None = None,
    taxonomy=None,
) -> dict:
    """Record a person's correction of one finding and apply it at once.

    ``add``/``remove``: theme ids; ``polarity``: strength, concern, mixed or neutral;
    ``exact=True``: the finding's themes become exactly ``add`` (a confirmed review).
    Returns the finding's themes and polarity after the correction."""
    f = finding_row(con, finding_id)
    ids = _taxonomy_ids(con, taxonomy)
    add, remove = [t.strip() for t in add if t.strip()], [t.strip() for t in remove if t.strip()]
    for t in add + remove:
        if t not in ids:
            raise CorrectionError(f"{t!r}: not a theme of the taxonomy in use (see 'ofsted-mine themes')")
    if set(add) & set(remove):
        raise CorrectionError(f"{', '.join(sorted(set(add) & set(remove)))}: both added and removed")
    if polarity is not None and polarity not in POLARITIES:
        raise CorrectionError(f"{polarity!r}: not a polarity (strength, concern, mixed or neutral)")
    if not (add or remove or polarity or exact):
        raise CorrectionError("nothing to correct: give --add, --remove or --polarity")
    model_themes, model_pol = _model_labels(con, f)
    with _write(con):
        stored.insert_correction(
            con,
            {
                "doc_sha256": f["sha256"],
                "start": f["start"],
                "end": f["end"],
                "text_sha1": sentence_hash(f["text"]),
                "add_themes": json.dumps(add),
                "remove_themes": json.dumps(remove),
                "polarity": polarity,
                "action": "set" if exact else "correct",
                "model_themes": json.dumps(model_themes),
                "model_polarity": model_pol,
                "who": who or current_user(),
                "at": datetime.now(UTC).isoformat(timespec="seconds"),
                "note": note,
            },
        )
        stored.apply_to_tags(con, f["id"], add, remove, polarity, exact)
    return {
        "finding": finding_id,
        "themes": finding_themes(con, finding_id),
        "polarity": stored.finding_polarity(con, finding_id),
        "model_themes": model_themes,
        "model_polarity": model_pol,
    }


def resolve(con: sqlite3.Connection, sha: str, start: int, end: int, text_sha1: str) -> int | None:
    """The finding a correction is about, in the current database (None if its document is not stored)."""
    rows = stored.findings_of_document(con, sha)
    for r in rows:
        if r["start"] == start and r["end"] == end and sentence_hash(r["text"]) == text_sha1:
            return r["id"]
    for r in rows:  # offsets drifted (a newer reader): the same text
        if sentence_hash(r["text"]) == text_sha1:
            return r["id"]
    return None


def apply_corrections(con: sqlite3.Connection, shas: Iterable[str] | None = None) -> dict:
    """Apply stored corrections (all, or those of the documents ``shas``), oldest first.

    Called after tagging (``ingest``, ``tag``). Returns counts: applied, and unmatched
    (a correction whose document is not stored, or whose finding is no longer found)."""
    rows = stored.all_corrections(con)
    if shas is not None:
        keep = set(shas)
        rows = [r for r in rows if r["doc_sha256"] in keep]
    if not rows:
        return {"applied": 0, "unmatched": 0}
    n = miss = 0
    with _write(con):
        for r in rows:
            fid = resolve(con, r["doc_sha256"], r["start"], r["end"], r["text_sha1"])
            if fid is None:
                miss += 1
                continue
            stored.apply_to_tags(
                con,
                fid,
                json.loads(r["add_themes"]),
                json.loads(r["remove_themes"]),
                r["polarity"],
                r["action"] == "set",
            )
            n += 1
    return {"applied": n, "unmatched": miss}


def corrected_findings(con: sqlite3.Connection) -> list[dict]:
    """One row per corrected finding (still stored): its current (corrected) labels, what
    the model said before the first correction, who corrected it and when (latest)."""
    out: list[dict] = []
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    for r in stored.all_corrections(con):
        key = (r["doc_sha256"], r["text_sha1"])
        if key not in seen:
            seen[key] = {"first": r, "last": r, "n": 1}
        else:
            seen[key]["last"] = r
            seen[key]["n"] += 1
    for (sha, h), c in seen.items():
        first, last = c["first"], c["last"]
        fid = resolve(con, sha, last["start"], last["end"], h)
        if fid is None:
            continue
        f = finding_row(con, fid)
        out.append(
            {
                "finding": fid,
                "visit_id": f["visit_id"],
                "la": f["la"],
                "path": f["path"],
                "sha256": sha,
                "start": f["start"],
                "end": f["end"],
                "text_sha1": h,
                "text": f["text"],
                "themes": sorted(finding_themes(con, fid)),
                "polarity": f["polarity"],
                "model_themes": sorted(json.loads(first["model_themes"])),
                "model_polarity": first["model_polarity"],
                "who": last["who"],
                "at": last["at"],
                "corrections": c["n"],
            }
        )
    return out


def export_corrections(
    con: sqlite3.Connection, out: str | Path, reports_root: str | Path | None = None
) -> int:
    """Write the corrected findings as training annotations (one JSON line each), by
    reference to their document as the other labels are: ``{"id", "ref": {"report",
    "start", "end", "sha1"}, "themes", "polarity", "annotator", "correction": true}``.
    ``report`` is relative to ``reports_root`` when the document lies under it (as
    ``train --shared`` expects), else the document's path. No sentence text is written."""
    root = Path(reports_root).resolve() if reports_root else None
    rows = corrected_findings(con)
    with open(out, "w", encoding="utf-8") as fh:
        for r in rows:
            p = Path(r["path"])
            rep = str(p)
            if root is not None:
                try:
                    rep = str(p.resolve().relative_to(root))
                except ValueError:
                    pass
            fh.write(
                json.dumps(
                    {
                        "id": f"corr-{r['sha256'][:12]}-{r['start']}",
                        "ref": {"report": rep, "start": r["start"], "end": r["end"], "sha1": r["text_sha1"]},
                        "themes": r["themes"],
                        "polarity": r["polarity"],
                        "annotator": r["who"],
                        "at": r["at"],
                        "correction": True,
                    },
                    ensure_ascii=False,
                )
                + "\n"
            )
    return len(rows)


def agreement(con: sqlite3.Connection, taxonomy=None) -> dict:
    """How often people's corrections disagree with the model: per theme (of the corrected
    findings, how many the model got right / added wrongly / missed) and for polarity, with
    the list of disagreements."""
    rows = corrected_findings(con)
    ids = _taxonomy_ids(con, taxonomy)
    per = {}
    for t in ids:
        model_only = sum(1 for r in rows if t in r["model_themes"] and t not in r["themes"])
        person_only = sum(1 for r in rows if t not in r["model_themes"] and t in r["themes"])
        both = sum(1 for r in rows if t in r["model_themes"] and t in r["themes"])
        if model_only or person_only or both:
            per[t] = {
                "agreed": both,
                "removed_by_person": model_only,
                "added_by_person": person_only,
                "disagreement_rate": round((model_only + person_only) / (model_only + person_only + both), 3),
            }
    pol_agree = sum(1 for r in rows if r["model_polarity"] == r["polarity"])
    confusion: dict = {}
    for r in rows:
        confusion.setdefault(r["model_polarity"] or "none", {}).setdefault(r["polarity"], 0)
        confusion[r["model_polarity"] or "none"][r["polarity"]] += 1
    dis = [
        {
            "finding": r["finding"],
            "visit_id": r["visit_id"],
            "text": r["text"],
            "who": r["who"],
            "at": r["at"],
            "model_themes": r["model_themes"],
            "person_themes": r["themes"],
            "model_polarity": r["model_polarity"],
            "person_polarity": r["polarity"],
        }
        for r in rows
        if r["model_themes"] != r["themes"] or r["model_polarity"] != r["polarity"]
    ]
    n = len(rows)
    return {
        "corrected_findings": n,
        "findings_disagreeing": len(dis),
        "theme_disagreement_rate": round(sum(1 for r in rows if r["model_themes"] != r["themes"]) / n, 3)
        if n
        else None,
        "polarity_agreement": round(pol_agree / n, 3) if n else None,
        "polarity_disagreement_rate": round(1 - pol_agree / n, 3) if n else None,
        "per_theme": per,
        "polarity_confusion": confusion,
        "disagreements": dis,
    }


def confirm(
    con: sqlite3.Connection,
    finding_id: int,
    *,
    add: Iterable[str] = (),
    remove: Iterable[str] = (),
    polarity: str | None = None,
    who: str | None = None,
    note: str | None = None,
) -> dict:
    """A person confirms a finding's tags (``ofsted-mine correct --confirm``): its current themes,
    less ``remove``, plus ``add``, become exactly its themes (:func:`correct` with ``exact``)."""
    finding_row(con, finding_id)  # a finding not stored is one line (CorrectionError)
    gone = {t.strip() for t in remove}
    cur = [t for t in finding_themes(con, finding_id) if t not in gone]
    themes = cur + [t for t in add if t not in cur]
    return correct(con, finding_id, add=themes, polarity=polarity, exact=True, who=who, note=note)
