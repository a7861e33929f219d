"""Issue 13, items 5-9: document text never injects into spreadsheets, Markdown, terminals or Rich."""

import csv
import io
import json
import sqlite3

import pytest
from typer.testing import CliRunner

import ofsted_mine as om
from ofsted_mine.cli import app
from ofsted_mine.report.csvout import FORMULA_START, csv_text, guard_cell

from .conftest import LETTER_LINES

runner = CliRunner()

HOSTILE = [
    '3. =HYPERLINK("http://evil.example","drift") planning for children remains weak.',
    "4. +cmd|' /C calc'!A0 drift in planning persists for children.",
    "5. \uff1d1+2 drift noted by managers for children.",
    "6. -2+3 drift recorded in planning for children.",
    "7. @SUM(A1) drift in supervision for children.",
    "8. <script>alert(1)</script> drift <img src=x onerror=alert(2)> [click](javascript:alert(3)) for "
    "children.",
    "9. \x1b[2J\x1b]0;pwned\x07 Drift in \x1b[31mred\x1b[0m planning \x9b1m for\u202e children.",
    "10. [/x] drift [bold]markup[/bold] in planning for children.",
]


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory):
    d = tmp_path_factory.mktemp("hostile")
    lines = [ln[2:] if ln.startswith("# ") else ln for ln in LETTER_LINES]
    i = next(k for k, ln in enumerate(lines) if ln.startswith("3. "))
    lines[i : i + 1] = HOSTILE
    src = d / "hostile.txt"
    src.write_text("\n\n".join(lines), encoding="utf-8")
    db = d / "h.db"
    r = om.ingest([src], db, workers=1)
    assert r.added, r.failed
    return db


def _formula_like(s: str) -> bool:
    return s.lstrip(" ").startswith(FORMULA_START)


def test_guard_cell_owasp_and_full_width():
    for v in ("=1+2", "+1", "-1", "@A1", "\t=1", "\r=1", "\uff1d1", "\uff0b1", "\uff0d1", "\uff20A1", "  =1"):
        assert guard_cell(v) == "'" + v
    assert guard_cell("Plans") == "Plans" and guard_cell(-3) == -3 and guard_cell(None) is None
    out = csv_text([{"a": "=cmd", "b": ["x"], "c": 1}], ["a", "b", "c"])
    assert out.splitlines()[1] == """'=cmd,"[""x""]",1"""


def test_quotes_csv_is_guarded(hostile_db):
    r = runner.invoke(app, ["quotes", "drift", "--db", str(hostile_db), "--format", "csv", "--limit", "50"])
    assert r.exit_code == 0, r.output
    rows = list(csv.reader(io.StringIO(r.stdout)))
    texts = [row[0] for row in rows[1:]]
    assert (
        any("HYPERLINK" in t for t in texts)
        and any("calc" in t for t in texts)
        and any("\uff1d" in t for t in texts)
    )
    assert not [c for row in rows for c in row if _formula_like(c)]


def test_visits_and_timeline_csv_use_the_guarded_writer(hostile_db, monkeypatch):
    from ofsted_mine import cli

    assert cli._csv([{"la": "=HYPERLINK(1)"}], ["la"]).splitlines()[1] == "'=HYPERLINK(1)"
    con = sqlite3.connect(hostile_db)
    con.execute("UPDATE documents SET lead_inspector = '=HYPERLINK(\"http://x\")', la_name_printed = '@cmd'")
    con.commit()
    con.close()
    r = runner.invoke(app, ["visits", "--db", str(hostile_db), "--format", "csv"])
    rows = list(csv.reader(io.StringIO(r.stdout)))
    assert any("HYPERLINK" in c for row in rows for c in row)
    assert not [c for row in rows for c in row if _formula_like(c)]
    r = runner.invoke(app, ["timeline", "--la", "Wyvern Vale", "--db", str(hostile_db), "--format", "csv"])
    assert r.exit_code == 0, r.output
    assert not [c for row in csv.reader(io.StringIO(r.stdout)) for c in row if _formula_like(c)]


def test_quotes_markdown_escapes_html_and_links(hostile_db):
    r = runner.invoke(
        app, ["quotes", "drift", "--db", str(hostile_db), "--format", "markdown", "--limit", "50"]
    )
    assert r.exit_code == 0
    md = r.stdout
    assert "alert(1)" in md and "onerror" in md
    for bad in ("<script", "<img"):
        assert bad not in md
    import re

    assert not re.search(r"(?<!\\)\[click(?<!\\)\]\(", md) and re.search(r"\\\[click\\\]", md)  # no live link


def test_control_characters_never_stored_or_printed(hostile_db):
    con = sqlite3.connect(hostile_db)
    (text,) = con.execute("SELECT group_concat(text, ' ') FROM findings").fetchone()
    (doc,) = con.execute("SELECT text FROM documents").fetchone()
    con.close()
    assert "Drift in red planning" in text
    for s in (text, doc):
        assert not any(
            ord(c) < 32 and c not in "\t\n\r\f" or 0x7F <= ord(c) <= 0x9F or c == "\u202e" for c in s
        )
        assert "[2J" not in s and "pwned" not in s and "[31m" not in s
    vid = json.loads(runner.invoke(app, ["visits", "--db", str(hostile_db), "--format", "json"]).stdout)[0][
        "id"
    ]
    for args in (["show", vid], ["quotes", "drift", "--limit", "50"], ["quotes", "red", "--format", "json"]):
        r = runner.invoke(app, args + ["--db", str(hostile_db)])
        assert r.exit_code == 0 and "\x1b" not in r.stdout and "\x07" not in r.stdout, args


def test_rich_markup_in_document_text_is_printed_as_text(hostile_db):
    r = runner.invoke(app, ["quotes", "markup", "--db", str(hostile_db)])
    assert r.exit_code == 0 and "[/x]" in r.stdout and "[bold]markup[/bold]" in r.stdout


def test_newline_in_a_file_name_cannot_forge_a_line(tmp_path, letter_pdf):
    bad = tmp_path / "in" / "bad\nerror: forged line.pdf"
    bad.parent.mkdir()
    bad.write_bytes(b"")
    (tmp_path / "in" / "[red]odd [bold]name.txt").write_text("Just a note about nothing in particular.\n")
    r = runner.invoke(
        app, ["ingest", str(bad.parent), str(letter_pdf), "--db", str(tmp_path / "q.db"), "--workers", "1"]
    )
    assert r.exit_code == 1 and r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert all(ln.startswith(("error: ", "warning: ")) for ln in lines), lines
    forged = [ln for ln in lines if "forged" in ln]
    assert len(forged) == 1 and "\\n" in forged[0] and "empty file" in forged[0]
    assert "[red]odd [bold]name.txt" in r.stderr


def test_double_dash_ends_options(tmp_path, letter_pdf, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "--db=evil.txt").write_text("Just a note.\n")
    db = tmp_path / "good.db"
    r = runner.invoke(
        app, ["ingest", "--db", str(db), "--workers", "1", "--", "--db=evil.txt", str(letter_pdf)]
    )
    assert r.exit_code == 0, r.output
    assert db.exists() and not (tmp_path / "evil.txt").exists()
    r = runner.invoke(app, ["quotes", "--db", str(db), "--format", "json", "--", "-2+3"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout) == []
    r = runner.invoke(app, ["quotes", "--db", str(db), "--format", "json", "--", "-drift"])
    assert r.exit_code == 0 and json.loads(r.stdout)


def test_visits_table_prints_markup_in_document_text_as_text(hostile_db):
    con = sqlite3.connect(hostile_db)
    con.execute("UPDATE documents SET lead_inspector = '[/x] Pat [bold]Example'")
    con.commit()
    con.close()
    r = runner.invoke(app, ["visits", "--db", str(hostile_db)], env={"COLUMNS": "300"})
    assert r.exception is None, repr(r.exception)
    assert "[/x] Pat [bold]Example" in r.stdout


def test_terminal_views_of_an_older_database_print_no_escape_sequences(hostile_db):
    con = sqlite3.connect(hostile_db)  # as if stored before control characters were stripped when reading
    con.execute("UPDATE findings SET text = text || ' \x1b]0;pwned\x07\x1b[2J' WHERE text LIKE '%drift%'")
    con.execute("UPDATE documents SET lead_inspector = 'Pat \x1b[31mExample'")
    con.commit()
    con.close()
    vid = json.loads(runner.invoke(app, ["visits", "--db", str(hostile_db), "--format", "json"]).stdout)[0][
        "id"
    ]
    for args in (["show", vid], ["quotes", "drift", "--limit", "50"], ["visits"]):
        r = runner.invoke(app, args + ["--db", str(hostile_db)])
        assert r.exit_code == 0 and "\x1b" not in r.stdout and "\x07" not in r.stdout, args
