"""National scale: the whole CLI call at ten times the shared reports.

    python bench/scale.py [--db /tmp/scale10.db] [--keep] [--source-db real.db] [--factor 10]
                          [--repeat 3] [--web]

Builds a database ``--factor`` times the shared reports (about 2,500 documents and 940,000
findings at 10x: more than everything Ofsted has published on councils' children's services)
and times each command as a user runs it: a fresh ``ofsted-mine ...`` process, best wall time
of ``--repeat`` calls, and that process's peak RSS (``wait4``).

Building: the shared reports are ingested once (or ``--source-db`` is copied), then every
document is duplicated at the SQL level ``factor - 1`` times as a fictional council
(``name:scale-<k>-<urn>``, "Scale copy <k> of <urn>") with dates shifted by ``k`` weeks: its
sections, findings (the full-text index follows through the insert trigger), tags,
recommendations and their extractor record, consistently. Minutes, not hours. The text of a
copy is the real report's: the database is a scratch file, never committed (``--keep`` keeps
it; ``--db PATH`` reuses one that exists).

Targets at 10x (issue 15): every ``quotes`` <= 0.5 s; timeline, track, compare, followup,
benchmark <= 0.5 s; readiness <= 1.5 s; peak RSS <= 500 MB; the web app's worst page
(``--web``, bench/web.py's pages) <= 600 ms.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("OFSTED_MINE_SHARED", ROOT.parent / "shared"))

#: (label, kind of target, CLI arguments with {la}, {a}, {b}, {out} to fill in)
COMMANDS: list[tuple[str, str, list[str]]] = [
    ("quotes children", "quotes", ["quotes", "children"]),
    ("quotes the", "quotes", ["quotes", "the"]),
    ("quotes social workers", "quotes", ["quotes", "social workers"]),
    ('quotes "management oversight"', "quotes", ["quotes", '"management oversight"']),
    ("quotes drift --la", "quotes", ["quotes", "drift", "--la", "{la}"]),
    ("quotes children --polarity concern", "quotes", ["quotes", "children", "--polarity", "concern"]),
    ("quotes --theme care_leavers", "quotes", ["quotes", "--theme", "care_leavers"]),
    (
        "quotes children --limit 500 --format csv",
        "quotes",
        ["quotes", "children", "--limit", "500", "--format", "csv"],
    ),
    ("quotes children --limit 500 (terminal table)", "info", ["quotes", "children", "--limit", "500"]),
    ("timeline --la", "query", ["timeline", "--la", "{la}"]),
    ("track drift_delay --la", "query", ["track", "drift_delay", "--la", "{la}"]),
    ("compare", "query", ["compare", "{a}", "{b}"]),
    ("followup --la", "query", ["followup", "--la", "{la}"]),
    ("benchmark --la", "query", ["benchmark", "--la", "{la}"]),
    ("readiness --la (board)", "readiness", ["readiness", "--la", "{la}", "-o", "{out}/board.html"]),
    ("readiness --la --full", "readiness", ["readiness", "--la", "{la}", "--full", "-o", "{out}/full.html"]),
    # for information (no target in the issue)
    ("themes (counts over every tag)", "info", ["themes"]),
    ("councils (the table with counts)", "info", ["councils"]),
    ("visits --la", "info", ["visits", "--la", "{la}"]),
    ("visits (every one: a terminal table)", "info", ["visits"]),
]
TARGETS = {"quotes": 0.5, "query": 0.5, "readiness": 1.5}
RSS_TARGET_MB = 500
WEB_TARGET_MS = 600


# ------------------------------------------------------------------ building
def columns(con: sqlite3.Connection, table: str) -> list[str]:
    """A table's column names, in order (whatever the schema version adds)."""
    return [r[1] for r in con.execute(f"PRAGMA table_info({table})")]


def copy_rows(con: sqlite3.Connection, table: str, overrides: dict[str, str], where: str = "") -> None:
    """``INSERT INTO table SELECT ...`` of the original rows, some columns replaced by SQL
    expressions (over the original row's columns)."""
    cols = columns(con, table)
    exprs = [overrides.get(c, f'"{c}"') for c in cols]
    names = ", ".join(f'"{c}"' for c in cols)
    con.execute(f"INSERT INTO {table} ({names}) SELECT {', '.join(exprs)} FROM {table} {where}")


def duplicate(con: sqlite3.Connection, factor: int, progress=print) -> None:
    """Add ``factor - 1`` fictional copies of every original document (ids below the current
    maxima) with everything that hangs off it."""

    def top(table: str) -> int:
        return con.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}").fetchone()[0]

    d_max, s_max, f_max, r_max = top("documents"), top("sections"), top("findings"), top("recommendations")
    for k in range(1, factor):
        t0 = time.perf_counter()
        con.execute("BEGIN")
        shift = f"'+{7 * k} days'"
        doc = f"id + {k * d_max}"
        copy_rows(
            con,
            "documents",
            {
                "id": doc,
                "visit_id": f"visit_id || '-x{k}'",
                "sha256": f"sha256 || '-x{k}'",
                "path": f"'scale/x{k}/' || path",
                "la": f"CASE WHEN la_urn IS NULL THEN la ELSE 'Scale copy {k} of ' || la_urn END",
                "la_name_printed": f"CASE WHEN la_urn IS NULL THEN la_name_printed "
                f"ELSE 'Scale copy {k} of ' || la_urn END",
                "la_urn": f"CASE WHEN la_urn IS NULL THEN NULL ELSE 'name:scale-{k}-' || la_urn END",
                "start_date": f"date(start_date, {shift})",
                "end_date": f"date(end_date, {shift})",
                "published": f"date(published, {shift})",
                "inadequate_date": f"date(inadequate_date, {shift})",
                "visit_key": f"visit_key || '|x{k}'",
            },
            f"WHERE id <= {d_max}",
        )
        copy_rows(
            con,
            "sections",
            {"id": f"id + {k * s_max}", "doc_id": f"doc_id + {k * d_max}"},
            f"WHERE id <= {s_max}",
        )
        copy_rows(
            con,
            "findings",
            {"id": f"id + {k * f_max}", "doc_id": f"doc_id + {k * d_max}"},
            f"WHERE id <= {f_max}",
        )
        copy_rows(con, "tags", {"finding_id": f"finding_id + {k * f_max}"}, f"WHERE finding_id <= {f_max}")
        copy_rows(
            con,
            "recommendations",
            {"id": f"id + {k * r_max}", "doc_id": f"doc_id + {k * d_max}"},
            f"WHERE id <= {r_max}",
        )
        copy_rows(con, "recommendation_docs", {"doc_id": f"doc_id + {k * d_max}"}, f"WHERE doc_id <= {d_max}")
        con.execute("COMMIT")
        progress(f"  copy {k}/{factor - 1}: {time.perf_counter() - t0:.0f} s")


def build(db: Path, factor: int, source_db: Path | None) -> None:
    """Make ``db``: the shared reports (ingested, or ``source_db`` copied) times ``factor``."""
    sys.path.insert(0, str(ROOT))
    from ofsted_mine.store.db import open_db

    t0 = time.perf_counter()
    if source_db:
        src = sqlite3.connect(f"file:{source_db}?mode=ro", uri=True)
        dst = sqlite3.connect(db)
        src.backup(dst)
        src.close()
        dst.close()
        print(f"copied {source_db} in {time.perf_counter() - t0:.0f} s")
    else:
        import ofsted_mine as om

        res = om.ingest([SHARED / "ofsted-reports"], db)
        print(
            f"ingested {len(res.added)} documents of the shared reports in {time.perf_counter() - t0:.0f} s"
        )
    open_db(db).close()  # migrate to this version's schema (indexes included)
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    con.execute("PRAGMA cache_size=-200000")
    t1 = time.perf_counter()
    duplicate(con, factor)
    con.execute("INSERT INTO findings_fts(findings_fts) VALUES ('optimize')")
    con.execute("ANALYZE")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    print(f"duplicated x{factor} in {time.perf_counter() - t1:.0f} s")


# ------------------------------------------------------------------ timing
def cli() -> list[str]:
    """The installed ``ofsted-mine`` script next to this Python (what a user runs)."""
    exe = Path(sys.executable).with_name("ofsted-mine")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("ofsted-mine")
    return [found] if found else [sys.executable, "-m", "ofsted_mine.cli"]


def run_once(argv: list[str], env: dict) -> tuple[float, float, float, int, str]:
    """(wall s, CPU s, peak RSS MB, exit status, last error line) of one fresh process. The RSS
    comes from ``/usr/bin/time -f %M`` when it exists: a child's own ``wait4`` figure would
    include this (possibly large) process's, inherited at exec."""
    timer = Path("/usr/bin/time")
    with tempfile.TemporaryFile() as err, tempfile.NamedTemporaryFile("r") as rss:
        wrapped = [str(timer), "-f", "%M", "-o", rss.name, *argv] if timer.exists() else argv
        t0 = time.perf_counter()
        p = subprocess.Popen(wrapped, stdout=subprocess.DEVNULL, stderr=err, env=env)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        msg = err.read().decode(errors="replace").strip().splitlines()
        kb = rss.read().strip().splitlines() if timer.exists() else []
    peak = int(kb[-1]) / 1024 if kb and kb[-1].isdigit() else ru.ru_maxrss / 1024
    return wall, ru.ru_utime + ru.ru_stime, peak, p.returncode, (msg[-1] if msg else "")


def pick(db: Path) -> dict:
    """The council with the most Ofsted documents among the real ones (region and statistical
    neighbours known), and its two latest visits."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    urn = con.execute(
        """SELECT la_urn FROM documents WHERE la_urn IS NOT NULL AND la_urn NOT LIKE 'name:%' AND quoted = 1
           GROUP BY la_urn ORDER BY COUNT(*) DESC, la_urn LIMIT 1"""
    ).fetchone()[0]
    visits = [
        r[0]
        for r in con.execute(
            "SELECT visit_id FROM documents WHERE la_urn = ? AND quoted = 1 "
            "ORDER BY COALESCE(start_date, published), id",
            (urn,),
        )
    ]
    n_docs, n_find = con.execute(
        "SELECT (SELECT COUNT(*) FROM documents), (SELECT COUNT(*) FROM findings)"
    ).fetchone()
    con.close()
    return {
        "la": urn,
        "a": visits[-2] if len(visits) > 1 else visits[0],
        "b": visits[-1],
        "docs": n_docs,
        "findings": n_find,
    }


def time_commands(db: Path, repeat: int, only: str | None = None) -> bool:
    """Print each command's best wall time and peak RSS beside its target; True if all met."""
    t = pick(db)
    # as installed: pip compiles the package's bytecode; an editable checkout with
    # PYTHONDONTWRITEBYTECODE set would compile every module on every call instead
    import compileall

    compileall.compile_dir(ROOT / "ofsted_mine", quiet=2)
    out = tempfile.mkdtemp(prefix="scale-out-")
    env = dict(os.environ, OFSTED_MINE_DB=str(db), COLUMNS="120")
    print(
        f"database: {db} ({t['docs']:,} documents, {t['findings']:,} findings); council {t['la']}, "
        f"compare {t['a']} -> {t['b']}; best of {repeat}; load average {os.getloadavg()[0]:.1f}"
    )
    print(f"{'command':46} {'wall':>7} {'target':>7}      {'CPU':>6} {'peak RSS':>9}")
    ok_all = True
    base = cli()
    for label, kind, args in [("start-up: ofsted-mine --version", "start", ["--version"]), *COMMANDS]:
        if only and only not in label:
            continue
        argv = base + [a.format(la=t["la"], a=t["a"], b=t["b"], out=out) for a in args]
        if "--db" not in argv:
            argv += ["--db", str(db)] if kind != "start" else []
        runs = [run_once(argv, env) for _ in range(repeat)]
        best = min(r[0] for r in runs)
        cpu = min(r[1] for r in runs)
        rss = max(r[2] for r in runs)
        bad = [r for r in runs if r[3] != 0]
        target = TARGETS.get(kind)
        flag = "" if target is None else ("ok" if best <= target else "OVER")
        rflag = "ok" if rss <= RSS_TARGET_MB else "OVER"
        ok_all &= flag != "OVER" and rflag == "ok" and not bad
        tgt = f"{target:.1f} s" if target else "-"
        print(
            f"{label[:46]:46} {best:6.2f}s {tgt:>7} {flag:4} {cpu:5.2f}s {rss:7.0f}MB {rflag}"
            + (f"  FAILED: {bad[0][4]}" if bad else "")
        )
    shutil.rmtree(out, ignore_errors=True)
    return ok_all


def web(db: Path, repeat: int) -> bool:
    """The web app's pages (bench/web.py's list, downloads apart): worst server time."""
    sys.path.insert(0, str(ROOT / "bench"))
    import httpx
    import web as webbench  # bench/web.py

    t = webbench.pick_targets(db)
    port = webbench.free_port()
    base = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        cli() + ["serve", "--db", str(db), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        t0 = time.time()
        while True:
            try:
                httpx.get(base + "/", timeout=2)
                break
            except httpx.HTTPError:
                if proc.poll() is not None or time.time() - t0 > 60:
                    raise SystemExit("the server did not start") from None
                time.sleep(0.2)
        time.sleep(3)
        print(
            f"\nweb pages, server time (Server-Timing), first call and worst of {repeat} more; "
            f"target <= {WEB_TARGET_MS} ms"
        )
        worst = 0.0
        for name, first, _med, mx, _wall in webbench.per_page(base, t, repeat):
            if name.startswith("download"):
                continue
            w = max(first, mx)
            worst = max(worst, w)
            print(f"  {name[:52]:52} {first:7.0f}ms {mx:7.0f}ms {'ok' if w <= WEB_TARGET_MS else 'OVER'}")
        print(f"worst page: {worst:.0f} ms {'ok' if worst <= WEB_TARGET_MS else 'OVER'}")
        return worst <= WEB_TARGET_MS
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def main(argv=None) -> int:
    """Build (or reuse) the scaled database, then print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", type=Path, help="the scaled database: reused if it exists, else built there")
    ap.add_argument("--keep", action="store_true", help="keep the database built in a scratch folder")
    ap.add_argument("--source-db", type=Path, help="a database of the shared reports to copy (else ingest)")
    ap.add_argument("--factor", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--only", help="only the commands whose label contains this")
    ap.add_argument("--web", action="store_true", help="also time the web app's pages")
    a = ap.parse_args(argv)
    tmp = None
    db = a.db
    if db is None:
        tmp = tempfile.mkdtemp(prefix="scale-")
        db = Path(tmp) / f"scale{a.factor}.db"
    if not db.exists():
        build(db, a.factor, a.source_db)
        if tmp and a.keep:
            print(f"kept {db}")
    else:
        sys.path.insert(0, str(ROOT))
        from ofsted_mine.store.db import open_db

        open_db(db).close()  # migrate a database built by an older version
    try:
        ok = time_commands(db, a.repeat, a.only)
        if a.web:
            ok &= web(db, a.repeat)
    finally:
        if tmp and not a.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
