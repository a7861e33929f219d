"""Score the stored recommendations against ../shared/ofsted-reports/recommendations-verified.jsonl.

    python bench/recommendations.py                 # the shared reports (untagged) in a scratch database
    python bench/recommendations.py --db real.db    # an existing database of the shared reports
    python bench/recommendations.py --misses 100    # list more misses and extras
    python bench/recommendations.py --db real.db --speed   # also time `followup` for every council

Prints precision and recall of the council's items (overall, ILACS, SIF, other) and of the
LSCB's, per group, the group and tail accuracy of the matched items, the extraction speed,
and lists the misses and extras. With --speed: the whole `ofsted-mine followup --format json`
CLI call (process start included; median of --repeat runs) for Norfolk and two other councils,
and the slowest and median over every council (target <= 0.5 s each). Matching rule:
ofsted_mine/evaluate_recs.py (texts equal
after NFKC, lower case, and every run of non-alphanumeric characters made one space).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", help="an existing database holding the shared reports")
    ap.add_argument("--reports", default=str(ROOT.parent / "shared" / "ofsted-reports"))
    ap.add_argument("--misses", type=int, default=40)
    ap.add_argument("--speed", action="store_true", help="time the followup CLI call for every council")
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    import ofsted_mine as om
    from ofsted_mine.evaluate_recs import extracted_from_db, format_report, load_truth, score
    from ofsted_mine.parse.recommendations import extract_recommendations
    from ofsted_mine.store.recommendations import sync_recommendations

    reports = Path(a.reports)
    truth_path = reports / "recommendations-verified.jsonl"
    if not truth_path.exists():
        print(f"{truth_path}: not found")
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        db = a.db
        if not db:
            db = str(Path(tmp) / "recs.db")
            t0 = time.perf_counter()
            r = om.ingest([reports], db, tag=False)
            print(
                f"ingested {len(r.added)} reports (untagged) in {time.perf_counter() - t0:.1f} s; "
                f"{len(r.failed)} could not be read"
            )
        con = om.open_db(db)
        sync_recommendations(con)
        texts = [t for (t,) in con.execute("SELECT text FROM documents WHERE kind != 'council_paper'")]
        t0 = time.perf_counter()
        n = sum(len(extract_recommendations(t)) for t in texts)
        dt = time.perf_counter() - t0
        print(
            f"extraction: {n} items from {len(texts)} documents in {dt:.2f} s "
            f"({dt / max(1, len(texts)) * 1000:.1f} ms/doc)"
        )
        res = score(load_truth(truth_path), extracted_from_db(con, reports))
        for line in format_report(res, misses=a.misses):
            print(line)
        urns = [
            r[0]
            for r in con.execute("SELECT DISTINCT la_urn FROM documents WHERE la_urn IS NOT NULL ORDER BY 1")
        ]
        names = dict(con.execute("SELECT la_urn, la FROM documents WHERE la_urn IS NOT NULL"))
        con.close()
        if a.speed:
            _speed(db, urns, names, a.repeat)
    return 0


def _time_call(args: list[str], repeat: int) -> float:
    import statistics
    import subprocess

    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        r = subprocess.run([sys.executable, "-m", "ofsted_mine.cli", *args], capture_output=True)
        times.append(time.perf_counter() - t0)
        if r.returncode:
            raise SystemExit(f"{' '.join(args)}: exit {r.returncode}: {r.stderr.decode()[:300]}")
    return statistics.median(times)


def _speed(db: str, urns: list[str], names: dict, repeat: int) -> None:
    import os
    import statistics

    print(
        f"followup whole CLI call (--format json), median of {repeat}; {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    t_import = _time_call(["--version"], repeat)
    print(f"  (process start + CLI import alone: {t_import:.2f} s)")
    figures = {}
    for urn in urns:
        figures[urn] = _time_call(
            ["followup", "--la", urn, "--db", db, "--format", "json"], repeat if repeat < 2 else 1
        )
    named = [u for u in urns if names.get(u) == "Norfolk"] + [
        u for u in urns if names.get(u) in ("Birmingham", "Barnsley")
    ]
    for u in named:
        figures[u] = _time_call(["followup", "--la", u, "--db", db, "--format", "json"], repeat)
        print(f"  {names[u]:20} {figures[u]:.2f} s")
    slow = max(figures, key=figures.get)
    print(
        f"  every council ({len(figures)}): median {statistics.median(figures.values()):.2f} s, slowest "
        f"{names.get(slow, slow)} {figures[slow]:.2f} s; over 0.5 s: {sum(t > 0.5 for t in figures.values())}"
    )


if __name__ == "__main__":
    raise SystemExit(main())
