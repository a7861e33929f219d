"""`ofsted-mine fetch` through the real CLI app (ofsted_mine.cli.app), reading a MockSite."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from ofsted_mine import fetch as F
from ofsted_mine.fetch import Limits

from .fetch_support import Ingest, cli_with, croydon, pub, site_maker


@pytest.fixture
def make_site():
    """Make a MockSite (its client is closed after the test)."""
    yield from site_maker()


# ---------------------------------------------------------------------- CLI


def test_cli(tmp_path, make_site, monkeypatch):
    from ofsted_mine.cli import app
    from ofsted_mine.cli import fetch as fetch_cli

    site = make_site([croydon(pub("404404", "Monitoring visit, pdf - 9 Sep 2024", fault="404"))])
    ing = Ingest()
    invoke = cli_with(monkeypatch, site, ing, retries=1)
    lib = tmp_path / "lib"
    r = invoke(["--la", "croydon", "--library", str(lib)])
    assert r.exit_code == 1, r.output  # the 404 failed
    assert "Croydon" in r.output and "HTTP 404" in r.output
    assert len(list(lib.rglob("*.pdf"))) == 3 and [len(c) for c in ing.calls] == [3]
    r = invoke(["--urn", "80492", "--library", str(lib), "--kind", "inspection"])
    assert r.exit_code == 0, r.output
    assert "0 new" in r.output
    r = invoke(["--la", "croydon", "--library", str(lib), "--dry-run", "--kind", "monitoring_visit"])
    assert r.exit_code == 0, r.output  # a dry run does not request files, so the 404 is not seen
    assert "would download" in r.output and "_404404.pdf" in r.output
    n = len(site.log)
    for bad, says in (
        (["--library", str(lib)], "exactly one of --la, --urn or --all"),
        (["--la", "croydon", "--kind", "x"], "unknown kind 'x'"),
        (["--la", "croydon", "--since", "soon"], "'soon'"),
        (["--la", "atlantis"], "unknown council 'atlantis'"),
        (["--la", "croydon", "--request-deadline", "-1"], "'--request-deadline'"),
    ):
        r = invoke(bad, env={"COLUMNS": "300"})
        assert r.exit_code == 2, (bad, r.output)
        assert says in " ".join(r.output.split()), (bad, r.output)
    assert len(site.log) == n  # refused before any request
    # the main app's fetch command is this module's (registered, perhaps wrapped, not a copy)
    callbacks = [inspect.unwrap(c.callback) for c in app.registered_commands if c.name == "fetch"]
    assert callbacks == [fetch_cli.fetch_command]


def test_cli_passes_deadlines_as_limits(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    import ofsted_mine.fetch as fetch_module
    from ofsted_mine.cli import app

    seen = {}

    def fake_fetch(**kw):
        seen.update(kw)
        return F.FetchResult()

    monkeypatch.setattr(fetch_module, "fetch", fake_fetch)
    lib = tmp_path / "lib"
    r = CliRunner().invoke(app, ["fetch", "--all", "--library", str(lib), "--deadline", "7", "--kind", "mv"])
    assert r.exit_code == 0, r.output
    assert seen["limits"] == Limits(request_deadline=300.0, run_deadline=7.0)
    assert (seen["all_councils"], seen["kinds"], seen["library"]) == (True, "mv", lib)
    CliRunner().invoke(app, ["fetch", "--all", "--request-deadline", "0"])
    assert seen["limits"] == Limits(request_deadline=None, run_deadline=None)


def test_cli_constants_match_the_library():
    """fetch_cli keeps copies (so that the CLI starts without importing httpx): the same values."""
    from ofsted_mine.cli import fetch as fetch_cli

    assert tuple(F.KNOWN_KINDS) == fetch_cli.KNOWN_KINDS
    assert fetch_cli.DEFAULT_LIBRARY == Path(F.DEFAULT_LIBRARY)
    option = inspect.signature(fetch_cli.fetch_command).parameters["request_deadline"].default
    assert option.default == F.REQUEST_DEADLINE
