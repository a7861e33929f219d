"""Browser helpers for the web app's tests: the app served by uvicorn in a thread, Debian's
chromium driven by Selenium through Debian's chromedriver (nothing is downloaded), and
axe-core (``npm install --prefix .ci/node axe-core@4``) run in the page."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / ".ci" / "node" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


def browser_missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    for p, what in ((CHROMIUM, "Debian's chromium"), (CHROMEDRIVER, "Debian's chromium-driver")):
        if not Path(p).exists():
            return f"{what} is missing ({p}); .ci/run installs it"
    return None


class Server:
    """The app on 127.0.0.1 at a free port, in a background thread, until ``stop()``."""

    def __init__(self, app):
        import uvicorn

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        t0 = time.time()
        while not self.server.started:
            if time.time() - t0 > 20:
                raise RuntimeError("the test server did not start")
            time.sleep(0.05)
        self.url = f"http://localhost:{self.port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


def chrome(download_dir: Path | None = None, width: int = 1280, height: int = 900):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for a in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        f"--window-size={width},{height}",
        "--disable-extensions",
        "--no-first-run",
    ):
        opts.add_argument(a)
    if download_dir:
        opts.add_experimental_option(
            "prefs", {"download.default_directory": str(download_dir), "download.prompt_for_download": False}
        )
    drv = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=opts)
    drv.set_page_load_timeout(60)
    drv.set_script_timeout(60)
    return drv


def axe_violations(driver, impacts=("serious", "critical")) -> list[dict]:
    """axe-core's violations of the page now shown, of these impacts (WCAG 2 A/AA rules)."""
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    res = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', "
        "values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"
        ".then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))))"
        ".catch(e => done([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}]));"
    )
    return [v for v in res if v["impact"] in impacts]


def overflow_px(driver) -> int:
    """How far the page is wider than the window (0: no horizontal scrolling)."""
    return driver.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth;"
    )
