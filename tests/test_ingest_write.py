"""The ingest's write path (issue 14/15 speed work): the workers make every row (recommendations
and their concern rule included) and the writer indexes a document's findings in one statement;
what is stored is the same as the straightforward path (recommendations made after the
documents, the full-text index filled row by row by its trigger)."""

import sqlite3
from pathlib import Path

import pytest

import ofsted_mine as om
from ofsted_mine.store.db import open_db

CORPUS = Path(__file__).resolve().parent.parent / "corpus" / "pdf"
#: an ILACS and a SIF inspection (LSCB part), a focused visit, a JTAI letter, a monitoring visit and a
#: council paper (no Ofsted recommendations of its own)
SOME = [
    CORPUS / p
    for p in (
        "eastmere/01-inspection-2023-03-10.pdf",
        "wrenfold/01-inspection-2016-11-29.pdf",
        "greywater/01-focused-visit-2019-03-05.pdf",
        "hollins-cross/01-jtai-2018-02-20.pdf",
        "eastmere/02-monitoring-visit-2023-06-20.pdf",
        "wyvern-vale/06-council-paper-2023-03-22.pdf",
    )
]


def _rows(db) -> dict:
    con = sqlite3.connect(db)
    q = {
        "findings": "SELECT id, doc_id, seq, text, start, polarity, polarity_score, polarity_cues "
        "FROM findings",
        "tags": "SELECT finding_id, theme, score, source FROM tags",
        "recommendations": "SELECT * FROM recommendations",
        "recommendation_docs": "SELECT * FROM recommendation_docs",
        "settings": "SELECT key, value FROM settings",
        "fts": "SELECT rowid FROM findings_fts WHERE findings_fts MATCH 'children OR plan OR leaders'",
    }
    out = {k: sorted(con.execute(v).fetchall()) for k, v in q.items()}
    con.close()
    return out


def _fts_ok(db) -> None:
    """FTS5's own check of the index against the findings table (raises if they differ)."""
    con = sqlite3.connect(db)
    con.execute("INSERT INTO findings_fts(findings_fts, rank) VALUES ('integrity-check', 1)")
    con.close()


@pytest.fixture(scope="module")
def straightforward(tmp_path_factory) -> dict:
    """The same files stored the old way: no recommendation rows from the writer (made by
    ``sync_recommendations`` at the end), every finding indexed by the trigger."""
    import ofsted_mine.store.write as w

    db = tmp_path_factory.mktemp("old") / "old.db"
    mp = pytest.MonkeyPatch()
    mp.setattr(w, "REC_KINDS", ())
    mp.setattr(w, "DEFER_FTS", False)  # leave the index to the trigger, row by row
    try:
        om.ingest([CORPUS], db, workers=1)
    finally:
        mp.undo()
    _fts_ok(db)
    return _rows(db)


def test_rows_made_in_the_workers_equal_the_straightforward_path(tmp_path, straightforward, monkeypatch):
    """The whole corpus on two workers (forked after the tagger is loaded, while a helper reads
    the first files ahead) stores exactly what one process stores the straightforward way."""
    import ofsted_mine.ingestion as ing

    read_ahead = []
    real = ing._load_tagger_reading_ahead
    monkeypatch.setattr(
        ing, "_load_tagger_reading_ahead", lambda *a: read_ahead.append(real(*a)) or read_ahead[0]
    )
    db = tmp_path / "new.db"
    r = om.ingest([CORPUS], db, workers=2)
    assert len(r.added) == len(list(CORPUS.rglob("*.pdf"))) and not r.failed
    assert read_ahead and read_ahead[0], "some files were read while the tagger loaded"
    got = _rows(db)
    assert got["recommendations"], "the sample holds recommendations"
    cues = [f for f in got["findings"] if "recommendation item" in f[7]]
    assert cues and all(f[5] == "concern" for f in cues)
    assert got == straightforward
    _fts_ok(db)


def test_findings_inserted_elsewhere_are_still_indexed_by_the_trigger(tmp_path):
    db = tmp_path / "qa.db"
    om.ingest(SOME[:2], db, workers=1)
    con = open_db(db)
    doc = con.execute("SELECT id FROM documents LIMIT 1").fetchone()[0]
    con.execute(
        'INSERT INTO findings (doc_id, seq, text, page, start, "end") '
        "VALUES (?, 9999, 'zyzzyva wombat', 1, 0, 1)",
        (doc,),
    )
    assert (
        con.execute("SELECT COUNT(*) FROM findings_fts WHERE findings_fts MATCH 'zyzzyva'").fetchone()[0] == 1
    )
    assert con.execute("SELECT COUNT(*) FROM settings WHERE key = 'fts_deferred'").fetchone()[0] == 0
    con.close()
    _fts_ok(db)


def test_a_document_and_its_recommendations_are_one_transaction(tmp_path, monkeypatch):
    """A write that fails after the findings leaves no document, no recommendations and no
    half-written index; the next run stores everything."""
    import ofsted_mine.store.write as w

    db = tmp_path / "qa.db"
    with_recs = SOME[:1]

    def boom(con, doc_id):
        raise RuntimeError("disk unplugged")

    monkeypatch.setattr(w, "_index_findings", boom)
    with pytest.raises(RuntimeError):
        om.ingest(with_recs, db, workers=1)
    con = sqlite3.connect(db)
    for t in ("documents", "findings", "recommendations", "recommendation_docs"):
        assert con.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] == 0, t
    assert con.execute("SELECT COUNT(*) FROM settings WHERE key = 'fts_deferred'").fetchone()[0] == 0
    con.close()
    monkeypatch.undo()
    r = om.ingest(with_recs, db, workers=1)
    assert len(r.added) == 1
    _fts_ok(db)
