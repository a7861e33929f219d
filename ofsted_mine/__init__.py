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

#: the public names: ``import ofsted_mine as om`` then ``om.<name>``. The stages' own modules
#: (``read``, ``parse``, ``tag``, ``store``, ``analyse``, ``report``) are importable too, but these
#: are the ones the CLI and the web app are thin layers over.
_LAZY = {
    # writing (pulls in the PDF stack and the tagger)
    "ingest": "api",
    "retag": "api",
    "IngestResult": "api",
    "expand_paths": "api",
    "process_file": "api",
    # analyses (typed results with ``to_dict()``)
    "timeline": "analyse.timeline",
    "track": "analyse.timeline",
    "compare": "analyse.timeline",
    "followup": "analyse.followup",
    "benchmark": "analyse.benchmark",
    # views that write files
    "write_readiness": "report.html",
    "readiness_markdown": "report.markdown",
    "export_findings": "report.export",
}

__all__ = [
    "__version__",
    "default_db_path",
    "open_db",
    "Quote",
    "fts_query",
    "get_visit",
    "quotes",
    "visits",
    *_LAZY,
]


def __getattr__(name: str):
    """Load the heavier public names on first use, so ``import ofsted_mine`` stays fast."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(name)
