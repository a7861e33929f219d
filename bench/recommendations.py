"""Score the stored recommendations against ../shared/ofsted-reports/recommendations-verified.jsonl.

    python bench/recommendations.py                 # ingest the shared reports (untagged) into a scratch database
    python bench/recommendations.py --db real.db    # an existing database of the shared reports
    python bench/recommendations.py --misses 100    # list more misses and extras

Prints precision and recall of the council's items (overall, ILACS, SIF, other) and of the
LSCB's, per group, the group and tail accuracy of the matched items, the extraction speed,
and lists the misses and extras. Matching rule: ofsted_mine/evaluate_recs.py (texts equal
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
            print(f"ingested {len(r.added)} reports (untagged) in {time.perf_counter() - t0:.1f} s; "
                  f"{len(r.failed)} could not be read")
        con = om.open_db(db)
        sync_recommendations(con)
        texts = [t for (t,) in con.execute("SELECT text FROM documents WHERE kind != 'council_paper'")]
        t0 = time.perf_counter()
        n = sum(len(extract_recommendations(t)) for t in texts)
        dt = time.perf_counter() - t0
        print(f"extraction: {n} items from {len(texts)} documents in {dt:.2f} s ({dt / max(1, len(texts)) * 1000:.1f} ms/doc)")
        res = score(load_truth(truth_path), extracted_from_db(con, reports))
        for line in format_report(res, misses=a.misses):
            print(line)
        con.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
