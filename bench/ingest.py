"""Ingest speed and memory on the real reports in ../shared.

    python bench/ingest.py [--workers 2] [--tag-only]

Prints docs/s, pages/s, wall time and peak RSS for:
  (a) a bare pypdfium2 text-extraction loop over the same files (the floor, one process);
  (b) a full ingest without tagging (read + parse + store), all cores;
  (c) a full ingest with tagging (read + parse + tag + store), all cores;
  (d) re-ingesting the unchanged folder;
  (e) a `quotes` query through the whole CLI (a fresh process).
Each run happens in its own subprocess so peak RSS is its own. Beside the wall-clock ratio
(the issues' figure) each ingest prints the CPU time of all its processes against the bare
loop's: on a machine shared with other work the wall clock of a run on all cores swings with
the load, its CPU time much less.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

BARE = r"""
import glob, json, resource, sys, time
import pypdfium2 as pdfium
t0 = time.perf_counter(); c0 = time.process_time(); docs = pages = 0
for f in sorted(glob.glob(sys.argv[1] + '/*/*.pdf')):
    try:
        pdf = pdfium.PdfDocument(f)
    except Exception:
        continue
    for i in range(len(pdf)):
        p = pdf[i]; tp = p.get_textpage(); tp.get_text_range(); tp.close(); p.close(); pages += 1
    pdf.close(); docs += 1
dt = time.perf_counter() - t0
print(json.dumps({"docs": docs, "pages": pages, "secs": dt, "cpu": time.process_time() - c0,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

INGEST = r"""
import json, resource, sys, time
sys.path.insert(0, sys.argv[4])
import ofsted_mine as om
def cpu(who):
    u = resource.getrusage(who)
    return u.ru_utime + u.ru_stime
p0, c0 = cpu(resource.RUSAGE_SELF), cpu(resource.RUSAGE_CHILDREN)
t0 = time.perf_counter()
r = om.ingest([sys.argv[1]], sys.argv[2], tag=sys.argv[3] == "tag", workers=int(sys.argv[5]) or None)
dt = time.perf_counter() - t0
parent, children = cpu(resource.RUSAGE_SELF) - p0, cpu(resource.RUSAGE_CHILDREN) - c0
used = parent + children
rss = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
          resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
print(json.dumps({"docs": len(r.added) + len(r.replaced), "unchanged": len(r.unchanged),
                  "failed": len(r.failed), "pages": r.pages, "secs": dt, "cpu": used, "parent_cpu": parent,
                  "rss_mb": rss}))
"""


def run(code: str, *args: str) -> dict:
    """Run one measurement in its own Python process; its last line of output, as JSON."""
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    """Measure and print (a)-(e)."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=str(ROOT.parent / "shared"))
    ap.add_argument("--workers", type=int, default=0, help="0 = all CPUs")
    ap.add_argument("--tag-only", action="store_true", help="only (a) and (c): the ratio the issues set")
    a = ap.parse_args()
    reports = str(Path(a.shared) / "ofsted-reports")
    print(f"machine: {os.cpu_count()} CPUs; reports: {reports}")
    bare = run(BARE, reports)
    print(
        f"(a) bare pypdfium2 loop : {bare['docs']} docs, {bare['pages']} pages in {bare['secs']:.1f} s "
        f"= {bare['docs'] / bare['secs']:.1f} docs/s, {bare['pages'] / bare['secs']:.0f} pages/s; "
        f"peak RSS {bare['rss_mb']:.0f} MB; CPU {bare['cpu']:.1f} s"
    )
    with tempfile.TemporaryDirectory() as tmp:
        runs = (("(b) ingest, no tagging", "notag"), ("(c) ingest with tagging", "tag"))
        for label, tag in runs[1:] if a.tag_only else runs:
            db = str(Path(tmp) / f"{tag}.db")
            r = run(INGEST, reports, db, tag, str(ROOT), str(a.workers))
            print(
                f"{label:24}: {r['docs']} docs, {r['pages']} pages in {r['secs']:.1f} s "
                f"= {r['docs'] / r['secs']:.1f} docs/s, {r['pages'] / r['secs']:.0f} pages/s; "
                f"peak RSS {r['rss_mb']:.0f} MB (largest process); "
                f"{r['secs'] / bare['secs']:.2f} x the bare loop ({r['failed']} files reported as failed); "
                f"CPU {r['cpu']:.1f} s in all processes (the writing parent {r['parent_cpu']:.1f} s) "
                f"= {r['cpu'] / bare['cpu']:.2f} x the bare loop's"
            )
        if a.tag_only:
            return
        r = run(INGEST, reports, db, "tag", str(ROOT), str(a.workers))
        print(f"(d) re-ingest unchanged : {r['unchanged']} unchanged in {r['secs']:.2f} s")
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "ofsted_mine.cli",
                    "quotes",
                    "management oversight",
                    "--db",
                    db,
                    "--limit",
                    "20",
                    "--format",
                    "json",
                ],
                capture_output=True,
                check=True,
                cwd=str(ROOT),
            )
            times.append(time.perf_counter() - t0)
        best, worst = min(times), max(times)
        print(f"(e) quotes CLI call     : best {best:.2f} s, worst {worst:.2f} s (whole process, 3 runs)")


if __name__ == "__main__":
    main()
