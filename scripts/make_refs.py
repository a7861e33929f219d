r"""Turn labels of real-report sentences into references (no report text in the repository).

    python scripts/make_refs.py CANDIDATES.jsonl LABELS.jsonl [LABELS2 ...] \
        -o corpus/annotations/real-refs.jsonl

CANDIDATES lines: {"id", "report", "text"} (a working file outside the repository);
LABELS lines: {"id", "themes", "polarity"} from one annotator each (its name = file stem).
Each labelled sentence is located in ofsted-mine's cleaned text of its report and written
as {"id", "ref": {"report", "start", "end", "sha1"}, "themes", "polarity", "annotator"}.
Sentences labelled by two annotators keep the first annotator's labels; the other's go
to an agreement file (``--agreement``) so the two can be compared.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ofsted_mine.tag.annotations import sentence_hash  # noqa: E402


def _norm_index(text: str):
    """Whitespace/hyphen-normalised copy of text plus a map back to original offsets."""
    out, idx = [], []
    prev_space = False
    for i, ch in enumerate(text):
        if ch.isspace():
            if prev_space:
                continue
            ch, prev_space = " ", True
        else:
            prev_space = False
        out.append(ch)
        idx.append(i)
    return "".join(out), idx


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("candidates")
    ap.add_argument("labels", nargs="+")
    ap.add_argument("-o", "--out", required=True)
    ap.add_argument("--agreement", default=None)
    ap.add_argument("--shared", default=str(Path(__file__).resolve().parent.parent.parent / "shared"))
    a = ap.parse_args()
    from ofsted_mine.read import read_file

    root = Path(a.shared) / "ofsted-reports"
    cands = {d["id"]: d for d in map(json.loads, open(a.candidates, encoding="utf-8"))}
    gold = {
        json.loads(l)["report"] for l in open(Path(a.shared) / "gold" / "themes-dev.jsonl", encoding="utf-8")
    }
    labels: dict[str, list[tuple[str, dict]]] = {}
    for lf in a.labels:
        ann = Path(lf).stem
        for line in open(lf, encoding="utf-8"):
            if line.strip():
                d = json.loads(line)
                labels.setdefault(d["id"], []).append((ann, d))
    texts: dict[str, tuple[str, list[int]]] = {}
    out, second, missing = [], [], 0
    for cid, labs in sorted(labels.items()):
        c = cands.get(cid)
        if not c or c["report"] in gold:
            continue
        if c["report"] not in texts:
            texts[c["report"]] = _norm_index(read_file(root / c["report"]).text)
        norm, idx = texts[c["report"]]
        needle = re.sub(r"\s+", " ", c["text"]).strip()
        pos = norm.find(needle)
        if pos < 0:
            missing += 1
            continue
        start, end = idx[pos], idx[pos + len(needle) - 1] + 1
        ref = {"report": c["report"], "start": start, "end": end}
        for k, (ann, d) in enumerate(labs):
            row = {"id": cid, "ref": ref, "themes": d["themes"], "polarity": d["polarity"], "annotator": ann}
            (out if k == 0 else second).append(row)
    # hashes from the cleaned text itself
    cache = {}
    for row in out + second:
        r = row["ref"]
        if r["report"] not in cache:
            cache[r["report"]] = read_file(root / r["report"]).text
        r["sha1"] = sentence_hash(cache[r["report"]][r["start"] : r["end"]])
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    with open(a.out, "w", encoding="utf-8") as f:
        for row in out:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    if a.agreement:
        with open(a.agreement, "w", encoding="utf-8") as f:
            for row in second:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{len(out)} references written to {a.out}; {len(second)} second labels; {missing} not found")


if __name__ == "__main__":
    main()
