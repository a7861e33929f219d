"""The web app in a real browser: Debian's chromium driven by Selenium, against the app served
by uvicorn on 127.0.0.1 in team mode. Skipped, with the reason, where chromium, chromedriver
or selenium is missing."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from .browser import AXE, Server, axe_violations, browser_missing, chrome, overflow_px
from .conftest import EDITOR, HOSTILE, PASSWORD, VIEWER

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(browser_missing() is not None, reason=browser_missing() or ""),
]


@pytest.fixture(scope="module")
def server(web_db, tmp_path_factory):
    from ofsted_mine.web.app import create_app
    from ofsted_mine.web.cli import build_settings
    from tests.test_readiness import copy_db

    db = copy_db(web_db, tmp_path_factory.mktemp("browser") / "b.db")
    src = web_db.with_name(web_db.stem + ".accounts.db")
    copy_db(src, db.with_name(db.stem + ".accounts.db"))
    # plain HTTP on localhost: chromium keeps Secure cookies for http://localhost, so they stay on
    s = Server(create_app(build_settings(db, team=True)))
    s.db = db
    yield s
    s.stop()


@pytest.fixture(scope="module")
def downloads(tmp_path_factory):
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def browser(downloads):
    d = chrome(downloads)
    yield d
    d.quit()


def sign_in(d, server, name, password=PASSWORD):
    from selenium.webdriver.common.by import By

    d.delete_all_cookies()
    d.get(server.url + "/login")
    d.find_element(By.ID, "username").send_keys(name)
    d.find_element(By.ID, "password").send_keys(password)
    d.find_element(By.CSS_SELECTOR, "form.narrow button[type=submit]").click()
    wait_for(lambda: "/login" not in d.current_url, "sign-in did not leave the login page")


def wait_for(cond, why, timeout=20):
    """Poll ``cond`` (a page being replaced makes its elements stale: poll again). Chromium can
    also answer "Node with given id does not belong to the document" (a WebDriverException, not
    a stale-element one) when the page is swapped between finding an element and reading it:
    that too is the page being replaced, so poll again."""
    from selenium.common.exceptions import (
        NoSuchElementException,
        StaleElementReferenceException,
        WebDriverException,
    )

    t0 = time.time()
    while time.time() - t0 < timeout:
        try:
            if cond():
                return
        except (StaleElementReferenceException, NoSuchElementException):
            pass
        except WebDriverException as e:  # the page was replaced mid-read (see above)
            if "does not belong to the document" not in str(e):
                raise
        time.sleep(0.1)
    raise AssertionError(why)


def test_anonymous_is_sent_to_sign_in(browser, server):
    browser.delete_all_cookies()
    browser.get(server.url + "/review")
    assert "/login" in browser.current_url
    assert browser.find_element("css selector", "h1").text == "Sign in"


def test_search_with_filters(browser, server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    sign_in(browser, server, VIEWER)
    browser.get(server.url + "/search")
    browser.find_element(By.ID, "q").send_keys("oversight")
    la = browser.find_element(By.ID, "la")
    la.send_keys("Wyvern Vale")
    Select(browser.find_element(By.ID, "polarity")).select_by_value("concern")
    browser.find_element(By.CSS_SELECTOR, "form.search button[type=submit]").click()
    wait_for(lambda: "/search?" in browser.current_url, "search did not run")
    assert "la=Wyvern+Vale" in browser.current_url and "polarity=concern" in browser.current_url
    results = browser.find_elements(By.CSS_SELECTOR, "ol.results > li")
    assert results, "no results"
    for li in results:
        assert li.find_element(By.CSS_SELECTOR, ".pol").text.lower() == "concern"
        assert "Wyvern Vale" in li.find_element(By.CSS_SELECTOR, "cite").text
    # the shareable URL gives the same page to someone else
    url = browser.current_url
    browser.get(url)
    assert len(browser.find_elements(By.CSS_SELECTOR, "ol.results > li")) == len(results)


def test_open_a_document_at_the_finding(browser, server):
    from selenium.webdriver.common.by import By

    sign_in(browser, server, VIEWER)
    browser.get(server.url + "/search?q=drift&la=Wyvern+Vale")
    link = browser.find_element(By.CSS_SELECTOR, "ol.results > li .links a")
    target = link.get_attribute("href").split("#")[1]
    link.click()
    wait_for(lambda: "/doc/" in browser.current_url, "the document did not open")
    f = browser.find_element(By.ID, target)
    assert "drift" in f.text.lower()
    assert (
        browser.execute_script(
            "return document.querySelector(':target') && document.querySelector(':target').id"
        )
        == target
    )


def test_follow_a_council_and_download_its_pack(browser, server, downloads):
    from selenium.webdriver.common.by import By

    sign_in(browser, server, VIEWER)
    browser.get(server.url + "/councils")
    browser.find_element(By.LINK_TEXT, "Wyvern Vale").click()
    wait_for(lambda: "/council/990001" in browser.current_url, "the council page did not open")
    from ofsted_mine.vocab import CELL_LABELS, CELL_LETTERS

    cells = browser.find_elements(By.CSS_SELECTOR, "table.grid td[class^=v-]")
    for c in cells:  # a letter and words, not colour alone
        verdict = c.get_attribute("class")[2:]
        assert c.text.startswith(f"{CELL_LETTERS[verdict]} {CELL_LABELS[verdict]}"), c.text
    assert cells
    browser.find_element(By.LINK_TEXT, "Drift and delay").click() if browser.find_elements(
        By.LINK_TEXT, "Drift and delay"
    ) else browser.find_element(By.CSS_SELECTOR, "table.grid tbody th a").click()
    assert "Trend over the current journey" in browser.page_source
    browser.back()
    browser.find_element(By.CSS_SELECTOR, "section[aria-labelledby=compare] button").click()
    wait_for(lambda: "/compare" in browser.current_url, "compare did not open")
    assert browser.find_elements(By.CSS_SELECTOR, "table tbody tr")
    browser.back()
    browser.find_element(By.LINK_TEXT, "HTML").click()
    wait_for(
        lambda: any(p.name.endswith("-pack.html") for p in downloads.iterdir()),
        "the pack was not downloaded",
        60,
    )
    pack = next(p for p in downloads.iterdir() if p.name.endswith("-pack.html"))
    html = pack.read_text(encoding="utf-8")
    assert re.search(r"<title>[^<]*pack: Wyvern Vale</title>", html) and "<script" not in html


def test_markup_in_a_finding_stays_inert(browser, server):
    from selenium.webdriver.common.by import By

    sign_in(browser, server, VIEWER)
    browser.get(server.url + "/search?q=oversee+drift")
    text = browser.find_element(By.CSS_SELECTOR, "ol.results > li blockquote").text
    assert text == HOSTILE
    assert browser.execute_script("return window.__pwned === undefined")
    assert not browser.find_elements(By.CSS_SELECTOR, "ol.results img")
    browser.find_element(By.CSS_SELECTOR, "ol.results > li .links a").click()
    wait_for(lambda: "/doc/" in browser.current_url, "the document did not open")
    assert browser.execute_script("return window.__pwned === undefined")


def test_viewer_is_refused_the_review(browser, server):
    sign_in(browser, server, VIEWER)
    browser.get(server.url + "/review")
    assert "Only editors" in browser.find_element("css selector", "main").text
    assert not browser.find_elements("link text", "Review tags")


def test_editor_corrects_a_tag_and_a_csrf_less_post_is_refused(browser, server):
    import sqlite3

    from selenium.webdriver.common.by import By

    sign_in(browser, server, EDITOR)
    browser.get(server.url + "/review?la=Wyvern+Vale")
    first = browser.find_element(By.CSS_SELECTOR, "ol.review > li.item")
    fid = int(first.get_attribute("id")[1:])
    con = sqlite3.connect(server.db)
    before = con.execute("SELECT polarity FROM findings WHERE id = ?", (fid,)).fetchone()[0]
    new = "neutral" if before != "neutral" else "concern"
    # a form without its CSRF token is refused and changes nothing
    browser.execute_script("arguments[0].querySelector('input[name=csrf]').remove()", first)
    first.find_element(By.CSS_SELECTOR, f"input[type=radio][value={new}]").click()
    first.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for(
        lambda: "CSRF" in browser.find_element(By.TAG_NAME, "main").text, "a CSRF-less post was not refused"
    )
    assert con.execute("SELECT polarity FROM findings WHERE id = ?", (fid,)).fetchone()[0] == before
    # the real form, from the keyboard: j to the first finding, a letter for the polarity, Enter on the button
    from selenium.webdriver.common.keys import Keys

    browser.get(server.url + "/review?la=Wyvern+Vale")
    item = browser.find_element(By.ID, f"f{fid}")
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys("j")
    assert (
        item.find_element(By.CSS_SELECTOR, "input:not([type=hidden]), select, button")
        == browser.switch_to.active_element
    )
    browser.switch_to.active_element.send_keys(new[0])
    radio = item.find_element(By.CSS_SELECTOR, f"input[type=radio][value={new}]")
    assert radio.is_selected() and radio == browser.switch_to.active_element
    item.find_element(By.CSS_SELECTOR, "button[type=submit]").send_keys(Keys.ENTER)
    wait_for(lambda: "Saved your correction" in browser.page_source, "the correction was not saved")
    assert con.execute("SELECT polarity FROM findings WHERE id = ?", (fid,)).fetchone()[0] == new
    con.close()


def test_keyboard_alone_reaches_the_search(browser, server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    sign_in(browser, server, VIEWER)
    browser.get(server.url + "/")
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.TAB)
    assert browser.switch_to.active_element.text == "Skip to content"
    body = browser.find_element(By.TAG_NAME, "body")
    browser.switch_to.active_element.send_keys(Keys.ENTER)
    browser.switch_to.active_element.send_keys(Keys.TAB)
    browser.switch_to.active_element.send_keys(Keys.TAB)  # past the page's lead paragraph to the first field
    active = browser.switch_to.active_element
    assert active.get_attribute("id") in ("q", "la"), active.get_attribute("outerHTML")[:80]


PAGES = [
    "/",
    "/search?q=oversight&la=Wyvern+Vale",
    "/councils",
    "/council/990001",
    "/council/990001/theme/drift_delay",
    "/council/990001/followup",
    "/council/990001/benchmark",
    "/doc/wyvern-vale-mv3-2022-10-18",
    "/review?la=Wyvern+Vale",
    "/ingest",
    "/council/990001/compare?a=wyvern-vale-mv1-2022-03-29&b=wyvern-vale-mv6-2023-09-12",
    "/search?kind=bad",
    "/login",
]


@pytest.mark.skipif(
    not AXE.exists(), reason="axe-core missing: npm install --prefix .ci/node axe-core@4 (.ci/run does)"
)
def test_axe_finds_no_serious_violation_and_nothing_overflows_at_420px(browser, server):
    sign_in(browser, server, EDITOR)
    problems = []
    for width in (1280, 420):
        browser.set_window_size(width, 900)
        for p in PAGES:
            browser.get(server.url + p)
            if width == 1280:
                for v in axe_violations(browser):
                    problems.append(f"{p}: {v['impact']} {v['id']} ({v['help']}) at {v['nodes']}")
            else:
                over = overflow_px(browser)
                if over > 0:
                    problems.append(f"{p}: {over}px wider than a 420px window")
    browser.set_window_size(1280, 900)
    assert not problems, "\n".join(problems)
    browser.get(server.url + "/login")


def test_screenshots_for_the_readme(browser, server, tmp_path):
    """Writes web-search.png and web-council-420.png to $OFSTED_MINE_SCREENSHOTS (e.g. docs/,
    for the README; looked at by a person) or a scratch folder."""
    import os

    DOCS = Path(os.environ.get("OFSTED_MINE_SCREENSHOTS") or tmp_path)
    sign_in(browser, server, EDITOR)
    DOCS.mkdir(exist_ok=True)
    browser.set_window_size(1100, 900)
    browser.get(server.url + "/search?q=oversight&la=Wyvern+Vale&polarity=concern")
    browser.save_screenshot(str(DOCS / "web-search.png"))
    browser.set_window_size(420, 900)
    browser.get(server.url + "/council/990001#grid")
    browser.save_screenshot(str(DOCS / "web-council-420.png"))
    browser.set_window_size(1280, 900)
    assert (DOCS / "web-search.png").stat().st_size > 10_000


def test_editor_uploads_letters_and_sees_each_files_result(browser, server, tmp_path):
    from selenium.webdriver.common.by import By

    from tests.conftest import LETTER_LINES, make_pdf

    good = make_pdf(tmp_path / "new-letter.pdf", LETTER_LINES)
    bad = tmp_path / "scan.pdf"
    bad.write_bytes(b"%PDF-1.4 nothing readable here")
    sign_in(browser, server, EDITOR)
    browser.get(server.url + "/ingest")
    browser.find_element(By.ID, "files").send_keys(f"{good}\n{bad}")
    browser.find_element(By.CSS_SELECTOR, "form[action='/ingest/upload'] button").click()
    wait_for(lambda: "/ingest/jobs/" in browser.current_url, "the upload did not start a job")
    wait_for(
        lambda: "Finished" in browser.find_element(By.TAG_NAME, "main").text, "the ingest did not finish", 120
    )
    rows = {
        r.find_element(By.TAG_NAME, "th").text: r.find_elements(By.TAG_NAME, "td")
        for r in browser.find_elements(By.CSS_SELECTOR, "tbody tr")
    }
    assert rows["new-letter.pdf"][0].text == "added"
    assert rows["scan.pdf"][0].text == "failed" and len(rows["scan.pdf"][1].text) > 10
