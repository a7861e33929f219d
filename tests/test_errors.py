"""Plain errors (issue 12, item 5): no command lets a traceback reach the user; bad option
values are usage errors (exit 2) that list the valid values; re-runs stay green (item 6)."""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

import ofsted_mine as om
from ofsted_mine.cli import app, main

from .conftest import LETTER_LINES, make_pdf
from .test_readiness import build_corpus_db

runner = CliRunner()

#: minimal arguments of every command that opens a database ({db}, {tmp}, {pdf} filled in)
DB_COMMANDS = {
    "ingest": ["{pdf}"],
    "visits": [],
    "show": ["some-visit"],
    "quotes": ["drift"],
    "themes": [],
    "tag": ["--rules-only"],
    "timeline": ["--la", "Wyvern Vale"],
    "track": ["drift_delay", "--la", "Wyvern Vale"],
    "compare": ["visit-a", "visit-b"],
    "followup": ["--la", "Wyvern Vale"],
    "benchmark": ["--la", "Wyvern Vale"],
    "readiness": ["--la", "Wyvern Vale", "-o", "{tmp}/pack.html"],
    "export": ["-o", "{tmp}/out.csv"],
    "demo": [],
    "councils": [],
    "serve": [],
    "correct": ["1", "--polarity", "concern"],
    "review": ["--la", "Wyvern Vale"],
    "agreement": [],
    "corrections": ["list"],
    "qda": ["project", "-o", "{tmp}/x.qdpx"],
}
#: commands without a database, with the file argument they read
FILE_COMMANDS = {
    "explain": None,
    "classify": ["{missing}", "-o", "{tmp}/out.jsonl"],
    "evaluate": ["{missing}"],
    "train": ["{missing}", "-o", "{tmp}/m.joblib", "--no-cv"],
}
#: commands covered elsewhere: fetch talks to the network (tests/test_fetch.py checks its errors);
#: users manages the web app's accounts file (the web tests)
ELSEWHERE = {"fetch", "users"}


def _commands() -> set[str]:
    return set(typer.main.get_command(app).commands)


def test_every_command_is_covered():
    assert _commands() == set(DB_COMMANDS) | set(FILE_COMMANDS) | ELSEWHERE


def _bad_databases(tmp: Path) -> dict[str, Path]:
    text = tmp / "notes.txt"
    text.write_text("not a database\n" * 50)
    newer = tmp / "newer.db"
    con = sqlite3.connect(newer)
    con.execute("PRAGMA user_version = 999")
    con.execute("CREATE TABLE documents (x)")
    con.commit()
    con.close()
    corrupt = tmp / "corrupt.db"
    corrupt.write_bytes(b"SQLite format 3\x00" + bytes(range(256)) * 32)
    folder = tmp / "a-folder"
    folder.mkdir()
    return {
        "text file": text,
        "folder": folder,
        "newer schema": newer,
        "corrupt": corrupt,
        "missing": tmp / "none" / "x.db",
        "read-only place": Path("/proc/ofsted-mine-test/x.db"),
    }


def _run(args: list[str]):
    r = runner.invoke(app, args)
    out = r.stdout + r.stderr
    assert "Traceback" not in out, out
    assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
    return r


@pytest.fixture(scope="module")
def bad_dbs(tmp_path_factory):
    return _bad_databases(tmp_path_factory.mktemp("bad"))


@pytest.mark.parametrize("command", sorted(DB_COMMANDS))
def test_every_command_with_every_bad_database(command, bad_dbs, tmp_path, monkeypatch):
    import uvicorn

    def never(*a, **k):  # `serve` must refuse a bad database before it starts a server
        raise AssertionError("serve started a server on a bad database")

    monkeypatch.setattr(uvicorn, "run", never)
    pdf = make_pdf(tmp_path / "letter.pdf", LETTER_LINES)
    for label, db in bad_dbs.items():
        if label == "missing" and command in ("ingest", "demo"):
            continue  # these create it
        args = [a.format(tmp=tmp_path, pdf=pdf) for a in DB_COMMANDS[command]]
        r = _run([command, *args, "--db", str(db)])
        assert r.exit_code == 1, (command, label, r.exit_code, r.stdout, r.stderr)
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: ") and str(db) in lines[0], (
            command,
            label,
            r.stderr,
        )


def test_missing_and_unreadable_inputs(tmp_path):
    missing = tmp_path / "no-such-file.jsonl"
    for command, args in FILE_COMMANDS.items():
        if args is None:
            continue
        r = _run([command, *[a.format(tmp=tmp_path, missing=missing) for a in args]])
        assert r.exit_code == 1 and r.stderr.startswith("error: ") and str(missing) in r.stderr, (
            command,
            r.stderr,
        )
        r = _run([command, *[a.format(tmp=tmp_path, missing=tmp_path) for a in args]])  # a folder
        assert r.exit_code == 1 and r.stderr.count("\n") == 1 and "folder" in r.stderr, (command, r.stderr)
    for command in ("explain", "classify", "evaluate"):
        extra = {
            "explain": ["A sentence."],
            "classify": [str(tmp_path / "x.jsonl"), "-o", "-"],
            "evaluate": [str(tmp_path / "x.jsonl")],
        }[command]
        (tmp_path / "x.jsonl").write_text(
            '{"id": 1, "text": "Drift in planning.", "themes": [], "polarity": "concern"}\n'
        )
        r = _run([command, *extra, "--model", str(missing)])
        assert r.exit_code == 1 and f"{missing}: no such model file" in r.stderr, (command, r.stderr)
        r = _run([command, *extra, "--taxonomy", str(missing)])
        assert r.exit_code == 1 and "taxonomy file not found" in r.stderr, (command, r.stderr)


def test_a_model_that_fails_to_load_is_one_line(tmp_path):
    bad = tmp_path / "tagger.joblib"
    bad.write_bytes(b"not a model at all")
    r = _run(["explain", "Drift in planning.", "--model", str(bad)])
    assert r.exit_code == 1 and r.stderr.startswith(f"error: {bad}: cannot load the model"), r.stderr


def test_a_training_file_too_small_to_train_on(tmp_path):
    f = tmp_path / "three.jsonl"
    f.write_text(
        "".join(
            json.dumps({"id": i, "text": t, "themes": ["drift_delay"], "polarity": "concern"}) + "\n"
            for i, t in enumerate(["Drift in planning.", "Delay for children.", "Plans drift."])
        )
    )
    r = _run(["train", str(f), "-o", str(tmp_path / "m.joblib"), "--no-cv"])
    assert r.exit_code == 1 and "too few to train on" in r.stderr and "3 labelled sentences" in r.stderr, (
        r.stderr
    )
    assert not (tmp_path / "m.joblib").exists()


def test_main_prints_one_line_for_any_error(monkeypatch, capsys, tmp_path):
    """The console entry point itself: errors escaping the app are one line too."""
    (tmp_path / "notes.txt").write_text("hello")
    monkeypatch.setattr(sys, "argv", ["ofsted-mine", "visits", "--db", str(tmp_path / "notes.txt")])
    with pytest.raises(SystemExit) as e:
        main()
    err = capsys.readouterr().err
    assert e.value.code == 1 and err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err


# ---------------------------------------------------------------- bad option values
@pytest.fixture(scope="module")
def corpus_db(tmp_path_factory):
    return build_corpus_db(tmp_path_factory)


@pytest.mark.parametrize(
    "args, valid",
    [
        (["quotes", "--theme", "drift"], "drift_delay"),
        (["track", "drift", "--la", "Wyvern Vale"], "drift_delay"),
        (["quotes", "--polarity", "bad", "--la", "Wyvern Vale"], "strength, concern, mixed or neutral"),
        (["quotes", "drift", "--kind", "mv"], "monitoring_visit"),
        (["visits", "--kind", "mv"], "monitoring_visit"),
        (["visits", "--since", "yesterday"], "YYYY-MM-DD"),
        (["visits", "--since", "2022-13-45"], "YYYY-MM-DD"),
        (["quotes", "drift", "--until", "soon"], "YYYY-MM-DD"),
        (["timeline", "--la", "Wyvern Vale", "--since", "2022-02-30"], "YYYY-MM-DD"),
        (["readiness", "--la", "Wyvern Vale", "-o", "p.html", "--since", "last year"], "YYYY-MM-DD"),
        (["visits", "--format", "xml"], "table"),
        (["show", "x", "--format", "xml"], "text or json"),
        (["themes", "--format", "xml"], "table or json"),
        (["timeline", "--la", "Wyvern Vale", "--format", "xml"], "table, csv, json or markdown"),
        (["track", "drift_delay", "--la", "Wyvern Vale", "--format", "xml"], "text, json, csv or markdown"),
        (["compare", "a", "b", "--format", "xml"], "table, json, csv or markdown"),
        (["followup", "--la", "Wyvern Vale", "--format", "xml"], "table, json, csv or xlsx"),
        (["benchmark", "--la", "Wyvern Vale", "--format", "xml"], "table or json"),
        (["explain", "Drift.", "--format", "xml"], "text or json"),
    ],
)
def test_bad_option_values_are_usage_errors(args, valid, corpus_db, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = _run([*args, "--db", str(corpus_db)] if args[0] != "explain" else args)
    assert r.exit_code == 2, (args, r.exit_code, r.stdout, r.stderr)
    assert valid in r.stderr, r.stderr
    assert not list(tmp_path.iterdir())  # nothing written


def test_a_council_with_nothing_stored_is_an_error_not_an_empty_pack(corpus_db, tmp_path):
    out = tmp_path / "hull.html"
    r = _run(["readiness", "--la", "Hull", "-o", str(out), "--db", str(corpus_db)])
    assert r.exit_code == 1 and "no Ofsted letters or reports stored for Kingston upon Hull" in r.stderr
    assert not out.exists()


def test_misspelt_council_gets_suggestions(corpus_db):
    for cmd in (["visits"], ["quotes", "drift"], ["timeline"], ["followup"], ["benchmark"]):
        r = _run([*cmd, "--la", "Wyvern Vail", "--db", str(corpus_db)])
        assert r.exit_code == 1 and "did you mean 'Wyvern Vale'" in r.stderr, (cmd, r.stderr)


def test_short_help_and_help_on_every_option():
    r = _run(["-h"])
    assert r.exit_code == 0 and "Usage" in r.stdout and "--install-completion" in r.stdout
    group = typer.main.get_command(app)
    for name, cmd in group.commands.items():
        r = _run([name, "-h"])
        assert r.exit_code == 0 and "Usage" in r.stdout, name
        for p in cmd.params:
            if p.name == "help":
                continue
            assert getattr(p, "help", None) or p.param_type_name == "argument", f"{name} {p.name}: no help"
        r2 = _run([name, "--help"])
        assert r2.stdout == r.stdout


def test_arguments_have_help_too():
    import inspect

    from typer.models import ArgumentInfo

    for cmd in app.registered_commands:
        for pname, param in inspect.signature(cmd.callback).parameters.items():
            if isinstance(param.default, ArgumentInfo):
                assert param.default.help, f"{cmd.callback.__name__} {pname}: no help"


def test_classify_to_standard_output(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": "a", "text": "Frequent changes of social worker have led to drift."}\n')
    r = _run(["classify", str(src), "-o", "-", "--rules-only"])
    assert r.exit_code == 0, r.stderr
    row = json.loads(r.stdout.strip())
    assert row["id"] == "a" and "drift_delay" in row["themes"]
    assert not (tmp_path / "-").exists()
    assert "classified 1 sentence -> standard output" in r.stderr


def test_readiness_to_standard_output(corpus_db, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = _run(["readiness", "--la", "Kestrel Bay", "-o", "-", "--db", str(corpus_db)])
    assert r.exit_code == 0 and r.stdout.startswith("# Inspection-readiness pack: Kestrel Bay")
    assert not list(tmp_path.iterdir())


def test_plurals():
    from ofsted_mine.validate import plural

    assert plural(1, "file") == "1 file" and plural(2, "file") == "2 files" and plural(0, "page") == "0 pages"


# ---------------------------------------------------------------- re-runs that stay green
def test_reruns_skip_unchanged_failures(tmp_path):
    good = make_pdf(tmp_path / "letter.pdf", LETTER_LINES)
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.4\nthis is not really a pdf\n")
    db = tmp_path / "o.db"
    r = _run(["ingest", str(good), str(bad), "--db", str(db), "--workers", "1"])
    assert r.exit_code == 1 and f"error: {bad}" in r.stderr and "1 failed" in r.stdout
    r = _run(["ingest", str(good), str(bad), "--db", str(db), "--workers", "1"])
    assert r.exit_code == 0, r.stderr
    assert f"skipped: {bad}: failed before (" in r.stderr and "1 skipped (failed before)" in r.stdout
    assert "0 failed" in r.stdout
    # a new failure still fails the run
    bad2 = tmp_path / "broken2.pdf"
    bad2.write_bytes(b"%PDF-1.4\nalso broken\n")
    r = _run(["ingest", str(tmp_path), "--db", str(db), "--workers", "1"])
    assert r.exit_code == 1 and f"error: {bad2}" in r.stderr and f"skipped: {bad}" in r.stderr
    # --retry-failed tries them again; a changed file is tried again without it
    r = _run(["ingest", str(bad), "--db", str(db), "--retry-failed"])
    assert r.exit_code == 1 and f"error: {bad}" in r.stderr
    bad.write_bytes(make_pdf(tmp_path / "x.pdf", LETTER_LINES[:8]).read_bytes())
    res = om.ingest([bad], db, workers=1)
    assert not res.skipped and str(bad) in res.added + res.replaced
    con = om.open_db(db)
    assert [r[0] for r in con.execute("SELECT path FROM ingest_failures")] == [str(bad2)]
