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

import json
import sqlite3
from collections.abc import Iterable
from typing import Protocol

from .accounts import Accounts
from .library import POLARITIES

PERSON = "person"


class TagCorrections(Protocol):
    def queue(
        self,
        con: sqlite3.Connection,
        *,
        la_urn: str | None = None,
        theme: str | None = None,
        limit: int = 25,
        finding_id: int | None = None,
    ) -> list[dict]:
        """(One finding, or) findings worth a person's look, least sure first: id, text, citation fields, polarity, tags."""

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
    ACTION = "tag correction"
    needs_council = False

    def __init__(self, accounts: Accounts):
        self.accounts = accounts

    def queue(self, con, *, la_urn=None, theme=None, limit=25, finding_id=None) -> list[dict]:
        from ..analyse.timeline import _NOT_FINDING_SQL

        where = [
            f"f.section_kind NOT IN {_NOT_FINDING_SQL}",
            "d.kind NOT IN ('council_paper', 'unknown')",
            f"NOT EXISTS (SELECT 1 FROM tags x WHERE x.finding_id = f.id AND x.source = '{PERSON}')",
        ]
        args: list = []
        if finding_id is not None:
            where, args = ["f.id = ?"], [int(finding_id)]
        if la_urn:
            where.append("d.la_urn = ?")
            args.append(la_urn)
        if theme:
            where.append("EXISTS (SELECT 1 FROM tags x WHERE x.finding_id = f.id AND x.theme = ?)")
            args.append(theme)
        # least sure first: the polarity score nearest to a coin toss, then the weakest tag
        rows = con.execute(
            f"""SELECT f.id, f.text, f.page, f.paragraph, f.section, f.polarity, f.polarity_score,
                       d.visit_id, d.la, d.kind, COALESCE(d.start_date, d.published) AS date
                FROM findings f JOIN documents d ON d.id = f.doc_id
                WHERE {" AND ".join(where)}
                ORDER BY ABS(COALESCE(f.polarity_score, 0.5) - 0.5), f.id LIMIT ?""",
            (*args, int(limit)),
        ).fetchall()
        from ..store.search import _tags_for

        tags = _tags_for(con, [r["id"] for r in rows])
        return [dict(r) | {"tags": tags.get(r["id"], [])} for r in rows]

    def correct(self, con, finding_id, *, add=(), remove=(), polarity=None, who) -> dict:
        from ..analyse.timeline import _load_taxonomy_light

        ids = {t["id"] for t in _load_taxonomy_light(con)}
        add, remove = [t for t in add if t], [t for t in remove if t]
        for t in (*add, *remove):
            if t not in ids:
                raise ValueError(f"unknown theme {t!r}")
        if polarity and polarity not in POLARITIES:
            raise ValueError(f"unknown polarity {polarity!r} (one of: {', '.join(POLARITIES)})")
        row = con.execute("SELECT id, polarity FROM findings WHERE id = ?", (finding_id,)).fetchone()
        if not row:
            raise ValueError(f"no finding {finding_id}")
        if not (add or remove or polarity):
            raise ValueError("nothing to correct: add or remove a theme, or set the polarity")
        before = {
            "themes": [
                r[0] for r in con.execute("SELECT theme FROM tags WHERE finding_id = ?", (finding_id,))
            ],
            "polarity": row["polarity"],
        }
        con.execute("BEGIN IMMEDIATE")
        try:
            for t in remove:
                con.execute("DELETE FROM tags WHERE finding_id = ? AND theme = ?", (finding_id, t))
            for t in add:
                con.execute(
                    """INSERT INTO tags (finding_id, theme, score, source, cues) VALUES (?, ?, 1.0, ?, ?)
                               ON CONFLICT(finding_id, theme) DO UPDATE SET score = 1.0, source = excluded.source,
                               cues = excluded.cues""",
                    (finding_id, t, PERSON, json.dumps([f"corrected by {who}"])),
                )
            if polarity:
                con.execute(
                    "UPDATE findings SET polarity = ?, polarity_score = 1.0, polarity_cues = ? WHERE id = ?",
                    (polarity, json.dumps({PERSON: [f"corrected by {who}"]}), finding_id),
                )
            # the finding has been looked at: mark its remaining tags as confirmed by a person
            con.execute("UPDATE tags SET source = ? WHERE finding_id = ?", (PERSON, finding_id))
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        change = {"add": add, "remove": remove, "polarity": polarity, "before": before}
        self.accounts.log(who, self.ACTION, str(finding_id), change)
        return change

    def corrected(self, con, finding_ids) -> dict[int, list[dict]]:
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
        from ..store.search import _tags_for

        ids = [int(i.get("finding", i.get("id"))) for i in items]
        if not ids:
            return []
        rows = {
            r["id"]: dict(r)
            for r in con.execute(
                f"""SELECT f.id, f.text, f.page, f.paragraph, f.section, f.polarity, d.visit_id, d.la, d.kind,
                       COALESCE(d.start_date, d.published) AS date FROM findings f JOIN documents d ON d.id = f.doc_id
                WHERE f.id IN ({",".join("?" * len(ids))})""",
                ids,
            )
        }
        tags = _tags_for(con, ids)
        return [
            rows[i] | {"tags": tags.get(i, []), "reasons": it.get("reasons", [])}
            for i, it in zip(ids, items)
            if i in rows
        ]

    def queue(self, con, *, la_urn=None, theme=None, limit=25, finding_id=None) -> list[dict]:
        if finding_id is not None:
            return self._enrich(con, [{"finding": int(finding_id)}])
        if not la_urn:
            return []
        from ..tag.review import review_queue

        return self._enrich(con, review_queue(con, la_urn, theme=theme, limit=limit, tagger=self._tg()))

    def correct(self, con, finding_id, *, add=(), remove=(), polarity=None, who) -> dict:
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
    return tag.get("source") == PERSON
