"""Time the readiness pack and the timeline/track commands (issue 4's speed targets).

    python bench/report.py                     # a database built from the bundled sample corpus
    python bench/report.py --db qa.db          # an existing database (e.g. the real reports)
    python bench/report.py --db qa.db --la X   # one council instead of the one with most visits

Targets: `readiness` writes its pack in <= 3 s; `timeline` and `track` answer in <= 0.5 s
per whole CLI call (process start included). Every CLI figure is a subprocess call, the
median of --repeat runs. When a command is not registered in the CLI yet, the equivalent
library call (or a stand-alone Typer app over the same command function) is timed and the
output says so.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGETS = {"readiness": 3.0, "timeline": 0.5, "track": 0.5, "compare": 0.5}
# the readiness/export commands as a stand-alone Typer app, for when the main CLI lacks them
STANDALONE = ("import typer, sys; from ofsted_mine.cli_reports import readiness_command, export_command; "
              "app = typer.Typer(); app.command('readiness')(readiness_command); "
              "app.command('export')(export_command); sys.argv[0] = 'ofsted-mine'; app()")


def cli_base() -> list[str]:
    return [sys.executable, "-m", "ofsted_mine.cli"]


def has_command(name: str) -> bool:
    r = subprocess.run(cli_base() + [name, "--help"], capture_output=True, text=True)
    return r.returncode == 0


def time_cmd(cmd: list[str], repeat: int, env=None) -> tuple[float, subprocess.CompletedProcess]:
    times, r = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        r = subprocess.run(cmd, capture_output=True, text=True, env=env)
        times.append(time.perf_counter() - t)
        if r.returncode != 0:
            raise SystemExit(f"failed: {' '.join(cmd)}\n{r.stderr[-2000:]}")
    return statistics.median(times), r


def time_call(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def verdict(name: str, secs: float) -> str:
    return "ok" if secs <= TARGETS[name] else f"OVER the {TARGETS[name]:g} s target"


def make_extra_visits(tmp: Path, n: int) -> list[Path]:
    """Later copies of Wyvern Vale's monitoring letters (years moved on by 3), as text files."""
    import re
    srcs = sorted((ROOT / "corpus" / "sources" / "wyvern-vale").glob("*-monitoring-visit-*.txt"))
    out = []
    for k, src in enumerate(srcs[:n]):
        text = src.read_text("utf-8")
        text = re.sub(r"\b(20\d\d)\b", lambda m: str(int(m.group(1)) + 3), text)
        text = re.sub(r"^# ", "", text, flags=re.M)
        text = re.sub(r"^- ", "• ", text, flags=re.M)
        p = tmp / f"extra-visit-{k}.txt"
        p.write_text(text, "utf-8")
        out.append(p)
    return out


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="bench-report-"))
    try:
        run(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run(tmp: Path) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", type=Path, help="an existing database (default: build one from corpus/pdf)")
    ap.add_argument("--la", help="council (default: the one with most Ofsted visits)")
    ap.add_argument("--theme", default="supervision_oversight", help="theme for `track`")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--extra-visits", type=int, default=4,
                    help="with the corpus: add N later monitoring visits to Wyvern Vale (copies of its letters "
                         "with their years moved on) so the council has more than 10 visits")
    args = ap.parse_args()

    import ofsted_mine as om
    db = args.db
    if db is None:
        db = tmp / "corpus.db"
        t = time.perf_counter()
        extra = make_extra_visits(tmp, args.extra_visits)
        om.ingest([str(ROOT / "corpus" / "pdf"), *map(str, extra)], db)
        print(f"built a database from the sample corpus (+{len(extra)} extra Wyvern Vale visits) "
              f"in {time.perf_counter() - t:.2f} s")
    con = om.open_db(db)
    la = args.la
    if not la:
        row = con.execute("""SELECT la, COUNT(*) AS n FROM documents
                             WHERE la IS NOT NULL AND kind IN ('inspection','monitoring_visit','focused_visit','jtai')
                             GROUP BY la_urn ORDER BY n DESC, la LIMIT 1""").fetchone()
        if not row:
            raise SystemExit("no council with Ofsted visits in the database")
        la = row["la"]
    n_visits = len([v for v in om.visits(con, la=la) if v["kind"] not in ("council_paper", "unknown")])
    from ofsted_mine.councils import find_council
    council = find_council(la)
    if not council:
        raise SystemExit(f"unknown council: {la!r}")
    n_find = con.execute("SELECT COUNT(*) FROM findings f JOIN documents d ON d.id = f.doc_id WHERE d.la_urn = ? "
                         "AND d.kind NOT IN ('council_paper', 'unknown')", (council.urn,)).fetchone()[0]
    print(f"council: {la} ({n_visits} Ofsted visits, {n_find} findings); median of {args.repeat} runs\n")
    env = dict(os.environ, OFSTED_MINE_DB=str(db))
    rows = []

    # readiness: the whole CLI call, and the library call inside it
    out = tmp / "pack.html"
    if has_command("readiness"):
        how, cmd = "ofsted-mine readiness (CLI, subprocess)", cli_base()
    else:
        how, cmd = "readiness command via a stand-alone Typer app (not yet registered in the CLI; subprocess)", \
            [sys.executable, "-c", STANDALONE]
    secs, _ = time_cmd(cmd + ["readiness", "--la", la, "-o", str(out), "--db", str(db)], args.repeat, env)
    rows.append(("readiness", secs, how + f" -> {out.stat().st_size / 1024:.0f} KB"))
    from ofsted_mine.report.html import readiness_html
    lib = time_call(lambda: readiness_html(con, la), args.repeat)
    rows.append(("readiness", lib, "readiness_html() library call, warm process"))

    # timeline, track and compare (the council's first and latest visits): whole CLI calls
    from ofsted_mine.analyse.timeline import compare, timeline, track
    vis = timeline(con, la).visits
    first, last = vis[0].id, vis[-1].id
    for name, extra, fn in (("timeline", ["--la", la], lambda: timeline(con, la)),
                            ("track", [args.theme, "--la", la], lambda: track(con, args.theme, la)),
                            ("compare", [first, last], lambda: compare(con, first, last))):
        if has_command(name):
            secs, _ = time_cmd(cli_base() + [name, *extra, "--db", str(db)], args.repeat, env)
            rows.append((name, secs, f"ofsted-mine {name} (CLI, subprocess)"))
        else:
            secs = time_call(fn, args.repeat)
            rows.append((name, secs, f"{name}() library call: the `{name}` command is not in the CLI yet"))

    w = max(len(r[0]) for r in rows)
    for name, secs, how in rows:
        print(f"{name:<{w}}  {secs:6.3f} s  {verdict(name, secs):<22}  {how}")


if __name__ == "__main__":
    main()
