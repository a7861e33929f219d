"""Build ofsted_mine/data/councils.csv: English councils with children's services.

Public facts (Ofsted URN, DfE LA code, ONS code, region, statistical neighbours,
population aged 0-25), derived from the LA reference table in ../shared and
re-shaped into the columns ofsted-mine uses. Run once when the table changes:

    python scripts/build_councils.py ../shared/ofsted-reports/la-lookup.csv
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "ofsted_mine" / "data" / "councils.csv"


def tidy_name(ons_name: str) -> str:
    # "Bristol, City of" -> "Bristol"; "Kingston Upon Hull, City of" -> "Kingston upon Hull"
    name = re.sub(r",\s*(City|County) of$", "", ons_name).strip()
    return name.replace(" Upon ", " upon ")


# short names councils and Ofsted use that the reference table does not list
EXTRA_ALIASES = {
    "Newcastle upon Tyne": ["Newcastle", "Newcastle City Council"],
    "East Riding of Yorkshire": ["East Riding"],
    "Southend-on-Sea": ["Southend"],
    "Stoke-on-Trent": ["Stoke"],
    "Telford and Wrekin": ["Telford"],
    "Brighton and Hove": ["Brighton", "Brighton & Hove"],
    "Richmond upon Thames": ["Richmond"],
    "Windsor and Maidenhead": ["Royal Borough of Windsor and Maidenhead", "RBWM"],
    "Kensington and Chelsea": ["Royal Borough of Kensington and Chelsea", "RBKC"],
    "Kingston upon Thames": ["Royal Borough of Kingston upon Thames"],
    "Durham": ["County Durham", "Durham County Council"],
    "St. Helens": ["St Helens", "Saint Helens"],
    "Herefordshire": ["Herefordshire, County of", "County of Herefordshire"],
    "North Northamptonshire": [],
    "West Northamptonshire": [],
}


def main(src: str) -> None:
    rows = list(csv.DictReader(open(src, encoding="utf-8-sig")))
    by_code = {r["la_code"]: r["urn"] for r in rows}
    out = []
    for r in rows:
        name = tidy_name(r["local_authority_ons_name"])
        aliases = [a.strip() for a in r["also_known_as"].strip("[]").split(",") if a.strip()]
        if name.startswith("Bournemouth, Christchurch"):  # one name with a comma, not three names
            aliases = ["BCP", "Bournemouth, Christchurch & Poole", "BCP Council"]
        if r["local_authority_ons_name"] != name:
            aliases.append(r["local_authority_ons_name"])
        aliases += EXTRA_ALIASES.get(name, [])
        neighbours = [by_code[c.strip()] for c in r["stat_neighbours"].split(",") if c.strip() in by_code]
        out.append(
            {
                "urn": r["urn"],
                "name": name,
                "aliases": "|".join(dict.fromkeys(aliases)),
                "la_code": r["la_code"],
                "ons_code": r["la_code_new"],
                "region": r["region_name"],
                "la_type": r["ons_la_type"],
                "population_0_25": r["ons_population_0-25"],
                "stat_neighbours": "|".join(neighbours),
            }
        )
    out.sort(key=lambda d: d["name"])
    with open(OUT, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(out[0]))
        w.writeheader()
        w.writerows(out)
    print(f"wrote {len(out)} councils to {OUT}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/ofsted-reports/la-lookup.csv")
