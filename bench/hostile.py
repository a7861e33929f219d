"""Hostile input: peak memory and time of the cases of issue 13 (large file, compression
bomb, long query), each in its own process so its peak RSS is its own.

    python bench/hostile.py            # every case
    python bench/hostile.py --quick    # a 256 MiB bomb instead of 1 GiB, a 20 MB file instead of 100 MB

Cases (all local: the bomb is served by tests/fetch_site.py's MockSite, an httpx.MockTransport):
  large-file-default   a 100 MB text file, default limits (refused before it is read)
  large-file-nolimit   the same file with --max-size 0 (refused once decoded: too much text)
  longest-accepted     a letter-like text just under the 2,000,000-character limit (ingested)
  bomb-file            a 'Content-Encoding: gzip, gzip' PDF holding 1 GiB of zeros (fetch, 50 MB cap)
  bomb-page            the same bomb as a provider page (fetch, 10 MB page cap)
  query-x3000          'drift ' repeated 3,000 times
  query-x20000         'drift ' repeated 20,000 times
  query-65-words       65 different words (refused: at most 64)
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _letter_text(n_chars: int) -> str:
    from tests.conftest import LETTER_LINES

    head = "\n\n".join(ln[2:] if ln.startswith("# ") else ln for ln in LETTER_LINES[:14])
    para = " ".join(ln.split(". ", 1)[-1] for ln in LETTER_LINES[14:17])
    out, i, size = [head], 0, len(head)
    while size < n_chars:
        i += 1
        out.append(f"{i}. {para}")
        size += len(out[-1]) + 2
    return "\n\n".join(out)


# ---------------------------------------------------------------- cases (run in a child)
def case_ingest(src: str, db: str, max_bytes: str) -> dict:
    import ofsted_mine as om

    r = om.ingest([src], db, workers=1, max_bytes=None if max_bytes == "none" else -1)
    return {
        "outcome": f"{len(r.added)} added, {len(r.failed)} failed"
        + (f": {r.failed[0][1]}" if r.failed else "")
    }


def case_bomb(kind: str, inner: str, lib: str) -> dict:
    import tests.fetch_site as fs
    from ofsted_mine.fetch import Limits, Site, fetch
    from tests.fetch_site import FakeCouncil, FakePub, MockSite, letter_pdf

    fs.BOMB_INNER_BYTES = int(inner)
    fs.gzip_bomb()
    body = letter_pdf("Croydon", "Monitoring visit", "May 2023", "1")
    c = FakeCouncil(
        "80492",
        "Croydon",
        pubs=[
            FakePub(
                "1", "Monitoring visit, pdf - 3 May 2023", body=body, fault="bomb" if kind == "file" else None
            )
        ],
        page_fault="bomb" if kind == "page" else None,
    )
    site = MockSite([c])  # an httpx.MockTransport: fetch's own decoding and caps, no sockets
    t = time.perf_counter()
    res = fetch(
        la="croydon",
        library=lib,
        limits=Limits(pause=0, retries=0),
        site=Site(client=site.client()),
        ingest_fn=lambda *a, **k: None,
    )
    return {
        "outcome": "; ".join(i.reason for i in res.failed) or "no failure",
        "inner_secs": time.perf_counter() - t,
    }


def case_query(db: str, q: str) -> dict:
    import ofsted_mine as om
    from ofsted_mine.errors import OfstedMineError

    con = om.open_db(db, create=False)
    t = time.perf_counter()
    try:
        out = f"{len(om.quotes(con, q))} quotes"
    except OfstedMineError as e:
        out = f"refused: {e}"
    return {"outcome": out, "inner_secs": time.perf_counter() - t}


# ---------------------------------------------------------------- driver
def _run(name: str, *args: str) -> dict:
    t = time.perf_counter()
    p = subprocess.Popen(
        [sys.executable, __file__, "--case", *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    out, err = p.communicate()
    secs = time.perf_counter() - t
    # the child reports its own peak RSS (it is the only process of its case)
    try:
        res = json.loads(out.decode().strip().splitlines()[-1])
    except (IndexError, ValueError):
        res = {"outcome": f"crashed: {err.decode()[-300:]}", "rss_mb": float("nan")}
    res.update(case=name, secs=secs)
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--case", nargs="+")
    a = ap.parse_args()
    if a.case:
        import resource

        fn = {"ingest": case_ingest, "bomb": case_bomb, "query": case_query}[a.case[0]]
        res = fn(*a.case[1:])
        res["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(res))
        return

    big_mb = 20 if a.quick else 100
    inner = (256 if a.quick else 1024) << 20
    rows = []
    with tempfile.TemporaryDirectory(prefix="ofsted-hostile-") as d:
        d = Path(d)
        big = d / "big.txt"
        chunk = _letter_text(1_000_000).encode()
        with open(big, "wb") as f:
            while f.tell() < big_mb * 1_000_000:
                f.write(chunk)
        near = d / "near.txt"
        near.write_text(_letter_text(1_950_000))
        rows.append(_run(f"large-file-default ({big_mb} MB)", "ingest", str(big), str(d / "a.db"), "default"))
        rows.append(_run(f"large-file-nolimit ({big_mb} MB)", "ingest", str(big), str(d / "b.db"), "none"))
        rows.append(_run("longest-accepted (1.95 M chars)", "ingest", str(near), str(d / "c.db"), "default"))
        rows.append(
            _run(f"bomb-file ({inner >> 20} MiB inside)", "bomb", "file", str(inner), str(d / "lib1"))
        )
        rows.append(
            _run(f"bomb-page ({inner >> 20} MiB inside)", "bomb", "page", str(inner), str(d / "lib2"))
        )
        import ofsted_mine as om
        from tests.conftest import LETTER_LINES, make_pdf

        qdb = d / "q.db"
        om.ingest([make_pdf(d / "letter.pdf", LETTER_LINES)], qdb, workers=1)
        rows.append(_run("query-x3000", "query", str(qdb), "drift " * 3000))
        rows.append(_run("query-x20000", "query", str(qdb), "drift " * 20000))
        rows.append(_run("query-65-words", "query", str(qdb), " ".join(f"w{i}" for i in range(65))))
    print(f"{'case':36} {'peak RSS':>10} {'wall':>8} {'inner':>8}  outcome")
    for r in rows:
        inner_s = f"{r['inner_secs']:.3f}s" if "inner_secs" in r else ""
        print(f"{r['case']:36} {r['rss_mb']:8.0f}MB {r['secs']:7.1f}s {inner_s:>8}  {r['outcome'][:110]}")


if __name__ == "__main__":
    main()
