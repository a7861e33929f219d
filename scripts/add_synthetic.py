r"""Add written example sentences to the training data, after an originality check.

    python scripts/add_synthetic.py WRITTEN.jsonl... -o corpus/annotations/synthetic-N.jsonl \
        [--shared ../shared]

Input lines: {"id", "text", "themes", "polarity"} written from the codebook (see
corpus/README.md). A line is dropped when its sentence shares a run of 12 words with any
report or seed in ../shared or with a gold sentence (so nothing copied from a real
publication gets in), or repeats a sentence already kept. Output lines carry
"synthetic": true, so training uses them and cross-validation never scores them.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ofsted_mine.tag.annotations import copied_runs  # noqa: E402


def shared_texts(shared: Path):
    from ofsted_mine.read import read_file

    for p in sorted((shared / "ofsted-reports").rglob("*")) + sorted((shared / "seeds").rglob("*")):
        if p.is_file() and p.suffix.lower() in (".pdf", ".html", ".htm", ".txt", ".md"):
            try:
                yield read_file(p).text
            except Exception:  # e.g. a web page saved with a .pdf name: its words still count
                from ofsted_mine.read.html import html_text

                yield html_text(p.read_bytes())[1]
    for line in (shared / "gold" / "themes-dev.jsonl").read_text("utf-8").splitlines():
        if line.strip():
            yield json.loads(line)["text"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("inputs", nargs="+")
    ap.add_argument("-o", "--out", required=True)
    ap.add_argument("--shared", default=str(ROOT.parent / "shared"))
    ap.add_argument("--writer", default="")
    a = ap.parse_args()
    rows = [json.loads(l) for f in a.inputs for l in Path(f).read_text("utf-8").splitlines() if l.strip()]
    hits = copied_runs([r["text"] for r in rows], shared_texts(Path(a.shared)))
    kept, seen, dropped = [], set(), 0
    for r, h in zip(rows, hits):
        key = " ".join(r["text"].lower().split())
        if h or key in seen:
            dropped += 1
            continue
        seen.add(key)
        kept.append(
            {
                "id": r["id"],
                "text": r["text"].strip(),
                "themes": r["themes"],
                "polarity": r["polarity"],
                "synthetic": True,
                **({"writer": a.writer} if a.writer else {}),
            }
        )
    Path(a.out).write_text("".join(json.dumps(k, ensure_ascii=False) + "\n" for k in kept), "utf-8")
    print(f"{len(kept)} kept, {dropped} dropped (12-word run shared with ../shared, or a repeat) -> {a.out}")


if __name__ == "__main__":
    main()
