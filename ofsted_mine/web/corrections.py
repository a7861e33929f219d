"""The small interface the review page needs from tag corrections (issue 14), and a stand-in.

The review page and the permission model are built against :class:`TagCorrections`. Until
issue 14's corrections land in the library, :class:`StandInCorrections` implements it by
writing the person's tags into the ``tags`` table (source ``person``, score 1.0) and the
polarity into ``findings``, and recording who and when in the accounts file's audit log.
Its limit, which issue 14 removes: ``ofsted-mine tag`` (re-tagging) or a re-ingest of the
same document replaces those tags. Re-wire by returning issue 14's object from
:func:`corrections_for`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Protocol

from ..analyse.timeline import load_taxonomy_light
from ..store.corrections import PERSON, finding_row, queue_rows, uncorrected_queue, write_person_tags
from ..store.tags import tags_for, themes_of
from ..store.transaction import write_transaction
from ..vocab import NOT_FINDING_SQL
from .accounts import Accounts
from .library import POLARITIES


class TagCorrections(Protocol):
    """What the review page needs from tag corrections: a queue, a correction, and who corrected what."""

    def queue(
        self,
        con: sqlite3.Connection,
        *,
        la_urn: str | None = None,
        theme: str | None = None,
        limit: int = 25,
        finding_id: int | None = None,
    ) -> list[dict]:
        """(One finding, or) findings worth a person's look, least sure first: id, text, citation
        fields, polarity, tags."""

    def correct(
        self,
        con: sqlite3.Connection,
        finding_id: int,
        *,
        add: Iterable[str] = (),
        remove: Iterable[str] = (),
        polarity: str | None = None,
        who: str,
    ) -> dict:
        """Apply a person's correction; returns what changed. Raises ValueError for a bad request."""

    def corrected(self, con: sqlite3.Connection, finding_ids: list[int]) -> dict[int, list[dict]]:
        """Corrections made to these findings (who, when, what), oldest first."""


class StandInCorrections:
    """:class:`TagCorrections` writing straight into the tags (see the module docstring)."""

    ACTION = "tag correction"
    needs_council = False

    def __init__(self, accounts: Accounts):
        self.accounts = accounts

    def queue(self, con, *, la_urn=None, theme=None, limit=25, finding_id=None) -> list[dict]:
        """Findings no person has tagged yet (or just ``finding_id``), least sure first, with their tags."""
        rows = uncorrected_queue(
            con, NOT_FINDING_SQL, la_urn=la_urn, theme=theme, limit=limit, finding_id=finding_id
        )
        tags = tags_for(con, [r["id"] for r in rows])
        return [dict(r) | {"tags": tags.get(r["id"], [])} for r in rows]

    def correct(self, con, finding_id, *, add=(), remove=(), polarity=None, who) -> dict:
        """Write the person's tags and polarity at once and log who did it; returns the change."""
        ids = {t["id"] for t in load_taxonomy_light(con)}
        add, remove = [t for t in add if t], [t for t in remove if t]
        for t in (*add, *remove):
            if t not in ids:
                raise ValueError(f"unknown theme {t!r}")
        if polarity and polarity not in POLARITIES:
            raise ValueError(f"unknown polarity {polarity!r} (one of: {', '.join(POLARITIES)})")
        row = finding_row(con, finding_id)
        if not row:
            raise ValueError(f"no finding {finding_id}")
        if not (add or remove or polarity):
            raise ValueError("nothing to correct: add or remove a theme, or set the polarity")
        before = {
            "themes": themes_of(con, finding_id),
            "polarity": row["polarity"],
        }
        with write_transaction(con):
            write_person_tags(con, finding_id, add, remove, polarity, who)
        change = {"add": add, "remove": remove, "polarity": polarity, "before": before}
        self.accounts.log(who, self.ACTION, str(finding_id), change)
        return change

    def corrected(self, con, finding_ids) -> dict[int, list[dict]]:
        """finding id -> the audit log's corrections of it (who, when, what), oldest first."""
        h = self.accounts.history(self.ACTION, [str(i) for i in finding_ids])
        return {int(k): v for k, v in h.items()}


class LibraryCorrections:
    """:class:`TagCorrections` over issue 14's library (``tag.corrections``, ``tag.review``):
    corrections kept apart from the model's tags (they survive re-tagging and re-ingest), the
    review queue the ``review`` command walks. The accounts file's audit log records the same
    action too (who did what from the web app)."""

    ACTION = StandInCorrections.ACTION
    needs_council = True  # the library's queue is per council

    def __init__(self, accounts: Accounts):
        self.accounts = accounts
        self._tagger = None

    def _tg(self):
        if self._tagger is None:
            from ..tag import Tagger

            self._tagger = Tagger()
        return self._tagger

    def _enrich(self, con, items: list[dict]) -> list[dict]:
        ids = [int(i["finding"] if "finding" in i else i["id"]) for i in items]
        if not ids:
            return []
        rows = queue_rows(con, ids, with_score=False)
        tags = tags_for(con, ids)
        return [
            rows[i] | {"tags": tags.get(i, []), "reasons": it.get("reasons", [])}
            for i, it in zip(ids, items)
            if i in rows
        ]

    def queue(self, con, *, la_urn=None, theme=None, limit=25, finding_id=None) -> list[dict]:
        """The review queue of one council (or just ``finding_id``), with tags and reasons."""
        if finding_id is not None:
            return self._enrich(con, [{"finding": int(finding_id)}])
        if not la_urn:
            return []
        from ..tag.review import review_queue

        return self._enrich(con, review_queue(con, la_urn, theme=theme, limit=limit, tagger=self._tg()))

    def correct(self, con, finding_id, *, add=(), remove=(), polarity=None, who) -> dict:
        """Record the correction in the library (it outlives re-tagging) and in the audit log."""
        from ..tag.corrections import correct

        res = correct(
            con,
            int(finding_id),
            add=[t for t in add if t],
            remove=[t for t in remove if t],
            polarity=polarity or None,
            who=who,
        )
        self.accounts.log(
            who,
            self.ACTION,
            str(finding_id),
            {"add": list(add), "remove": list(remove), "polarity": polarity, "after": res},
        )
        return res

    def corrected(self, con, finding_ids) -> dict[int, list[dict]]:
        """finding id -> who corrected it last, and when (for those corrected)."""
        from ..tag.corrections import corrected_findings

        want = set(finding_ids)
        if not want:
            return {}
        return {
            c["finding"]: [{"who": c["who"], "at": c["at"]}]
            for c in corrected_findings(con)
            if c["finding"] in want
        }


def corrections_for(accounts: Accounts) -> TagCorrections:
    """The corrections in use: issue 14's library where it is installed, else the stand-in."""
    try:
        from ..tag.corrections import correct, corrected_findings  # noqa: F401
        from ..tag.review import review_queue  # noqa: F401
    except ImportError:
        return StandInCorrections(accounts)
    return LibraryCorrections(accounts)


def is_person(tag: dict) -> bool:
    """True for a tag a person set."""
    return tag.get("source") == PERSON
