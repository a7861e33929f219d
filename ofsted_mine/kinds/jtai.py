"""Joint targeted area inspection (JTAI) letters: Ofsted with the Care Quality Commission,
HMI Constabulary and Fire & Rescue Services and HMI Probation, on one theme ("the
multi-agency response to …") in one area. Addressed to the area's leaders (council, health,
police, probation…), signed by the inspectorates, with no grades.

This module is the whole kind: how a JTAI letter is recognised, its metadata reader (area,
theme, dates, the partners addressed, the inspectorates, a lead inspector when one is named)
and its own headings ("Key strengths", "Case study: …", "Next steps").
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from . import Detector, DocKind, register

if TYPE_CHECKING:
    from ..model import Visit

_AREA = r"(?:the )?([A-Z][^\n.,;]{1,60}?)"
#: "Joint targeted area inspection of the multi-agency response to <theme> in <area>" (one line;
#: the area runs to the end of the line, so it may hold commas: "Saltmarsh, Fenby and Wyke")
_TITLE = re.compile(
    r"Joint targeted area inspection of (?:the )?([^\n]{5,200}?) in (?:the )?([A-Z][^\n.;]{1,60}?)\s*$",
    re.M | re.I,
)
#: "… carried out a joint inspection of the multi-agency response to <theme> in <area>."
_OPENING = re.compile(
    r"(?:joint (?:targeted area )?inspection(?: \(JTAI\))?|JTAI) of "
    r"(the multi-agency (?:response|responses) to .{5,200}?) in " + _AREA + r"(?:\.|\s*\n)",
    re.I | re.S,
)
_THEME = re.compile(r"^(?:the )?(multi-agency (?:response|responses) to .*)$", re.I | re.S)
_DATES = re.compile(
    r"(?:Between|From)\s+(\d[^\n]{4,70}?\d{4}),?\s+(?:Ofsted|the Care Quality|inspectors)|"
    r"(?:took place|was carried out|were on site)\s+(?:from|between|on)\s+(\d[^\n]{4,70}?\d{4})",
    re.I,
)
_INSPECTORATES = (
    ("Ofsted", re.compile(r"\bOfsted\b")),
    ("CQC", re.compile(r"Care Quality Commission|\bCQC\b")),
    ("HMICFRS", re.compile(r"Inspectorate of Constabulary|\bHMICF?R?S\b")),
    ("HMI Probation", re.compile(r"Inspectorate of Probation|HMI Probation")),
)
#: an addressee line of the letter's header: "<role>, <organisation>"
_ADDRESSEE = re.compile(
    r"^(?:[A-Z][\w’'\- ]{2,60}?),\s+(.{3,80}?)\s*$",
    re.M,
)


def _area_and_theme(text: str, head: str) -> tuple[str | None, str | None]:
    m = _TITLE.search(head)
    if m:
        theme = _THEME.match(m.group(1))
        area = m.group(2).strip()
        if theme:
            return area, _tidy(theme.group(1))
        m2 = _OPENING.search(head)
        return area, _tidy(m2.group(1)) if m2 else None
    m = _OPENING.search(head)
    if m:
        return m.group(2).strip(), _tidy(m.group(1))
    m = re.search(r"inspection of .{0,40}?(?:in|of)\s+(.{2,60}?)\n", text[:1500], re.I)
    return (m.group(1).strip() if m else None), None


def _tidy(s: str) -> str:
    s = re.sub(r"\s+", " ", s).strip(" .")
    return s if s.lower().startswith("the ") else "the " + s


def _partners(top: str, area: str | None) -> list[str]:
    """The agencies the letter is addressed to (the header before "Dear …"), each once."""
    from ..parse.dates import DATE_RE

    out: list[str] = []
    for m in _ADDRESSEE.finditer(top):
        org = m.group(1).strip()
        if DATE_RE.search(org) or org == area or org in out:
            continue
        out.append(org)
    return out


def jtai_meta(text: str, path: str, framework: str | None = None) -> Visit:
    """A JTAI letter's metadata: the area (printed council), the theme, the inspection dates,
    the letter's date, the partners addressed, the inspectorates, and a lead inspector when
    one is named ("Lead inspector: …"). The theme is also its focus area (what was looked at)."""
    from ..model import Visit
    from ..parse.dates import DATE_RE, make_date, parse_range
    from ..parse.meta import NAME, clean_name, published_from_filename

    v = Visit(kind="jtai")
    head = text[:4000]
    v.la_name, v.theme = _area_and_theme(text, head)
    if v.theme:
        v.focus_areas = [v.theme]
    m = _DATES.search(head) or re.search(
        r"inspection.{0,200}?\b(?:on|between)\s+(\d.{4,80}?\d{4})", head, re.I | re.S
    )
    if m:
        v.start_date, v.end_date = parse_range(next(g for g in m.groups() if g))
    dear = re.search(r"^Dear\b", head, re.M)
    top = head[: dear.start()] if dear else head[:400]
    dm = DATE_RE.search(top)
    v.published = make_date(*dm.groups()) if dm else published_from_filename(path)
    v.partners = _partners(top, v.la_name) if dear else []
    body = head[dear.end() :] if dear else head
    v.inspectorates = [name for name, rx in _INSPECTORATES if rx.search(body[:2500])]
    m = re.search(r"Lead inspector\s*:\s*" + NAME, head)
    if m:
        v.lead_inspector = clean_name(m.group(1))
        v.inspectors = [v.lead_inspector]
    return v


KIND = register(
    DocKind(
        name="jtai",
        kind="jtai",
        label="JTAI",
        short="JTAI",
        abbrev="jtai",
        detectors=(Detector(r"joint targeted area inspection"),),
        metadata=jtai_meta,
        fields=(
            "la_name",
            "theme",
            "focus_areas",
            "start_date",
            "end_date",
            "published",
            "partners",
            "inspectorates",
            "lead_inspector",
        ),
        headings=(
            (r"^joint targeted area inspection (of|in) ", "opening"),
            (r"^(key |main )?strengths$|^areas? of strength", "strengths"),
            (r"^case stud(y|ies)\b", "case_study"),
            (r"^next steps$", "about"),
        ),
        shape="letter",
        order=3,
        site_titles=(Detector(r"joint targeted area inspection|\bjtai\b", score=4),),
        aliases=("joint_targeted_area_inspection",),
        module=__name__,
    )
)
