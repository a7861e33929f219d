"""The board pack and the full pack as a reader meets them: printed by chromium to A4 (board at
most 4 pages, full at most 40), "How to read this pack" in front, citations naming the report
and its publication date, and readable everywhere (axe-core: no serious or critical violation,
WCAG AA contrast; a <main> landmark; text alternatives for charts and verdict lines; nothing
scrolls sideways at 420 px). Sample corpus councils here; every real council in tests/real."""

from __future__ import annotations

import html as htmlmod
import re
from pathlib import Path

import pytest

import ofsted_mine as om
from ofsted_mine.report.html import readiness_html, write_readiness

from .browser import axe, describe, driver, driver_page_count, overflow_at, serious_violations  # noqa: F401
from .test_readiness import corpus_db  # noqa: F401  (the session's corpus database)

COUNCILS = ["Wyvern Vale", "Eastmere", "Kestrel Bay"]
BOARD_PAGES, FULL_PAGES = 4, 40


@pytest.fixture(scope="module")
def packs(corpus_db, tmp_path_factory):  # noqa: F811
    """Board and full pack of every corpus council, written as the CLI writes them."""
    con = om.open_db(corpus_db)
    d = tmp_path_factory.mktemp("packs")
    out = {}
    for la in COUNCILS:
        slug = la.lower().replace(" ", "-")
        out[(la, "board")] = write_readiness(con, la, d / f"{slug}-board.html")
        out[(la, "full")] = write_readiness(con, la, d / f"{slug}-full.html", full=True)
    return out


def test_board_is_default_and_how_to_read_comes_first(packs):
    for (_la, kind), p in packs.items():
        page = p.read_text(encoding="utf-8")
        assert ("board pack" in page.split("</header>")[0]) == (kind == "board")
        main = page[page.index("<main") :]
        i = main.index("How to read this pack")
        assert (
            i
            < main.index("Where the council stands")
            < main.index("Open recommendations")
            < main.index("Themes at a glance")
        )
        if kind == "full":
            assert main.index("Themes at a glance") < main.index('id="grid"') < main.index('id="followup"')
            assert 'class="theme"' in page
        else:
            assert 'class="theme"' not in page and 'id="grid"' not in page  # the evidence is the full pack's
        assert page.count("<main") == 1 and "</main></body>" in page


def test_themes_at_a_glance_one_cited_quote_each(corpus_db, packs):  # noqa: F811
    con = om.open_db(corpus_db)
    pub = {v["id"]: v["published"] for v in om.visits(con, la="Wyvern Vale")}
    page = packs[("Wyvern Vale", "board")].read_text(encoding="utf-8")
    glance = page[page.index('<table class="glance">') :]
    glance = glance[: glance.index("</table>")]
    rows = re.findall(r"<tr><th scope=\"row\">(.*?)</tr>", glance, re.S)
    from ofsted_mine.analyse.timeline import _load_taxonomy_light

    assert len(rows) == len(_load_taxonomy_light(con))
    for r in rows:
        quotes = re.findall(r'<blockquote class="q', r)
        assert len(quotes) <= 1
        if quotes:
            cite = re.search(r'<div class="cite">(.*?)</div>', r).group(1)
            # the report and its publication date, the visit's dates, the page
            m = re.search(r"(letter|report) published (\d{4}-\d\d-\d\d)", cite)
            assert m and m.group(2) in pub.values(), cite
            assert re.search(r"visit \d{4}-\d\d-\d\d", cite) and re.search(r"p\. \d+", cite), cite
        # the verdict line has a text alternative
        assert re.search(r'class="spark" role="img" aria-label="verdict by visit: [^"]+"', r)


def test_every_chart_has_a_text_alternative(packs):
    page = packs[("Wyvern Vale", "full")].read_text(encoding="utf-8")
    svgs = re.findall(r"<svg\b[^>]*>", page)
    assert svgs
    for s in svgs:
        assert 'role="img"' in s and re.search(r'aria-label="[^"]+"', s), s


def test_page_counts_when_printed(driver, packs):  # noqa: F811
    counts = {k: driver_page_count(driver, p) for k, p in packs.items()}
    for (la, kind), n in counts.items():
        assert 1 <= n <= (BOARD_PAGES if kind == "board" else FULL_PAGES), (la, kind, n)


def test_no_serious_accessibility_violation(driver, packs):  # noqa: F811
    from .browser import load

    for key in (("Wyvern Vale", "board"), ("Wyvern Vale", "full"), ("Kestrel Bay", "board")):
        load(driver, packs[key])
        bad = serious_violations(axe(driver))
        assert not bad, f"{key}:\n{describe(bad)}"


def test_nothing_scrolls_sideways_at_420px(driver, packs):  # noqa: F811
    for key in (("Wyvern Vale", "board"), ("Wyvern Vale", "full"), ("Eastmere", "full")):
        over, wide = overflow_at(driver, packs[key], 420)
        assert over <= 0, f"{key} scrolls {over}px sideways: {wide}"


def test_caps_are_said_on_the_page(corpus_db, monkeypatch):  # noqa: F811
    """A capped list says so (never a silent cut): open recommendations and per-theme quotes."""
    import ofsted_mine.report.board as board
    import ofsted_mine.report.evidence as evidence

    con = om.open_db(corpus_db)
    monkeypatch.setattr(board, "BOARD_RECS", 1)
    monkeypatch.setattr(evidence, "EVIDENCE_VISITS", 1)
    monkeypatch.setattr(evidence, "FULL_RECS", 1)
    page = readiness_html(con, "Eastmere", full=True)
    assert "more open recommendation" in page and "--format xlsx" in page
    assert re.search(r"Quotes from the latest 1 visits", page) and "ofsted-mine track" in page
    assert re.search(r"recommendations</b>: the 1 latest open ones are shown here", page)


def test_board_pack_from_the_cli(corpus_db, tmp_path):  # noqa: F811
    from typer.testing import CliRunner

    from ofsted_mine.cli import app

    r = CliRunner().invoke(
        app, ["readiness", "--la", "Eastmere", "-o", str(tmp_path / "b.html"), "--db", str(corpus_db)]
    )
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(
        app,
        ["readiness", "--la", "Eastmere", "-o", str(tmp_path / "f.html"), "--db", str(corpus_db), "--full"],
    )
    assert r.exit_code == 0, r.output
    b, f = (tmp_path / "b.html").read_text("utf-8"), (tmp_path / "f.html").read_text("utf-8")
    assert "Board pack: Eastmere" in b and 'id="grid"' not in b
    assert 'id="grid"' in f and len(f) > len(b)
    assert htmlmod.escape("Eastmere") in b


def test_report_holds_no_sql():
    """report/ only renders: its queries live in store/ and its verdicts in analyse/."""
    root = Path(__file__).resolve().parent.parent / "ofsted_mine" / "report"
    for p in sorted(root.glob("*.py")):
        src = p.read_text(encoding="utf-8")
        assert not re.search(r"\.execute\(|\bSELECT\s+[\w*]|\bPRAGMA\b", src), p.name


def test_glance_quote_shows_the_verdict(corpus_db):  # noqa: F811
    """The one quote per theme comes from where the theme stands now and has the verdict's polarity
    when that visit has such a quote (no strength quoted under a concern)."""
    from ofsted_mine.report.board import best_quote, now_of
    from ofsted_mine.report.html import pack_data

    con = om.open_db(corpus_db)
    for la in COUNCILS:
        for tr in pack_data(con, la)["tracks"]:
            q = best_quote(tr)
            verdict, vid = now_of(tr)
            if not q:
                continue
            v = next(v for v in tr["visits"] if v["visit_id"] == vid)
            assert q["visit_id"] == vid
            pols = {x["polarity"] for x in v["quotes"]}
            if verdict == "concern" and "concern" in pols:
                assert q["polarity"] == "concern"
            if verdict == "strength" and "strength" in pols:
                assert q["polarity"] == "strength"


def test_markdown_board_pack(corpus_db):  # noqa: F811
    from ofsted_mine.report.markdown import readiness_markdown

    con = om.open_db(corpus_db)
    md = readiness_markdown(con, "Wyvern Vale", full=False)
    heads = [line for line in md.splitlines() if line.startswith("## ")]
    assert heads == [
        "## How to read this pack",
        "## Where the council stands",
        "## Open recommendations",
        "## Themes at a glance",
    ]
    assert re.search(r"— Wyvern Vale · [A-Za-z ()]*(letter|report) published \d{4}-\d\d-\d\d · visit ", md)
    assert "<" not in md.replace("&lt;", "")
    full = readiness_markdown(con, "Wyvern Vale")
    assert full.startswith("# Inspection-readiness pack") and len(full) > len(md)


def test_open_recommendations_follow_the_follow_up(corpus_db):  # noqa: F811
    """The board's open recommendations are the follow-up's items whose latest status is not
    'met', with that status in words and its RAG colour; the count is said."""
    from ofsted_mine.analyse.followup import followup

    con = om.open_db(corpus_db)
    for la in COUNCILS:
        fu = followup(con, la).to_dict()
        items = fu["items"]
        page = readiness_html(con, la, full=False)
        sec = page[page.index('id="open-recs"') : page.index('id="themes"')]
        if not items:
            assert "No recommendations to the council were found" in sec
            continue
        current = [it for it in items if not it["closes"]]  # a journey a later inspection closed is history
        open_items = [it for it in current if it["status"] != "met"]
        if not current:
            assert "No recommendations to the council were found in its current improvement journey" in sec
            continue
        assert f"{len(open_items)} of the current journey’s {len(current)} recommendation" in sec
        if len(current) < len(items):
            assert (
                f"{len(items) - len(current)} recommendation" in sec and "earlier improvement journeys" in sec
            )
        checked = 0
        for it in open_items:
            if f">{htmlmod.escape(it['ref'])}<" in sec:
                row = sec[sec.index(f">{htmlmod.escape(it['ref'])}<") :]
                row = row[: row.index("</tr>")]
                assert f"{it['status']} ({it['rag']})" in row and htmlmod.escape(it["text"][:40]) in row
                checked += 1
        assert checked == min(len(open_items), 8)  # board.BOARD_RECS rows, or all of them
