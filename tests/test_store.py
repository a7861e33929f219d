import sqlite3

import pytest

import ofsted_mine as om
from ofsted_mine.errors import DatabaseError
from ofsted_mine.store.db import SCHEMA_VERSION, open_db
from ofsted_mine.store.search import fts_query

from .conftest import LETTER_LINES, make_pdf


def _dump(db):
    con = sqlite3.connect(db)
    docs = con.execute(
        "SELECT visit_id, sha256, kind, la, start_date FROM documents ORDER BY visit_id"
    ).fetchall()
    finds = con.execute(
        "SELECT d.visit_id, f.seq, f.text, f.page, f.start, f.polarity FROM findings f "
        "JOIN documents d ON d.id=f.doc_id ORDER BY 1, 2"
    ).fetchall()
    tags = con.execute(
        "SELECT d.visit_id, f.seq, t.theme FROM tags t JOIN findings f ON f.id=t.finding_id "
        "JOIN documents d ON d.id=f.doc_id ORDER BY 1, 2, 3"
    ).fetchall()
    fts = con.execute("SELECT COUNT(*) FROM findings_fts WHERE findings_fts MATCH 'children'").fetchone()
    con.close()
    return docs, finds, tags, fts


def test_schema_versioned_wal(tmp_path):
    con = open_db(tmp_path / "x.db")
    assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION >= 1
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_ingest_is_idempotent_and_replaces_changed_files(tmp_path, letter_pdf):
    db = tmp_path / "qa.db"
    r1 = om.ingest([letter_pdf], db, workers=1)
    assert len(r1.added) == 1 and not r1.failed
    before = _dump(db)
    r2 = om.ingest([letter_pdf], db, workers=1)
    assert r2.unchanged == [str(letter_pdf)] and not r2.added
    assert _dump(db) == before
    # the same file changed in place: replaces its old version, nothing duplicated
    lines = LETTER_LINES[:-4] + ["4. Leaders now audit every child’s record each month.", *LETTER_LINES[-4:]]
    make_pdf(letter_pdf, lines)
    r3 = om.ingest([letter_pdf], db, workers=1)
    assert r3.replaced == [str(letter_pdf)]
    con = open_db(db)
    assert con.execute("SELECT COUNT(*) FROM documents").fetchone()[0] == 1
    assert om.quotes(con, "audit every child")[0].paragraph == "4"
    assert (
        con.execute("SELECT COUNT(*) FROM findings_fts").fetchone()[0]
        == con.execute("SELECT COUNT(*) FROM findings").fetchone()[0]
    )


def test_failed_write_leaves_database_as_before(tmp_path, letter_pdf, monkeypatch):
    db = tmp_path / "qa.db"
    other = make_pdf(
        tmp_path / "other.pdf",
        [
            l.replace("third", "fourth")
            .replace("28 February", "30 May")
            .replace("1 March 2023", "31 May 2023")
            for l in LETTER_LINES
        ],
    )
    om.ingest([letter_pdf], db, workers=1)
    before = _dump(db)
    import ofsted_mine.store.db as dbm

    real = dbm.write_document

    def boom(con, doc):  # fail in the middle of the transaction, after some rows were written
        orig = con.executemany
        calls = {"n": 0}

        class Wrapped:
            def __getattr__(self, k):
                return getattr(con, k)

            def executemany(self, *a):
                calls["n"] += 1
                if calls["n"] == 2:
                    raise RuntimeError("disk unplugged")
                return orig(*a)

        return real(Wrapped(), doc)

    monkeypatch.setattr("ofsted_mine.ingestion.write_document", boom)
    with pytest.raises(RuntimeError):
        om.ingest([other], db, workers=1)
    assert _dump(db) == before
    monkeypatch.setattr("ofsted_mine.ingestion.write_document", real)
    r = om.ingest([other, letter_pdf], db, workers=1)
    assert len(r.added) == 1 and len(r.unchanged) == 1


@pytest.mark.parametrize(
    "q",
    [
        '"',
        "(",
        ")",
        "AND",
        "OR NOT",
        "*",
        "plans*",
        "NEAR(a b)",
        "children's",
        "“drift”",
        "a:b",
        "-",
        "^",
        "über café",
        "🙂",
        "'; DROP TABLE findings; --",
        "plan OR",
    ],
)
def test_quotes_never_crash_on_user_strings(tmp_path, letter_pdf, q):
    db = tmp_path / "qa.db"
    om.ingest([letter_pdf], db, workers=1)
    con = open_db(db)
    res = om.quotes(con, q)
    assert isinstance(res, list)
    assert con.execute("SELECT COUNT(*) FROM findings").fetchone()[0] > 0


def test_fts_query_escaping():
    assert (
        fts_query('drift AND "management oversight" plan*')
        == '"drift" AND "AND" AND "management oversight" AND "plan"*'
    )
    assert fts_query("") == ""


def test_raw_fts_syntax_and_errors(tmp_path, letter_pdf):
    db = tmp_path / "qa.db"
    om.ingest([letter_pdf], db, workers=1)
    con = open_db(db)
    assert om.quotes(con, "caseloads OR lived", raw_fts=True)
    with pytest.raises(ValueError, match="invalid full-text query"):
        om.quotes(con, 'AND "', raw_fts=True)


def test_quotes_filters_and_citations(tmp_path, letter_pdf):
    db = tmp_path / "qa.db"
    om.ingest([letter_pdf], db, workers=1)
    con = open_db(db)
    q = om.quotes(con, "drift", la="wyvern vale", kind="monitoring_visit", since="2023-01-01")
    assert len(q) == 1
    assert q[0].text == "Frequent changes of social worker have led to drift in planning for some children."
    assert q[0].paragraph == "2" and q[0].page == 1 and q[0].date == "2023-02-28"
    assert q[0].citation().startswith("Wyvern Vale, monitoring visit 2023-02-28, para 2, p. 1")
    assert om.quotes(con, "drift", since="2024-01-01") == []
    assert om.quotes(con, "drift", la="Croydon") == []
    with pytest.raises(ValueError, match="unknown council"):
        om.quotes(con, "drift", la="Atlantis")
    assert om.quotes(con, "drift", section="headline") == []
    assert om.quotes(con, "wait", section="headline_findings")


def test_migration_from_schema_v1_keeps_data(tmp_path):
    from ofsted_mine.store.db import MIGRATIONS, _split_sql

    p = tmp_path / "old.db"
    con = sqlite3.connect(p)
    for stmt in _split_sql(MIGRATIONS[0]):
        con.execute(stmt)
    con.execute("PRAGMA user_version=1")
    con.execute("""INSERT INTO documents (visit_id, sha256, path, format, kind, n_pages, page_starts, text,
                   ingested_at)
                   VALUES ('x-doc-1', 'abc', '/x.pdf', 'pdf', 'unknown', 1, '[0]', 'hello', 'now')""")
    con.commit()
    con.close()
    con = open_db(p)
    assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    row = con.execute("SELECT visit_id, focus_themes FROM documents").fetchone()
    assert tuple(row) == ("x-doc-1", "[]")


def test_migration_from_schema_v1_keeps_findings_tags_and_counts(tmp_path):
    """A v1 database with findings and tags upgrades to the current schema with nothing lost:
    migration 3's copy of the tags table, the full-text index, the visit key and the
    benchmark's per-document counts (filled from the rows already there)."""
    from ofsted_mine.store.benchmark import recount, stored_counts
    from ofsted_mine.store.db import MIGRATIONS, _split_sql

    p = tmp_path / "old.db"
    con = sqlite3.connect(p)
    for stmt in _split_sql(MIGRATIONS[0]):
        con.execute(stmt)
    con.execute("PRAGMA user_version=1")
    con.execute(
        """INSERT INTO documents (id, visit_id, sha256, path, format, kind, la, la_urn, start_date,
           n_pages, page_starts, text, ingested_at)
           VALUES (1, 'x-mv1-2023-01-01', 'abc', '/x.pdf', 'pdf', 'monitoring_visit', 'X', '999',
           '2023-01-01', 1, '[0]', 'Plans drift. Supervision is strong.', 'now')"""
    )
    rows = [
        (1, 1, 0, "Plans for children drift without review.", "concern"),
        (2, 1, 1, "Supervision of social workers is regular and strong.", "strength"),
    ]
    for fid, doc, seq, text, pol in rows:
        con.execute(
            """INSERT INTO findings (id, doc_id, seq, text, page, start, "end", section_kind, polarity)
               VALUES (?, ?, ?, ?, 1, 0, 10, 'findings', ?)""",
            (fid, doc, seq, text, pol),
        )
    tags = [
        (1, "drift_delay", 0.91, "both", '["drift"]'),
        (1, "plans_planning", 0.75, "model", "[]"),
        (2, "supervision_oversight", 0.88, "rule", '["supervision"]'),
    ]
    con.executemany("INSERT INTO tags VALUES (?,?,?,?,?)", tags)
    con.commit()
    con.close()

    con = open_db(p)
    assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    got = [
        tuple(r) for r in con.execute("SELECT finding_id, theme, score, source, cues FROM tags ORDER BY 1, 2")
    ]
    assert got == tags
    assert [r[0] for r in con.execute("SELECT rowid FROM findings_fts WHERE findings_fts MATCH 'drift'")] == [
        1
    ]
    assert con.execute("SELECT visit_key FROM documents").fetchone()[0] == "999|monitoring_visit|2023-01-01"
    assert stored_counts(con) == recount(con)
    findings, concerns = stored_counts(con)
    assert findings == {1: 2} and concerns == {(1, "drift_delay"): 1.0, (1, "plans_planning"): 1.0}


def test_newer_schema_is_refused(tmp_path):
    p = tmp_path / "future.db"
    open_db(p).close()  # a database a later ofsted-mine made: marked, schema version above ours
    con = sqlite3.connect(p)
    con.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    con.close()
    with pytest.raises(DatabaseError, match=r"schema v\d+ is newer than this"):
        open_db(p)


def _letters(folder, n):
    folder.mkdir(exist_ok=True)
    months = ["January", "February", "March", "April", "May", "June", "July", "August"]
    out = []
    for i in range(n):
        m = months[i % len(months)]
        lines = [
            l.replace("28 February", f"3 {m}")
            .replace("1 March 2023", f"4 {m} 202{i // 8 + 3}")
            .replace(
                "third", ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth"][i % 8]
            )
            for l in LETTER_LINES
        ]
        out.append(make_pdf(folder / f"letter{i}.pdf", lines))
    return out


@pytest.mark.slow
def test_two_ingests_into_a_brand_new_database_at_once_lose_nothing(tmp_path):
    import os
    import subprocess
    import sys

    from .conftest import ROOT

    files = _letters(tmp_path / "in", 4)
    clean = tmp_path / "clean.db"
    om.ingest(files, clean, workers=1)
    db = tmp_path / "new.db"
    cmds = [
        [
            sys.executable,
            "-m",
            "ofsted_mine.cli",
            "ingest",
            *map(str, part),
            "--db",
            str(db),
            "--workers",
            "1",
        ]
        for part in (files[:3], files[1:])
    ]
    procs = [
        subprocess.Popen(c, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=dict(os.environ))
        for c in cmds
    ]
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err.decode()[-1000:]
    assert _dump(db) == _dump(clean)


@pytest.mark.slow
def test_killed_ingest_of_a_brand_new_database_then_rerun_equals_uninterrupted(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    from .conftest import ROOT

    files = _letters(tmp_path / "in", 3)
    clean = tmp_path / "clean.db"
    om.ingest(files, clean, workers=1)
    for i, delay in enumerate((0.6, 1.2, 2.5)):
        db = (
            tmp_path / f"killed{i}.db"
        )  # brand new each time: killed while it is created, migrated or written
        p = subprocess.Popen(
            [sys.executable, "-m", "ofsted_mine.cli", "ingest", *map(str, files), "--db", str(db)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        time.sleep(delay)
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()
        r = om.ingest(files, db, workers=1)
        assert not r.failed
        assert _dump(db) == _dump(clean)


# ---------------------------------------------------------------- the store boundary (issue 15)
def test_write_transaction_commits_joins_an_outer_one_and_rolls_back(tmp_path):
    from ofsted_mine.store.settings import get_setting, set_setting
    from ofsted_mine.store.transaction import write_transaction

    con = open_db(tmp_path / "qa.db")
    with write_transaction(con):
        set_setting(con, "a", "1")
    assert not con.in_transaction and get_setting(con, "a") == "1"
    with pytest.raises(RuntimeError), write_transaction(con):
        set_setting(con, "a", "2")
        raise RuntimeError("boom")
    assert not con.in_transaction and get_setting(con, "a") == "1"  # rolled back
    with pytest.raises(RuntimeError), write_transaction(con):
        with write_transaction(con):  # joins the outer one: its writes go with the outer rollback
            set_setting(con, "b", "inner")
        assert con.in_transaction
        raise RuntimeError("boom")
    assert get_setting(con, "b") is None


def test_web_stand_in_corrections_write_person_tags_through_the_store(tmp_path, letter_pdf):
    from ofsted_mine.analyse.timeline import load_taxonomy_light
    from ofsted_mine.store.councils import la_filter
    from ofsted_mine.web.accounts import Accounts
    from ofsted_mine.web.corrections import StandInCorrections

    db = tmp_path / "qa.db"
    om.ingest([letter_pdf], db, workers=1)
    con = open_db(db)
    sc = StandInCorrections(Accounts(tmp_path / "qa.accounts.db"))
    queue = sc.queue(con, la_urn=la_filter("Wyvern Vale", con), limit=50)
    assert queue and all(not any(t["source"] == "person" for t in q["tags"]) for q in queue)
    fid = next(q["id"] for q in queue if "drift" in q["text"])
    theme = next(
        t["id"] for t in load_taxonomy_light(con) if t["id"] not in {x["theme"] for x in queue[0]["tags"]}
    )
    change = sc.correct(con, fid, add=[theme], polarity="concern", who="alex")
    assert change["add"] == [theme] and change["polarity"] == "concern"
    row = sc.queue(con, finding_id=fid)  # one finding asked for by id: still shown, now a person's
    tags = om.get_visit(con, row[0]["visit_id"])["findings"]
    mine = next(f for f in tags if f["id"] == fid)
    assert theme in {t["theme"] for t in mine["tags"]} and {t["source"] for t in mine["tags"]} == {"person"}
    assert mine["polarity"] == "concern"
    assert fid not in {q["id"] for q in sc.queue(con, la_urn=la_filter("Wyvern Vale", con), limit=50)}
    assert sc.corrected(con, [fid])[fid][0]["who"] == "alex"
    with pytest.raises(ValueError, match="unknown theme"):
        sc.correct(con, fid, add=["no_such_theme"], who="alex")


def test_council_table_reads_stored_councils_through_the_store(tmp_path, letter_pdf):
    from ofsted_mine import councils
    from ofsted_mine.errors import NotFoundError
    from ofsted_mine.store import councils as stored

    db = tmp_path / "qa.db"
    om.ingest([letter_pdf], db, workers=1)
    con = open_db(db)
    urn = stored.la_filter("wyvern vale", con)
    assert urn and stored.resolve_council("Wyvern Vale", con).urn == urn
    assert stored.la_filter(None, con) is None
    with pytest.raises(NotFoundError, match="unknown council"):
        stored.resolve_council("Atlantis", con)
    rows = {r["urn"]: r for r in stored.council_rows(con)}
    assert rows[urn]["documents"] == 1
    assert all(r["documents"] is None for r in councils.council_rows())
    # the table itself runs no query: a database is refused with the way to ask the store
    for call in (
        lambda: councils.resolve_council("Atlantis", con),
        lambda: councils.council_rows(con),
        lambda: councils.suggestions("Wyvern", con),
    ):
        with pytest.raises(TypeError, match="ofsted_mine.store.councils"):
            call()
    assert stored.suggestions("Wyvern Vail", con)[0] == "Wyvern Vale"


def test_every_council_lookup_of_the_analyses_goes_through_the_store(tmp_path, letter_pdf):
    """A misspelt or unknown council is one NotFoundError naming the closest councils, from every
    library call that takes ``--la`` (the council table refuses a database: each caller must ask
    ``store.councils``, which adds the councils the database holds)."""
    from ofsted_mine.analyse.benchmark import benchmark
    from ofsted_mine.analyse.followup import followup
    from ofsted_mine.analyse.timeline import timeline, track
    from ofsted_mine.errors import NotFoundError
    from ofsted_mine.report.export import finding_rows, timelines

    db = tmp_path / "qa.db"
    om.ingest([letter_pdf], db, workers=1)
    con = open_db(db)
    calls = {
        "timeline": lambda la: timeline(con, la),
        "track": lambda la: track(con, "drift_delay", la),
        "followup": lambda la: followup(con, la),
        "benchmark": lambda la: benchmark(con, la),
        "quotes": lambda la: om.quotes(con, "drift", la=la),
        "visits": lambda la: om.visits(con, la=la),
        "export rows": lambda la: finding_rows(con, la),
        "export timelines": lambda la: timelines(con, la),
    }
    for call in calls.values():
        with pytest.raises(NotFoundError, match="did you mean 'Wyvern Vale'"):
            call("Wyvern Vail")
        with pytest.raises(NotFoundError, match="unknown council 'Atlantis'"):
            call("Atlantis")
        call("Wyvern Vale")  # and the right name works
