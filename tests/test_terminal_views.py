"""The terminal views at the terminal's width: `timeline` fits 80 columns (COLUMNS=80), shows
theme names, a verdict letter in every cell (not only a colour) and a legend."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import ofsted_mine as om

from .test_readiness import corpus_db  # noqa: F401


def _run(args, db, columns):
    env = dict(os.environ, COLUMNS=str(columns), NO_COLOR="1", TERM="dumb")
    r = subprocess.run(
        [sys.executable, "-m", "ofsted_mine.cli", *args, "--db", str(db)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_timeline_fits_80_columns_with_names_letters_and_legend(corpus_db):  # noqa: F811
    from ofsted_mine.analyse.timeline import _load_taxonomy_light, timeline

    con = om.open_db(corpus_db)
    tl = timeline(con, "Wyvern Vale")
    out = _run(["timeline", "--la", "Wyvern Vale"], corpus_db, 80)
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 80, max(lines, key=len)
    flat = re.sub(r"[│┃]", " ", out)
    words = " ".join(flat.split())
    for t in _load_taxonomy_light(con):  # theme names (wrapped at words), not ids
        assert t["name"].split()[0] in words and ("_" not in t["id"] or t["id"] not in words.split())
    assert "letter = verdict" in words and "C concern" in words and "not examined" in words
    # every visit is shown (split into several tables when they do not fit side by side)
    for v in tl.visits:
        assert v.label.split()[1] in out
    assert "visits 1–" in out and len(tl.visits) > 3
    cells = re.findall(r"[│┃]\s*([A-Z0–?-])(?: \d+/\d+/\d+)?\s*(?=[│┃])", out)
    assert cells, "no verdict letters in the cells"


def test_timeline_uses_a_wide_terminal(corpus_db):  # noqa: F811
    out = _run(["timeline", "--la", "Wyvern Vale"], corpus_db, 220)
    assert "visits 1–" not in out  # all visits side by side
    assert max(len(line) for line in out.splitlines()) <= 220


def test_compare_and_track_fit_80_columns_with_theme_names(corpus_db):  # noqa: F811
    con = om.open_db(corpus_db)
    ids = [v["id"] for v in om.visits(con, la="Eastmere") if v["kind"] != "council_paper"]
    out = _run(["compare", ids[0], ids[-1]], corpus_db, 80)
    assert max(len(line) for line in out.splitlines()) <= 80
    words = " ".join(re.sub(r"[│┃]", " ", out).split())
    assert "Drift, delay" in words and "drift_delay" not in words
    assert re.search(r"\b[CMSs?N0–] \d+/\d+/\d+", out)  # letters as well as colours
    out = _run(["track", "drift_delay", "--la", "Eastmere"], corpus_db, 80)
    assert max(len(line) for line in out.splitlines()) <= 80 and "Drift, delay and timeliness" in out


def test_list_tables_fit_80_columns_and_keep_their_columns(corpus_db):  # noqa: F811
    """visits, themes, benchmark and councils (drawn by report/tables.py) stay within 80 columns
    with the columns they keep there, each value from the library's rows; every visit id is
    printed whole on one line (a user types it next), and the visits table says what it left out."""
    con = om.open_db(corpus_db)
    checks = {
        ("visits", "--la", "Wyvern Vale"): ("kind", "verdict", "council, dates and lead inspector"),
        ("themes",): ("concern", "strength", "mixed"),
        ("benchmark", "--la", "Wyvern Vale"): ("theme", "percentile"),
        ("councils", "wyvern"): ("urn", "region", "documents"),
    }
    for args, heads in checks.items():
        out = _run(list(args), corpus_db, 80)
        assert max(len(line) for line in out.splitlines()) <= 80, (args, max(out.splitlines(), key=len))
        words = " ".join(re.sub(r"[│┃]", " ", out).split())
        for h in heads:  # at 80 columns a heading may fold inside a word: its first letters show
            assert h[:4] in words, (args, h)
    out = _run(["visits", "--la", "Wyvern Vale"], corpus_db, 80)
    for v in om.visits(con, la="Wyvern Vale"):
        assert v["id"] in out, v["id"]  # whole, not folded over two lines
    wide = _run(["visits", "--la", "Wyvern Vale"], corpus_db, 140)
    for h in ("council", "lead", "judgements", "findings"):
        assert h in wide, h
    assert "left out" not in wide and "a wider terminal" not in wide
