"""Document kinds as plug-ins: one module per kind, registered in one place.

A *document kind* says what a document is (a monitoring visit letter, an ILACS inspection
report, a JTAI letter, a council's own paper…) and everything the pipeline needs to know
about it: how it is recognised (title phrases, each with a score), which metadata reader
fills its :class:`~ofsted_mine.model.Visit`, which headings it has beyond the shared ones
and their section kinds, which sections hold findings and recommendations, its labels,
its framework, and whether it opens an improvement journey.

Adding a kind = writing one module that builds a :class:`DocKind` and calls
:func:`register` (and, for a built-in kind, listing the module in ``BUILTIN_MODULES``).
``parse`` detects and reads documents with whatever is registered; ``vocab`` derives its
kind lists and labels from the registry; the store, analyses and reports use those.

The registry itself imports nothing from the pipeline: the built-in kinds (whose
metadata readers live in ``ofsted_mine.parse``) are loaded on the first question asked of
it, so importing this module is cheap and never circular.
"""

from __future__ import annotations

from .registry import (
    BUILTIN_MODULES,
    TITLE_ZONE,
    Detector,
    DocKind,
    Match,
    MetadataReader,
    all_kinds,
    by_id,
    detect,
    fallback,
    get,
    headings_for,
    kind_aliases,
    kind_from_site_title,
    kind_ids,
    register,
    section_kinds,
    title_matches,
    unregister,
)

__all__ = [
    "BUILTIN_MODULES",
    "TITLE_ZONE",
    "Detector",
    "DocKind",
    "Match",
    "MetadataReader",
    "all_kinds",
    "by_id",
    "detect",
    "fallback",
    "get",
    "headings_for",
    "kind_aliases",
    "kind_from_site_title",
    "kind_ids",
    "register",
    "section_kinds",
    "title_matches",
    "unregister",
]
