"""Labelled sentences for training: JSONL with text, or references into real reports.

A line is either ``{"id", "text", "themes", "polarity"}`` or, for sentences of the real
Ofsted reports (whose text is never copied into this repository),
``{"id", "ref": {"report": "<folder>/<file>.pdf", "start": s, "end": e, "sha1": h},
"themes", "polarity"}``: offsets into ofsted-mine's cleaned text of that report and the
SHA-1 of the sentence. The text is read from ``../shared/ofsted-reports`` at training time;
if the reader changed and the offsets drift, the sentence is found again by its hash.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path


@dataclass
class Example:
    """One labelled sentence: its id, text, themes and polarity (the training/evaluation unit)."""

    id: str
    text: str
    themes: list[str]
    polarity: str
    group: str  # report or source file: keeps one document's sentences on one side of a split
    synthetic: bool = (
        False  # a written example sentence (no source document): training only, never scored in CV
    )
    correction: bool = False  # a person's correction of a stored finding (``corrections export``)


def sentence_hash(text: str) -> str:
    """A sentence's key (SHA-1 of its text with whitespace runs made one space): annotations and
    corrections refer to sentences by it, so they survive re-reading the document."""
    return hashlib.sha1(re.sub(r"\s+", " ", text.strip()).encode("utf-8")).hexdigest()


@lru_cache(maxsize=512)  # every report an annotation file refers to (~0.1 MB of text each)
def _report_text(path: str) -> str:
    from ..read import read_file

    return read_file(path).text


def resolve_ref(ref: dict, reports_root: Path) -> str | None:
    """The sentence an annotation refers to (``report``, offsets and ``sha1``; found again by its
    hash if the offsets drifted) in the report under ``reports_root``; None when the report is
    missing or the sentence cannot be found."""
    path = reports_root / ref["report"]
    if not path.exists():
        return None
    text = _report_text(str(path))
    s, e = ref.get("start", -1), ref.get("end", -1)
    if 0 <= s < e <= len(text) and sentence_hash(text[s:e]) == ref["sha1"]:
        return text[s:e]
    # offsets drifted: search sentences of the parsed document by hash
    from ..parse.segment import split_sentences

    for block in text.split("\n"):
        for a, b in split_sentences(block):
            if sentence_hash(block[a:b]) == ref["sha1"]:
                return block[a:b]
    return None


def load_annotations(
    paths: Iterable[str | Path],
    reports_root: Path | None = None,
    exclude_reports: set[str] | None = None,
) -> tuple[list[Example], list[str]]:
    """Load examples; returns (examples, problems). Reference lines need ``reports_root``."""
    out, problems = [], []
    for p in paths:
        p = Path(p)
        for n, line in enumerate(p.read_text("utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                d = json.loads(line)
            except json.JSONDecodeError as e:
                problems.append(f"{p}:{n}: not JSON ({e})")
                continue
            if "ref" in d:
                report = d["ref"]["report"]
                if exclude_reports and report in exclude_reports:
                    problems.append(f"{p}:{n}: {report} is excluded (gold report)")
                    continue
                if reports_root is None:
                    problems.append(f"{p}:{n}: reference but no reports folder given")
                    continue
                text = resolve_ref(d["ref"], reports_root)
                if text is None:
                    problems.append(f"{p}:{n}: cannot find the referenced sentence in {report}")
                    continue
                group = report
            else:
                text = d.get("text", "")
                group = d.get("source", str(p))
            if not text:
                problems.append(f"{p}:{n}: no text")
                continue
            out.append(
                Example(
                    id=str(d.get("id", f"{p.name}:{n}")),
                    text=text,
                    themes=list(d.get("themes", [])),
                    polarity=d.get("polarity", "neutral"),
                    group=group,
                    synthetic=bool(d.get("synthetic", False)) and "ref" not in d,
                    correction=bool(d.get("correction", False)),
                )
            )
    return out, problems


def word_runs(text: str, k: int = 12) -> set[str]:
    """Every run of ``k`` consecutive words (lower-cased letters and digits) in ``text``."""
    w = re.findall(r"[a-z0-9]+", text.lower())
    return {" ".join(w[i : i + k]) for i in range(len(w) - k + 1)}


def copied_runs(sentences: Iterable[str], documents: Iterable[str], k: int = 12) -> list[set[str]]:
    """For each sentence, the ``k``-word runs it shares with any of ``documents``.

    Used to check that written (synthetic) example sentences were not copied from real
    reports: one shared run of 12 words is more than stock phrasing explains."""
    seen: set[str] = set()
    for d in documents:
        seen |= word_runs(d, k)
    return [word_runs(s, k) & seen for s in sentences]
