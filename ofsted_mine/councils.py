"""The table of English councils (and the sample corpus's fictional ones).

Public facts: Ofsted URN, DfE LA code, ONS code, region, statistical neighbours.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Optional


@dataclass(frozen=True)
class Council:
    urn: str
    name: str
    aliases: tuple[str, ...] = ()
    la_code: str = ""
    ons_code: str = ""
    region: str = ""
    la_type: str = ""
    population_0_25: Optional[int] = None
    stat_neighbours: tuple[str, ...] = ()   # URNs
    fictional: bool = False

    @property
    def slug(self) -> str:
        return slugify(self.name)


def slugify(name: str) -> str:
    s = name.lower().replace("&", "and")
    s = re.sub(r"[’']", "", s)
    return re.sub(r"[^a-z0-9]+", "-", s).strip("-")


def _norm(name: str) -> str:
    s = name.lower().replace("&", "and").replace("’", "'")
    s = re.sub(r"\b(the|council|county|city|borough|metropolitan|district|royal|london|of|mbc|cc)\b", " ", s)
    s = s.replace("st.", "st").replace("saint", "st")
    return re.sub(r"[^a-z0-9]+", "", s)


def _load(fname: str, fictional: bool) -> list[Council]:
    out = []
    with resources.files("ofsted_mine.data").joinpath(fname).open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            out.append(Council(
                urn=r["urn"], name=r["name"],
                aliases=tuple(a for a in r.get("aliases", "").split("|") if a),
                la_code=r.get("la_code", ""), ons_code=r.get("ons_code", ""),
                region=r.get("region", ""), la_type=r.get("la_type", ""),
                population_0_25=int(r["population_0_25"]) if r.get("population_0_25") else None,
                stat_neighbours=tuple(x for x in r.get("stat_neighbours", "").split("|") if x),
                fictional=fictional,
            ))
    return out


@lru_cache(maxsize=1)
def all_councils() -> tuple[Council, ...]:
    return tuple(_load("councils.csv", False) + _load("fictional-councils.csv", True))


@lru_cache(maxsize=1)
def _index() -> dict[str, Council]:
    idx: dict[str, Council] = {}
    for c in all_councils():
        for n in (c.name, *c.aliases, c.slug):
            idx.setdefault(_norm(n), c)
        idx.setdefault(c.urn, c)
    return idx


def find_council(name_or_urn: str) -> Optional[Council]:
    """Look a council up by name as printed, alias, slug or Ofsted URN."""
    if not name_or_urn:
        return None
    key = name_or_urn.strip()
    idx = _index()
    if key in idx:
        return idx[key]
    return idx.get(_norm(key))


def by_urn(urn: str) -> Optional[Council]:
    for c in all_councils():
        if c.urn == urn:
            return c
    return None


def names_by_length() -> list[tuple[str, Council]]:
    """All printed names and aliases, longest first (for finding a council in text)."""
    pairs = [(n, c) for c in all_councils() for n in (c.name, *c.aliases)]
    return sorted(pairs, key=lambda p: -len(p[0]))
