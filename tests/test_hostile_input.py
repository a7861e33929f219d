"""Issue 13, items 3, 4, 14, 15: input size, long queries, workers outliving a killed
ingest, unlistable paths. Each load test stops by itself."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

import ofsted_mine as om
from ofsted_mine.api import expand_paths
from ofsted_mine.cli import app
from ofsted_mine.read import MAX_INPUT_BYTES, MAX_TEXT_CHARS
from ofsted_mine.store.search import MAX_QUERY_TERMS, QueryError, fts_query

from .conftest import LETTER_LINES, ROOT, make_pdf

runner = CliRunner()


def _letter_text(n_chars: int) -> str:
    head = "\n\n".join(ln[2:] if ln.startswith("# ") else ln for ln in LETTER_LINES[:14])
    para = " ".join(ln.split(". ", 1)[-1] for ln in LETTER_LINES[14:17])
    out, i = [head], 0
    size = len(head)
    while size < n_chars:
        i += 1
        out.append(f"{i}. {para}")
        size += len(out[-1]) + 2
    return "\n\n".join(out)


# ------------------------------------------------------------------ 3: input size
def test_file_over_the_size_limit_is_refused_before_reading(tmp_path, letter_pdf):
    big = tmp_path / "huge.txt"
    with open(big, "wb") as f:  # sparse: nothing is written, so nothing may be read
        f.truncate(MAX_INPUT_BYTES + 1)
    r = runner.invoke(
        app, ["ingest", str(big), str(letter_pdf), "--db", str(tmp_path / "q.db"), "--workers", "1"]
    )
    assert r.exit_code == 1 and "1 added" in r.stdout
    (line,) = [ln for ln in r.stderr.splitlines() if "huge.txt" in ln]
    assert line.startswith("error: ") and "file too large" in line and "--max-size" in line
    # the option raises (or lowers) the limit
    small = tmp_path / "small.txt"
    small.write_text(_letter_text(3000))
    r = runner.invoke(app, ["ingest", str(small), "--db", str(tmp_path / "q.db"), "--max-size", "0.001"])
    assert r.exit_code == 1 and "file too large" in r.stderr and "limit of 0.001 MB" in r.stderr
    r = runner.invoke(app, ["ingest", str(small), "--db", str(tmp_path / "q.db"), "--max-size", "1"])
    assert r.exit_code == 0 and "1 added" in r.stdout


@pytest.mark.slow
def test_ingest_memory_stays_under_1_gb_whatever_the_input(tmp_path):
    """A 60 MB text file with no size limit, and the longest text accepted: each ingest
    process peaks under 1 GB, and the big one fails with one line."""
    huge = tmp_path / "huge.txt"
    chunk = _letter_text(1_000_000).encode()
    with open(huge, "wb") as f:
        while f.tell() < 60_000_000:
            f.write(chunk)
    near = tmp_path / "near-limit.txt"
    near.write_text(_letter_text(MAX_TEXT_CHARS - 100_000))
    code = (
        "import resource, sys, ofsted_mine as om\n"
        "r = om.ingest([sys.argv[1]], sys.argv[2], workers=1, max_bytes=None)\n"
        "print(len(r.added), len(r.failed), r.failed[0][1] if r.failed else '')\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    )
    for src, added in ((huge, 0), (near, 1)):
        t = time.monotonic()
        out = subprocess.run(
            [sys.executable, "-c", code, str(src), str(tmp_path / f"{src.stem}.db")],
            capture_output=True,
            text=True,
            timeout=600,
            cwd=ROOT,
        )
        assert out.returncode == 0, out.stderr[-2000:]
        first, peak_kb = out.stdout.splitlines()
        assert first.startswith(f"{added} {1 - added}"), first
        if not added:
            assert "too much text" in first
        assert int(peak_kb) < 1_000_000, (src.name, int(peak_kb) // 1024, "MB")
        assert time.monotonic() - t < 300


def test_document_with_too_much_text_is_refused(tmp_path):
    p = tmp_path / "long.txt"
    p.write_text(_letter_text(MAX_TEXT_CHARS + 10))
    r = om.ingest([p], tmp_path / "q.db", workers=1)
    assert not r.added and len(r.failed) == 1 and "too much text" in r.failed[0][1]


# ------------------------------------------------------------------ 4: long queries
@pytest.fixture(scope="module")
def small_db(tmp_path_factory):
    d = tmp_path_factory.mktemp("q")
    pdf = make_pdf(d / "letter.pdf", LETTER_LINES)
    db = d / "q.db"
    om.ingest([pdf], db, workers=1)
    return db


def test_one_word_repeated_is_one_term_and_fast(small_db):
    con = om.open_db(small_db, create=False)
    one = om.quotes(con, "drift")
    assert one
    assert fts_query("drift " * 20_000) == fts_query("drift") == '"drift"'
    for n in (3_000, 20_000):
        t = time.monotonic()
        res = om.quotes(con, "drift " * n)
        assert time.monotonic() - t < 1.0
        assert [q.finding_id for q in res] == [q.finding_id for q in one]
    t = time.monotonic()
    assert [q.finding_id for q in om.quotes(con, '"drift in planning" ' * 5_000)] == [
        q.finding_id for q in om.quotes(con, '"drift in planning"')
    ]
    assert time.monotonic() - t < 1.0


def test_too_many_or_too_long_queries_are_refused_with_one_line(small_db):
    con = om.open_db(small_db, create=False)
    words = " ".join(f"w{i}" for i in range(MAX_QUERY_TERMS + 1))
    for q, raw in (
        (words, False),
        ('"' + words + '"', False),
        ("x" * 300_000, False),
        ("drift OR " * 1000, True),
    ):
        t = time.monotonic()
        with pytest.raises(QueryError) as e:
            om.quotes(con, q, raw_fts=raw)
        assert time.monotonic() - t < 1.0 and "\n" not in str(e.value) and "at most" in str(e.value)
    r = runner.invoke(app, ["quotes", words, "--db", str(small_db)])
    assert r.exit_code in (1, 2) and r.stderr.startswith("error: ") and len(r.stderr.splitlines()) == 1


# ------------------------------------------------------------------ 15: unlistable paths
def test_unlistable_folder_and_path_each_get_their_own_line(tmp_path, letter_pdf, monkeypatch):
    good = tmp_path / "good"
    (good / "sub").mkdir(parents=True)
    (good / "locked").mkdir()
    make_pdf(good / "sub" / "a.pdf", LETTER_LINES)
    (good / "locked" / "b.pdf").write_bytes(b"%PDF-1.4")
    top_locked = tmp_path / "top-locked"
    top_locked.mkdir()
    (top_locked / "c.pdf").write_bytes(b"%PDF-1.4")
    behind = tmp_path / "behind" / "d.pdf"
    behind.parent.mkdir()
    behind.write_bytes(b"%PDF-1.4")
    real_scandir, real_stat = os.scandir, os.stat

    def scandir(p="."):  # what an unreadable folder does (the tests may run as root)
        if Path(os.fsdecode(p)).name in ("locked", "top-locked"):
            raise PermissionError(13, "Permission denied", os.fsdecode(p))
        return real_scandir(p)

    def stat(p, *a, **k):  # a path below a folder without search permission
        if "behind" in os.fsdecode(p):
            raise PermissionError(13, "Permission denied", os.fsdecode(p))
        return real_stat(p, *a, **k)

    monkeypatch.setattr(os, "scandir", scandir)
    monkeypatch.setattr(os, "stat", stat)
    files, errors = expand_paths([good, top_locked, behind, letter_pdf])
    monkeypatch.undo()
    assert [f.name for f in files] == ["a.pdf", letter_pdf.name]
    why = dict(errors)
    assert set(why) == {str(good / "locked"), str(top_locked), str(behind)}
    assert "cannot list this folder: Permission denied" in why[str(good / "locked")]
    assert "cannot list this folder" in why[str(top_locked)] and "holds no" not in why[str(top_locked)]
    assert "Permission denied" in why[str(behind)]


# ------------------------------------------------------------------ 14: workers die with the parent
def _children(pid: int) -> set[int]:
    out = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out |= {int(x) for x in (task / "children").read_text().split()}
        except OSError:
            pass
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_workers_exit_when_the_ingest_parent_is_killed(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(12):
        make_pdf(folder / f"l{i}.pdf", [ln.replace("third", f"{i}th") for ln in LETTER_LINES] * 6)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ofsted_mine.cli",
            "ingest",
            str(folder),
            "--db",
            str(tmp_path / "k.db"),
            "--workers",
            "2",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        workers: set[int] = set()
        end = time.monotonic() + 120
        while time.monotonic() < end and len(workers) < 2 and proc.poll() is None:
            workers |= _children(proc.pid)
            time.sleep(0.05)
        assert len(workers) >= 2, "the ingest never started its workers"
        os.kill(proc.pid, signal.SIGKILL)  # the parent only: no clean-up runs
        proc.wait(timeout=30)
        end = time.monotonic() + 15
        while time.monotonic() < end and any(_alive(w) for w in workers):
            time.sleep(0.1)
        survivors = [w for w in workers if _alive(w)]
    finally:
        for w in _children(proc.pid) | locals().get("workers", set()):
            if _alive(w):
                os.kill(w, signal.SIGKILL)
    assert survivors == []
