"""Facts a database remembers about itself (the ``settings`` table, written and read by
``set_setting``/``get_setting`` of :mod:`ofsted_mine.store.db`): the taxonomy and tagger its
tags come from, and the questions that depend on them (which taxonomy is in use, which theme
ids a filter may name)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from .db import get_setting, set_setting

__all__ = ["get_setting", "set_setting", "stored_taxonomy", "taxonomy_of", "known_themes"]


def stored_taxonomy(con: sqlite3.Connection | None) -> str | None:
    """The taxonomy file the database was last tagged with, when it is not the default and the
    file still exists; else None (the default taxonomy)."""
    if con is None:
        return None
    used = get_setting(con, "taxonomy")
    if used and used not in ("default", "untagged") and Path(used).exists():
        return used
    return None


def taxonomy_of(con: sqlite3.Connection | None, taxonomy=None):
    """The taxonomy asked for, else the one the database was last tagged with, else the default."""
    from ..tag.taxonomy import load_taxonomy

    if taxonomy is None:
        taxonomy = stored_taxonomy(con)
    return load_taxonomy(taxonomy)


def known_themes(con: sqlite3.Connection | None = None, taxonomy=None) -> list[str]:
    """Theme ids a filter may name: the taxonomy's (the database's own when it was tagged with
    another one), plus any theme stored in the database's tags."""
    ids: list[str] = []
    try:
        ids = list(taxonomy_of(con, taxonomy).ids)
    except Exception:  # an unreadable taxonomy file: the stored tags still count
        ids = []
    if con is not None and (get_setting(con, "taxonomy") not in (None, "default", "untagged") or not ids):
        ids += [r[0] for r in con.execute("SELECT DISTINCT theme FROM tags") if r[0] not in ids]
    return ids
