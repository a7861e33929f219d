"""Browser helpers for tests: Debian's chromium, driven headless (no browser download ever).

* :func:`pdf_page_count` prints an HTML file to A4 PDF with ``chromium --headless
  --print-to-pdf`` and counts its pages with pypdfium2; :func:`pdf_page_counts` does many files,
  a few chromium processes at a time.
* :func:`screenshot` writes a PNG of a page at a given window size.
* the ``driver`` fixture (session-scoped) gives a Selenium ``webdriver.Chrome`` on Debian's
  ``/usr/bin/chromium`` and ``/usr/bin/chromedriver``, with the page's Content-Security-Policy
  bypassed (``Page.setBypassCSP``), so that test code may run scripts in pages that forbid them;
* :func:`axe` runs axe-core (the npm package, installed by ``.ci/run`` with
  ``npm install --prefix .ci/node axe-core@4``; or ``$AXE_CORE_JS``) in the loaded page and
  returns its violations; :func:`serious_violations` keeps the serious and critical ones;
* :func:`overflow_at` loads a page at a given viewport width and returns how far it scrolls
  sideways (``scrollWidth - clientWidth``, 0 when nothing overflows) and the widest elements.

Every helper skips the calling test, with the reason, when chromium, chromedriver, selenium or
axe-core is missing (a developer's machine without them); CI installs them all.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
AXE_CANDIDATES = [
    ROOT / ".ci" / "node" / "node_modules" / "axe-core" / "axe.min.js",
    ROOT / "node_modules" / "axe-core" / "axe.min.js",
]
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
]
#: axe-core rule tags checked: WCAG 2.x levels A and AA (contrast is 'color-contrast', AA)
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def chromium_path() -> str | None:
    return shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)


def chromedriver_path() -> str | None:
    return shutil.which("chromedriver") or (
        "/usr/bin/chromedriver" if Path("/usr/bin/chromedriver").exists() else None
    )


def axe_path() -> Path | None:
    env = os.environ.get("AXE_CORE_JS")
    for p in ([Path(env)] if env else []) + AXE_CANDIDATES:
        if p.exists():
            return p
    return None


def need_chromium() -> str:
    b = chromium_path()
    if not b:
        pytest.skip(
            "needs Debian's chromium (/usr/bin/chromium; apt-get install chromium); .ci/run installs it"
        )
    return b


def _run_chromium(args: list[str], profile: Path, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [need_chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        timeout=timeout,
        check=False,
    )


def print_pdf(html_path: Path, pdf_path: Path | None = None) -> Path:
    """Print an HTML file to PDF (A4 by the page's own ``@page`` rule) with headless chromium."""
    html_path = Path(html_path).resolve()
    pdf_path = Path(pdf_path) if pdf_path else html_path.with_suffix(".pdf")
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as prof:
        r = _run_chromium(
            [
                "--no-pdf-header-footer",
                "--run-all-compositor-stages-before-draw",
                f"--print-to-pdf={pdf_path}",
                html_path.as_uri(),
            ],
            Path(prof),
        )
    if not pdf_path.exists():
        raise AssertionError(
            f"chromium printed no PDF for {html_path.name}: {r.stderr.decode(errors='replace')[-500:]}"
        )
    return pdf_path


def pdf_pages(pdf_path: Path) -> int:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf_path))
    try:
        return len(doc)
    finally:
        doc.close()


def pdf_page_count(html_path: Path) -> int:
    """How many A4 pages an HTML file prints to in chromium."""
    html_path = Path(html_path)
    with tempfile.TemporaryDirectory(prefix="pdf-") as d:
        return pdf_pages(print_pdf(html_path, Path(d) / (html_path.stem + ".pdf")))


def pdf_page_counts(html_paths: Iterable[Path], workers: int = 2) -> dict[Path, int]:
    """:func:`pdf_page_count` of many files, ``workers`` chromium processes at a time."""
    paths = [Path(p) for p in html_paths]
    need_chromium()
    with ThreadPoolExecutor(max_workers=max(1, workers)) as ex:
        return dict(zip(paths, ex.map(pdf_page_count, paths)))


def screenshot(html_path: Path, png_path: Path, width: int = 1200, height: int = 1700) -> Path:
    """A PNG of the page as chromium shows it in a window of ``width`` x ``height`` CSS pixels."""
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as prof:
        _run_chromium(
            [
                f"--screenshot={png_path}",
                f"--window-size={width},{height}",
                Path(html_path).resolve().as_uri(),
            ],
            Path(prof),
        )
    if not Path(png_path).exists():
        raise AssertionError(f"chromium wrote no screenshot of {html_path}")
    return Path(png_path)


def make_driver(width: int = 1200, height: int = 1000):
    """A headless Selenium Chrome driver on Debian's chromium + chromedriver (no Selenium Manager
    download)."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.skip("needs the selenium package (pip install -e '.[test]')")
    browser, drv = chromium_path(), chromedriver_path()
    if not browser or not drv:
        pytest.skip("needs Debian's chromium and chromium-driver (/usr/bin/chromium, /usr/bin/chromedriver)")
    opts = webdriver.ChromeOptions()
    opts.binary_location = browser
    for f in CHROMIUM_FLAGS:
        opts.add_argument(f)
    opts.add_argument(f"--window-size={width},{height}")
    d = webdriver.Chrome(service=Service(executable_path=drv), options=opts)
    d.execute_cdp_cmd("Page.setBypassCSP", {"enabled": True})
    return d


@pytest.fixture(scope="session")
def driver():
    d = make_driver()
    try:
        yield d
    finally:
        d.quit()


def load(driver, target, width: int | None = None, height: int = 1000) -> None:
    """Open a file (Path) or URL in the driver, at a viewport ``width`` when given."""
    if width:
        set_viewport(driver, width, height)
    driver.get(Path(target).resolve().as_uri() if isinstance(target, Path) else str(target))


def set_viewport(driver, width: int, height: int = 1000) -> None:
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
    )


def reset_viewport(driver) -> None:
    driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def axe(driver, tags: list[str] | None = None) -> list[dict]:
    """Run axe-core in the page loaded in ``driver``; its violations (id, impact, help, nodes)."""
    src = axe_path()
    if not src:
        pytest.skip(
            "needs axe-core: npm install --prefix .ci/node axe-core@4 (as .ci/run does), or set AXE_CORE_JS"
        )
    driver.execute_script(src.read_text(encoding="utf-8"))
    res = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}, resultTypes: ['violations']})"
        ".then(r => done(r.violations))"
        ".catch(e => done([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}]));",
        tags or AXE_TAGS,
    )
    return res or []


def serious_violations(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v.get("impact") in ("serious", "critical")]


def describe(violations: list[dict], n: int = 3) -> str:
    """Violations as readable lines (rule, impact, help, a few offending elements)."""
    out = []
    for v in violations:
        nodes = v.get("nodes") or []
        out.append(f"{v.get('id')} [{v.get('impact')}] {v.get('help')}: {len(nodes)} element(s)")
        for nd in nodes[:n]:
            out.append(
                f"    {nd.get('html', '')[:160]}  {(nd.get('failureSummary') or '').splitlines()[-1:]}"
            )
    return "\n".join(out)


def overflow_at(driver, target, width: int = 420) -> tuple[int, list[str]]:
    """Horizontal overflow of a page at a viewport ``width``: (pixels it scrolls sideways, widest
    elements)."""
    load(driver, target, width=width)
    try:
        over = driver.execute_script(
            "const d = document.documentElement; "
            "return Math.max(d.scrollWidth, document.body.scrollWidth) - d.clientWidth;"
        )
        wide = driver.execute_script(
            "const w = document.documentElement.clientWidth; const out = [];"
            "for (const el of document.querySelectorAll('body *')) {"
            "  const r = el.getBoundingClientRect(); if (r.right > w + 1 && r.width > 0)"
            "    out.push(el.tagName.toLowerCase()"
            "             + (el.className && el.className.baseVal === undefined ? '.' + el.className : '')"
            "             + ' right=' + Math.round(r.right));"
            "} return out.slice(0, 8);"
        )
    finally:
        reset_viewport(driver)
    return int(over), list(wide)


def print_pdf_bytes(driver, target) -> bytes:
    """Print the page at ``target`` to PDF in the driver's browser (CDP ``Page.printToPDF``, the
    page's own ``@page`` size and margins, no header or footer): one browser for many files."""
    import base64

    load(driver, target)
    res = driver.execute_cdp_cmd(
        "Page.printToPDF", {"preferCSSPageSize": True, "printBackground": True, "displayHeaderFooter": False}
    )
    return base64.b64decode(res["data"])


def driver_page_count(driver, target) -> int:
    """How many pages ``target`` prints to in the driver's browser (see :func:`print_pdf_bytes`)."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(print_pdf_bytes(driver, target))
    try:
        return len(doc)
    finally:
        doc.close()
