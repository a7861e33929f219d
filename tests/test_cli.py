import json

from typer.testing import CliRunner

from ofsted_mine.cli import app

from .conftest import LETTER_LINES, make_pdf

runner = CliRunner()


def test_cli_ingest_visits_show_quotes(tmp_path, letter_pdf):
    db = str(tmp_path / "qa.db")
    r = runner.invoke(app, ["ingest", str(letter_pdf), "--db", db, "--workers", "1"])
    assert r.exit_code == 0, r.output
    assert "1 added" in r.output
    r = runner.invoke(app, ["visits", "--db", db, "--format", "json"])
    rows = json.loads(r.stdout)
    keys = {
        "id",
        "la",
        "la_urn",
        "kind",
        "framework",
        "start_date",
        "end_date",
        "published",
        "visit_number",
        "lead_inspector",
        "inspectors",
        "focus_areas",
        "judgements",
        "source",
    }
    assert keys <= set(rows[0])
    assert (
        rows[0]["la"] == "Wyvern Vale"
        and rows[0]["visit_number"] == 3
        and rows[0]["start_date"] == "2023-02-28"
    )
    vid = rows[0]["id"]
    r = runner.invoke(app, ["visits", "--db", db, "--format", "csv", "--la", "990001"])
    assert r.stdout.splitlines()[0].startswith("id,la,la_urn") and vid in r.stdout
    r = runner.invoke(app, ["show", vid, "--db", db])
    assert (
        r.exit_code == 0
        and "Findings and evaluation of progress" in r.stdout
        and "Alex Thornbury" in r.stdout
    )
    r = runner.invoke(app, ["quotes", "oversight", "--db", db, "--format", "json"])
    q = json.loads(r.stdout)
    assert {
        "text",
        "visit_id",
        "la",
        "kind",
        "date",
        "section",
        "paragraph",
        "page",
        "source",
        "score",
    } <= set(q[0])
    assert q[0]["text"].startswith("Managers’ oversight") and q[0]["visit_id"] == vid
    # the list of areas covered is scope, not evidence: only when that section is asked for
    assert all(x["section"] != "Areas covered by the visit" for x in q)
    r = runner.invoke(
        app, ["quotes", "management oversight", "--section", "areas_covered", "--db", db, "--format", "json"]
    )
    assert [x["text"] for x in json.loads(r.stdout)] == ["Management oversight and supervision."]
    r = runner.invoke(app, ["quotes", "drift", "--db", db, "--format", "markdown"])
    assert r.stdout.startswith("> Frequent changes of social worker")
    r = runner.invoke(app, ["show", "no-such-visit", "--db", db])
    assert r.exit_code == 1


def test_cli_batch_with_bad_files_carries_on(tmp_path, letter_pdf):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "empty.pdf").write_bytes(b"")
    (folder / "saved-page.pdf").write_bytes(b"<html><body>Children's services inspection</body></html>")
    (folder / "notes.txt").write_bytes("Caf\xe9".encode("latin-1"))
    data = letter_pdf.read_bytes()
    (folder / "truncated.pdf").write_bytes(data[: len(data) // 2])
    make_pdf(folder / "good.pdf", LETTER_LINES)
    make_pdf(folder / "allotment.pdf", ["Minutes of the allotment society", "Tomatoes grew well this year."])
    db = str(tmp_path / "qa.db")
    r = runner.invoke(
        app, ["ingest", str(folder), str(tmp_path / "missing.pdf"), "--db", db, "--workers", "2"]
    )
    assert r.exit_code == 1
    err = r.stderr
    for name, why in [
        ("empty.pdf", "empty file"),
        ("saved-page.pdf", "HTML web page"),
        ("notes.txt", "not UTF-8"),
        ("truncated.pdf", "PDF"),
        ("missing.pdf", "no such file"),
    ]:
        line = next(l for l in err.splitlines() if name in l)
        assert line.startswith("error: ") and why in line
    assert "warning:" in err and "allotment.pdf" in err and "unknown" in err
    assert "2 added" in r.stdout and "5 failed" in r.stdout
    # a second run stores nothing new and loses nothing
    r2 = runner.invoke(app, ["ingest", str(folder), "--db", db])
    assert "0 added" in r2.stdout and "2 unchanged" in r2.stdout
    r = runner.invoke(app, ["visits", "--db", db, "--format", "json"])
    kinds = sorted(v["kind"] for v in json.loads(r.stdout))
    assert kinds == ["monitoring_visit", "unknown"]
    # unknown documents are never quoted as Ofsted findings
    r = runner.invoke(app, ["quotes", "tomatoes", "--db", db, "--format", "json"])
    assert json.loads(r.stdout) == []


def test_cli_needs_a_database(tmp_path):
    r = runner.invoke(app, ["visits", "--db", str(tmp_path / "none.db")])
    assert r.exit_code == 1 and "no database" in r.stderr


# ---------------------------------------------------------------- every command through the app
# The sample corpus (fictional councils) is ingested once per session (shared with
# test_readiness.py and test_export.py); commands that write get a private copy.
import ast  # noqa: E402
import csv as _csv  # noqa: E402
import io  # noqa: E402
import sqlite3  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from .test_readiness import build_corpus_db, copy_db  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
LABELS = ROOT / "corpus" / "annotations" / "corpus-labels.jsonl"  # our own labels of the fictional corpus


@pytest.fixture(scope="session")
def corpus_db(tmp_path_factory) -> Path:
    return build_corpus_db(tmp_path_factory)


def _ok(args: list[str], **kw):
    r = runner.invoke(app, args, **kw)
    assert r.exit_code == 0, (args, r.output, r.exception)
    return r


def _wyvern_visits(db) -> list[str]:
    return [
        v["id"]
        for v in json.loads(_ok(["visits", "--la", "Wyvern Vale", "--db", db, "--format", "json"]).stdout)
    ]


def test_compare_through_the_app(corpus_db):
    db = str(corpus_db)
    vs = _wyvern_visits(db)
    d = json.loads(_ok(["compare", vs[0], vs[-1], "--db", db, "--format", "json"]).stdout)
    assert d["a"]["visit_id"] == vs[0] and d["b"]["visit_id"] == vs[-1] and d["themes"]
    table = _ok(["compare", vs[0], vs[-1], "--db", db]).stdout
    assert "Wyvern Vale" in table
    rows = list(
        _csv.DictReader(io.StringIO(_ok(["compare", vs[0], vs[-1], "--db", db, "--format", "csv"]).stdout))
    )
    assert rows and "theme" in rows[0]
    assert "|" in _ok(["compare", vs[0], vs[-1], "--db", db, "--format", "markdown"]).stdout
    r = runner.invoke(app, ["compare", vs[0], "no-such-visit", "--db", db])
    assert r.exit_code == 1 and r.stderr.startswith("error: ") and len(r.stderr.splitlines()) == 1


def test_followup_through_the_app(corpus_db, tmp_path):
    db = str(corpus_db)
    d = json.loads(_ok(["followup", "--la", "Wyvern Vale", "--db", db, "--format", "json"]).stdout)
    assert d["la"] == "Wyvern Vale" and d["items"]
    assert "Wyvern Vale" in _ok(["followup", "--la", "Wyvern Vale", "--db", db]).stdout
    log = tmp_path / "actions.csv"
    r = _ok(["followup", "--la", "Wyvern Vale", "--db", db, "--format", "csv", "-o", str(log)])
    assert f"{log}: action log of {len(d['items'])} recommendation(s)" in r.stdout
    assert len(list(_csv.reader(io.StringIO(log.read_text(encoding="utf-8-sig"))))) == len(d["items"]) + 1
    out = tmp_path / "fu.json"
    _ok(["followup", "--la", "Wyvern Vale", "--db", db, "--format", "json", "-o", str(out)])
    assert json.loads(out.read_text()) == d
    book = tmp_path / "actions.xlsx"
    _ok(["followup", "--la", "Wyvern Vale", "--db", db, "--format", "xlsx", "-o", str(book)])
    assert book.read_bytes()[:2] == b"PK"  # a zip: an xlsx workbook
    r = runner.invoke(app, ["followup", "--la", "Wyvern Vale", "--db", db, "--format", "xlsx"])
    assert r.exit_code == 2 and "-o FILE" in r.stderr


def test_benchmark_through_the_app(corpus_db):
    db = str(corpus_db)
    d = json.loads(_ok(["benchmark", "--la", "Wyvern Vale", "--db", db, "--format", "json"]).stdout)
    assert d["la"] == "Wyvern Vale" and d["themes"] and d["councils_compared"] >= 1
    table = _ok(["benchmark", "--la", "Wyvern Vale", "--db", db], env={"COLUMNS": "200"}).stdout
    assert "England: mean" in table and d["themes"][0]["theme"] in table
    r = runner.invoke(app, ["benchmark", "--la", "Atlantis", "--db", db])
    assert r.exit_code == 1 and "Atlantis" in r.stderr


def test_explain_through_the_app():
    sentence = "Management oversight of casework is not consistently effective."
    e = json.loads(_ok(["explain", sentence, "--format", "json"]).stdout)
    assert {"tagger", "polarity", "themes", "considered"} <= set(e)
    text = _ok(["explain", sentence]).stdout
    assert text.startswith(f"tagger: {e['tagger']}") and f"polarity: {e['polarity']}" in text
    for t in e["themes"]:
        assert f"theme {t['theme']}: score {t['score']}" in text


def test_demo_through_the_app(tmp_path, letter_pdf, monkeypatch):
    import ofsted_mine.cli.ingest as ingest_cli

    corpus = tmp_path / "corpus"
    (corpus / "pdf").mkdir(parents=True)
    (corpus / "pdf" / "letter.pdf").write_bytes(letter_pdf.read_bytes())
    monkeypatch.setattr(ingest_cli, "corpus_dir", lambda: corpus)  # one letter, not the whole corpus
    db = tmp_path / "demo.db"
    r = _ok(["demo", "--db", str(db)], env={"COLUMNS": "200"})
    assert "1 added" in r.stdout and "Wyvern Vale" in r.stdout and "Next: ofsted-mine visits" in r.stdout
    assert db.exists()
    monkeypatch.setattr(ingest_cli, "corpus_dir", lambda: tmp_path / "nowhere")
    r = runner.invoke(app, ["demo", "--db", str(tmp_path / "other.db")])
    assert r.exit_code == 1 and "sample corpus not found" in r.stderr


def test_readiness_and_export_through_the_app(corpus_db, tmp_path):
    db = str(corpus_db)
    pack = tmp_path / "pack.html"
    r = _ok(["readiness", "--la", "Wyvern Vale", "-o", str(pack), "--db", db])
    assert r.stdout.strip() == f"wrote {pack}" and "<html" in pack.read_text(encoding="utf-8")[:500].lower()
    md = _ok(["readiness", "--la", "Wyvern Vale", "-o", "-", "--db", db]).stdout
    assert md.startswith("#") and "Wyvern Vale" in md
    r = runner.invoke(app, ["readiness", "--la", "Wyvern Vale", "-o", str(tmp_path / "pack.pdf"), "--db", db])
    assert r.exit_code == 1 and "html or .md" in r.stderr
    out = tmp_path / "findings.csv"
    r = _ok(["export", "-o", str(out), "--la", "Wyvern Vale", "--db", db])
    assert "exported" in r.stdout and out.exists()
    data = json.loads(
        _ok(["export", "-o", "-", "--format", "json", "--la", "Wyvern Vale", "--db", db]).stdout
    )
    assert data
    r = runner.invoke(app, ["export", "-o", str(tmp_path / "x.txt"), "--db", db])
    assert r.exit_code == 1 and "--format csv, xlsx or json" in r.stderr


def test_lists_themes_councils_visits_quotes_show(corpus_db):
    db = str(corpus_db)
    themes = json.loads(_ok(["themes", "--db", db, "--format", "json"]).stdout)
    assert themes and {"id", "name", "findings", "concern"} <= set(themes[0])
    assert themes[0]["id"] in _ok(["themes", "--db", db], env={"COLUMNS": "200"}).stdout
    rows = json.loads(_ok(["councils", "wyvern", "--db", db, "--format", "json"]).stdout)
    assert [r["name"] for r in rows] == ["Wyvern Vale"] and rows[0]["documents"] > 0
    assert "Wyvern Vale" in _ok(["councils", "wyvern", "--db", db], env={"COLUMNS": "200"}).stdout
    vs = _wyvern_visits(db)
    shown = json.loads(_ok(["show", vs[0], "--db", db, "--format", "json"]).stdout)
    assert shown["id"] == vs[0] and shown["findings"]
    why = _ok(["show", vs[0], "--db", db, "--why"]).stdout
    assert "Wyvern Vale" in why
    q = json.loads(_ok(["quotes", "oversight", "--db", db, "--format", "json", "--limit", "3"]).stdout)
    assert 0 < len(q) <= 3 and all("citation" in x for x in q)


def test_tagging_commands_through_the_app(corpus_db, tmp_path):
    m = json.loads(_ok(["evaluate", str(LABELS), "--mode", "rules", "--format", "json"]).stdout)
    assert 0 <= m["theme_micro_f1"] <= 1
    assert "micro" in _ok(["evaluate", str(LABELS), "--baseline", "keyword"]).stdout
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": "a", "text": "Caseloads are too high and social workers leave."}) + "\n")
    _ok(["classify", str(src), "-o", str(tmp_path / "out.jsonl"), "--rules-only"])
    assert json.loads((tmp_path / "out.jsonl").read_text())["id"] == "a"
    db = copy_db(corpus_db, tmp_path / "tag.db")
    r = _ok(["tag", "--db", str(db), "--rules-only"])
    assert r.stdout.startswith("re-tagged ") and "finding" in r.stdout


def test_corrections_commands_through_the_app(corpus_db, tmp_path):
    db = copy_db(corpus_db, tmp_path / "c.db")
    vs = _wyvern_visits(str(db))
    f = json.loads(_ok(["show", vs[0], "--db", str(db), "--format", "json"]).stdout)["findings"][-1]
    r = _ok(["correct", str(f["id"]), "--add", "drift_delay", "--who", "tester", "--db", str(db)])
    assert r.stdout.startswith(f"finding {f['id']}: themes ") and "drift_delay" in r.stdout
    r = _ok(
        ["correct", str(f["id"]), "--remove", "drift_delay", "--confirm", "--who", "tester", "--db", str(db)]
    )
    assert "drift_delay" not in r.stdout.split(";")[0]
    listed = json.loads(_ok(["corrections", "list", "--db", str(db), "--format", "json"]).stdout)
    assert [x["finding"] for x in listed] == [f["id"]] and listed[0]["who"] == "tester"
    assert str(f["id"]) in _ok(["corrections", "list", "--db", str(db)]).stdout
    a = json.loads(_ok(["agreement", "--db", str(db), "--format", "json"]).stdout)
    assert a["corrected_findings"] == 1
    assert "findings checked by a person" in _ok(["agreement", "--db", str(db)]).stdout
    out = tmp_path / "corr.jsonl"
    _ok(["corrections", "export", "-o", str(out), "--reports", str(ROOT / "corpus"), "--db", str(db)])
    assert out.exists()
    r = _ok(["review", "--la", "Wyvern Vale", "--limit", "1", "--db", str(db)], input="s\n")
    assert "reviewed" in r.stdout or "nothing to review" in r.stdout
    r = runner.invoke(app, ["correct", "999999", "--add", "drift_delay", "--confirm", "--db", str(db)])
    assert r.exit_code == 1 and "no such finding" in r.stderr


def test_qda_through_the_app(corpus_db, tmp_path):
    _ok(["qda", "codebook", "-o", str(tmp_path / "c.qdc")])
    assert (tmp_path / "c.qdc").read_text(encoding="utf-8").lstrip().startswith("<?xml")
    r = _ok(["qda", "project", "-o", str(tmp_path / "p.qdpx"), "--la", "Wyvern Vale", "--db", str(corpus_db)])
    assert "coded findings" in r.stdout and (tmp_path / "p.qdpx").read_bytes()[:2] == b"PK"


# ---------------------------------------------------------------- one check per shared option
def _commands_with(option: str):
    from ofsted_mine.cli.reference import commands

    for name, cmd, _ctx in commands():
        for p in getattr(cmd, "params", []):
            if option in getattr(p, "opts", []):
                yield name.split()[1:], cmd


def test_every_format_option_is_checked_once_the_same_way(tmp_path):
    """Every command with --format refuses an unknown value with one line and exit 2, before
    anything else is done (no database is opened: the one named here does not exist)."""
    seen = 0
    for path, cmd in _commands_with("--format"):
        db = ["--db", str(tmp_path / "none.db")] if any("--db" in p.opts for p in cmd.params) else []
        r = runner.invoke(app, [*path, "--format", "nope", *db])
        assert r.exit_code == 2, (path, r.output)
        assert r.stderr.startswith("error: --format 'nope': unknown value; use "), (path, r.stderr)
        assert len(r.stderr.splitlines()) == 1
        seen += 1
    assert seen >= 15


def test_every_format_offered_is_registered():
    from ofsted_mine.report.formats import FORMATS

    for path, cmd in _commands_with("--format"):
        p = next(p for p in cmd.params if "--format" in p.opts)
        offered = [
            w.strip(",") for w in (p.help or "").replace(" or ", ", ").split() if w.strip(",").isalpha()
        ]
        assert {w for w in offered if w in FORMATS}, (path, p.help)


def test_dates_and_kinds_are_checked_by_every_command_that_takes_them(tmp_path):
    for option, bad, said in (("--since", "2024-02-30", "no such date"), ("--until", "soon", "not a date")):
        for path, _cmd in _commands_with(option):
            r = runner.invoke(app, [*path, option, bad, "--db", str(tmp_path / "none.db")])
            assert r.exit_code == 2 and said in r.stderr, (path, option, r.output)
    for path, _cmd in _commands_with("--kind"):
        if path == ["fetch"]:
            continue  # fetch's --kind names kinds of pages on Ofsted's site (checked by fetch)
        r = runner.invoke(app, [*path, "--kind", "novel", "--db", str(tmp_path / "none.db")])
        assert r.exit_code == 2 and "--kind 'novel'" in r.stderr, (path, r.output)


# ---------------------------------------------------------------- every CSV is guarded
FORMULA = ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def test_every_csv_a_command_prints_is_guarded(corpus_db, tmp_path):
    """Document text that a spreadsheet would run (=HYPERLINK …) is written with a leading ' by
    every command that prints CSV."""
    db = copy_db(corpus_db, tmp_path / "hostile.db")
    con = sqlite3.connect(db)
    con.execute("UPDATE documents SET lead_inspector = '=HYPERLINK(\"http://x\")', la_name_printed = '@cmd'")
    fid = con.execute(
        "SELECT f.id FROM findings f JOIN documents d ON d.id = f.doc_id JOIN tags t ON t.finding_id = f.id "
        "WHERE d.la = 'Wyvern Vale' AND t.theme = 'drift_delay' LIMIT 1"
    ).fetchone()[0]
    old = con.execute("SELECT text FROM findings WHERE id = ?", (fid,)).fetchone()[0]
    new = '=HYPERLINK("http://x") drift ' + old
    con.execute("INSERT INTO findings_fts(findings_fts, rowid, text) VALUES ('delete', ?, ?)", (fid, old))
    con.execute("UPDATE findings SET text = ? WHERE id = ?", (new, fid))
    con.execute("INSERT INTO findings_fts(rowid, text) VALUES (?, ?)", (fid, new))
    con.commit()
    con.close()
    d = str(db)
    vs = _wyvern_visits(d)
    runs = [
        ["visits", "--db", d, "--format", "csv"],
        ["quotes", "HYPERLINK", "--db", d, "--format", "csv"],
        ["timeline", "--la", "Wyvern Vale", "--db", d, "--format", "csv"],
        ["track", "drift_delay", "--la", "Wyvern Vale", "--quotes", "50", "--db", d, "--format", "csv"],
        ["compare", vs[0], vs[-1], "--db", d, "--format", "csv"],
        ["councils", "--db", d, "--format", "csv"],
        ["followup", "--la", "Wyvern Vale", "--db", d, "--format", "csv", "-o", "-"],
    ]
    hostile = 0
    for args in runs:
        out = _ok(args).stdout
        cells = [c for row in _csv.reader(io.StringIO(out)) for c in row]
        assert cells, args
        bad = [c for c in cells if c.lstrip(" ").startswith(FORMULA) and not c.startswith("'")]
        assert not bad, (args, bad[:3])
        hostile += sum("HYPERLINK" in c or "@cmd" in c for c in cells)
    assert hostile >= 2  # the hostile text did reach the CSVs (visits, quotes)


# ---------------------------------------------------------------- every command is exercised
def _invoked_commands() -> set[tuple[str, ...]]:
    """Command paths that some test runs through the app (CliRunner.invoke or python -m
    ofsted_mine.cli), read from the tests' source."""
    found: set[tuple[str, ...]] = set()
    for f in Path(__file__).resolve().parent.rglob("*.py"):
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.List):
                continue
            words = [e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
            if "ofsted_mine.cli" in words:
                words = words[words.index("ofsted_mine.cli") + 1 :]
            if words:
                found.update({tuple(words[:1]), tuple(words[:2])})
    return found


def test_every_registered_command_is_exercised_through_the_app():
    from ofsted_mine.cli.reference import commands

    invoked = _invoked_commands()
    missing = []
    for name, cmd, _ctx in commands():
        path = tuple(name.split()[1:])
        if not path or hasattr(cmd, "list_commands"):
            continue  # the app itself and groups (their sub-commands are checked)
        if path not in invoked:
            missing.append(" ".join(path))
    assert missing == []


def test_users_through_the_app(tmp_path):
    db = str(tmp_path / "t.db")
    pw = {"input": "long enough password\n"}
    _ok(["users", "add", "bea", "--role", "viewer", "--db", db, "--password-stdin"], **pw)
    assert "now editor" in _ok(["users", "role", "bea", "editor", "--db", db]).stdout
    assert "changed" in _ok(["users", "password", "bea", "--db", db, "--password-stdin"], **pw).stdout
    assert "bea\teditor" in _ok(["users", "list", "--db", db]).stdout
    assert "removed bea" in _ok(["users", "remove", "bea", "--db", db]).stdout
    r = runner.invoke(app, ["users", "remove", "bea", "--db", db])
    assert r.exit_code == 1 and r.stderr.startswith("error: ")
