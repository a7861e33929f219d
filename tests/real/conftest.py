"""Shared fixtures of the real-report tests: one session-scoped database of the 251 reports."""

import pytest

import ofsted_mine as om

from ..conftest import REPORTS, reports_available


@pytest.fixture(scope="session")
def real_db(tmp_path_factory):
    """(path, IngestResult) of a database holding every real report (ingested once per session)."""
    if not reports_available():
        pytest.skip("../shared/ofsted-reports not present")
    db = tmp_path_factory.mktemp("real") / "real.db"
    result = om.ingest([REPORTS], db)
    return db, result
