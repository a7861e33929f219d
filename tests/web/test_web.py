"""The web app over HTTP (Starlette's test client; no browser): every page on the sample
corpus, the same answers as the library, escaping, CSP, roles, CSRF, ingest."""

from __future__ import annotations

import csv
import io
import re
import sqlite3
import time
from html import unescape
from pathlib import Path

import pytest
from typer.testing import CliRunner

import ofsted_mine as om
from ofsted_mine.analyse.timeline import timeline
from ofsted_mine.store.search import get_visit, quotes
from ofsted_mine.web import library as lib
from tests.conftest import LETTER_LINES, make_pdf

from .conftest import EDITOR, PASSWORD, VIEWER, csrf_of, hostile_finding, make_client, sign_in

WYVERN = "990001"


def result_ids(html: str) -> list[int]:
    return [int(x) for x in re.findall(r'href="/doc/[^"#]+#f(\d+)"', html)]


def test_search_with_filters_shows_what_quotes_returns(local_client, web_db):
    r = local_client.get("/search", params={"q": "oversight", "la": "Wyvern Vale", "polarity": "concern"})
    assert r.status_code == 200
    con = om.open_db(web_db)
    want = quotes(con, "oversight", la="Wyvern Vale", polarity="concern", limit=51)
    assert want, "the corpus has concerns about oversight in Wyvern Vale"
    assert result_ids(r.text) == [q.finding_id for q in want][:50]
    # each result: exact citation, polarity, themes by name, link into its document
    first = want[0]
    assert lib.theme_names(con)[first.themes[0]] in unescape(r.text)
    assert unescape(first.citation()) in unescape(r.text)
    # the shareable URL is the search itself
    assert 'href="/search?q=oversight&amp;la=Wyvern+Vale&amp;polarity=concern"' in r.text


def test_search_filters_theme_kind_dates_section(local_client, web_db):
    con = om.open_db(web_db)
    params = {
        "theme": "drift_delay",
        "kind": "monitoring_visit",
        "since": "2022-06-01",
        "until": "2023-06-30",
        "section": "findings",
        "limit": "200",
    }
    r = local_client.get("/search", params=params)
    want = quotes(
        con,
        None,
        themes=["drift_delay"],
        kind="monitoring_visit",
        since="2022-06-01",
        until="2023-06-30",
        section="findings",
        limit=200,
    )
    assert want and result_ids(r.text) == [q.finding_id for q in want]
    for q in want:
        assert "2022-06-01" <= q.date <= "2023-06-30" and q.kind == "monitoring_visit"


@pytest.mark.parametrize(
    "params,words",
    [
        ({"kind": "mv"}, "unknown document kind 'mv'"),
        ({"polarity": "bad"}, "unknown polarity 'bad'"),
        ({"theme": "drift"}, "unknown theme 'drift'"),
        ({"since": "2022-13-45"}, "not a real date"),
        ({"since": "yesterday"}, "must be a date"),
        ({"la": "Atlantis"}, "unknown council: 'Atlantis'"),
    ],
)
def test_bad_filters_are_said_in_words(local_client, params, words):
    r = local_client.get("/search", params=params)
    assert r.status_code == 400
    assert words in unescape(r.text)
    assert "Traceback" not in r.text


def test_search_downloads_match_the_cli_columns(local_client, web_db):
    params = {"q": "drift", "la": "Wyvern Vale"}
    con = om.open_db(web_db)
    want = quotes(con, "drift", la="Wyvern Vale", limit=None)
    r = local_client.get("/search.csv", params=params)
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [row["text"] for row in rows] == [
        q.text if q.text[:1] not in "=+-@" else "'" + q.text for q in want
    ]
    assert list(rows[0]) == lib.QUOTE_FIELDS
    assert rows[0]["citation"] == want[0].citation()
    x = local_client.get("/search.xlsx", params=params)
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(x.content), read_only=True).active
    got = list(ws.iter_rows(values_only=True))
    assert list(got[0]) == lib.QUOTE_FIELDS and len(got) == len(want) + 1


def test_document_page_lays_out_every_finding(local_client, web_db):
    con = om.open_db(web_db)
    vid = "wyvern-vale-mv3-2022-10-18"
    v = get_visit(con, vid)
    r = local_client.get(f"/doc/{vid}")
    assert r.status_code == 200
    page = unescape(r.text)
    for f in v["findings"]:
        assert f'id="f{f["id"]}"' in r.text
        assert f["text"] in page
    for s in v["sections"]:
        if any(s["start"] <= f["start"] < s["end"] for f in v["findings"]):
            assert s["heading"] in page
    # findings highlighted by polarity, with their page
    f0 = next(f for f in v["findings"] if f["polarity"] == "concern")
    block = r.text.split(f'id="f{f0["id"]}"')[0].rsplit("<div", 1)[1]
    assert "q-concern" in block
    orig = local_client.get(f"/doc/{vid}/original")
    assert orig.status_code == 200 and orig.content == Path(v["source"]).read_bytes()


def test_council_page_shows_the_timeline_verdicts(local_client, web_db):
    con = om.open_db(web_db)
    tl = timeline(con, WYVERN)
    r = local_client.get(f"/council/{WYVERN}")
    assert r.status_code == 200
    for step in tl.journey:
        assert step in unescape(r.text)
    rows = re.findall(r'<tr><th scope="row"><a href="/council/990001/theme/([a-z_]+)">.*?</tr>', r.text, re.S)
    assert [t["id"] for t in tl.themes] == rows
    for t in tl.themes[:5]:
        row = re.search(rf'/theme/{t["id"]}">.*?</tr>', r.text, re.S).group(0)
        got = re.findall(r'<td class="v-([a-z_]+)">', row)
        assert got == [tl.cells[t["id"]][v.id].verdict for v in tl.visits]
        from ofsted_mine.vocab import TREND_LABELS

        assert re.search(r'<td class="trend">([^<]*)</td>', row).group(1) == TREND_LABELS[tl.trends[t["id"]]]
    for j in tl.journeys:
        assert unescape(j.label) in unescape(r.text)


def test_council_subpages_and_downloads(local_client, web_db, tmp_path):
    con = om.open_db(web_db)
    from ofsted_mine.analyse.timeline import track

    tr = track(con, "drift_delay", WYVERN)
    r = local_client.get(f"/council/{WYVERN}/theme/drift_delay")
    assert r.status_code == 200 and tr.trend_label in r.text
    vs = [v.id for v in timeline(con, WYVERN).visits]
    r = local_client.get(f"/council/{WYVERN}/compare", params={"a": vs[1], "b": vs[-1]})
    assert r.status_code == 200 and "Quotes side by side" in r.text
    assert (
        local_client.get(
            f"/council/{WYVERN}/compare", params={"a": vs[1], "b": "eastmere-mv1-2023-05-16"}
        ).status_code
        == 400
    )
    fu = local_client.get(f"/council/{WYVERN}/followup")
    assert fu.status_code == 200 and "Recommendation follow-up" in fu.text
    assert local_client.get(f"/council/{WYVERN}/benchmark").status_code == 200
    pk = local_client.get(f"/council/{WYVERN}/pack.html")
    assert pk.status_code == 200 and "attachment" in pk.headers["content-disposition"]
    assert "script-src 'none'" in pk.headers["content-security-policy"]
    # the very pack `ofsted-mine readiness` writes (board pack; the full pack with full=1)
    from ofsted_mine.report.html import write_readiness

    write_readiness(con, WYVERN, tmp_path / "board.html")
    assert pk.text == (tmp_path / "board.html").read_text(encoding="utf-8")
    if lib.has_full_pack():
        write_readiness(con, WYVERN, tmp_path / "full.html", full=True)
        full = local_client.get(f"/council/{WYVERN}/pack.html", params={"full": "1"})
        text = lambda h: re.sub(r"<[^>]+>", "", h)  # noqa: E731  (the charts' SVG ids differ per call)
        assert text(full.text) == text((tmp_path / "full.html").read_text(encoding="utf-8"))
        assert len(full.text) > len(pk.text)
    md = local_client.get(f"/council/{WYVERN}/pack.md")
    assert md.status_code == 200 and md.text.startswith("#")
    log = local_client.get(f"/council/{WYVERN}/action-log.xlsx")
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(log.content), read_only=True).active
    rows = list(ws.iter_rows(values_only=True))
    try:  # the library's action log (issue 11): the same header and one row per recommendation
        from ofsted_mine.analyse.followup import followup as fu
        from ofsted_mine.report.actionlog import action_log_rows

        header, want = action_log_rows(fu(con, WYVERN), lib.theme_names(con))
        assert list(rows[0]) == header and len(rows) - 1 == len(want)
        assert [r[1] for r in rows[1:]] == [w[1] for w in want]
    except ImportError:
        assert list(rows[0]) == lib.ACTION_LOG_FIELDS
    assert len(rows) - 1 == len(lib.followup(con, WYVERN)["items"])


def test_markup_in_a_finding_is_shown_as_text_everywhere(local_client, web_db):
    fid = hostile_finding(web_db)
    con = om.open_db(web_db)
    vid = con.execute(
        "SELECT d.visit_id FROM findings f JOIN documents d ON d.id = f.doc_id WHERE f.id = ?", (fid,)
    ).fetchone()[0]
    pages = [
        local_client.get("/search", params={"q": "oversee drift"}),
        local_client.get(f"/doc/{vid}"),
        local_client.get(f"/review?finding={fid}"),
    ]
    for r in pages:
        assert r.status_code == 200
        assert "<script>window.__pwned" not in r.text and "<img src=x" not in r.text
        assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in r.text
    pack = local_client.get(f"/council/{WYVERN}/pack.html")
    assert "<script>window.__pwned" not in pack.text


def test_every_page_carries_a_content_security_policy(local_client):
    for url in (
        "/",
        "/search?q=drift",
        "/councils",
        f"/council/{WYVERN}",
        "/nope",
        "/static/app.css",
        "/ingest",
    ):
        r = local_client.get(url)
        csp = r.headers.get("content-security-policy", "")
        assert "default-src 'none'" in csp and "script-src" in csp, url
        assert "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
        assert r.headers["x-content-type-options"] == "nosniff"


# ------------------------------------------------------------------ team mode
@pytest.fixture
def team(web_db):
    return make_client(web_db, team=True)


def test_anonymous_users_are_refused_in_team_mode(team, web_db):
    for url in (
        "/",
        "/search?q=drift",
        f"/council/{WYVERN}",
        "/doc/wyvern-vale-mv3-2022-10-18",
        "/search.csv?q=drift",
        "/review",
        "/ingest",
    ):
        r = team.get(url, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login?next="), url
    login = team.get("/login")
    r = team.post(
        "/review/1", data={"csrf": csrf_of(login.text), "polarity": "concern"}, follow_redirects=False
    )
    assert r.status_code == 401


def test_wrong_password_is_refused_and_cookies_are_safe(team):
    r = sign_in(team, EDITOR, "not the password")
    assert r.status_code == 401 and "do not match" in r.text
    r = sign_in(team, EDITOR)
    assert r.status_code == 303
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "secure" in cookie and "samesite=lax" in cookie


def _finding_state(db: Path, fid: int):
    con = sqlite3.connect(db)
    try:
        pol = con.execute("SELECT polarity FROM findings WHERE id = ?", (fid,)).fetchone()[0]
        tags = sorted(r[0] for r in con.execute("SELECT theme FROM tags WHERE finding_id = ?", (fid,)))
        return pol, tags
    finally:
        con.close()


def _queue_item(client) -> tuple[int, str]:
    r = client.get("/review", params={"la": "Wyvern Vale"})
    assert r.status_code == 200
    fid = int(re.search(r'action="/review/(\d+)"', r.text).group(1))
    return fid, csrf_of(r.text)


def test_viewer_can_read_but_not_correct_or_ingest(team, web_db):
    assert sign_in(team, VIEWER).status_code == 303
    assert team.get("/search", params={"q": "drift"}).status_code == 200
    r = team.get("/review")
    assert r.status_code == 403 and "Only editors" in r.text
    assert team.get("/ingest").status_code == 403
    tok = csrf_of(team.get("/").text)
    fid = hostile_finding(web_db) + 1
    before = _finding_state(web_db, fid)
    r = team.post(
        f"/review/{fid}",
        data={"csrf": tok, "polarity": "strength", "add": "drift_delay"},
        follow_redirects=False,
    )
    assert r.status_code == 403
    assert _finding_state(web_db, fid) == before
    r = team.post("/ingest/folder", data={"csrf": tok, "folder": "/tmp"}, follow_redirects=False)
    assert r.status_code == 403


def test_editor_corrects_a_tag_and_who_and_when_are_kept(team, web_db):
    assert sign_in(team, EDITOR).status_code == 303
    fid, tok = _queue_item(team)
    pol, tags = _finding_state(web_db, fid)
    new_pol = "strength" if pol != "strength" else "concern"
    add = next(t["id"] for t in lib.themes(om.open_db(web_db)) if t["id"] not in tags)
    # no CSRF token, or a wrong one: refused, nothing changes
    for data in ({"polarity": new_pol}, {"csrf": "forged", "polarity": new_pol}):
        r = team.post(f"/review/{fid}", data=data, follow_redirects=False)
        assert r.status_code == 403 and "CSRF" in r.text
        assert _finding_state(web_db, fid) == (pol, tags)
    r = team.post(
        f"/review/{fid}", data={"csrf": tok, "polarity": new_pol, "add": add}, follow_redirects=False
    )
    assert r.status_code == 303
    assert _finding_state(web_db, fid) == (new_pol, sorted(set(tags) | {add}))
    from ofsted_mine.web.accounts import Accounts

    hist = Accounts(web_db.with_name(web_db.stem + ".accounts.db")).history("tag correction", [str(fid)])[
        str(fid)
    ]
    assert hist[-1]["who"] == EDITOR and hist[-1]["polarity"] == new_pol and hist[-1]["add"] == [add]
    # every view now says a person checked it
    vid = (
        sqlite3.connect(web_db)
        .execute(
            "SELECT d.visit_id FROM findings f JOIN documents d ON d.id = f.doc_id WHERE f.id = ?", (fid,)
        )
        .fetchone()[0]
    )
    doc = team.get(f"/doc/{vid}").text
    block = doc.split(f'id="f{fid}"')[1].split('class="finding')[0]
    assert "checked by a person" in block and f"corrected by {EDITOR}" in block
    # and the finding leaves the review queue
    assert f'action="/review/{fid}"' not in team.get("/review", params={"la": "Wyvern Vale"}).text


def test_changing_a_password_ends_the_session(web_db):
    from ofsted_mine.web.accounts import Accounts

    acc = Accounts(web_db.with_name(web_db.stem + ".accounts.db"))
    acc.add("temp-user", "viewer", PASSWORD)
    c = make_client(web_db, team=True)
    assert sign_in(c, "temp-user").status_code == 303
    assert c.get("/", follow_redirects=False).status_code == 200
    time.sleep(1.1)  # the 'changed' stamp has one-second resolution
    acc.set_password("temp-user", PASSWORD + "!")
    assert c.get("/", follow_redirects=False).status_code == 303
    acc.remove("temp-user")


# ------------------------------------------------------------------ ingest
def _wait(client, url, timeout=120):
    t0 = time.time()
    while time.time() - t0 < timeout:
        r = client.get(url)
        if "Finished:" in r.text or "stopped" in r.text:
            return r
        time.sleep(0.3)
    raise AssertionError("ingest did not finish")


def test_upload_ingests_good_files_and_says_why_others_failed(tmp_path, web_db):
    from tests.test_readiness import copy_db

    db = copy_db(web_db, tmp_path / "up.db")
    c = make_client(db, team=False)
    tok = csrf_of(c.get("/ingest").text)
    good = make_pdf(tmp_path / "letter.pdf", LETTER_LINES)
    files = [
        ("files", ("letter.pdf", good.read_bytes(), "application/pdf")),
        ("files", ("broken.pdf", b"%PDF-1.4 this is not really a pdf", "application/pdf")),
        ("files", ("tool.exe", b"MZ....", "application/octet-stream")),
    ]
    r = c.post("/ingest/upload", data={"csrf": tok}, files=files, follow_redirects=False)
    assert r.status_code == 303
    page = unescape(_wait(c, r.headers["location"]).text)
    assert "1 added" in page
    assert re.search(r"broken\.pdf</th><td>failed</td><td>[^<]{10,}", page)
    assert "tool.exe</th><td>failed</td><td>not a PDF, HTML or text file" in page
    # without the token: refused
    r = c.post("/ingest/upload", files=files[:1], follow_redirects=False)
    assert r.status_code == 403


def test_folder_ingest_only_inside_allowed_roots(tmp_path, web_db):
    from starlette.testclient import TestClient

    from ofsted_mine.web.app import create_app
    from ofsted_mine.web.cli import build_settings

    allowed = tmp_path / "letters"
    allowed.mkdir()
    s = build_settings(web_db, team=True, ingest_folder=[allowed])
    c = TestClient(create_app(s), base_url="https://testserver")
    sign_in(c, EDITOR)
    tok = csrf_of(c.get("/ingest").text)
    r = c.post("/ingest/folder", data={"csrf": tok, "folder": str(tmp_path)}, follow_redirects=False)
    assert r.status_code == 403 and "not inside a folder this server may read from" in unescape(r.text)
    r = c.post(
        "/ingest/folder", data={"csrf": tok, "folder": str(allowed / "missing")}, follow_redirects=False
    )
    assert r.status_code == 400 and "no such folder" in r.text


# ------------------------------------------------------------------ the commands
def test_serve_and_users_commands_fail_in_one_line(tmp_path, web_db):
    from ofsted_mine.cli import app

    runner = CliRunner()
    r = runner.invoke(app, ["serve", "--db", str(tmp_path / "missing.db")])
    assert r.exit_code == 1 and "no database here yet" in r.output and "Traceback" not in r.output
    from tests.test_readiness import copy_db

    db = copy_db(web_db, tmp_path / "t.db")
    junk = tmp_path / "notes.db"
    junk.write_text("not a database")
    r = runner.invoke(app, ["serve", "--db", str(junk)])
    assert (
        r.exit_code == 1
        and str(junk) in r.output
        and "Traceback" not in r.output
        and len(r.output.splitlines()) == 1
    )
    r = runner.invoke(app, ["serve", "--db", str(db), "--team"])
    assert r.exit_code == 1 and "needs accounts" in r.output
    r = runner.invoke(
        app,
        ["users", "add", "ann", "--role", "boss", "--db", str(db), "--password-stdin"],
        input="long enough password\n",
    )
    assert r.exit_code == 1 and "unknown role 'boss'" in r.output
    r = runner.invoke(
        app, ["users", "add", "ann", "--role", "editor", "--db", str(db), "--password-stdin"], input="short\n"
    )
    assert r.exit_code == 1 and "at least" in r.output
    r = runner.invoke(
        app,
        ["users", "add", "ann", "--role", "editor", "--db", str(db), "--password-stdin"],
        input="long enough password\n",
    )
    assert r.exit_code == 0
    r = runner.invoke(app, ["users", "list", "--db", str(db)])
    assert "ann\teditor" in r.output
    stored = sqlite3.connect(db.with_name("t.accounts.db")).execute("SELECT hash FROM users").fetchone()[0]
    assert stored.startswith("scrypt$") and "long enough" not in stored


def test_local_mode_answers_only_to_this_machines_names(web_db):
    """A site whose name an attacker points at 127.0.0.1 (DNS rebinding) gets nothing."""
    c = make_client(web_db, team=False, base_url="http://evil.example")
    assert c.get("/search", params={"q": "drift"}).status_code == 400
    for host in ("http://127.0.0.1:8765", "http://localhost:8765"):
        assert make_client(web_db, team=False, base_url=host).get("/").status_code == 200


def test_team_mode_is_on_for_any_address_but_this_machine():
    from ofsted_mine.web.cli import build_settings

    assert not build_settings(Path("x.db")).team
    assert build_settings(Path("x.db"), host="0.0.0.0").team
    assert build_settings(Path("x.db"), host="0.0.0.0").secure_cookies
    assert not build_settings(Path("x.db"), host="::1").team


def test_cached_answers_are_recomputed_when_the_database_changes(tmp_path, web_db):
    from ofsted_mine.store.db import set_setting
    from tests.test_readiness import copy_db

    db = copy_db(web_db, tmp_path / "c.db")
    con = lib.open_database(db)
    calls = []

    @lib.cached
    def n_tags(c):
        calls.append(1)
        return c.execute("SELECT COUNT(*) FROM tags").fetchone()[0]

    first = n_tags(con)
    assert n_tags(con) == first and len(calls) == 1
    con.execute("DELETE FROM tags WHERE finding_id = (SELECT MIN(finding_id) FROM tags)")
    assert n_tags(con) < first and len(calls) == 2
    set_setting(con, "note", "x")
    n_tags(con)
    assert len(calls) == 3


def test_render_helpers_escape_every_value():
    from ofsted_mine.web import render

    bad = '"><script>x()</script><b onclick="y">'
    q = {"text": bad, "citation": bad, "visit_id": bad, "polarity": bad, "section": bad, "finding_id": bad}
    out = (
        str(render.quote(q))
        + str(render.tags([{"theme": bad, "source": "person"}], {}, [{"who": bad, "at": bad}]))
        + str(render.pol(bad))
        + str(render.verdict(bad, {}, {}))
    )
    assert "<script>" not in out and "<b " not in out and 'onclick="' not in out
    assert out.count("&lt;script&gt;") >= 6
