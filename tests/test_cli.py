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
