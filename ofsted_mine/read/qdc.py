"""Read a REFI-QDA codebook (``.qdc``, or the codebook of a ``.qde`` project) as taxonomy data:
``--taxonomy file.qdc`` with a codebook from NVivo, ATLAS.ti, MAXQDA, QualCoder …

Writing REFI-QDA files is the report stage (:mod:`ofsted_mine.report.qda`); reading one is an
input, so it lives here, where the tag stage (which loads taxonomies) may import it.
"""

from __future__ import annotations

import re
from pathlib import Path
from xml.etree import ElementTree as ET

from ..errors import InputError

NS_CODEBOOK = "urn:QDA-XML:codebook:1.0"
NS_PROJECT = "urn:QDA-XML:project:1.0"
ID_LINE = re.compile(r"^ofsted-mine id: ([a-z][a-z0-9_]*)\s*$", re.M)
CUES_LINE = re.compile(r"^cues: (.*)$", re.M)
EXCLUDE_LINE = re.compile(r"^exclude: (.*)$", re.M)


def qdc_to_taxonomy_data(path: str | Path) -> dict:
    """A ``.qdc`` codebook (or a ``.qde`` project's codebook) as taxonomy data (the shape of
    the TOML file). Codable codes are themes; the non-codable code above a theme is its
    group; a "Polarity" group is skipped. A theme's id and cue phrases come from its
    description when ofsted-mine wrote it (``ofsted-mine id: …``, ``cues: …``), else the id
    is made from the name and the name is the cue."""
    p = Path(path)
    try:
        root = ET.parse(p).getroot()
    except FileNotFoundError:
        raise InputError(f"{p}: taxonomy file not found") from None
    except ET.ParseError as e:
        raise InputError(f"{p}: not a REFI-QDA codebook (not XML: {e})") from None
    ns = root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""
    if ns not in (NS_CODEBOOK, NS_PROJECT):
        raise InputError(f"{p}: not a REFI-QDA codebook (root element {root.tag!r})")

    def q(tag: str) -> str:
        return f"{{{ns}}}{tag}"

    codes = root.find(q("Codes")) if ns == NS_CODEBOOK else root.find(f"{q('CodeBook')}/{q('Codes')}")
    if codes is None:
        raise InputError(f"{p}: the codebook has no <Codes>")
    themes: list[dict] = []
    seen: set[str] = set()
    set_of: dict[
        str, str
    ] = {}  # code guid -> group (from <Sets>: ofsted-mine writes a theme's group as a set)
    sets = root.find(q("Sets"))
    for st in sets.findall(q("Set")) if sets is not None else []:
        for mc in st.findall(q("MemberCode")):
            set_of[mc.get("guid") or mc.get("targetGUID") or ""] = _group_id(st.get("name") or "theme")

    def walk(el: ET.Element, group: str | None) -> None:
        for c in el.findall(q("Code")):
            name = (c.get("name") or "").strip()
            codable = c.get("isCodable", "true").strip().lower() in ("true", "1")
            if not codable:
                if name.lower() != "polarity":
                    walk(c, _group_id(name))
                continue
            if name:
                desc_el = c.find(q("Description"))
                desc = (desc_el.text or "") if desc_el is not None else ""
                m = ID_LINE.search(desc)
                tid = m.group(1) if m else (re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_") or "code")
                if not tid[0].isalpha():
                    tid = "c_" + tid
                base, k = tid, 2
                while tid in seen:
                    tid = f"{base}_{k}"
                    k += 1
                seen.add(tid)
                cm = CUES_LINE.search(desc)
                cues = [x.strip() for x in cm.group(1).split(";") if x.strip()] if cm else [name.lower()]
                xm = EXCLUDE_LINE.search(desc)
                exclude = [x.strip() for x in xm.group(1).split(";") if x.strip()] if xm else []
                definition = "\n".join(
                    l
                    for l in desc.splitlines()
                    if not ID_LINE.match(l) and not CUES_LINE.match(l) and not EXCLUDE_LINE.match(l)
                ).strip()
                themes.append(
                    {
                        "id": tid,
                        "name": name,
                        "group": set_of.get(c.get("guid") or "", group or "theme"),
                        "definition": definition,
                        "cues": cues,
                        "exclude": exclude,
                    }
                )
            walk(c, group)  # codable codes below a code: themes of the same group

    walk(codes, None)
    origin = root.get("origin") or ""
    m = re.match(r"^ofsted-mine [^:]*: (.*) v(\S+)$", origin)
    name, version = (m.group(1), m.group(2)) if m else (origin or p.stem, "1")
    return {"taxonomy": {"name": name, "version": version}, "theme": themes}


def _group_id(name: str) -> str:
    return {"practice priorities": "practice_priority", "themes": "theme"}.get(
        name.strip().lower(), re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_") or "theme"
    )
