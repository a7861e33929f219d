"""ofsted_mine.fetch() when the site misbehaves (MockSite faults): each failure is reported for its
publication, the rest of the run carries on, and the library is never left half-written."""

from __future__ import annotations

import json

import pytest

from ofsted_mine.fetch import MANIFEST_NAME

from .fetch_support import (
    EXPECTED_CROYDON,
    assert_clean,
    croydon,
    names,
    pub,
    run,
    second_run_downloads_nothing,
    site_maker,
)


@pytest.fixture
def make_site():
    """Make a MockSite (its client is closed after the test)."""
    yield from site_maker()


# ---------------------------------------------------------------------- faults


def test_404_is_reported_not_retried(tmp_path, make_site):
    site = make_site([croydon(pub("404404", "Monitoring visit, pdf - 9 Sep 2024", fault="404"))])
    lib = tmp_path / "lib"
    res, ing = run(lib, site)
    assert [(i.file_id, i.reason) for i in res.failed] == [("404404", "HTTP 404 (not found)")]
    assert site.pub("404404").served == 1
    assert names(res.new) == EXPECTED_CROYDON and len(ing.calls[0]) == 3
    assert_clean(lib)
    res2, _, again = second_run_downloads_nothing(lib, site)
    assert again == ["/v1/file/404404"] and len(res2.failed) == 1


def test_500_then_success(tmp_path, make_site):
    site = make_site([croydon(pub("500001", "Focused visit, pdf - 9 Sep 2024", fault="500", fault_times=2))])
    lib = tmp_path / "lib"
    res, _ = run(lib, site, retries=3)
    assert res.ok
    assert "croydon_focused_visit_2024-09-09_500001.pdf" in names(res.new)
    assert site.pub("500001").served == 3
    assert_clean(lib)
    second_run_downloads_nothing(lib, site)


def test_500_for_good_gives_up_after_retries(tmp_path, make_site):
    site = make_site([croydon(pub("500002", "Focused visit, pdf - 9 Sep 2024", fault="503"))])
    lib = tmp_path / "lib"
    res, _ = run(lib, site, retries=2)
    assert [i.reason for i in res.failed] == ["HTTP 503 (gave up after 3 attempts)"]
    assert site.pub("500002").served == 3
    assert_clean(lib)


@pytest.mark.parametrize("fault", ["slow", "stall"])
def test_timeout(tmp_path, make_site, fault):
    site = make_site(
        [croydon(pub("777", "Monitoring visit, pdf - 9 Sep 2024", fault=fault))], slow_seconds=0.8
    )
    lib = tmp_path / "lib"
    res, ing = run(lib, site, timeout=0.2, retries=1)
    assert len(res.failed) == 1
    assert "timed out" in res.failed[0].reason and "2 attempts" in res.failed[0].reason
    assert site.pub("777").served == 2
    assert not list((lib / "croydon").glob("*777*"))
    assert names(res.new) == EXPECTED_CROYDON
    assert_clean(lib)


def test_truncated_download(tmp_path, make_site):
    site = make_site(
        [
            croydon(
                pub("888", "Monitoring visit, pdf - 9 Sep 2024", fault="truncated"),
                pub("889", "Monitoring visit, pdf - 10 Sep 2024", fault="truncated", fault_times=1),
            )
        ]
    )
    lib = tmp_path / "lib"
    res, _ = run(lib, site, retries=2)
    assert [i.file_id for i in res.failed] == ["888"]
    assert "connection error" in res.failed[0].reason or "truncated" in res.failed[0].reason
    assert site.pub("888").served == 3
    assert "croydon_monitoring_visit_2024-09-10_889.pdf" in names(res.new)
    assert not list(lib.rglob("*888*"))
    assert_clean(lib)
    second_run_downloads_nothing(lib, site)


def test_html_instead_of_pdf_is_reported_and_remembered(tmp_path, make_site):
    site = make_site(
        [croydon(pub("999", "Children's services inspection, pdf - 13 July 2012", fault="html"))]
    )
    lib = tmp_path / "lib"
    res, ing = run(lib, site)
    assert [(i.file_id, i.reason) for i in res.failed] == [
        ("999", "not a PDF: the link returned an HTML page")
    ]
    assert site.pub("999").served == 1  # not retried
    assert not list(lib.rglob("*999*"))
    assert all("999" not in p.name for p in ing.calls[0])
    m = assert_clean(lib)
    assert m["files"]["999"]["status"] == "not_pdf"
    # a second run does not ask again, and reports it as skipped, not failed
    res2, _, again = second_run_downloads_nothing(lib, site)
    assert again == [] and res2.ok
    assert [i.file_id for i in res2.skipped if "HTML page" in i.reason] == ["999"]


@pytest.mark.parametrize("fault", ["redirect-other", "redirect-external"])
def test_redirect_to_another_host_is_refused(tmp_path, make_site, fault):
    site = make_site([croydon(pub("301", "Monitoring visit, pdf - 9 Sep 2024", fault=fault))])
    lib = tmp_path / "lib"
    res, _ = run(lib, site)
    assert [i.file_id for i in res.failed] == ["301"]
    assert res.failed[0].reason.startswith("refused redirect")
    assert site.paths("other") == []
    assert site.pub("301").served == 1
    assert_clean(lib)


def test_redirect_within_ofsted_is_followed(tmp_path, make_site):
    site = make_site([croydon(pub("302", "Monitoring visit, pdf - 9 Sep 2024", fault="redirect-same"))])
    lib = tmp_path / "lib"
    res, _ = run(lib, site)
    assert res.ok and "croydon_monitoring_visit_2024-09-09_302.pdf" in names(res.new)
    assert site.file_requests()[-2:] == ["/v1/file/302", "/v1/file/moved-302"]
    assert_clean(lib)


def test_link_off_the_allow_list_is_not_requested(tmp_path, make_site):
    site = make_site(
        [
            croydon(
                pub("303", "Monitoring visit, pdf - 9 Sep 2024", href="https://example.invalid/v1/file/303")
            )
        ]
    )
    lib = tmp_path / "lib"
    res, _ = run(lib, site)
    assert [i.file_id for i in res.failed] == ["303"] and "allow-list" in res.failed[0].reason
    assert site.pub("303").served == 0
    assert_clean(lib)


def test_unexpected_kind_is_reported_not_downloaded(tmp_path, make_site):
    site = make_site([croydon(pub("555", "Annual engagement meeting letter, pdf - 1 May 2021"))])
    lib = tmp_path / "lib"
    res, _ = run(lib, site)
    assert res.ok
    assert [(i.file_id, i.stage) for i in res.unrecognised] == [("555", "kind")]
    assert "unrecognised publication kind 'Annual engagement meeting letter'" in res.unrecognised[0].reason
    assert res.councils[0].unrecognised == 1
    assert site.pub("555").served == 0
    assert_clean(lib)


@pytest.mark.parametrize("fault", ["huge", "nolength-huge"])
def test_size_cap(tmp_path, make_site, fault):
    site = make_site([croydon(pub("666", "Monitoring visit, pdf - 9 Sep 2024", fault=fault))])
    lib = tmp_path / "lib"
    res, _ = run(lib, site, max_bytes=100_000)
    assert [i.file_id for i in res.failed] == ["666"] and "too large" in res.failed[0].reason
    assert site.pub("666").served == 1
    assert names(res.new) == EXPECTED_CROYDON
    assert_clean(lib)


def test_provider_page_error_fails_that_council(tmp_path, make_site):
    site = make_site([croydon(page_fault="500")])
    lib = tmp_path / "lib"
    res, ing = run(lib, site, retries=1)
    assert [(i.stage, i.council) for i in res.failed] == [("provider", "croydon")]
    assert "HTTP 500" in res.failed[0].reason
    assert res.new == [] and ing.calls == []
    assert_clean(lib)


def test_moved_provider_page_is_looked_up_again(tmp_path, make_site):
    site = make_site([croydon()])
    lib = tmp_path / "lib"
    run(lib, site)
    m = json.loads((lib / MANIFEST_NAME).read_text())
    m["providers"]["80492"]["url"] = site.base_url + "/provider/99/80492"
    (lib / MANIFEST_NAME).write_text(json.dumps(m))
    res, _ = run(lib, site)
    assert res.ok and len(res.skipped) == 3
    assert json.loads((lib / MANIFEST_NAME).read_text())["providers"]["80492"]["url"].endswith(
        "/provider/44/80492"
    )
