"""ofsted_mine.fetch's reading of Ofsted's pages (fetch/_site.py) and the library's file names."""

from __future__ import annotations

import re
from datetime import date

import pytest

from ofsted_mine import fetch as F
from ofsted_mine.fetch import (
    classify_kind,
    parse_kinds,
    parse_listing_page,
    parse_provider_page,
    parse_publication_text,
    safe_filename,
)

# ---------------------------------------------------------------------- parsing


@pytest.mark.parametrize(
    "text,title,fmt,d",
    [
        (
            "Children's services inspection, pdf - 16 March 2020",
            "Children's services inspection",
            "pdf",
            date(2020, 3, 16),
        ),
        (
            "Children\u2019s services inspection,  pdf - 04 september 2017",
            "Children's services inspection",
            "pdf",
            date(2017, 9, 4),
        ),
        ("Monitoring visit, PDF \u2013 3 May 2023", "Monitoring visit", "pdf", date(2023, 5, 3)),
        ("  Focused visit , pdf -  21st Jul 2021 ", "Focused visit", "pdf", date(2021, 7, 21)),
        (
            "Joint targeted area inspection, pdf - 01/02/2019",
            "Joint targeted area inspection",
            "pdf",
            date(2019, 2, 1),
        ),
        ("Monitoring visit", "Monitoring visit", None, None),
        ("Monitoring visit, pdf - 31 February 2020", "Monitoring visit, pdf - 31 February 2020", None, None),
    ],
)
def test_parse_publication_text(text, title, fmt, d):
    got = parse_publication_text(text)
    if d is None and fmt is None and "pdf" in text:
        assert got[2] is None  # impossible date: undated, not a crash
    else:
        assert got == (title, fmt, d)


@pytest.mark.parametrize(
    "title,kind",
    [
        ("Children's services inspection", "inspection"),
        ("Inspection of local authority children\u2019s services", "inspection"),
        ("Inspection of services for children in need of help and protection", "inspection"),
        ("Monitoring visit", "monitoring_visit"),
        ("Monitoring visit to Croydon children's services", "monitoring_visit"),
        ("Focused visit", "focused_visit"),
        ("Assurance visit", "focused_visit"),
        ("Joint targeted area inspection", "jtai"),
        ("Annual engagement meeting letter", None),
        ("Inspection report", None),
        ("", None),
    ],
)
def test_classify_kind(title, kind):
    assert classify_kind(title) == kind


def test_parse_kinds():
    assert parse_kinds(None) is None
    assert parse_kinds("monitoring_visit, focused-visit") == {"monitoring_visit", "focused_visit"}
    assert parse_kinds(["inspection"]) == {"inspection"}
    with pytest.raises(ValueError, match="unknown kind"):
        parse_kinds("inspection,annual_letter")


def test_parse_provider_page_is_tolerant():
    page = """<html><body><div><p>unclosed <ul>
      <li><a class="publication-link big" href="https://files.ofsted.gov.uk/v1/file/111">Monitoring visit
          <span class="nonvisual">Monitoring visit, pdf - 3 May 2023</span></a>
      <li><a href="/v1/file/222" class="publication-link"><span class="x">Focused</span>
        visit, pdf - 1 June 2021</a>
      <li><a class="publication-link" href="https://files.ofsted.gov.uk/v1/file/111">duplicate</a>
      <li><a class="other-link" href="/v1/file/333">Not a publication</a>
      <li><a class="publication-link" href="https://files.ofsted.gov.uk/v1/file/444">
        <span class="nonvisual">Annual letter, pdf - 2 Jan 2015</span>
    </body>"""
    pubs = parse_provider_page(page, "https://reports.ofsted.gov.uk/provider/44/80492")
    assert [(p.file_id, p.kind, p.date) for p in pubs] == [
        ("111", "monitoring_visit", date(2023, 5, 3)),
        ("222", "focused_visit", date(2021, 6, 1)),
        ("444", None, date(2015, 1, 2)),
    ]
    assert pubs[1].url == "https://reports.ofsted.gov.uk/v1/file/222"


def test_parse_listing_page():
    page = """<a href="/">home</a><li><a href="/provider/44/80492">Croydon</a></li>
      <a href="https://reports.ofsted.gov.uk/provider/44/80426/">Barnsley</a>
      <a href="/provider/44/80492">Croydon again</a><a rel="next" href="?start=100">›</a>"""
    rows, has_next = parse_listing_page(page, "https://reports.ofsted.gov.uk/search?q=")
    assert [(u, n) for u, n, _ in rows] == [("80492", "Croydon"), ("80426", "Barnsley")]
    assert rows[0][2] == "https://reports.ofsted.gov.uk/provider/44/80492"
    assert has_next
    assert parse_listing_page("<p>nothing</p>", "https://x/")[0] == []


@pytest.mark.parametrize(
    "args",
    [
        ("../../etc", "inspection", date(2020, 1, 2), "50140187"),
        ("croydon", "../../passwd", "2020-01-02", "50140187"),
        ("croydon", "inspection", "2020-01-02/../../x", "../../x?y=1"),
        ("st helen\u2019s & co/..\\", "monitoring_visit", None, ""),
    ],
)
def test_safe_filename(args, tmp_path):
    name = safe_filename(*args)
    assert re.fullmatch(r"[a-z0-9-]+_[a-z0-9_]+_(\d{4}-\d{2}-\d{2}|undated)_[A-Za-z0-9-]+\.pdf", name), name
    assert (tmp_path / name).resolve().parent == tmp_path.resolve()


def test_user_agent_names_the_tool():
    assert re.match(r"ofsted-mine/\S+ \(\+", F.user_agent())


def test_public_face_is_small_documented_and_complete():
    """Every name in ``ofsted_mine.fetch.__all__`` exists and (function or class) has a docstring;
    the parts are private modules (httpx's layout)."""
    import pkgutil

    missing = [n for n in F.__all__ if not hasattr(F, n)]
    undocumented = [n for n in F.__all__ if callable(getattr(F, n)) and not getattr(F, n).__doc__]
    assert missing == [] and undocumented == []
    parts = sorted(m.name for m in pkgutil.iter_modules(F.__path__))
    assert parts and all(p.startswith("_") for p in parts), parts
