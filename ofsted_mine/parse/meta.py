"""Visit metadata: council, dates, visit number, inspectors, focus areas, judgements."""

from __future__ import annotations

import re
from pathlib import Path

from ..councils import names_by_length
from ..model import Document, Visit
from .dates import DATE_RE, make_date, parse_date, parse_ordinal, parse_range
from .patterns import GRADE_RE, JUDGEMENT_RES, LSCB_RE, PROGRESS_RES, SIF_OVERALL_RES, norm_grade

_WORD = r"[A-Z][^\W\d_’'\-]*(?:[’'\-][^\W\d_]+)*"  # a capitalised word ("O’Neil", "Smith-Jones")
_NAME = r"(" + _WORD + r"(?:\s+(?:[A-Z]\.?(?=\s)|" + _WORD + r"|de|van|von|da|del|la|le)){1,3})"
#: a person's name as printed (two to four capitalised words; "de", "van"… inside)
NAME = _NAME
_INSP_TITLE = (
    r"(?:,?\s*(?:Her|His) Majesty[’']s Inspectors?|,?\s*HMI\b|,?\s*Ofsted Inspectors?|"
    r",?\s*Social Care Regulatory Inspector)"
)
_LEAD_RES = [
    re.compile(r"Lead inspectors?(?: on site)?\s*:?\s*" + _NAME, re.M),
    re.compile(r"Reporting inspector\s*:?\s*" + _NAME),
]
_RANGE_LABEL = re.compile(r"Inspection dates?\s*:?\s*(.{6,140})", re.I)


def clean_name(n: str) -> str:
    """A person's name as printed, without the title or role that follows it."""
    n = re.sub(r"\s+", " ", n).strip(" ,.")
    n = re.sub(
        r"\s+(Her|His|HMI|Ofsted|Deputy|Team|Inspectors?|Quality|Age|Published|Lead|Judgement|Senior|"
        r"Regulatory|Social|Report|Inspection|Date|Dates)\b.*$",
        "",
        n,
    )
    return n


def council_from_text(printed: str | None, text: str, kind: str | None = None, *, strict: bool | None = None):
    """The council a document is about, from its printed name only: the table's council, else
    a council not in the table under its printed name (``Council.unlisted``). Never a name
    found elsewhere in the text (Ofsted's own address, the body). ``text`` is unused (kept
    for callers). ``strict=False`` (a council paper's, as its kind declares): the printed
    line may hold more words around the name; by default, strict unless ``kind`` is a council
    paper."""
    from ..councils import council_for_printed

    return council_for_printed(printed, strict=kind != "council_paper" if strict is None else strict)


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


def _printed_la_inspection(text: str, framework: str | None) -> str | None:
    lines = [l.strip() for l in text.split("\n")[:12] if l.strip()]
    head = "\n".join(lines)
    m = re.search(
        r"Inspection of\s+(?!local authority)(?!children)(?!services for)(?!looked after)(.{2,120}?)\s+(?:lo"
        r"cal authority\s+)?children[’']s (?:social care )?services",
        head,
        re.I | re.S,
    )
    if m:
        return re.sub(r"^the\s+", "", re.sub(r"\s+", " ", m.group(1)))
    m = re.search(
        r"^Inspection of\s+(?!local authority)(?!children)(?!services for)(?!looked after)([^\n]{2,100})\n\s"
        r"*Inspection dates?",
        head,
        re.I | re.M,
    )
    if m:
        return m.group(1).strip()
    m = re.search(
        r"Inspection of looked after children services\s*\n?(.{2,80}?)\s*\n?Inspection dates?",
        head,
        re.I | re.S,
    )
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


def judgements_inspection(text: str, framework: str | None) -> dict[str, str]:
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
    labels: list[tuple[int, int, str]] = []
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
    """The grades of a 2012–13 inspection of looked after children services (their own scale)."""
    zone = re.sub(r"\s+", " ", text[:12000])
    out = {}
    for label, key in [
        ("overall effectiveness", "lac2013_overall"),
        ("capacity to improve", "lac2013_capacity"),
        ("outcomes for children and young people", "lac2013_outcomes"),
        ("quality of provision", "lac2013_provision"),
        ("leadership and management", "lac2013_leadership"),
    ]:
        m = re.search(label + r"\s*:?\s*(outstanding|good|adequate|inadequate)", zone, re.I)
        if m:
            out[key] = m.group(1).lower()
    return out


_TEAM = re.compile(
    r"(?:Deputy lead inspectors?|Team inspectors?|(?<!Lead )(?<!lead )Inspectors?)\s*:\s*(.{3,400}?)"
    r"(?=\s*(?:Deputy lead|Team inspectors?|Shadow inspectors?|Senior data analyst|Data analyst|"
    r"Quality assurance|Senior HMI|Senior inspector|Regulatory inspector|Inspection team|"
    r"Ofsted produces|Any complaints)|\n|$)",
    re.S,
)


def inspection_team(text: str) -> list[str]:
    """Deputy lead and team inspectors as a report's "Information about this inspection" lists them
    ("Deputy lead inspector: A", "Team inspectors: B, C and D (AI)"); shadows and analysts are left out."""
    names: list[str] = []
    zone = text[-15000:] if len(text) > 15000 else text
    for m in _TEAM.finditer(zone):
        # roles after a name: "(AI)", "(Seconded Inspector)", "HMI", "AI", "SCRI"
        part = re.sub(r"\([^)]{1,40}\)|\b[A-Z]{2,5}\b", ",", m.group(1))
        for n in _names_list(part):
            if n not in names:
                names.append(n)
    return names


def inspection_meta(text: str, framework: str | None, path: str) -> Visit:
    """An inspection report's metadata: council as printed, dates, lead inspector and team,
    publication date and judgements (by framework)."""
    v = Visit(kind="inspection", framework=framework)
    v.la_name = _printed_la_inspection(text, framework)
    m = _RANGE_LABEL.search(text[:3000])
    if m:
        v.start_date, v.end_date = parse_range(m.group(1))
    for rx in _LEAD_RES:
        m = rx.search(text)
        if m:
            v.lead_inspector = clean_name(m.group(1))
            break
    v.inspectors = [v.lead_inspector] if v.lead_inspector else []
    for n in inspection_team(text):
        if n not in v.inspectors:
            v.inspectors.append(n)
    m = re.search(
        r"Report published\s*:?\s*(\d{1,2}\s+\w+\s+\d{4})|Published\s*:\s*(\d{1,2}\s+\w+\s+\d{4})",
        text[:3000],
    )
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
    r"(Monitoring|Focused|Assurance) visit (?:to|"
    r"of)\s+(.{2,120}?)\s+(?:local authority\s+)?children[’']s services",
    re.I | re.S,
)
_VISIT_NO = re.compile(
    r"(?:was|is) the (\w+) monitoring visit|the (\w+) monitoring visit (?:to|of|since)|"
    r"(\w+) monitoring visit since",
    re.I,
)
_ORDINAL_VISIT = re.compile(
    r"\b(first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|"
    r"thirteenth|fourteenth|fifteenth|\d{1,2}(?:st|nd|rd|th))\s+monitoring\s+visit\b",
    re.I,
)
_INADEQUATE = re.compile(
    r"judged (?:to be )?inadequate(?: for (?:its )?overall effectiveness)? (?:in|at its inspection in|"
    r"following an inspection in|at (?:the|its) (?:last |previous )?inspection (?:published )?in) "
    r"(\w+)?\s*(\d{4})",
    re.I,
)
# the sentences of a letter's opening that name its inspectors, in every phrasing since 2013:
# "The visit was carried out by His Majesty's Inspectors A and B.", "The inspectors were A and B,
# Her Majesty's Inspectors.", "A, HMI, and B, Ofsted Inspector, carried out the visit.",
# "The lead inspector was A.", "Lead inspector: A", "A (lead inspector) and B, HMI"
_INSP_CUE = re.compile(
    r"Majesty[’']s\s+Inspector|\bS?HMIs?\b|\binspectors?\s+(?:(?:for|on)\s+(?:this|the)\s+visit\s+)?(?:were|"
    r"was)\b|"
    r"\b(?:carried\s+out|conducted|undertaken|led|attended|completed)\s+(?:\w+\s+)?by\b|\blead\s+inspector\b|"
    r"Ofsted\s+Inspector|Regulatory\s+Inspector|^\s*(?:the\s+)?(?:visiting\s+)?inspectors?\s*:",
    re.I,
)
_INSP_LEADIN = re.compile(
    r"^.*?\b(?:(?:carried\s+out|conducted|undertaken|led|attended|completed)\s+(?:\w+\s+)?by|"
    r"inspectors?\s+(?:(?:for|on)\s+(?:this|the)\s+visit\s+)?(?:were|was)|lead\s+inspector\s+(?:was|is)|"
    r"lead\s+inspector\s*:|^\s*(?:the\s+)?(?:visiting\s+)?inspectors?\s*:)",
    re.I | re.S,
)
_INSP_TRAIL = re.compile(
    r"\b(?:carried\s+out|conducted|undertook|led|completed|visited)\b(?!\s+by).*$", re.I | re.S
)
_INSP_TITLES = re.compile(
    r"(?:Senior\s+)?(?:Her|His)\s+Majesty[’']s\s+Inspectors?|\(\s*S?HMIs?\s*\)|\bS?HMIs?\b|"
    r"Ofsted\s+Inspectors?|\(\s*OIs?\s*\)|Social\s+Care\s+Regulatory\s+Inspectors?|"
    r"\(?\s*lead\s+inspector\s*\)?|\b(?:the|also)\b",
    re.I,
)
_LEAD_MARK = re.compile(  # names are case-sensitive; only the keywords ignore case
    r"(?i:lead\s+inspector\s*(?::|was|is)\s*|\bled\s+by\s+)"
    + _NAME
    + r"|"
    + _NAME
    + r"(?i:\s*(?:\(\s*lead(?:\s+inspector)?\s*\)|,\s*lead\s+inspector\b))"
)
_HMI_TITLE = re.compile(r"(?:Senior\s+)?(?:Her|His)\s+Majesty[’']s\s+Inspectors?,?\s*(?:\(\s*S?HMI\s*\)\s*)?")
_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-Z‘“])|\n")


_NOT_A_PERSON = re.compile(
    r"\b(?:Commission|Council|Inspectorate|Services?|Ofsted|Authority|Board|Partnership|"
    r"Police|Department|Agency|Trust|Framework|Children|Education|Health|Care|Probation|"
    r"Constabulary|Government|England|Team|Hub)\b"
)


def _names_list(s: str) -> list[str]:
    """Names in a phrase that lists inspectors, with their titles and connectives removed."""
    s = _INSP_TITLES.sub(",", s)
    out = []
    s = re.sub(r"\b(?:supported|assisted|accompanied|joined)\s+by\b|\bwith\b", ",", s)
    for p in re.split(r",|;|\(|\)|\band\b|&", s):
        p = p.strip(" .;:")
        if not p:
            continue
        m = re.fullmatch(_NAME, p) or re.match(_NAME + r"(?=\s+[a-z])", p)
        if m:
            name = clean_name(m.group(1))
            if name and _NOT_A_PERSON.search(name):  # "the Care Quality Commission", "Local Authority"
                continue
            if name and name not in out:
                out.append(name)
    return out


def letter_inspectors(opening: str) -> tuple[list[str], str | None]:
    """(inspectors in the order printed, the lead when the opening says who led) from a letter's opening."""
    names: list[str] = []
    lead = None
    for sent in _SENT.split(opening):
        if not _INSP_CUE.search(sent):
            continue
        m = _LEAD_MARK.search(_HMI_TITLE.sub("", sent))  # "led by Her Majesty's Inspector A"
        if m and lead is None:
            lead = clean_name(m.group(1) or m.group(2))
        body = _INSP_LEADIN.sub(",", sent, count=1)
        body = _INSP_TRAIL.sub("", body)
        for n in _names_list(body):
            if n not in names:
                names.append(n)
    return names, lead


def letter_meta(text: str, kind: str, path: str) -> Visit:
    """A monitoring or focused visit letter's metadata: council as printed, visit dates, visit
    number, when the council was judged inadequate, inspectors and lead, letter date, framework."""
    v = Visit(kind=kind)
    head = text[:4000]
    m = _LETTER_TITLE.search(head)
    if m:
        v.la_name = re.sub(r"\s+", " ", m.group(2)).strip()
    m = re.search(
        r"visit to .{2,120}? (?:on|between|from) ((?:[A-Z][a-z]+day,?\s+)?\d.{4,90}?)(?:\.|\n)",
        head,
        re.I | re.S,
    ) or re.search(r"visit.{0,200}?\bon\s+(\d.{4,80}?\d{4})", head, re.I | re.S)
    if m:
        v.start_date, v.end_date = parse_range(m.group(1))
    m = _VISIT_NO.search(head)
    if m and parse_ordinal(next(g for g in m.groups() if g)):
        v.visit_number = parse_ordinal(next(g for g in m.groups() if g))
    else:  # "This was the local authority's seventh monitoring visit"
        m = _ORDINAL_VISIT.search(head)
        if m:
            v.visit_number = parse_ordinal(m.group(1))
    m = _INADEQUATE.search(head)
    if m:
        month = m.group(1)
        d = make_date("1", month, m.group(2)) if month else None
        v.inadequate_date = f"{d:%Y-%m}" if d else m.group(2)
    dear = re.search(r"^Dear\b", head, re.M)
    opening = head[dear.end() if dear else 0 :]
    areas = re.search(
        r"^(?:Areas? covered|Headline findings|Findings and evaluation|Main findings|"
        r"Areas? for priority action)",
        opening,
        re.M | re.I,
    )
    opening = opening[: areas.start()] if areas else opening[:2500]
    v.inspectors, lead = letter_inspectors(opening)
    # lead inspector: as the opening says, else the signature after "Yours sincerely"
    m = re.search(r"Yours sincerely\s*\n+\s*" + _NAME, text)
    if lead:
        v.lead_inspector = lead
    elif m:
        v.lead_inspector = clean_name(m.group(1))
    elif v.inspectors:
        v.lead_inspector = v.inspectors[0]
    if v.lead_inspector and v.lead_inspector not in v.inspectors:
        v.inspectors.insert(0, v.lead_inspector)
    # the letter's date line (before "Dear"): publication date
    dear = re.search(r"^Dear\b", head, re.M)
    top = head[: dear.start()] if dear else head[:400]
    dm = DATE_RE.search(top)
    v.published = make_date(*dm.groups()) if dm else published_from_filename(path)
    fm = re.search(
        r"\b(ILACS|inspection of local authority children[’']s services|single inspection framework|SIF)\b",
        text[:8000],
        re.I,
    )
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


def letter_finish(doc: Document) -> None:
    """A monitoring or focused visit letter, once segmented: its focus areas (from the "Areas
    covered" sections) and its overall progress verdict (from the headline findings, else the
    opening of the findings)."""
    text, sections, visit = doc.text, doc.sections, doc.visit
    areas = [s for s in sections if s.kind == "areas_covered"]
    if areas:
        block = "\n".join(text[s.start : s.end] for s in areas)
        visit.focus_areas = focus_areas(text, block.split("\n", 1)[1] if "\n" in block else "")
    head = [s for s in sections if s.kind == "headline_findings"]
    src = text[head[0].start : head[0].end].split("\n", 1)[-1] if head else ""
    if not src:
        main = [s for s in sections if s.kind == "findings"]
        src = text[main[0].start : main[0].end].split("\n", 1)[-1][:1200] if main else ""
    visit.progress_verdict = progress_verdict(src)


def progress_verdict(headline: str) -> str | None:
    """A visit's overall verdict class from its headline findings (``PROGRESS_VERDICTS``), or None."""
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
    for name, _council in names_by_length():
        mm = re.search(r"\b" + re.escape(name) + r"\b", head, re.I)
        if mm and len(name) > 3:
            line_start = head.rfind("\n", 0, mm.start()) + 1
            line_end = head.find("\n", mm.end())
            line = head[line_start : line_end if line_end > 0 else None].strip()
            v.la_name = line if len(line) <= 80 else mm.group(0)
            break
    dm = DATE_RE.search(text[:800])
    v.published = make_date(*dm.groups()) if dm else published_from_filename(path)
    return v
