"""How often each theme is raised as a concern in one council's reports, against every other
council in the database (England), the other councils of its region, and its statistical
neighbours (where the table knows them).

Rate = concern (or mixed) findings tagged with the theme / all tagged Ofsted findings of the
council, in the period. Councils with fewer than ``min_findings`` tagged findings are left
out of the comparison groups.
"""

from __future__ import annotations

import sqlite3
from statistics import mean, median

from ..councils import by_urn
from ..store.search import document_filters
from ..vocab import OFSTED_KINDS, sql_list
from .timeline import _NOT_FINDING_SQL, _council, _load_taxonomy_light


def benchmark(
    con: sqlite3.Connection,
    la: str,
    *,
    since: str | None = None,
    until: str | None = None,
    taxonomy=None,
    min_findings: int = 50,
) -> dict:
    c = _council(la, con)
    where, args = document_filters(since=since, until=until, alias="d")
    where += [
        f"d.kind IN {sql_list(OFSTED_KINDS)}",
        f"f.section_kind NOT IN {_NOT_FINDING_SQL}",
        "d.quoted = 1",
    ]
    w = " AND ".join(where)
    totals = {
        r[0]: r[1]
        for r in con.execute(
            f"SELECT d.la_urn, COUNT(*) FROM findings f JOIN documents d ON d.id = f.doc_id WHERE {w} GROUP BY 1",
            args,
        )
    }
    concerns: dict = {}
    for urn, theme, n in con.execute(
        f"""SELECT d.la_urn, t.theme, SUM(CASE f.polarity WHEN 'concern' THEN 1.0 WHEN 'mixed' THEN 0.5 ELSE 0 END)
                FROM tags t JOIN findings f ON f.id = t.finding_id JOIN documents d ON d.id = f.doc_id
                WHERE {w} GROUP BY 1, 2""",
        args,
    ):
        concerns.setdefault(urn, {})[theme] = n or 0.0
    others = [u for u, n in totals.items() if u != c.urn and n >= min_findings and u]
    neighbours = [u for u in c.stat_neighbours if u in others]
    region = [u for u in others if c.region and (by_urn(u) is not None) and by_urn(u).region == c.region]
    themes = _load_taxonomy_light(con, taxonomy)
    rows = []
    mine_total = totals.get(c.urn, 0)
    for t in themes:
        rate = lambda u: 1000.0 * concerns.get(u, {}).get(t["id"], 0.0) / totals[u]  # noqa: E731
        mine = rate(c.urn) if mine_total else None
        all_rates = sorted(rate(u) for u in others)
        nb_rates = [rate(u) for u in neighbours]
        rg_rates = [rate(u) for u in region]
        pct = (
            (100.0 * sum(1 for x in all_rates if x < mine) / len(all_rates))
            if (all_rates and mine is not None)
            else None
        )
        rows.append(
            {
                "theme": t["id"],
                "name": t["name"],
                "rate": round(mine, 1) if mine is not None else None,
                "all_mean": round(mean(all_rates), 1) if all_rates else None,
                "all_median": round(median(all_rates), 1) if all_rates else None,
                "percentile": round(pct) if pct is not None else None,
                "neighbours_mean": round(mean(nb_rates), 1) if nb_rates else None,
                "region_mean": round(mean(rg_rates), 1) if rg_rates else None,
            }
        )
    return {
        "la": c.name,
        "la_urn": c.urn,
        "findings": mine_total,
        "councils_compared": len(others),
        "neighbours": [by_urn(u).name for u in neighbours if by_urn(u)],
        "region": c.region or None,
        "region_councils": sorted(by_urn(u).name for u in region),
        "unit": "concerns per 1,000 findings",
        "themes": rows,
    }
