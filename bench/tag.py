"""Tagging speed: sentences per second on one core (rules only, and rules + model).

    python bench/tag.py [--model models/tagger.joblib] [--n 20000]

Sentences are the findings of real reports in ../shared (read at run time).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=str(Path(__file__).resolve().parent.parent.parent / "shared"))
    ap.add_argument("--model", default="default")
    ap.add_argument("--n", type=int, default=20000)
    a = ap.parse_args()
    from ofsted_mine.parse import parse
    from ofsted_mine.read import read_file
    from ofsted_mine.tag import Tagger

    texts = []
    ctx = []  # (section kind, bullet, heading, index of the finding before in the same section, doc key)
    from ofsted_mine.tag.context import doc_key

    for p in sorted((Path(a.shared) / "ofsted-reports").glob("*/*.pdf")):
        try:
            doc = parse(read_file(p))
        except Exception:
            continue
        F = doc.findings
        for k, f in enumerate(F):
            same = k > 0 and F[k - 1].section == f.section
            ctx.append(
                (
                    f.section_kind,
                    f.is_bullet,
                    f.section or "",
                    len(texts) - 1 if same else None,
                    doc_key(doc.visit.kind, doc.visit.framework),
                )
            )
            texts.append(f.text)
        if len(texts) >= a.n:
            break
    texts, ctx = texts[: a.n], ctx[: a.n]
    print(
        f"{len(texts)} sentences from real reports (wall-clock rate; CPU rate = sentences per CPU-second of "
        "this process, which is what one core gives on a machine shared with other work)"
    )
    runs = (
        ("rules only", {"model": None, "mode": "rules"}, False),
        ("rules + model", {"model": a.model}, False),
        ("in context", {"model": a.model}, True),
    )
    for label, kw, in_context in runs:
        t0 = time.perf_counter()
        tg = Tagger(**kw)
        load = time.perf_counter() - t0
        t0, c0 = time.perf_counter(), time.process_time()
        for i in range(0, len(texts), 2000):
            if in_context:
                c = ctx[i : i + 2000]
                tg.tag(
                    texts[i : i + 2000],
                    [x[0] for x in c],
                    [x[1] for x in c],
                    [x[2] for x in c],
                    prev=[x[3] - i if x[3] is not None and x[3] >= i else None for x in c],
                    docs=[x[4] for x in c],
                )
            else:
                tg.tag(texts[i : i + 2000])
        dt, dc = time.perf_counter() - t0, time.process_time() - c0
        print(
            f"{label:14} {len(texts) / dt:8.0f} sentences/s on one core, "
            f"{len(texts) / dc:8.0f} per CPU-second  "
            f"(load {load:.2f} s; {tg.description}{'; context stage' if in_context and tg.context else ''})"
        )


if __name__ == "__main__":
    main()
