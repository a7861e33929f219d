"""The table of English councils (and the sample corpus's fictional ones), open to councils
it does not list.

Public facts: Ofsted URN, DfE LA code, ONS code, region, statistical neighbours
(``data/councils.csv``), and the reorganisations since 2019 with each new council's
predecessors (``data/council-changes.csv``), so that history before a merger can be followed.

A user adds councils and aliases in a CSV file with the same columns (at least ``name``;
``urn`` optional, ``aliases`` separated by ``|``): ``$OFSTED_MINE_COUNCILS`` if set, else
``$XDG_CONFIG_HOME/ofsted-mine/councils.csv`` (``~/.config/ofsted-mine/councils.csv``). A row
whose URN or name is already in the table adds its aliases to that council.

A council that is in none of these is still a council: :func:`unlisted_council` keeps its
printed name (normalised) under the key ``name:<slug>``, flagged ``unlisted``. It is never
replaced by another council named elsewhere in the document.
"""

from __future__ import annotations

import csv
import difflib
import os
import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path

from .errors import NotFoundError

#: the key of a council that is not in the table: "name:" + slug of its printed name
UNLISTED_PREFIX = "name:"


@dataclass(frozen=True)
class Council:
    """One council: Ofsted URN, name, aliases, codes, region, neighbours, dates and predecessors."""

    urn: str
    name: str
    aliases: tuple[str, ...] = ()
    la_code: str = ""
    ons_code: str = ""
    region: str = ""
    la_type: str = ""
    population_0_25: int | None = None
    stat_neighbours: tuple[str, ...] = ()  # URNs
    fictional: bool = False
    established: str = ""  # YYYY-MM-DD, for councils created since 2019
    abolished: str = ""  # YYYY-MM-DD, for councils that no longer exist
    predecessors: tuple[str, ...] = ()  # keys (URNs) of the councils it was made from
    successors: tuple[str, ...] = ()  # keys of the councils it became
    note: str = ""
    source: str = "table"  # table | fictional | user | unlisted

    @property
    def slug(self) -> str:
        """The council's name as a URL- and file-safe slug."""
        return slugify(self.name)

    @property
    def unlisted(self) -> bool:
        """Not in the council table: known only by the name printed on its documents."""
        return self.source == "unlisted"


def slugify(name: str) -> str:
    """A name as a lower-case slug (letters, digits and hyphens)."""
    s = name.lower().replace("&", "and")
    s = re.sub(r"[’']", "", s)
    return re.sub(r"[^a-z0-9]+", "-", s).strip("-")


_GENERIC = r"the|council|county|city|borough|metropolitan|district|royal|london|of|mbc|cc"


def _norm(name: str) -> str:
    s = name.lower().replace("&", "and").replace("’", "'")
    s = re.sub(r"\b(" + _GENERIC + r")\b", " ", s)
    s = s.replace("st.", "st").replace("saint", "st")
    return re.sub(r"[^a-z0-9]+", "", s)


def _alnum(name: str) -> str:
    """Every letter and digit, lower case ("City of London" -> "cityoflondon")."""
    s = name.lower().replace("&", "and").replace("st.", "st").replace("saint", "st")
    return re.sub(r"[^a-z0-9]+", "", s)


#: words that say nothing about which council is meant
_MEANINGLESS = set(
    (
        _GENERIC + r"|local|authority|authorities|children|childrens|children's|services|service|"
        r"social|care|and|for|a|an|in|to|la|lа|department|directorate|families|young|people"
    ).split("|")
)


def meaningful(name: str | None) -> bool:
    """False for empty or meaningless names ("the", "Council", "!!!", "the local authority")."""
    if not name:
        return False
    words = re.findall(r"[a-z0-9’']+", name.lower().replace("’", "'"))
    words = [w[:-2] if w.endswith("'s") else w for w in words]
    return any(w not in _MEANINGLESS and len(w) >= 2 for w in words)


def user_councils_path() -> Path:
    """Where a user's own councils and aliases are read from (the file need not exist)."""
    env = os.environ.get("OFSTED_MINE_COUNCILS")
    if env:
        return Path(env).expanduser()
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "ofsted-mine" / "councils.csv"


def _split(v: str | None) -> tuple[str, ...]:
    return tuple(x.strip() for x in (v or "").split("|") if x.strip())


def _row(r: dict, source: str) -> Council:
    return Council(
        urn=(r.get("urn") or "").strip() or UNLISTED_PREFIX.replace("name", "user") + slugify(r["name"]),
        name=r["name"].strip(),
        aliases=_split(r.get("aliases")),
        la_code=r.get("la_code") or "",
        ons_code=r.get("ons_code") or "",
        region=r.get("region") or "",
        la_type=r.get("la_type") or "",
        population_0_25=int(r["population_0_25"])
        if (r.get("population_0_25") or "").strip().isdigit()
        else None,
        stat_neighbours=_split(r.get("stat_neighbours")),
        fictional=source == "fictional",
        established=r.get("established") or "",
        abolished=r.get("abolished") or "",
        predecessors=_split(r.get("predecessors")),
        successors=_split(r.get("successors")),
        note=r.get("note") or "",
        source=source,
    )


def _read(fname: str) -> list[dict]:
    with resources.files("ofsted_mine.data").joinpath(fname).open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _merge(table: list[Council], rows: Iterable[dict], source: str) -> None:
    """Add rows to the table: a row naming a council already there (same URN, or the same name
    when it gives no URN) adds its aliases and any fields it fills; other rows are new councils."""
    by_urn = {c.urn: i for i, c in enumerate(table)}
    by_name = {_alnum(c.name): i for i, c in enumerate(table)}
    for r in rows:
        if not (r.get("name") or "").strip():
            continue
        new = _row(r, source)
        i = by_urn.get(new.urn) if (r.get("urn") or "").strip() else by_name.get(_alnum(new.name))
        if i is None:
            by_urn[new.urn] = len(table)
            table.append(new)
            continue
        old = table[i]
        upd = {
            k: getattr(new, k)
            for k in (
                "la_code",
                "ons_code",
                "region",
                "la_type",
                "established",
                "abolished",
                "predecessors",
                "successors",
                "note",
            )
            if getattr(new, k)
        }
        names = {_alnum(a) for a in (old.name, *old.aliases)}
        extra = tuple(a for a in (new.name, *new.aliases) if _alnum(a) not in names)
        table[i] = replace(old, aliases=old.aliases + extra, **upd)


def _read_user(path: Path) -> list[dict]:
    from .errors import InputError

    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            rows = list(csv.DictReader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise InputError(
            f"{path}: cannot read the user council file ({getattr(e, 'strerror', None) or e})"
        ) from None
    if rows and "name" not in rows[0]:
        raise InputError(
            f"{path}: the user council file needs a 'name' column (and optionally urn, aliases, ...)"
        )
    return rows


@lru_cache(maxsize=1)
def _table(user_path: str) -> tuple[Council, ...]:
    table = [_row(r, "table") for r in _read("councils.csv")]
    _merge(table, _read("council-changes.csv"), "table")
    table += [_row(r, "fictional") for r in _read("fictional-councils.csv")]
    p = Path(user_path)
    if p.is_file():
        _merge(table, _read_user(p), "user")
    return tuple(table)


def all_councils() -> tuple[Council, ...]:
    """Every council in the table: England's (current and predecessors), the fictional ones
    of the sample corpus, and the user's own (see :func:`user_councils_path`)."""
    return _table(str(user_councils_path()))


def reload_councils() -> None:
    """Forget the cached table (after the user file or ``$OFSTED_MINE_COUNCILS`` changed)."""
    _table.cache_clear()
    _index_for.cache_clear()
    _names_for.cache_clear()


@lru_cache(maxsize=4)
def _index_for(table: tuple[Council, ...]) -> dict[str, Council]:
    idx: dict[str, Council] = {}
    for c in table:
        idx.setdefault(c.urn, c)
    for c in table:
        for n in (c.name, *c.aliases, c.slug):
            idx.setdefault("=" + _alnum(n), c)
    for c in table:
        for n in (c.name, *c.aliases, c.slug):
            k = _norm(n)
            if len(k) >= 3:
                idx.setdefault(k, c)
    return idx


def _index() -> dict[str, Council]:
    return _index_for(all_councils())


def find_council(name_or_urn: str) -> Council | None:
    """Look a council up in the table by name as printed, alias, slug or Ofsted URN.
    Empty or meaningless names ("the", "Council", "!!!") match nothing."""
    if not name_or_urn or not name_or_urn.strip():
        return None
    key = name_or_urn.strip()
    idx = _index()
    if key in idx and not key.startswith("="):
        return idx[key]
    c = idx.get("=" + _alnum(key))
    if c:
        return c
    if not meaningful(key):
        return None
    k = _norm(key)
    return idx.get(k) if len(k) >= 3 else None


def by_urn(urn: str) -> Council | None:
    """The council with this key (Ofsted URN, or ``name:<slug>`` for one not in the table), or None."""
    for c in all_councils():
        if c.urn == urn:
            return c
    return None


@lru_cache(maxsize=4)
def _names_for(table: tuple[Council, ...]) -> list[tuple[str, Council]]:
    pairs = [(n, c) for c in table for n in (c.name, *c.aliases) if meaningful(n)]
    return sorted(pairs, key=lambda p: -len(p[0]))


def names_by_length() -> list[tuple[str, Council]]:
    """All printed names and aliases, longest first (for finding a council in text)."""
    return _names_for(all_councils())


# ------------------------------------------------------------------ printed names
_PREFIX = re.compile(
    r"^(?:the\s+)?(?:(?:London|Royal|Metropolitan)\s+Borough\s+of|Borough\s+of|County\s+of|City\s+of(?!\s+London\b))\s+",
    re.I,
)
_SUFFIX = re.compile(
    r"(?:[’']s)?(?:\s+(?:Metropolitan\s+Borough|County\s+Borough|Borough|County|City|District)?\s*Council)?\s*$",
    re.I,
)


def tidy_printed(printed: str) -> str:
    """A printed council name, normalised: spaces collapsed, a leading "the", a "London Borough
    of"-style prefix and a "... Council" suffix removed ("the London Borough of Wessex Council"
    -> "Wessex")."""
    s = re.sub(r"\s+", " ", printed or "").strip(" ,.;:")
    s = re.sub(r"^the\s+", "", s, flags=re.I)
    s = _PREFIX.sub("", s)
    s = _SUFFIX.sub("", s).strip(" ,.;:")
    return s


def unlisted_council(printed: str | None) -> Council | None:
    """A council the table does not list, known by its printed name (normalised), keyed
    ``name:<slug>``; None for an empty or meaningless name."""
    name = tidy_printed(printed or "")
    if not meaningful(name) or not slugify(name):
        return None
    return Council(
        urn=UNLISTED_PREFIX + slugify(name), name=name, source="unlisted", note="not in the council table"
    )


#: what may surround a council's name in a printed title without naming another body
_TITLE_EXTRA = set(_MEANINGLESS) | {
    "trust",
    "board",
    "safeguarding",
    "partnership",
    "lscb",
    "lscp",
    "improvement",
}


def council_in_printed(printed: str, strict: bool = True) -> Council | None:
    """A table council named inside a printed title ("Bradford Children and Families Trust" ->
    Bradford). ``strict``: only when every other word of the title is a generic one, so that a
    new council ("East Wessex") is never taken for an old one it contains ("Wessex")."""
    for name, c in names_by_length():
        m = re.search(r"\b" + re.escape(name) + r"\b", printed, re.I)
        if not m:
            continue
        rest = re.findall(r"[a-z0-9’']+", (printed[: m.start()] + " " + printed[m.end() :]).lower())
        rest = [w[:-2] if w.endswith(("'s", "’s")) else w for w in rest]
        if not strict or all(w in _TITLE_EXTRA for w in rest):
            return c
    return None


def council_for_printed(printed: str | None, strict: bool = True) -> Council | None:
    """The council a document is about, from its printed name only: the table's, else an
    unlisted council under that name; None when no meaningful name is printed."""
    if not printed:
        return None
    c = find_council(printed)  # exact names first: "City of London" is all generic words
    if c or not meaningful(printed):
        return c
    return council_in_printed(printed, strict) or unlisted_council(printed)


# ------------------------------------------------------------------ --la
class UnknownCouncilError(NotFoundError, ValueError):
    """No council by that name, alias, slug or URN (a ValueError too, for older callers)."""


def unlisted_stored(urn: str, name: str | None) -> Council:
    """A council not in the table, as a database stores it (key ``name:<slug>``, printed name)."""
    return Council(
        urn=urn,
        name=name or urn[len(UNLISTED_PREFIX) :],
        source="unlisted",
        note="not in the council table",
    )


#: councils not in the table that a database holds documents for (see
#: :func:`ofsted_mine.store.councils.stored_unlisted`)
Stored = Iterable[Council]


def _stored(stored: Stored | None) -> list[Council]:
    """The stored unlisted councils, as a list. A database connection is refused with the way to
    ask the store (this module is reference data: it imports no store and runs no query)."""
    if stored is None:
        return []
    if isinstance(stored, sqlite3.Connection):
        raise TypeError(
            "ofsted_mine.councils takes the stored councils, not a database: call "
            "ofsted_mine.store.councils (resolve_council, la_filter, suggestions, council_rows) instead"
        )
    return list(stored)


def suggestions(name: str, stored: Stored | None = None, n: int = 3) -> list[str]:
    """The closest council names to a misspelt one (table names, aliases, and ``stored``: the
    councils not in the table that a database holds)."""
    names: dict[str, str] = {}
    for c in all_councils():
        for x in (c.name, *c.aliases):
            names.setdefault(x.lower(), c.name)
    for c in _stored(stored):
        names.setdefault(c.name.lower(), c.name)
    hits = difflib.get_close_matches(name.lower().strip(), list(names), n=n * 3, cutoff=0.6)
    out = []
    for h in hits:
        if names[h] not in out:
            out.append(names[h])
    return out[:n]


def resolve_council(la: str, stored: Stored | None = None) -> Council:
    """A council given by Ofsted URN, name, alias or slug (``--la``): the table's, else one of
    ``stored`` (councils not in the table that a database holds: see
    :func:`ofsted_mine.store.councils.resolve_council`). Unknown: :class:`NotFoundError` naming
    the closest councils ("did you mean ...")."""
    c = find_council(la)
    if c:
        return c
    key = (la or "").strip()
    extra = _stored(stored)
    if extra and meaningful(key):
        u = unlisted_council(key)
        for s in extra:
            if (
                key in (s.urn, s.urn[len(UNLISTED_PREFIX) :])
                or (u and u.urn == s.urn)
                or _alnum(s.name) == _alnum(key)
            ):
                return s
    hint = suggestions(key, extra) if key else []
    did = f"; did you mean {', '.join(repr(h) for h in hint)}?" if hint else "; see 'ofsted-mine councils'"
    raise UnknownCouncilError(f"unknown council {la!r}{did}")


def history(council: Council) -> list[Council]:
    """The council and every council it was made from (predecessors, recursively), oldest last."""
    out, todo, seen = [council], list(council.predecessors), {council.urn}
    while todo:
        k = todo.pop(0)
        if k in seen:
            continue
        seen.add(k)
        p = by_urn(k)
        if p:
            out.append(p)
            todo += list(p.predecessors)
    return out


def council_rows(
    counts: dict[str, int] | None = None,
    stored: Stored = (),
    *,
    include_fictional: bool = True,
    include_former: bool = True,
) -> list[dict]:
    """The council table as rows (what ``ofsted-mine councils`` shows): every council with its
    key, aliases, codes, dates and predecessors; given a database's ``counts`` (council key ->
    documents) also how many documents it holds for each, and ``stored``, the councils not in the
    table that it holds documents for (:func:`ofsted_mine.store.councils.council_rows` gives both)."""
    if isinstance(counts, sqlite3.Connection):
        _stored(counts)  # refused, with the way to ask the store
    names = {c.urn: c.name for c in all_councils()}
    rows = []
    extra = _stored(stored)
    for c in (*all_councils(), *extra):
        if (c.fictional and not include_fictional) or (c.abolished and not include_former):
            continue
        status = (
            "not in the council table"
            if c.unlisted
            else "fictional"
            if c.fictional
            else "added by you"
            if c.source == "user"
            else f"former (until {c.abolished})"
            if c.abolished
            else "current"
        )
        rows.append(
            {
                "urn": c.urn,
                "name": c.name,
                "slug": c.slug,
                "aliases": list(c.aliases),
                "la_code": c.la_code,
                "ons_code": c.ons_code,
                "region": c.region,
                "type": c.la_type,
                "status": status,
                "established": c.established or None,
                "abolished": c.abolished or None,
                "predecessors": [names.get(p, p) for p in c.predecessors],
                "successors": [names.get(p, p) for p in c.successors],
                "documents": counts.get(c.urn, 0) if counts is not None else None,
            }
        )
    return rows
