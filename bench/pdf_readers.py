"""pypdfium2 or pdfplumber? Measures the two on the real reports in ../shared, for the jobs
where pdfplumber's geometry could serve: reading the judgement table on page 1 (ILACS), and
reading page text at all (speed).

    pip install -e '.[bench]'          # pdfplumber is not a dependency of ofsted-mine
    python bench/pdf_readers.py [--shared ../shared] [--speed-files 20]

Prints, for every readable ILACS report: how many of the verified judgement grades
(metadata-verified.csv) pdfplumber's table finder reads from page 1, against ofsted-mine's
own reading (pypdfium2 text, then the judgement parser); and the seconds per page each
library takes to give a page's text.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ofsted_mine.evaluate_meta import extract_row, load_verified  # noqa: E402
from ofsted_mine.parse.patterns import GRADE_RE, JUDGEMENT_RES, norm_grade  # noqa: E402

GRADES = ["overall", "leaders", "help_protection", "in_care", "care_leavers"]


def plumber_table_grades(path: Path) -> dict[str, str]:
    """The judgement grades pdfplumber's table finder gives for page 1: a row whose cells hold
    a judgement label and a grade (lines strategy, then text strategy)."""
    import pdfplumber

    out: dict[str, str] = {}
    with pdfplumber.open(path) as pdf:
        page = pdf.pages[0]
        for settings in ({}, {"vertical_strategy": "text", "horizontal_strategy": "text"}):
            for table in page.extract_tables(settings):
                for row in table:
                    cells = [re.sub(r"\s+", " ", c or "") for c in row]
                    text = " ".join(cells)
                    for rx, key in JUDGEMENT_RES:
                        if key in out or not rx.search(text):
                            continue
                        g = GRADE_RE.search(text[rx.search(text).end() :])
                        if g:
                            out[key] = norm_grade(g.group(0))
                        break
            if out:
                break
    return out


def speed(paths: list[Path]) -> tuple[int, float, float]:
    import pdfplumber
    import pypdfium2 as pdfium

    pages = 0
    t0 = time.perf_counter()
    for p in paths:
        pdf = pdfium.PdfDocument(p)
        for i in range(len(pdf)):
            tp = pdf[i].get_textpage()
            tp.get_text_range()
            pages += 1
        pdf.close()
    t_pdfium = time.perf_counter() - t0
    t0 = time.perf_counter()
    for p in paths:
        with pdfplumber.open(p) as pdf:
            for page in pdf.pages:
                page.extract_text()
    t_plumber = time.perf_counter() - t0
    return pages, t_pdfium, t_plumber


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=str(Path(__file__).resolve().parent.parent.parent / "shared"))
    ap.add_argument("--speed-files", type=int, default=20, help="reports timed for whole-document text")
    a = ap.parse_args()
    root = Path(a.shared) / "ofsted-reports"
    truth = load_verified(root / "metadata-verified.csv")
    rows = [(k, t) for k, t in sorted(truth.items()) if t["readable"] == "yes" and t["framework"] == "ilacs"]
    right = {"pdfplumber tables": 0, "ofsted-mine (pypdfium2 text)": 0}
    wrong = dict.fromkeys(right, 0)
    missing = dict.fromkeys(right, 0)
    n_grades = 0
    t_tables = t_ours = 0.0
    for (folder, name), t in rows:
        path = root / folder / name
        t0 = time.perf_counter()
        plumber = plumber_table_grades(path)
        t_tables += time.perf_counter() - t0
        t0 = time.perf_counter()
        ours = extract_row(str(path))
        t_ours += time.perf_counter() - t0
        for g in GRADES:
            want = (t.get(g) or "").strip().lower()
            if not want:
                continue
            n_grades += 1
            for label, got in (
                ("pdfplumber tables", plumber.get(g, "")),
                ("ofsted-mine (pypdfium2 text)", ours.get(g, "")),
            ):
                got = (got or "").lower()
                if got == want:
                    right[label] += 1
                elif got:
                    wrong[label] += 1
                else:
                    missing[label] += 1
    print(f"judgement grades on page 1 of {len(rows)} ILACS reports ({n_grades} verified grades)")
    print(f"{'reader':32} {'right':>6} {'wrong':>6} {'missing':>8} {'accuracy':>9}")
    for label in right:
        print(
            f"{label:32} {right[label]:6} {wrong[label]:6} {missing[label]:8} {right[label] / n_grades:9.1%}"
        )
    print(f"time: pdfplumber page-1 tables {t_tables:.1f} s; ofsted-mine whole read+parse {t_ours:.1f} s")
    files = [root / f / n for (f, n), _ in rows[: a.speed_files]]
    pages, t_pdfium, t_plumber = speed(files)
    print(
        f"\npage text of {len(files)} reports ({pages} pages): "
        f"pypdfium2 {1000 * t_pdfium / pages:.1f} ms/page, "
        f"pdfplumber {1000 * t_plumber / pages:.1f} ms/page ({t_plumber / t_pdfium:.0f}x slower)"
    )


if __name__ == "__main__":
    main()
