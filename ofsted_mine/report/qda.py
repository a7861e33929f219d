"""REFI-QDA: the exchange formats of qualitative-research tools (NVivo, ATLAS.ti, MAXQDA,
QualCoder, Taguette …).

* :func:`codebook_xml` — the taxonomy as a REFI-QDA codebook (``.qdc``, namespace
  ``urn:QDA-XML:codebook:1.0``): a code per theme under its group, and a "Polarity" code
  with the four polarities.
* :func:`write_qdpx` — a council's (or the whole database's) coded findings as a REFI-QDA
  project (``.qdpx``: a zip of ``project.qde``, namespace ``urn:QDA-XML:project:1.0``, and
  each document's cleaned text under ``sources/``). Themes and polarities are codes; each
  tagged finding is a ``PlainTextSelection`` with its character offsets in the source text
  and one ``Coding`` per theme and one for its polarity. A coding made or checked by a
  person (``ofsted-mine correct`` / ``review``) names that person as its ``creatingUser``;
  the others name the "ofsted-mine tagger" user. Council, kind, framework and date are
  variables of each source.
* :func:`qdc_to_taxonomy_data` — read a ``.qdc`` codebook as a taxonomy (``--taxonomy
  file.qdc``): codable codes are themes, the code above them their group. It lives in
  :mod:`ofsted_mine.read.qdc` (reading an input file is the read stage; the tag stage loads
  taxonomies) and is importable from here too.

GUIDs are UUID-5s of stable keys (theme id, document SHA-256, finding offsets), so the same
database exported twice gives the same project.
"""

from __future__ import annotations

import sqlite3
import uuid
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from xml.etree import ElementTree as ET

from .. import __version__
from ..read.qdc import NS_CODEBOOK, NS_PROJECT, qdc_to_taxonomy_data
from ..tag.taxonomy import POLARITIES, Taxonomy, load_taxonomy

__all__ = [
    "NS_CODEBOOK",
    "NS_PROJECT",
    "guid",
    "theme_description",
    "codebook_xml",
    "write_codebook",
    "project_files",
    "write_qdpx",
    "qdc_to_taxonomy_data",
]

_BASE = uuid.UUID("6f9c1e52-4d0b-5a3e-9a57-0f5d3c1b2a10")
PALETTE = [
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
    "#393b79",
    "#637939",
    "#8c6d31",
    "#843c39",
    "#7b4173",
    "#3182bd",
    "#e6550d",
    "#31a354",
]
POLARITY_COLOURS = {"strength": "#2ca02c", "concern": "#d62728", "mixed": "#ff7f0e", "neutral": "#7f7f7f"}


def guid(*key: object) -> str:
    """A stable GUID for ``key`` (the same key gives the same GUID in every export)."""
    return str(uuid.uuid5(_BASE, "\x1f".join(str(k) for k in key)))


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _group_name(group: str) -> str:
    return {"practice_priority": "Practice priorities", "theme": "Themes"}.get(
        group, group.replace("_", " ").capitalize()
    )


def _code(
    parent: ET.Element,
    ns: str,
    gid: str,
    name: str,
    codable: bool,
    colour: str | None = None,
    description: str | None = None,
) -> ET.Element:
    el = ET.SubElement(
        parent, f"{{{ns}}}Code", {"guid": gid, "name": name, "isCodable": "true" if codable else "false"}
    )
    if colour:
        el.set("color", colour)
    if description:
        ET.SubElement(el, f"{{{ns}}}Description").text = description
    return el


def theme_description(t) -> str:
    """A theme's code description: its definition, id, cues and exclusions."""
    parts = [t.definition.strip()] if t.definition else []
    parts.append(f"ofsted-mine id: {t.id}")
    if t.cues:
        parts.append("cues: " + "; ".join(t.cues))
    if t.exclude:
        parts.append("exclude: " + "; ".join(t.exclude))
    return "\n".join(parts)


def _codes(parent: ET.Element, ns: str, tax: Taxonomy) -> dict[str, str]:
    """Theme codes in taxonomy order (their groups are sets), then a "Polarity" code holding
    the four polarity codes; returns key -> guid."""
    codes = ET.SubElement(parent, f"{{{ns}}}Codes")
    out: dict[str, str] = {}
    for i, t in enumerate(tax.themes):
        out[t.id] = guid("theme", tax.name, t.id)
        _code(codes, ns, out[t.id], t.name, True, PALETTE[i % len(PALETTE)], theme_description(t))
    pol = _code(
        codes,
        ns,
        guid("group", "polarity"),
        "Polarity",
        False,
        description="ofsted-mine polarity of a finding (strength, concern, mixed, neutral)",
    )
    for p in POLARITIES:
        out["polarity:" + p] = guid("polarity", p)
        _code(pol, ns, out["polarity:" + p], p, True, POLARITY_COLOURS[p], f"polarity: {p}")
    return out


def _xml(root: ET.Element, ns: str) -> bytes:
    ET.register_namespace("", ns)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="utf-8")


def codebook_xml(taxonomy=None) -> bytes:
    """The taxonomy as a REFI-QDA codebook (the content of a ``.qdc`` file)."""
    tax = taxonomy if isinstance(taxonomy, Taxonomy) else load_taxonomy(taxonomy)
    root = ET.Element(
        f"{{{NS_CODEBOOK}}}CodeBook", {"origin": f"ofsted-mine {__version__}: {tax.name} v{tax.version}"}
    )
    ids = _codes(root, NS_CODEBOOK, tax)
    sets = ET.SubElement(root, f"{{{NS_CODEBOOK}}}Sets")
    for group in dict.fromkeys(t.group for t in tax.themes):
        s = ET.SubElement(
            sets, f"{{{NS_CODEBOOK}}}Set", {"guid": guid("set", tax.name, group), "name": _group_name(group)}
        )
        for t in tax.themes:
            if t.group == group:
                ET.SubElement(s, f"{{{NS_CODEBOOK}}}MemberCode", {"guid": ids[t.id]})
    return _xml(root, NS_CODEBOOK)


def write_codebook(out: str | Path, taxonomy=None) -> Path:
    """Write the taxonomy as a REFI-QDA codebook (``.qdc``) and return its path."""
    Path(out).write_bytes(codebook_xml(taxonomy))
    return Path(out)


# ------------------------------------------------------------------ project
def project_files(
    con: sqlite3.Connection, *, la: str | None = None, taxonomy=None, name: str | None = None
) -> dict[str, bytes]:
    """The files of a ``.qdpx`` (``project.qde`` and ``sources/<guid>.txt``) for the findings
    of ``la`` (a council), or of every Ofsted document in the database."""
    from ..store.search import document_filters

    tax = _project_taxonomy(con, taxonomy)
    where, args = document_filters(la=la, alias="d")
    where.append("d.kind NOT IN ('council_paper', 'unknown')")
    from ..store.rows import correction_people, document_findings, document_tags, export_documents

    docs = export_documents(con, where, args)
    ns = NS_PROJECT
    now = _now()
    tagger_user = guid("user", "ofsted-mine tagger")
    people = correction_people(con)
    person_of = _person_by_finding(con)
    root = ET.Element(
        f"{{{ns}}}Project",
        {
            "name": name or (f"ofsted-mine: {docs[0]['la']}" if la and docs else "ofsted-mine findings"),
            "origin": f"ofsted-mine {__version__}",
            "creatingUserGUID": tagger_user,
            "creationDateTime": now,
        },
    )
    users = ET.SubElement(root, f"{{{ns}}}Users")
    ET.SubElement(
        users, f"{{{ns}}}User", {"guid": tagger_user, "name": "ofsted-mine tagger (model and rules)"}
    )
    for p in sorted(people):
        ET.SubElement(users, f"{{{ns}}}User", {"guid": guid("user", p), "name": p})
    book = ET.SubElement(root, f"{{{ns}}}CodeBook")
    code_ids = _codes(book, ns, tax)
    variables = ET.SubElement(root, f"{{{ns}}}Variables")
    var = {}
    for key, label, typ in (
        ("la", "council", "Text"),
        ("kind", "kind of visit", "Text"),
        ("framework", "framework", "Text"),
        ("date", "date", "Date"),
        ("visit_id", "ofsted-mine visit id", "Text"),
    ):
        var[key] = guid("variable", key)
        ET.SubElement(
            variables, f"{{{ns}}}Variable", {"guid": var[key], "name": label, "typeOfVariable": typ}
        )
    sources = ET.SubElement(root, f"{{{ns}}}Sources")
    files: dict[str, bytes] = {}
    n_sel = 0
    for d in docs:
        sg = guid("source", d["sha256"])
        src = ET.SubElement(
            sources,
            f"{{{ns}}}TextSource",
            {
                "guid": sg,
                "name": f"{d['visit_id']}",
                "plainTextPath": f"internal://{sg}.txt",
                "creatingUser": tagger_user,
                "creationDateTime": now,
            },
        )
        files[f"sources/{sg}.txt"] = d["text"].encode("utf-8")
        tags: dict[int, list] = {}
        for fid, theme, score, source in document_tags(con, d["id"]):
            tags.setdefault(fid, []).append((theme, score, source))
        for f in document_findings(con, d["id"]):
            ft = [t for t in tags.get(f["id"], []) if t[0] in code_ids]
            if not ft and (f["polarity"] in (None, "neutral")):
                continue
            n_sel += 1
            who = person_of.get(f["id"])
            sel = ET.SubElement(
                src,
                f"{{{ns}}}PlainTextSelection",
                {
                    "guid": guid("selection", d["sha256"], f["start"], f["end"]),
                    "name": f"finding {f['id']}"
                    + (f", para {f['paragraph']}" if f["paragraph"] else "")
                    + f", p. {f['page']}",
                    "startPosition": str(f["start"]),
                    "endPosition": str(f["end"]),
                    "creatingUser": tagger_user,
                    "creationDateTime": now,
                },
            )
            desc = [f"section: {f['section']}"] if f["section"] else []
            desc += [
                f"{t}: score {s:.2f} ({'set by a person' if src_ == 'person' else src_})" for t, s, src_ in ft
            ]
            if f["polarity"]:
                desc.append(
                    f"polarity: {f['polarity']}"
                    + (" (set by a person)" if f["polarity_source"] == "person" else "")
                )
            ET.SubElement(sel, f"{{{ns}}}Description").text = "\n".join(desc)
            for t, _s, src_ in ft:
                user = guid("user", who) if src_ == "person" and who else tagger_user
                _coding(sel, ns, guid("coding", d["sha256"], f["start"], t), user, now, code_ids[t])
            if f["polarity"] in POLARITIES:
                user = guid("user", who) if f["polarity_source"] == "person" and who else tagger_user
                target = code_ids["polarity:" + f["polarity"]]
                _coding(sel, ns, guid("coding", d["sha256"], f["start"], "polarity"), user, now, target)
        _variable_values(src, ns, d, var)
    _sets(root, ns, tax, code_ids)
    ET.SubElement(root, f"{{{ns}}}Description").text = (
        f"Findings of {len(docs)} Ofsted letters and reports coded by ofsted-mine with the taxonomy "
        f"'{tax.name}' ({n_sel} coded findings). Codings made or checked by a person name that person."
    )
    files["project.qde"] = _xml(root, ns)
    return files


def _project_taxonomy(con: sqlite3.Connection, taxonomy) -> Taxonomy:
    """The taxonomy to code with: ``taxonomy`` (a Taxonomy or a TOML path), else the one the
    database was tagged with when its file still exists, else the codebook."""
    from ..store.db import get_setting

    if taxonomy is None:
        used = get_setting(con, "taxonomy")
        taxonomy = used if used and used not in ("default", "untagged") and Path(used).exists() else None
    return taxonomy if isinstance(taxonomy, Taxonomy) else load_taxonomy(taxonomy)


def _coding(sel: ET.Element, ns: str, guid_: str, user: str, now: str, target: str) -> None:
    """One ``Coding`` of a selection: the code ``target`` applied by ``user``."""
    c = ET.SubElement(sel, f"{{{ns}}}Coding", {"guid": guid_, "creatingUser": user, "creationDateTime": now})
    ET.SubElement(c, f"{{{ns}}}CodeRef", {"targetGUID": target})


def _variable_values(src: ET.Element, ns: str, d: sqlite3.Row | dict, var: dict) -> None:
    """The document's variables (council, kind, framework, date, visit id) on its source."""
    date = d["start_date"] or d["published"]
    for key, value in (
        ("la", d["la"]),
        ("kind", d["kind"]),
        ("framework", d["framework"]),
        ("date", date),
        ("visit_id", d["visit_id"]),
    ):
        if value:
            vv = ET.SubElement(src, f"{{{ns}}}VariableValue")
            ET.SubElement(vv, f"{{{ns}}}VariableRef", {"targetGUID": var[key]})
            ET.SubElement(vv, f"{{{ns}}}DateValue" if key == "date" else f"{{{ns}}}TextValue").text = (
                str(value)[:10] if key == "date" else str(value)
            )


def _sets(root: ET.Element, ns: str, tax: Taxonomy, code_ids: dict) -> None:
    """One set of codes per theme group of the taxonomy."""
    sets = ET.SubElement(root, f"{{{ns}}}Sets")
    for group in dict.fromkeys(t.group for t in tax.themes):
        s = ET.SubElement(
            sets, f"{{{ns}}}Set", {"guid": guid("set", tax.name, group), "name": _group_name(group)}
        )
        for t in tax.themes:
            if t.group == group:
                ET.SubElement(s, f"{{{ns}}}MemberCode", {"targetGUID": code_ids[t.id]})


def _person_by_finding(con: sqlite3.Connection) -> dict[int, str]:
    from ..store.rows import correction_keys
    from ..tag.corrections import resolve

    out = {}
    for r in correction_keys(con):
        fid = resolve(con, r[0], r[1], r[2], r[3])
        if fid is not None:
            out[fid] = r[4]
    return out


def write_qdpx(con: sqlite3.Connection, out: str | Path, *, la: str | None = None, taxonomy=None) -> dict:
    """Write a REFI-QDA project (``.qdpx``); returns counts (documents, coded findings)."""
    files = project_files(con, la=la, taxonomy=taxonomy)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("project.qde", files.pop("project.qde"))
        for name, data in files.items():
            z.writestr(name, data)
    with zipfile.ZipFile(out) as z:
        root = ET.fromstring(z.read("project.qde"))
    n_sel = sum(1 for _ in root.iter(f"{{{NS_PROJECT}}}PlainTextSelection"))
    return {"documents": len(files), "findings": n_sel, "path": str(out)}
