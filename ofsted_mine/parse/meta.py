"""Visit metadata: council, dates, visit number, inspectors, focus areas, judgements."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Optional

from ..councils import names_by_length
from ..model import Visit
from .dates import DATE_RE, make_date, parse_date, parse_ordinal, parse_range
from .patterns import (GRADE_RE, JUDGEMENT_RES, LSCB_RE, PROGRESS_RES, SIF_OVERALL_RES, norm_grade)

_NAME = r"([A-Z][^\W\d_’'\-]*(?:[’'\-][^\W\d_]+)*(?:\s+(?:[A-Z]\.?(?=\s)|[A-Z][^\W\d_’'\-]*(?:[’'\-][^\W\d_]+)*|de|van|von|da|del|la|le)){1,3})"
_INSP_TITLE = r"(?:,?\s*(?:Her|His) Majesty[’']s Inspectors?|,?\s*HMI\b|,?\s*Ofsted Inspectors?|,?\s*Social Care Regulatory Inspector)"
_LEAD_RES = [
    re.compile(r"Lead inspectors?(?: on site)?\s*:?\s*" + _NAME, re.M),
    re.compile(r"Reporting inspector\s*:?\s*" + _NAME),
]
_RANGE_LABEL = re.compile(r"Inspection dates?\s*:?\s*(.{6,140})", re.I)


def _clean_name(n: str) -> str:
    n = re.sub(r"\s+", " ", n).strip(" ,.")
    n = re.sub(r"\s+(Her|His|HMI|Ofsted|Deputy|Team|Inspectors?|Quality|Age|Published|Lead|Judgement|Senior|Regulatory|Social|Report|Inspection|Date|Dates)\b.*$", "", n)
    return n


def council_from_text(printed: Optional[str], text: str, kind: Optional[str] = None):
    """The council a document is about, from its printed name only: the table's council, else
    a council not in the table under its printed name (``Council.unlisted``). Never a name
    found elsewhere in the text (Ofsted's own address, the body). ``text`` is unused (kept
    for callers). A council paper's printed line may hold more words around the name."""
    from ..councils import council_for_printed
    return council_for_printed(printed, strict=kind != "council_paper")


def published_from_filename(path: str):
    """Publication date from a file name as Ofsted's site (or a library) names files:
    '... - 19 november 2018.pdf' or '...-2018-11-19.pdf'."""
    name = Path(path).name
    m = re.search(r"-\s*(\d{1,2} [a-z]+ \d{4})\.\w+$", name, re.I)
    if m:
        return parse_date(m.group(1))
    m = re.search(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)[^/]*\.\w+$", name)
    if m:
        from datetime import date
        try:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            return None
    return None


# ---------------------------------------------------------------- inspections

def _printed_la_inspection(text: str, framework: Optional[str]) -> Optional[str]:
    lines = [l.strip() for l in text.split("\n")[:12] if l.strip()]
    head = "\n".join(lines)
    m = re.search(r"Inspection of\s+(?!local authority)(?!children)(?!services for)(?!looked after)(.{2,120}?)\s+(?:local authority\s+)?children[’']s (?:social care )?services", head, re.I | re.S)
    if m:
        return re.sub(r"^the\s+", "", re.sub(r"\s+", " ", m.group(1)))
    m = re.search(r"^Inspection of\s+(?!local authority)(?!children)(?!services for)(?!looked after)([^\n]{2,100})\n\s*Inspection dates?", head, re.I | re.M)
    if m:
        return m.group(1).strip()
    m = re.search(r"Inspection of looked after children services\s*\n?(.{2,80}?)\s*\n?Inspection dates?", head, re.I | re.S)
    if m:
        return re.sub(r"\s+", " ", m.group(1)).strip()
    name_lines = []
    for line in lines[:3]:
        if re.match(r"(re-)?inspection|review of|monitoring|focused|joint", line, re.I):
            break
        name_lines.append(line)
    if name_lines:
        return re.sub(r"^the\s+", "", " ".join(name_lines))
    return None


def judgements_inspection(text: str, framework: Optional[str]) -> dict[str, str]:
    """Judgement rows and grades from the judgement table of page 1 (ILACS/SIF)."""
    zone = text.split("\f")[0][:4000]
    if framework == "ilacs":  # the table ends where the first prose paragraph starts
        prose = re.search(r"^.{200,}$", zone, re.M)
        zone = zone[: prose.start()] if prose else zone
    zone = re.sub(r"\s+", " ", zone)
    out: dict[str, str] = {}
    if framework == "sif":
        for rx in SIF_OVERALL_RES:
            m = rx.search(zone)
            if m:
                out["overall"] = norm_grade(m.group(1))
                break
        m = LSCB_RE.search(zone)
        if m:
            out["lscb"] = norm_grade(m.group(1))
    labels = []
    for rx, key in JUDGEMENT_RES:
        for m in rx.finditer(zone):
            if not any(s <= m.start() < e for s, e, _ in labels):
                labels.append((m.start(), m.end(), key))
    labels.sort()
    grades = [(m.start(), m.end(), norm_grade(m.group(0))) for m in GRADE_RE.finditer(zone)]
    used = set()
    for i, (s, e, key) in enumerate(labels):
        if key in out:
            continue
        nxt = labels[i + 1][0] if i + 1 < len(labels) else len(zone)
        # the grade printed after the label, before the next label
        after = [g for g in grades if e <= g[0] < nxt and g[0] - e <= 60 and g[0] not in used]
        if after:
            out[key] = after[0][2]
            used.add(after[0][0])
            continue
        prev_end = labels[i - 1][1] if i else 0
        before = [g for g in grades if prev_end <= g[0] < s and s - g[1] <= 40 and g[0] not in used]
        if before:
            out[key] = before[-1][2]
            used.add(before[-1][0])
    return out


def lac2013_judgements(text: str) -> dict[str, str]:
    zone = re.sub(r"\s+", " ", text[:12000])
    out = {}
    for label, key in [("overall effectiveness", "lac2013_overall"), ("capacity to improve", "lac2013_capacity"),
                       ("outcomes for children and young people", "lac2013_outcomes"),
                       ("quality of provision", "lac2013_provision"), ("leadership and management", "lac2013_leadership")]:
        m = re.search(label + r"\s*:?\s*(outstanding|good|adequate|inadequate)", zone, re.I)
        if m:
            out[key] = m.group(1).lower()
    return out


def inspection_meta(text: str, framework: Optional[str], path: str) -> Visit:
    v = Visit(kind="inspection", framework=framework)
    v.la_name = _printed_la_inspection(text, framework)
    m = _RANGE_LABEL.search(text[:3000])
    if m:
        v.start_date, v.end_date = parse_range(m.group(1))
    for rx in _LEAD_RES:
        m = rx.search(text)
        if m:
            v.lead_inspector = _clean_name(m.group(1))
            break
    v.inspectors = [v.lead_inspector] if v.lead_inspector else []
    m = re.search(r"Report published\s*:?\s*(\d{1,2}\s+\w+\s+\d{4})|Published\s*:\s*(\d{1,2}\s+\w+\s+\d{4})", text[:3000])
    v.published = parse_date(m.group(1) or m.group(2)) if m else published_from_filename(path)
    if framework == "other" and re.search(r"looked after children services", text[:400], re.I):
        v.judgements = lac2013_judgements(text)
    elif framework in ("ilacs", "sif"):
        v.judgements = judgements_inspection(text, framework)
    elif framework == "other":
        m = LSCB_RE.search(re.sub(r"\s+", " ", text[:3000]))
        if m:
            v.judgements = {"lscb": norm_grade(m.group(1))}
    return v


# ---------------------------------------------------------------- letters

_LETTER_TITLE = re.compile(
    r"(Monitoring|Focused|Assurance) visit (?:to|of)\s+(.{2,120}?)\s+(?:local authority\s+)?children[’']s services", re.I | re.S)
_VISIT_NO = re.compile(
    r"(?:was|is) the (\w+) monitoring visit|the (\w+) monitoring visit (?:to|of|since)|(\w+) monitoring visit since", re.I)
_INADEQUATE = re.compile(r"judged (?:to be )?inadequate (?:in|at its inspection in|following an inspection in) (\w+)?\s*(\d{4})", re.I)
_WERE = re.compile(r"Inspectors? (?:for|on) this visit (?:were|was)\s*(.{3,200}?)(?:\.|\n|$)", re.I)
_BY = re.compile(r"(?:carried out|conducted|undertaken) by ((?:Her|His) Majesty[’']s Inspectors?|HMI|inspectors)?\s*(.{3,200}?)(?:\.|\n|$)", re.I)


def _names_list(s: str) -> list[str]:
    s = re.sub(r"(?:,?\s*(?:Her|His) Majesty[’']s Inspectors?|HMIs?\b|Ofsted Inspectors?)", ",", s)
    parts = re.split(r",|\band\b", s)
    out = []
    for p in parts:
        p = p.strip(" .;:")
        if re.fullmatch(_NAME, p):
            out.append(_clean_name(p))
    return out


def letter_meta(text: str, kind: str, path: str) -> Visit:
    v = Visit(kind=kind)
    head = text[:4000]
    m = _LETTER_TITLE.search(head)
    if m:
        v.la_name = re.sub(r"\s+", " ", m.group(2)).strip()
    m = re.search(r"visit to .{2,120}? on (.{6,90}?)(?:\.|\n)", head, re.I | re.S) or \
        re.search(r"visit.{0,200}?\bon\s+(\d.{4,80}?\d{4})", head, re.I | re.S)
    if m:
        v.start_date, v.end_date = parse_range(m.group(1))
    m = _VISIT_NO.search(head)
    if m:
        v.visit_number = parse_ordinal(next(g for g in m.groups() if g))
    m = _INADEQUATE.search(head)
    if m:
        month = m.group(1)
        d = make_date("1", month, m.group(2)) if month else None
        v.inadequate_date = f"{d:%Y-%m}" if d else m.group(2)
    m = _BY.search(head) or _WERE.search(head)
    if m:
        v.inspectors = _names_list(m.group(m.lastindex))
    # lead inspector: the signature after "Yours sincerely"
    m = re.search(r"Yours sincerely\s*\n+\s*" + _NAME, text)
    if m:
        v.lead_inspector = _clean_name(m.group(1))
    elif v.inspectors:
        v.lead_inspector = v.inspectors[0]
    if v.lead_inspector and v.lead_inspector not in v.inspectors:
        v.inspectors.insert(0, v.lead_inspector)
    # the letter's date line (before "Dear"): publication date
    dear = re.search(r"^Dear\b", head, re.M)
    top = head[: dear.start()] if dear else head[:400]
    dm = DATE_RE.search(top)
    v.published = make_date(*dm.groups()) if dm else published_from_filename(path)
    fm = re.search(r"\b(ILACS|inspection of local authority children[’']s services|single inspection framework|SIF)\b", text[:8000], re.I)
    if fm:
        v.framework = "sif" if fm.group(1).lower() in ("sif", "single inspection framework") else "ilacs"
    return v


def focus_areas(text: str, areas_block: str) -> list[str]:
    """Bullets (or first sentence) of the 'Areas covered by the visit' section."""
    items = [l[1:].strip().rstrip(".;") for l in areas_block.split("\n") if l.startswith("•")]
    if items:
        return items
    sents = [s for s in re.split(r"(?<=\.)\s+", areas_block.strip()) if s]
    out = []
    for s in sents:
        if re.search(r"framework|inspection of local authority|ILACS", s, re.I):
            continue
        out.append(s.strip())
        break
    return out


def progress_verdict(headline: str) -> Optional[str]:
    if not headline.strip():
        return None
    sents = re.split(r"(?<=\.)\s+", headline.strip())
    for chunk in (sents[0], " ".join(sents[:2]), headline):  # the opening sentence carries the verdict
        for rx, key in PROGRESS_RES:
            if rx.search(chunk):
                return key
    return None


def paper_meta(text: str, path: str) -> Visit:
    """A council's own paper about a visit: which council, and its date (never Ofsted findings)."""
    v = Visit(kind="council_paper")
    head = text[:3000]
    for name, c in names_by_length():
        mm = re.search(r"\b" + re.escape(name) + r"\b", head, re.I)
        if mm and len(name) > 3:
            line_start = head.rfind("\n", 0, mm.start()) + 1
            line_end = head.find("\n", mm.end())
            line = head[line_start: line_end if line_end > 0 else None].strip()
            v.la_name = line if len(line) <= 80 else mm.group(0)
            break
    dm = DATE_RE.search(text[:800])
    v.published = make_date(*dm.groups()) if dm else published_from_filename(path)
    return v
