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
    for p in sorted((Path(a.shared) / "ofsted-reports").glob("*/*.pdf")):
        try:
            texts += [f.text for f in parse(read_file(p)).findings]
        except Exception:
            continue
        if len(texts) >= a.n:
            break
    texts = texts[: a.n]
    print(f"{len(texts)} sentences from real reports")
    for label, kw in (("rules only", {"model": None, "mode": "rules"}), ("rules + model", {"model": a.model})):
        t0 = time.perf_counter()
        tg = Tagger(**kw)
        load = time.perf_counter() - t0
        t0 = time.perf_counter()
        for i in range(0, len(texts), 2000):
            tg.tag(texts[i:i + 2000])
        dt = time.perf_counter() - t0
        print(f"{label:14} {len(texts) / dt:8.0f} sentences/s on one core  (load {load:.2f} s; {tg.description})")


if __name__ == "__main__":
    main()
