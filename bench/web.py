"""Web app speed: per-page server times, and a bounded load test of simultaneous users.

    python bench/web.py [--db real.db] [--users 20] [--rounds 5]

Without ``--db`` the shared reports (../shared/ofsted-reports) are ingested into a scratch
database first. The server runs as a separate process (``ofsted-mine serve``, local mode,
127.0.0.1); the figures are:

(a) per page: the server's own time (its ``Server-Timing`` header: from the request reaching
    the app to the response starting, rendering included), median and worst of ``--repeat``
    calls after one warm-up call, for the largest council and document;
(b) ``--users`` simultaneous users, each a thread with its own connection, running ``--rounds``
    rounds of browse-and-search (home, a search, a filtered search, a council, a theme track,
    a document, a comparison): wall-clock latency p50 / p95 / max at the client, errors and
    requests per second.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("OFSTED_MINE_SHARED", ROOT.parent / "shared"))
WORDS = [
    "management oversight",
    "drift",
    "care leavers",
    '"social work"',
    "supervision",
    "assessment*",
    "caseloads",
    "exploitation",
    "private fostering",
    "permanence",
    "return home interviews",
    "front door",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, int(round(p / 100 * len(xs) + 0.5)) - 1))]


def pick_targets(db: Path) -> dict:
    import sqlite3

    con = sqlite3.connect(db)
    urn, la = con.execute("""SELECT la_urn, la FROM documents WHERE la_urn IS NOT NULL
                             AND kind IN ('inspection', 'monitoring_visit', 'focused_visit', 'jtai')
                             GROUP BY la_urn ORDER BY COUNT(*) DESC, la_urn LIMIT 1""").fetchone()
    doc = con.execute("""SELECT d.visit_id FROM documents d JOIN findings f ON f.doc_id = d.id
                         GROUP BY d.id ORDER BY COUNT(*) DESC LIMIT 1""").fetchone()[0]
    visits = [
        r[0]
        for r in con.execute(
            """SELECT visit_id FROM documents WHERE la_urn = ? AND kind IN
                                           ('inspection', 'monitoring_visit', 'focused_visit', 'jtai')
                                           ORDER BY COALESCE(start_date, published)""",
            (urn,),
        )
    ]
    docs = [r[0] for r in con.execute("SELECT visit_id FROM documents ORDER BY id")]
    urns = [r[0] for r in con.execute("SELECT DISTINCT la_urn FROM documents WHERE la_urn IS NOT NULL")]
    con.close()
    return {"urn": urn, "la": la, "doc": doc, "visits": visits, "docs": docs, "urns": urns}


def pages(t: dict) -> list[tuple[str, str]]:
    a, b = (t["visits"][-2], t["visits"][-1]) if len(t["visits"]) > 1 else (t["visits"][0], t["visits"][0])
    return [
        ("home", "/"),
        ("search: words", "/search?" + urlencode({"q": "management oversight"})),
        (
            "search: words + council + polarity",
            "/search?" + urlencode({"q": "drift", "la": t["la"], "polarity": "concern"}),
        ),
        (
            "search: theme + kind + dates",
            "/search?"
            + urlencode(
                {"theme": "care_leavers", "kind": "inspection", "since": "2018-01-01", "until": "2024-12-31"}
            ),
        ),
        ("search: a word in 40% of findings", "/search?" + urlencode({"q": "children"})),
        (
            "search: 500 results (the most a page shows)",
            "/search?" + urlencode({"q": "social worker", "limit": 500}),
        ),
        ("download: search as CSV (all results)", "/search.csv?" + urlencode({"q": "management oversight"})),
        ("councils", "/councils"),
        (f"council ({t['la']}, {len(t['visits'])} visits)", f"/council/{t['urn']}"),
        ("theme track", f"/council/{t['urn']}/theme/drift_delay"),
        ("compare two visits", f"/council/{t['urn']}/compare?" + urlencode({"a": a, "b": b})),
        ("recommendation follow-up", f"/council/{t['urn']}/followup"),
        ("benchmark", f"/council/{t['urn']}/benchmark"),
        (f"document (largest: {t['doc']})", f"/doc/{t['doc']}"),
        ("review queue", "/review"),
        ("add documents", "/ingest"),
        ("download: pack (HTML)", f"/council/{t['urn']}/pack.html"),
        ("download: action log (XLSX)", f"/council/{t['urn']}/action-log.xlsx"),
    ]


def server_ms(r) -> float:
    st = r.headers.get("server-timing", "")
    return float(st.split("dur=")[1]) if "dur=" in st else float("nan")


def per_page(base: str, t: dict, repeat: int) -> list[tuple[str, float, float, float, float]]:
    import httpx

    out = []
    with httpx.Client(base_url=base, timeout=120) as c:
        for name, url in pages(t):
            r = c.get(url)
            if r.status_code != 200:
                raise SystemExit(f"{url}: HTTP {r.status_code}")
            first = server_ms(
                r
            )  # computed now (the app keeps the library's answer until the database changes)
            st, wall = [], []
            for _ in range(repeat):
                t0 = time.perf_counter()
                r = c.get(url)
                wall.append((time.perf_counter() - t0) * 1000)
                st.append(server_ms(r))
            out.append((name, first, statistics.median(st), max(st), statistics.median(wall)))
    return out


def load(base: str, t: dict, users: int, rounds: int, seed: int = 1) -> dict:
    import httpx

    lat: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(users)

    def user(i: int):
        rnd = random.Random(seed + i)
        mine, errs = [], []
        with httpx.Client(base_url=base, timeout=60) as c:
            start.wait()
            for _ in range(rounds):
                urn = rnd.choice(t["urns"])
                visits = t["visits"]
                seq = [
                    "/",
                    "/search?" + urlencode({"q": rnd.choice(WORDS)}),
                    "/search?"
                    + urlencode(
                        {"q": rnd.choice(WORDS), "la": urn, "polarity": rnd.choice(["concern", "strength"])}
                    ),
                    f"/council/{urn}",
                    f"/council/{urn}/theme/"
                    + rnd.choice(["drift_delay", "care_leavers", "workforce_stability"]),
                    "/doc/" + rnd.choice(t["docs"]),
                    f"/council/{t['urn']}/compare?" + urlencode({"a": rnd.choice(visits), "b": visits[-1]}),
                ]
                for url in seq:
                    t0 = time.perf_counter()
                    try:
                        r = c.get(url)
                        ok = r.status_code == 200
                        if not ok:
                            errs.append(f"{url}: HTTP {r.status_code}")
                    except Exception as e:  # a timeout or a refused connection is an error of the test
                        errs.append(f"{url}: {type(e).__name__}")
                    mine.append((time.perf_counter() - t0) * 1000)
        with lock:
            lat.extend(mine)
            errors.extend(errs)

    threads = [threading.Thread(target=user, args=(i,)) for i in range(users)]
    t0 = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    wall = time.perf_counter() - t0
    return {
        "requests": len(lat),
        "errors": errors,
        "p50": pct(lat, 50),
        "p95": pct(lat, 95),
        "max": max(lat),
        "rps": len(lat) / wall,
        "wall": wall,
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--db", type=Path, help="database (default: ingest ../shared/ofsted-reports into a scratch one)"
    )
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--workers", type=int, default=1, help="server processes (serve --workers)")
    a = ap.parse_args(argv)
    tmp = None
    db = a.db
    if db is None:
        tmp = tempfile.TemporaryDirectory()
        db = Path(tmp.name) / "real.db"
        sys.path.insert(0, str(ROOT))
        import ofsted_mine as om

        t0 = time.perf_counter()
        res = om.ingest([SHARED / "ofsted-reports"], db)
        print(
            f"ingested {len(res.added)} documents of the shared reports in {time.perf_counter() - t0:.0f} s"
        )
    t = pick_targets(db)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from ofsted_mine.cli import main; main()",
            "serve",
            "--db",
            str(db),
            "--port",
            str(port),
            "--workers",
            str(a.workers),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        import httpx

        t0 = time.time()
        while True:
            try:
                httpx.get(base + "/", timeout=2)
                break
            except httpx.HTTPError:
                if proc.poll() is not None or time.time() - t0 > 60:
                    raise SystemExit(
                        "the server did not start: " + (proc.stdout.read() if proc.stdout else "")
                    ) from None
                time.sleep(0.2)
        time.sleep(3)  # let the server's warm-up (scikit-learn import) finish
        import sqlite3

        con = sqlite3.connect(db)
        n_docs, n_find = con.execute(
            "SELECT (SELECT COUNT(*) FROM documents), (SELECT COUNT(*) FROM findings)"
        ).fetchone()
        con.close()
        print(
            f"database: {db} ({n_docs} documents, {n_find} findings); cpus: {os.cpu_count()}; "
            f"server: {a.workers} process{'es' if a.workers > 1 else ''}; load average now "
            f"{os.getloadavg()[0]:.1f}"
        )
        print(
            f"\n(a) per page, server time (Server-Timing): the first call, then {a.repeat} more; target <= "
            "300 ms"
        )
        print(f"{'page':52} {'first':>8} {'median':>8} {'worst':>8} {'wall':>8}")
        worst = 0.0
        for name, first, med, mx, wall in per_page(base, t, a.repeat):
            download = name.startswith("download")
            flag = "" if download or max(first, mx) <= 300 else "  > 300 ms"
            if not download:
                worst = max(worst, mx, first)
            print(f"{name[:52]:52} {first:7.0f}ms {med:7.0f}ms {mx:7.0f}ms {wall:7.0f}ms{flag}")
        print(f"worst page (downloads apart, first calls included): {worst:.0f} ms")
        print(
            f"\n(b) {a.users} simultaneous users x {a.rounds} rounds of 7 pages (browse and search); target "
            "p95 < 1 s, no error"
        )
        r = load(base, t, a.users, a.rounds)
        print(
            f"{r['requests']} requests in {r['wall']:.1f} s ({r['rps']:.0f}/s): p50 {r['p50']:.0f} ms, "
            f"p95 {r['p95']:.0f} ms, max {r['max']:.0f} ms; errors: {len(r['errors'])}"
        )
        for e in r["errors"][:10]:
            print("  error:", e)
        return 0 if not r["errors"] else 1
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        if tmp:
            tmp.cleanup()


if __name__ == "__main__":
    sys.exit(main())
