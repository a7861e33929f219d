"""ofsted-mine: read what Ofsted publishes about councils' children's services and turn it
into cited evidence.

The stages, each a module with a small typed interface:
``read`` (file -> clean pages) -> ``parse`` (-> Document) -> ``tag`` (themes, polarity)
-> ``store`` (SQLite) -> ``analyse``/``report`` (timelines, comparisons, readiness packs).

Heavy libraries (spaCy, scikit-learn, the PDF stack) load lazily, only when a function
that needs them runs, so queries stay fast.
"""

from __future__ import annotations

__version__ = "0.1.0"

from .store.db import default_db_path, open_db  # noqa: F401
from .store.search import Quote, fts_query, get_visit, quotes, visits  # noqa: F401


def __getattr__(name):  # lazy: ingest pulls in the PDF stack and the tagger
    if name in ("ingest", "retag", "IngestResult", "expand_paths", "process_file"):
        from . import api

        return getattr(api, name)
    raise AttributeError(name)
