"""Compare extracted metadata with ../shared/ofsted-reports/metadata-verified.csv (truth)
and with peer-extraction.csv (another tool's output), field by field.

    python bench/metadata.py [--shared ../shared] [--show 50]

Prints per-field accuracy and coverage for ofsted-mine and for the peer tool, then
every disagreement between ofsted-mine and the verified file.
"""

from __future__ import annotations

import argparse
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ofsted_mine.evaluate_meta import FIELDS, compare_rows, extract_row, load_peer, load_verified  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=str(Path(__file__).resolve().parent.parent.parent / "shared"))
    ap.add_argument("--show", type=int, default=200)
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args()
    root = Path(a.shared) / "ofsted-reports"
    truth = load_verified(root / "metadata-verified.csv")
    peer = load_peer(root / "peer-extraction.csv")
    keys = sorted(truth)
    with ProcessPoolExecutor(a.workers) as ex:
        ours = dict(zip(keys, ex.map(extract_row, [str(root / f / n) for f, n in keys], chunksize=4)))
    for label, rows in (("ofsted-mine", ours), ("peer tool", peer)):
        stats, disagreements = compare_rows(truth, rows)
        print(f"\n== {label}: per-field accuracy on readable reports (n = {stats['_n']})")
        print(f"{'field':18} {'accuracy':>9} {'coverage':>9} {'right':>6} {'wrong':>6} {'blank':>6}")
        tot_right = tot = 0
        for f in FIELDS:
            s = stats[f]
            n = s["right"] + s["wrong"] + s["missing"]
            tot_right += s["right"]
            tot += n
            print(
                f"{f:18} {s['right'] / n:9.1%} {s['covered'] / n:9.1%} "
                f"{s['right']:6} {s['wrong']:6} {s['missing']:6}"
            )
        print(f"{'ALL FIELDS':18} {tot_right / tot:9.2%}")
        print(
            f"unreadable reported: {stats['_unreadable_ok']} of {stats['_unreadable']} (HTML saved as .pdf)"
        )
        if label == "ofsted-mine":
            print(f"\n-- disagreements ({len(disagreements)})")
            for d in disagreements[: a.show]:
                print("  " + d)


if __name__ == "__main__":
    main()
