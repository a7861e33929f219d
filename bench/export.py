"""Time `ofsted-mine export --format xlsx` (the whole CLI call) on a database.

    python bench/export.py --db real.db            # e.g. a database of the 251 shared reports
    python bench/export.py                         # a database built from the bundled corpus

Target (issue 11): all 93,915 findings of the shared reports exported to xlsx in <= 8 s.
Prints the median wall time of --repeat runs, the CPU time of the child process (what the
export costs when the machine is shared), the file size and the peak memory.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TARGET = 8.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", type=Path, help="an existing database (default: build one from corpus/pdf)")
    ap.add_argument("--format", default="xlsx", choices=["xlsx", "csv", "json"])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-export-"))
    try:
        db = args.db
        if db is None:
            import ofsted_mine as om

            db = tmp / "corpus.db"
            om.ingest([str(ROOT / "corpus" / "pdf")], db)
        import sqlite3

        n = sqlite3.connect(db).execute("SELECT COUNT(*) FROM findings").fetchone()[0]
        out = tmp / f"all.{args.format}"
        walls, cpus = [], []
        for _ in range(args.repeat):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t = time.perf_counter()
            r = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "ofsted_mine.cli",
                    "export",
                    "--db",
                    str(db),
                    "--format",
                    args.format,
                    "-o",
                    str(out),
                ],
                capture_output=True,
                text=True,
            )
            walls.append(time.perf_counter() - t)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
            if r.returncode != 0:
                raise SystemExit(f"export failed:\n{r.stderr[-2000:]}")
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        wall, cpu = statistics.median(walls), statistics.median(cpus)
        load = os.getloadavg()[0]
        print(f"export --format {args.format}: {n} findings -> {out.stat().st_size / 1e6:.1f} MB")
        print(
            f"  wall {wall:.2f} s (median of {args.repeat}; runs {', '.join(f'{w:.2f}' for w in walls)})  "
            f"{'ok' if wall <= TARGET else f'OVER the {TARGET:g} s target'}"
        )
        verdict = "ok" if cpu <= TARGET else f"OVER the {TARGET:g} s target"
        print(f"  cpu  {cpu:.2f} s (user+sys of the child)  {verdict}")
        print(f"  peak RSS {peak:.0f} MB; load average at the end {load:.2f} on {os.cpu_count()} cores")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
