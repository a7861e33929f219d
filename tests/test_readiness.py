"""The inspection-readiness pack (HTML and Markdown) and the `readiness` command, on the
bundled sample corpus (fictional councils)."""

from __future__ import annotations

import html as htmlmod
import json
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

import ofsted_mine as om
from ofsted_mine.analyse.timeline import track
from ofsted_mine.cli import app
from ofsted_mine.report.html import readiness_html
from ofsted_mine.report.markdown import readiness_markdown

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus" / "pdf"
_BUILT: dict = {}


def build_corpus_db(tmp_path_factory) -> Path:
    """Ingest the sample corpus once per test session (shared with test_export.py)."""
    if "db" not in _BUILT:
        db = tmp_path_factory.mktemp("corpus") / "corpus.db"
        res = om.ingest([str(CORPUS)], db)
        assert not res.failed, res.failed
        _BUILT["db"] = db
    return _BUILT["db"]


def copy_db(src: Path, dst: Path) -> Path:
    """A private copy of a database (the WAL included) that a test may change."""
    a, b = sqlite3.connect(src), sqlite3.connect(dst)
    a.backup(b)
    a.close()
    b.close()
    return dst


def set_finding_text(con, finding_id: int, text: str) -> None:
    """Change a finding's text, keeping the full-text index in step."""
    old = con.execute("SELECT text FROM findings WHERE id = ?", (finding_id,)).fetchone()[0]
    con.execute(
        "INSERT INTO findings_fts(findings_fts, rowid, text) VALUES ('delete', ?, ?)", (finding_id, old)
    )
    con.execute("UPDATE findings SET text = ? WHERE id = ?", (text, finding_id))
    con.execute("INSERT INTO findings_fts(rowid, text) VALUES (?, ?)", (finding_id, text))


@pytest.fixture(scope="session")
def corpus_db(tmp_path_factory) -> Path:
    return build_corpus_db(tmp_path_factory)


@pytest.fixture(scope="session")
def wyvern(corpus_db):
    con = om.open_db(corpus_db)
    return con, readiness_html(con, "Wyvern Vale")


def _themes(con):
    from ofsted_mine.analyse.timeline import _load_taxonomy_light

    return _load_taxonomy_light(con)


def _row(page: str, cls: str) -> str:
    m = re.search(rf'<tr class="b-{cls}">(.*?)</tr>', page, re.S)
    assert m, cls
    return m.group(1)


def test_pack_sections_charts_citations_and_print_css(wyvern):
    con, page = wyvern
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    # self-contained: no scripts, no external resources
    assert "<script" not in page.lower()
    assert not re.search(r"<(link|img|iframe|object|embed)\b", page, re.I)
    assert not re.search(r"(src|href)\s*=\s*\"(https?:|//)", page, re.I)
    assert "url(http" not in page
    # summary: council, journey, latest judgements, visit history, outlook lists
    assert "<h1>Wyvern Vale</h1>" in page
    assert "Improvement journey:" in page and "Inspection 2021-11: inadequate" in page
    assert "Latest judgements" in page and "requires improvement" in page
    for v in om.visits(con, la="Wyvern Vale"):
        if v["kind"] != "council_paper":
            assert htmlmod.escape(v["id"]) in page
    assert "wyvern-vale-paper" not in page  # a council paper is not an Ofsted visit
    assert "Drift, delay and timeliness" in _row(page, "persistent")
    assert "Recruitment, retention and workforce stability" in _row(page, "persistent")
    assert "Assessment and identification of risk" in _row(
        page, "improving"
    )  # storyline: residual concern at re-inspection
    assert "Supervision and management oversight" in _row(page, "resolved")
    for cls in ("emerging", "improving", "not_examined"):
        _row(page, cls)
    # one section per practice priority and theme, each with an inline SVG chart
    themes = _themes(con)
    for t in themes:
        sec = re.search(
            rf'<section class="theme" id="theme-{re.escape(t["id"].replace("_", "-"))}">(.*?)</section>',
            page,
            re.S,
        )
        assert sec, t["id"]
        body = sec.group(1)
        assert htmlmod.escape(t["name"]) in body
        assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart"' in body
        assert 'class="verdicts"' in body
    assert page.count('class="chart"') == len(themes)
    pp = [m.start() for m in re.finditer(r'<span class="grp-label">Practice priority</span>', page)]
    th = [m.start() for m in re.finditer(r'<span class="grp-label">Theme</span>', page)]
    assert len(pp) == 4 and max(pp) < min(th)  # practice priorities first
    # evidence quotes with full citations
    tr = track(con, "drift_delay", "Wyvern Vale", quotes_per_visit=2).to_dict()
    # (the full pack quotes the latest visits of each theme: report.evidence.EVIDENCE_VISITS)
    q = next(q for v in reversed(tr["visits"]) for q in v["quotes"] if v["kind"] == "monitoring_visit")
    i = page.index(htmlmod.escape(q["text"]))
    cap = page[i : page.index("</figcaption>", i)]
    assert "Wyvern Vale" in cap and q["date"] in cap and f"p. {q['page']}" in cap and q["visit_id"] in cap
    published = next(v["published"] for v in om.visits(con, la="Wyvern Vale") if v["id"] == q["visit_id"])
    assert f"letter published {published}" in cap  # the report and its publication date
    para = str(q["paragraph"])
    assert (para if para.startswith("¶") else f"para {para}") in cap
    # the trend label per theme
    assert f'class="trend t-{tr["trend"]}"' in page
    # print stylesheet: A4 pages, a page per theme, rows never cut
    assert "@media print" in page and re.search(r"@page\s*\{[^}]*size:\s*A4", page)
    assert re.search(r"\.grid-section[^{]*\{break-before:page", page)
    assert "break-inside:avoid" in page and "thead{display:table-header-group}" in page


def test_pack_tracks_are_tracks(corpus_db):
    """The pack builds every theme's track in one go; it must say exactly what `track` says."""
    from ofsted_mine.analyse.timeline import timeline
    from ofsted_mine.report.html import all_tracks

    con = om.open_db(corpus_db)
    for la in ("Wyvern Vale", "Eastmere", "Kestrel Bay"):
        for since in (None, "2023-01-01"):
            for mine in all_tracks(con, timeline(con, la, since=since), 2):
                assert mine == track(con, mine["theme"], la, quotes_per_visit=2, since=since).to_dict(), (
                    la,
                    mine["theme"],
                )


def test_followup_matrix_rendered(corpus_db):
    con = om.open_db(corpus_db)
    from ofsted_mine.analyse.followup import followup  # exists: the pack must show it

    fu = followup(con, "Eastmere").to_dict()
    assert fu["items"]
    page = readiness_html(con, "Eastmere")
    sec = page[page.index('<section class="followup"') :]
    assert 'class="matrix"' in sec and "not available" not in sec
    assert htmlmod.escape(fu["items"][0]["text"]) in sec
    followed = [it for it in fu["items"] if it["cells"]]
    verdicts = {c["verdict"] for it in followed for c in it["cells"].values()}
    assert verdicts and all(f">{v}</span>" in sec for v in verdicts)
    if len(followed) < len(fu["items"]):
        assert "Not yet followed up" in sec
    md = readiness_markdown(con, "Eastmere")
    assert "## Recommendation follow-up" in md and "| Recommendation |" in md


def test_followup_failure_or_absence_does_not_cost_the_pack(corpus_db, monkeypatch):
    import ofsted_mine.analyse.followup as fmod

    con = om.open_db(corpus_db)

    def broken(*a, **k):
        raise RuntimeError("boom")

    monkeypatch.setattr(fmod, "followup", broken)
    with pytest.warns(RuntimeWarning, match="boom"):
        page = readiness_html(con, "Kestrel Bay")
    assert "recommendation follow-up is not available" in page and "boom" in page
    assert 'class="chart"' in page


def test_untrusted_text_is_escaped(corpus_db, tmp_path, monkeypatch):
    db = copy_db(corpus_db, tmp_path / "evil.db")
    con = om.open_db(db)
    tr = track(con, "drift_delay", "Wyvern Vale", quotes_per_visit=2).to_dict()
    q = next(q for v in reversed(tr["visits"]) for q in v["quotes"] if v["kind"] == "monitoring_visit")
    fid = con.execute(
        "SELECT f.id FROM findings f JOIN documents d ON d.id = f.doc_id WHERE d.visit_id = ? AND f.text = ?",
        (q["visit_id"], q["text"]),
    ).fetchone()[0]
    evil = (
        '<script>alert(1)</script> <img src=x onerror=alert(2)> "quoted" & [link](javascript:alert(3)) | pipe'
    )
    set_finding_text(con, fid, evil + " " + q["text"])
    con.execute("UPDATE findings SET section = ? WHERE id = ?", ("<b onmouseover=alert(4)>Findings</b>", fid))
    con.execute(
        "UPDATE documents SET focus_areas = ?, lead_inspector = ? WHERE visit_id = ?",
        (json.dumps(["<script>alert(5)</script> areas"]), "<i>Eve</i>", q["visit_id"]),
    )
    page = readiness_html(con, "Wyvern Vale")
    assert "<script" not in page.lower() and "<img" not in page.lower() and "<b onmouseover" not in page
    assert "<i>Eve</i>" not in page and "&lt;i&gt;Eve&lt;/i&gt;" in page
    assert (
        "&lt;script&gt;alert(1)&lt;/script&gt; &lt;img src=x onerror=alert(2)&gt; &quot;quoted&quot; &amp;"
        in page
    )
    assert "&lt;b onmouseover=alert(4)&gt;Findings&lt;/b&gt;" in page
    assert "&lt;script&gt;alert(5)&lt;/script&gt; areas" in page
    assert "script-src 'none'" in page  # and a CSP forbids scripts even so
    md = readiness_markdown(con, "Wyvern Vale")
    assert "<script" not in md.lower() and "<img" not in md.lower() and "<i>Eve" not in md
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in md
    assert "\\[link\\](javascript:alert(3))" in md and "\\| pipe" in md
    # a table row with the hostile text keeps its columns
    for line in md.splitlines():
        if line.startswith("| ") and "Eve" in line:
            assert len(re.findall(r"(?<!\\)\|", line)) == 8


def test_markdown_pack(corpus_db):
    con = om.open_db(corpus_db)
    md = readiness_markdown(con, "Wyvern Vale")
    assert md.startswith("# Inspection-readiness pack: Wyvern Vale")
    assert "<svg" not in md and "<" not in md.replace("&lt;", "")
    assert "**Improvement journey:** Inspection 2021-11: inadequate →" in md
    assert "### Visit history" in md and "| Visit | Dates | Published | Kind |" in md
    assert re.search(r"- \*\*Persistent concerns\*\* \(\d+\): .*Drift, delay and timeliness", md)
    assert "## Themes × visits" in md
    for t in _themes(con):
        assert re.search(rf"^## {re.escape(t['name'])} — ", md, re.M), t["id"]
    assert re.search(r"sparkline `[█▄▁·○–]+`", md)
    assert re.search(
        r"^> — Wyvern Vale · monitoring visit \d+ · \d{4}-\d\d-\d\d · .*p\. \d+ · `wyvern-vale-mv\d", md, re.M
    )
    # tables are well formed: every row of a table has as many cells as its header
    lines = md.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("|---"):
            n = len(re.findall(r"(?<!\\)\|", lines[i - 1]))
            j = i + 1
            while j < len(lines) and lines[j].startswith("| "):
                assert len(re.findall(r"(?<!\\)\|", lines[j])) == n, lines[j]
                j += 1


def test_since_and_a_single_visit_council(corpus_db):
    con = om.open_db(corpus_db)
    page = readiness_html(con, "Wyvern Vale", since="2023-01-01")
    assert "wyvern-vale-mv4-2023-01-31" in page and "wyvern-vale-mv1-2022-03-29" not in page
    assert "since 2023-01-01" in page
    kb = readiness_html(con, "Kestrel Bay")
    assert "kestrel-bay-fv-2023-03-14" in kb and "not enough evidence" in kb
    with pytest.raises(ValueError, match="unknown council"):
        readiness_html(con, "Atlantis")


def test_readiness_command(corpus_db, tmp_path):
    runner = CliRunner()
    out = tmp_path / "pack.html"
    r = runner.invoke(app, ["readiness", "--la", "Eastmere", "-o", str(out), "--db", str(corpus_db)])
    assert r.exit_code == 0, r.output
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    r = runner.invoke(
        app,
        [
            "readiness",
            "--la",
            "990001",
            "-o",
            str(tmp_path / "pack.md"),
            "--db",
            str(corpus_db),
            "--since",
            "2022-01-01",
        ],
    )
    assert r.exit_code == 0, r.output
    assert (
        (tmp_path / "pack.md").read_text(encoding="utf-8").startswith("# Board pack: Wyvern Vale")
    )  # the default
    r = runner.invoke(
        app,
        ["readiness", "--la", "990001", "-o", str(tmp_path / "full.md"), "--db", str(corpus_db), "--full"],
    )
    assert r.exit_code == 0, r.output
    assert (
        (tmp_path / "full.md")
        .read_text(encoding="utf-8")
        .startswith("# Inspection-readiness pack: Wyvern Vale")
    )
    for args, msg in (
        (["--la", "Atlantis", "-o", str(out)], "unknown council"),
        (["--la", "Eastmere", "-o", str(tmp_path / "pack.pdf")], ".html or .md"),
        (["--la", "Eastmere", "-o", str(out), "--taxonomy", str(tmp_path / "none.toml")], "no such taxonomy"),
    ):
        r = runner.invoke(app, ["readiness", *args, "--db", str(corpus_db)])
        assert r.exit_code == 1 and r.stderr.startswith("error: ") and msg in r.stderr, r.stderr
        assert len(r.stderr.strip().splitlines()) == 1
    r = runner.invoke(
        app, ["readiness", "--la", "Eastmere", "-o", str(out), "--db", str(tmp_path / "none.db")]
    )
    assert r.exit_code == 1 and r.stderr.startswith("error: ") and "no database" in r.stderr
    assert not (tmp_path / "none.db").exists()


def _chromium():
    return shutil.which("chromium") or (Path("/usr/bin/chromium").exists() and "/usr/bin/chromium")


def test_pack_renders_in_headless_chromium(wyvern, tmp_path):
    browser = _chromium()
    if not browser:
        pytest.skip("headless browser check needs Debian's chromium (/usr/bin/chromium); .ci/run installs it")
    from PIL import Image

    _, page = wyvern
    src = tmp_path / "pack.html"
    src.write_text(page, encoding="utf-8")
    png, pdf = tmp_path / "pack.png", tmp_path / "pack.pdf"
    common = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
    ]
    subprocess.run(
        common + [f"--screenshot={png}", "--window-size=1200,1800", src.as_uri()],
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert png.exists(), "chromium wrote no screenshot"
    im = Image.open(png).convert("L")
    assert im.size == (1200, 1800)
    hist = im.histogram()
    non_white = sum(hist[:235])
    dark = sum(hist[:100])
    assert non_white > 0.03 * 1200 * 1800, f"page looks blank ({non_white} non-white pixels)"
    assert dark > 5000, "no text or dark chart colours rendered"
    # printing: A4 pages, the summary on the first page
    subprocess.run(
        common + ["--no-pdf-header-footer", f"--print-to-pdf={pdf}", src.as_uri()],
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert pdf.exists()
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    w, h = doc[0].get_size()
    assert abs(w - 595.3) < 2 and abs(h - 841.9) < 2  # A4 in points
    first = doc[0].get_textpage().get_text_range()
    assert "How to read this pack" in first and "Where the council stands" in first  # how to read: in front
    assert len(doc) <= 40  # the full pack's limit (tests/test_packs.py)
