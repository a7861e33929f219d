"""Issue 13, databases: concurrent creation, corruption, someone else's database, odd paths."""

import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import ofsted_mine as om
from ofsted_mine.errors import DatabaseError
from ofsted_mine.store.db import APPLICATION_ID, SCHEMA_VERSION, open_db

from .conftest import ROOT


def _file_state(p: Path):
    return sorted((q.name, q.read_bytes()) for q in p.parent.iterdir() if q.name.startswith(p.name))


def _someone_elses(p: Path) -> Path:
    con = sqlite3.connect(p)
    con.execute("CREATE TABLE recipes (name TEXT, serves INTEGER)")
    con.execute("INSERT INTO recipes VALUES ('soup', 4)")
    con.commit()
    con.close()
    return p


def test_new_database_is_marked_with_application_id(tmp_path):
    con = open_db(tmp_path / "new.db")
    assert con.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID != 0
    assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_someone_elses_database_is_refused_for_reads_and_writes_unchanged(tmp_path):
    p = _someone_elses(tmp_path / "other.sqlite")
    before = _file_state(p)
    with pytest.raises(DatabaseError, match="not an ofsted-mine database") as e:
        open_db(p, create=False)
    assert str(p) in str(e.value) and "\n" not in str(e.value)
    with pytest.raises(DatabaseError, match="not an ofsted-mine database"):
        open_db(p)
    assert _file_state(p) == before
    con = sqlite3.connect(p)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert con.execute("PRAGMA user_version").fetchone()[0] == 0
    con.close()


def test_cli_read_command_on_someone_elses_database(tmp_path):
    from typer.testing import CliRunner

    from ofsted_mine.cli import app

    p = _someone_elses(tmp_path / "other.sqlite")
    before = _file_state(p)
    for args in (["quotes", "soup", "--db", str(p)], ["visits", "--db", str(p)]):
        r = CliRunner().invoke(app, args)
        assert r.exit_code == 1 and "not an ofsted-mine database" in r.stderr and "Traceback" not in r.output
    assert _file_state(p) == before


def test_a_non_database_file_is_refused_unchanged(tmp_path):
    p = tmp_path / "notes.db"
    p.write_text("just some notes\n" * 200)
    before = p.read_bytes()
    for create in (True, False):
        with pytest.raises(DatabaseError, match="not a SQLite database"):
            open_db(p, create=create)
    assert p.read_bytes() == before


def test_legacy_unmarked_database_still_opens_and_is_marked_on_write(tmp_path, letter_pdf):
    p = tmp_path / "old.db"
    om.ingest([letter_pdf], p, workers=1)
    con = sqlite3.connect(p)
    con.execute("PRAGMA application_id=0")
    con.commit()
    con.close()
    ro = open_db(p, create=False)  # a read opens it, and leaves it unmarked
    assert om.quotes(ro, "drift")
    assert ro.execute("PRAGMA application_id").fetchone()[0] == 0
    ro.close()
    con = open_db(p)  # a write marks it
    assert con.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID


def test_read_never_creates(tmp_path):
    p = tmp_path / "none.db"
    with pytest.raises(DatabaseError, match="no database"):
        open_db(p, create=False)
    assert not p.exists()


def test_directory_as_db_and_future_schema_one_line(tmp_path):
    for create in (True, False):
        with pytest.raises(DatabaseError, match="is a folder"):
            open_db(tmp_path, create=create)
    p = tmp_path / "future.db"
    con = open_db(p)
    con.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    con.close()
    for create in (True, False):
        with pytest.raises(DatabaseError, match="newer") as e:
            open_db(p, create=create)
        assert "\n" not in str(e.value)


def unprivileged(args: list[str]) -> list[str]:
    """A command that file permissions apply to: as root, run it without the capabilities
    that bypass them (util-linux setpriv)."""
    import shutil

    if os.geteuid() != 0:
        return args
    if not shutil.which("setpriv"):
        pytest.skip("running as root without setpriv: permissions cannot be tested")
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search", *args]


def cli(*args: str):
    r = subprocess.run(
        unprivileged([sys.executable, "-m", "ofsted_mine.cli", *args]),
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    return r.returncode, r.stdout, r.stderr


def test_read_only_file_reads_and_read_only_folder_one_line(tmp_path, letter_pdf):
    folder = tmp_path / "ro"
    folder.mkdir()
    p = folder / "qa.db"
    om.ingest([letter_pdf], p, workers=1)
    p.chmod(0o444)
    try:
        code, out, err = cli("quotes", "drift", "--db", str(p), "--format", "json")
        assert code == 0 and "Frequent changes" in out, err
        code, out, err = cli("ingest", str(letter_pdf), "--db", str(p))
        assert code == 1 and err.count("\n") == 1 and "read-only" in err and "Traceback" not in err, err
        folder.chmod(0o555)
        code, out, err = cli("quotes", "drift", "--db", str(p), "--format", "json")
        assert code == 0 and "Frequent changes" in out, err
        code, out, err = cli("ingest", str(letter_pdf), "--db", str(folder / "new.db"))
        assert code == 1 and err.count("\n") == 1 and "new.db" in err and "not writable" in err, err
        code, out, err = cli("visits", "--db", str(folder))
        assert code == 1 and err.count("\n") == 1 and "is a folder" in err, err
    finally:
        folder.chmod(0o755)
        p.chmod(0o644)


def test_unlistable_folder_for_real(tmp_path, letter_pdf):
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "a.txt").write_text("hello")
    locked.chmod(0)
    try:
        code, out, err = cli(
            "ingest", str(locked), str(letter_pdf), "--db", str(tmp_path / "q.db"), "--workers", "1"
        )
    finally:
        locked.chmod(0o755)
    assert code == 1 and "1 added" in out and "1 failed" in out
    assert err.strip().splitlines()[-1] == f"error: {locked}: cannot list this folder: Permission denied", err


def _corrupt(p: Path):
    """Overwrite pages in the middle of the file with garbage (a disk or copy gone wrong)."""
    data = bytearray(p.read_bytes())
    page = 4096
    n = len(data) // page
    for i in range(n // 3, n // 3 + max(2, n // 4)):
        data[i * page + 8 : (i + 1) * page - 8] = bytes((j * 37 + 11) % 256 for j in range(page - 16))
    p.write_bytes(bytes(data))


def test_corrupt_database_is_refused_with_one_line(tmp_path, letter_pdf):
    p = tmp_path / "qa.db"
    om.ingest([letter_pdf], p, workers=1)
    con = sqlite3.connect(p)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.execute("PRAGMA journal_mode=DELETE")
    con.close()
    _corrupt(p)
    before = p.read_bytes()
    with pytest.raises(DatabaseError, match="corrupt") as e:
        om.ingest([letter_pdf], p, workers=1)
    assert "\n" not in str(e.value)
    assert p.read_bytes() == before
    from typer.testing import CliRunner

    from ofsted_mine.cli import app

    for args in (["quotes", "drift", "--db", str(p)], ["visits", "--db", str(p)]):
        r = CliRunner().invoke(app, args)
        assert r.exit_code == 1 and "Traceback" not in r.output, r.output
        assert len(r.stderr.strip().splitlines()) == 1 and "corrupt" in r.stderr


_CREATE = textwrap.dedent("""
    import sys
    from ofsted_mine.store.db import open_db
    con = open_db(sys.argv[1])
    con.execute("SELECT COUNT(*) FROM documents").fetchone()
    con.close()
""")


def test_two_processes_creating_the_same_new_database(tmp_path):
    """0 failures in 50 tries of two processes creating the same brand-new database."""
    failures = []
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    for i in range(50):
        p = tmp_path / f"race{i}.db"
        procs = [
            subprocess.Popen([sys.executable, "-c", _CREATE, str(p)], stderr=subprocess.PIPE, env=env)
            for _ in range(2)
        ]
        for pr in procs:
            _, err = pr.communicate(timeout=60)
            if pr.returncode:
                failures.append(err.decode()[-300:])
        con = open_db(p, create=False)
        assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        con.close()
    assert failures == []


def test_large_database_read_gets_a_cheap_check_and_query_errors_are_one_line(
    tmp_path, letter_pdf, monkeypatch, capsys
):
    import ofsted_mine.store.db as dbm
    from ofsted_mine import cli

    p = tmp_path / "qa.db"
    om.ingest([letter_pdf], p, workers=1)
    con = sqlite3.connect(p)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.execute("PRAGMA journal_mode=DELETE")
    con.close()
    monkeypatch.setattr(dbm, "QUICK_CHECK_MAX_BYTES", 0)  # as if it were a large file: no full check on read
    data = p.read_bytes()
    p.write_bytes(data[: len(data) - 4096])
    with pytest.raises(DatabaseError, match="corrupt"):
        open_db(p, create=False)
    schema_end = 4096 * 2  # keep the header and the schema readable; garble every table and index page
    p.write_bytes(data[:schema_end] + bytes((j * 37 + 11) % 256 for j in range(len(data) - schema_end)))
    monkeypatch.setattr(sys, "argv", ["ofsted-mine", "quotes", "drift", "--db", str(p)])
    try:
        cli.main()
        code = 0
    except SystemExit as e:
        code = e.code
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert err.startswith("error: ")
