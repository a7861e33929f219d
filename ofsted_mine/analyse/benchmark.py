"""How often each theme is raised as a concern in one council's reports, against every other
council in the database (England), the other councils of its region, and its statistical
neighbours (where the table knows them).

Rate = concern (or mixed) findings tagged with the theme / all tagged Ofsted findings of the
council, in the period. Councils with fewer than ``min_findings`` tagged findings are left
out of the comparison groups. The counts come from :mod:`ofsted_mine.store.benchmark` (kept per
document as the database is written, so this stays fast at national scale).
"""

from __future__ import annotations

import sqlite3
from statistics import mean, median

from ..councils import by_urn
from ..store.benchmark import council_concerns
from ..store.councils import resolve_council
from .timeline import taxonomy_of


def _rounded(x: float | None) -> float | None:
    return round(x, 1) if x is not None else None


def benchmark(
    con: sqlite3.Connection,
    la: str,
    *,
    since: str | None = None,
    until: str | None = None,
    taxonomy=None,
    min_findings: int = 50,
) -> dict:
    """Per theme of the taxonomy: the council's concern rate (per 1,000 findings), England's mean
    and median, the council's percentile, and the means of its statistical neighbours and its
    region (see the module's note)."""
    c = resolve_council(la, con)
    totals, concerns = council_concerns(con, since=since, until=until)
    others = [u for u, n in totals.items() if u != c.urn and n >= min_findings and u]
    neighbours = [u for u in c.stat_neighbours if u in others]
    known = {u: k for u in others if (k := by_urn(u)) is not None}
    region = [u for u, k in known.items() if c.region and k.region == c.region]
    mine_total = totals.get(c.urn, 0)
    rows = []
    for t in taxonomy_of(con, taxonomy).themes:

        def rate(u: str | None, theme: str = t.id) -> float:
            return 1000.0 * concerns.get(u, {}).get(theme, 0.0) / totals[u]

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
                "theme": t.id,
                "name": t.name,
                "rate": _rounded(mine),
                "all_mean": _rounded(mean(all_rates)) if all_rates else None,
                "all_median": _rounded(median(all_rates)) if all_rates else None,
                "percentile": round(pct) if pct is not None else None,
                "neighbours_mean": _rounded(mean(nb_rates)) if nb_rates else None,
                "region_mean": _rounded(mean(rg_rates)) if rg_rates else None,
            }
        )
    return {
        "la": c.name,
        "la_urn": c.urn,
        "findings": mine_total,
        "councils_compared": len(others),
        "neighbours": [known[u].name for u in neighbours if u in known],
        "region": c.region or None,
        "region_councils": sorted(known[u].name for u in region),
        "unit": "concerns per 1,000 findings",
        "themes": rows,
    }
