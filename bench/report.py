"""Time the readiness pack and the timeline/track commands (issue 4's speed targets).

    python bench/report.py                     # a database built from the bundled sample corpus
    python bench/report.py --db qa.db          # an existing database (e.g. the real reports)
    python bench/report.py --db qa.db --la X   # one council instead of the one with most visits

    python bench/report.py --db qa.db --all    # readiness (board and full) for EVERY council

Targets (issue 11): `readiness` writes its board pack in <= 1.5 s; `timeline` and `track`
answer in <= 0.5 s per whole CLI call (process start included). `--all` times the board and
full pack of every council (one run each) and prints the slowest, the median and the
share of councils within the target. Every CLI figure is a subprocess call, the
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

TARGETS = {"readiness": 1.5, "readiness --full": 1.5, "timeline": 0.5, "track": 0.5, "compare": 0.5}
# the readiness/export commands as a stand-alone Typer app, for when the main CLI lacks them
STANDALONE = (
    "import typer, sys; from ofsted_mine.cli.reports import readiness_command, export_command; "
    "app = typer.Typer(); app.command('readiness')(readiness_command); "
    "app.command('export')(export_command); sys.argv[0] = 'ofsted-mine'; app()"
)


def cli_base() -> list[str]:
    return [sys.executable, "-m", "ofsted_mine.cli"]


def has_command(name: str) -> bool:
    r = subprocess.run(cli_base() + [name, "--help"], capture_output=True, text=True)
    return r.returncode == 0


CPU: dict = {}  # the child's CPU time (user + sys) of the last time_cmd, by command name


def time_cmd(cmd: list[str], repeat: int, env=None) -> tuple[float, subprocess.CompletedProcess]:
    """Median wall time of ``repeat`` runs; the median CPU time of the child goes to CPU["last"]
    (on a shared, loaded machine the CPU time is what the command costs)."""
    import resource

    times, cpus, r = [], [], None
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        r = subprocess.run(cmd, capture_output=True, text=True, env=env)
        times.append(time.perf_counter() - t)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        if r.returncode != 0:
            raise SystemExit(f"failed: {' '.join(cmd)}\n{r.stderr[-2000:]}")
    CPU["last"] = statistics.median(cpus)
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
    ap.add_argument(
        "--extra-visits",
        type=int,
        default=4,
        help="with the corpus: add N later monitoring visits to Wyvern Vale (copies of its letters "
        "with their years moved on) so the council has more than 10 visits",
    )
    ap.add_argument("--all", action="store_true", help="time readiness (board and full) for every council")
    args = ap.parse_args()

    import ofsted_mine as om

    db = args.db
    if db is None:
        db = tmp / "corpus.db"
        t = time.perf_counter()
        extra = make_extra_visits(tmp, args.extra_visits)
        om.ingest([str(ROOT / "corpus" / "pdf"), *map(str, extra)], db)
        print(
            f"built a database from the sample corpus (+{len(extra)} extra Wyvern Vale visits) "
            f"in {time.perf_counter() - t:.2f} s"
        )
    con = om.open_db(db)
    la = args.la
    if not la:
        row = con.execute("""SELECT la, COUNT(*) AS n FROM documents
                             WHERE la IS NOT NULL
                               AND kind IN ('inspection','monitoring_visit','focused_visit','jtai')
                             GROUP BY la_urn ORDER BY n DESC, la LIMIT 1""").fetchone()
        if not row:
            raise SystemExit("no council with Ofsted visits in the database")
        la = row["la"]
    n_visits = len([v for v in om.visits(con, la=la) if v["kind"] not in ("council_paper", "unknown")])
    from ofsted_mine.councils import find_council

    council = find_council(la)
    if not council:
        raise SystemExit(f"unknown council: {la!r}")
    n_find = con.execute(
        "SELECT COUNT(*) FROM findings f JOIN documents d ON d.id = f.doc_id WHERE d.la_urn = ? "
        "AND d.kind NOT IN ('council_paper', 'unknown')",
        (council.urn,),
    ).fetchone()[0]
    print(f"council: {la} ({n_visits} Ofsted visits, {n_find} findings); median of {args.repeat} runs\n")
    env = dict(os.environ, OFSTED_MINE_DB=str(db))
    rows = []

    # readiness: the whole CLI call, and the library call inside it
    out = tmp / "pack.html"
    if has_command("readiness"):
        how, cmd = "ofsted-mine readiness (CLI, subprocess)", cli_base()
    else:
        how, cmd = (
            "readiness command via a stand-alone Typer app (not yet registered in the CLI; subprocess)",
            [sys.executable, "-c", STANDALONE],
        )
    secs, _ = time_cmd(cmd + ["readiness", "--la", la, "-o", str(out), "--db", str(db)], args.repeat, env)
    rows.append(
        (
            "readiness",
            secs,
            how + f", board pack -> {out.stat().st_size / 1024:.0f} KB; cpu {CPU['last']:.2f} s",
        )
    )
    secs, _ = time_cmd(
        cmd + ["readiness", "--la", la, "-o", str(out), "--db", str(db), "--full"], args.repeat, env
    )
    rows.append(
        (
            "readiness --full",
            secs,
            how + f", full pack -> {out.stat().st_size / 1024:.0f} KB; cpu {CPU['last']:.2f} s",
        )
    )
    from ofsted_mine.report.html import pack_data, readiness_html

    lib = time_call(lambda: readiness_html(con, la, full=False), args.repeat)
    rows.append(("readiness", lib, "readiness_html(full=False) library call, warm process"))
    import ofsted_mine.report.pack as pmod  # where pack_data finds the follow-up

    real_followup = pmod._followup
    pmod._followup = lambda *a: (None, "skipped")
    try:
        lib = time_call(lambda: readiness_html(con, la, full=False), args.repeat)
    finally:
        pmod._followup = real_followup
    rows.append(
        ("readiness", lib, "the same without the recommendation follow-up (what the pack itself costs)")
    )
    del pack_data

    # timeline, track and compare (the council's first and latest visits): whole CLI calls
    from ofsted_mine.analyse.timeline import compare, timeline, track

    vis = timeline(con, la).visits
    first, last = vis[0].id, vis[-1].id
    for name, extra, fn in (
        ("timeline", ["--la", la], lambda: timeline(con, la)),
        ("track", [args.theme, "--la", la], lambda: track(con, args.theme, la)),
        ("compare", [first, last], lambda: compare(con, first, last)),
    ):
        if has_command(name):
            secs, _ = time_cmd(cli_base() + [name, *extra, "--db", str(db)], args.repeat, env)
            rows.append((name, secs, f"ofsted-mine {name} (CLI, subprocess); cpu {CPU['last']:.2f} s"))
        else:
            secs = time_call(fn, args.repeat)
            rows.append((name, secs, f"{name}() library call: the `{name}` command is not in the CLI yet"))

    w = max(len(r[0]) for r in rows)
    for name, secs, how in rows:
        print(f"{name:<{w}}  {secs:6.3f} s  {verdict(name, secs):<22}  {how}")
    if args.all:
        every_council(con, db, cmd, env, tmp)


def every_council(con, db, cmd, env, tmp: Path) -> None:
    """The whole `readiness` CLI call, board and full pack, for every council (one run each)."""
    las = [r[0] for r in con.execute("SELECT DISTINCT la FROM documents WHERE la IS NOT NULL ORDER BY la")]
    print(f"\nreadiness for every council ({len(las)}), one run each, whole CLI call:")
    for flag in ([], ["--full"]):
        times, cpus = [], []
        for la in las:
            secs, _ = time_cmd(
                cmd + ["readiness", "--la", la, "-o", str(tmp / "p.html"), "--db", str(db), *flag], 1, env
            )
            times.append((secs, la))
            cpus.append((CPU["last"], la))
        times.sort(reverse=True)
        cpus.sort(reverse=True)
        ok = sum(1 for s, _ in times if s <= TARGETS["readiness"])
        name = "readiness " + (flag[0] if flag else "(board)")
        print(
            f"  {name:<20} slowest {times[0][0]:.2f} s ({times[0][1]}), median "
            f"{statistics.median(s for s, _ in times):.2f} s, {ok}/{len(times)} within "
            f"{TARGETS['readiness']:g} s; slowest five: " + ", ".join(f"{la} {s:.2f}" for s, la in times[:5])
        )
        print(
            f"  {'':<20} cpu: highest {cpus[0][0]:.2f} s ({cpus[0][1]}), median "
            f"{statistics.median(s for s, _ in cpus):.2f} s, "
            f"{sum(1 for s, _ in cpus if s <= TARGETS['readiness'])}/{len(cpus)} "
            f"within {TARGETS['readiness']:g} s"
        )
    print(f"  load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
