"""Fixtures for the web app's tests: a private copy of the sample corpus database holding one
finding whose text carries markup (``<script>``), an accounts file with an editor and a
viewer, and apps (Starlette test clients) in local and team mode."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from ofsted_mine.web.accounts import Accounts
from tests.test_readiness import build_corpus_db, copy_db, set_finding_text

EDITOR, VIEWER, PASSWORD = "erin", "victor", "correct horse battery"
HOSTILE = (
    '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned=2"> '
    "Leaders & managers “oversee” drift."
)


def hostile_finding(db: Path) -> int:
    """The id of the finding whose text was replaced by :data:`HOSTILE`."""
    con = sqlite3.connect(db)
    try:
        return con.execute("SELECT id FROM findings WHERE text = ?", (HOSTILE,)).fetchone()[0]
    finally:
        con.close()


@pytest.fixture(scope="session")
def web_db(tmp_path_factory) -> Path:
    src = build_corpus_db(tmp_path_factory)
    db = copy_db(src, tmp_path_factory.mktemp("web") / "web.db")
    con = sqlite3.connect(db, isolation_level=None)
    # a Wyvern Vale finding about oversight, tagged, in a monitoring visit: its text becomes markup
    fid = con.execute("""SELECT f.id FROM findings f JOIN documents d ON d.id = f.doc_id
                         WHERE d.visit_id LIKE 'wyvern-vale-mv%' AND f.section_kind = 'findings'
                           AND EXISTS (SELECT 1 FROM tags t WHERE t.finding_id = f.id)
                         ORDER BY f.id LIMIT 1""").fetchone()[0]
    set_finding_text(con, fid, HOSTILE)
    con.close()
    acc = Accounts(db.with_name(db.stem + ".accounts.db"))
    acc.add(EDITOR, "editor", PASSWORD)
    acc.add(VIEWER, "viewer", PASSWORD)
    return db


def make_client(db: Path, *, team: bool, base_url: str = ""):
    from starlette.testclient import TestClient

    from ofsted_mine.web.app import create_app
    from ofsted_mine.web.cli import build_settings

    s = build_settings(db, team=team)
    return TestClient(
        create_app(s), base_url=base_url or ("https://testserver" if team else "http://localhost")
    )


@pytest.fixture(scope="session")
def local_client(web_db):
    return make_client(web_db, team=False)


def csrf_of(html: str) -> str:
    import re

    m = re.search(r'name="csrf" value="([^"]+)"', html)
    assert m, "no CSRF token in the form"
    return m.group(1)


def sign_in(client, name: str, password: str = PASSWORD):
    r = client.get("/login")
    r = client.post(
        "/login",
        data={"csrf": csrf_of(r.text), "username": name, "password": password, "next": "/"},
        follow_redirects=False,
    )
    return r
