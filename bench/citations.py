"""Page citations checked against the PDFs: is each finding's sentence printed, from its first
words, on the page it cites? (issue 12, item 4)

    python bench/citations.py [--shared ../shared] [--show 20]

Reads and parses every shared real report, then reads each page's own text layer again with
pypdfium2 and looks for the first 32 letters/digits of every finding on its cited page
(ofsted_mine.evaluate_cite). Prints the share cited right, the ones printed on another page,
and the ones found on no page (sentences whose start the cleaner changed: a running header
removed from inside them, a footnote marker taken off a word).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ofsted_mine.evaluate_cite import CiteResult, check_findings  # noqa: E402
from ofsted_mine.model import ReadError  # noqa: E402
from ofsted_mine.parse import parse  # noqa: E402
from ofsted_mine.read import read_file  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=str(Path(__file__).resolve().parent.parent.parent / "shared"))
    ap.add_argument("--show", type=int, default=20)
    a = ap.parse_args()
    root = Path(a.shared) / "ofsted-reports"
    res = CiteResult()
    t0 = time.perf_counter()
    docs = 0
    for pdf in sorted(root.glob("*/*.pdf")):
        try:
            d = parse(read_file(pdf))
        except ReadError:
            continue
        docs += 1
        check_findings(pdf, [(f.page, f.text) for f in d.findings], res)
    dt = time.perf_counter() - t0
    print(f"documents: {docs}   findings checked: {res.checked}   ({dt:.1f} s)")
    print(f"cited on the page where the sentence starts: {res.right} ({100 * res.right / res.checked:.3f}%)")
    print(f"printed on another page than the one cited:  {len(res.wrong)}")
    print(f"start not found on any page (cleaner changed it): {len(res.unfound)}")
    for path, page, where, text in res.wrong[: a.show]:
        print(f"  WRONG {Path(path).name[:40]} cited p{page}, printed p{where}: {text[:90]}")
    for path, page, text in res.unfound[: a.show]:
        print(f"  UNFOUND {Path(path).name[:40]} p{page}: {text[:90]}")


if __name__ == "__main__":
    main()
