from datetime import date

import pytest

from ofsted_mine.model import Page, ReadResult
from ofsted_mine.parse import detect_kind, parse
from ofsted_mine.parse.dates import parse_ordinal, parse_range
from ofsted_mine.parse.meta import judgements_inspection, progress_verdict
from ofsted_mine.read import read_file


@pytest.mark.parametrize(
    "text,start,end",
    [
        ("16 and 17 October 2019", date(2019, 10, 16), date(2019, 10, 17)),
        ("28 February to 1 March 2023", date(2023, 2, 28), date(2023, 3, 1)),
        ("30 November 2021 to 1 December 2021", date(2021, 11, 30), date(2021, 12, 1)),
        ("8 – 12 July 2013", date(2013, 7, 8), date(2013, 7, 12)),
        ("16 September – 8 October 2014", date(2014, 9, 16), date(2014, 10, 8)),
        ("12/09/2016 to 06/10/2016", date(2016, 9, 12), date(2016, 10, 6)),
        (
            "8 July 2019 to 12 July 2019 and 7 August 2019 to 8 August 2019",
            date(2019, 7, 8),
            date(2019, 8, 8),
        ),
        ("28 July 2016", date(2016, 7, 28), date(2016, 7, 28)),
    ],
)
def test_date_ranges(text, start, end):
    assert parse_range(text) == (start, end)


def test_ordinals():
    assert parse_ordinal("seventh") == 7 and parse_ordinal("5th") == 5 and parse_ordinal("first") == 1
    assert parse_ordinal("many") is None


def test_letter_metadata_and_structure(letter_pdf):
    doc = parse(read_file(letter_pdf))
    v = doc.visit
    assert v.kind == "monitoring_visit"
    assert v.la == "Wyvern Vale" and v.la_urn == "990001"
    assert (v.start_date, v.end_date) == (date(2023, 2, 28), date(2023, 3, 1))
    assert v.visit_number == 3 and v.inadequate_date == "2021-05"
    assert v.lead_inspector == "Alex Thornbury"
    assert v.inspectors == ["Alex Thornbury", "Priya Castellan"]
    assert v.published == date(2023, 3, 14)
    assert v.framework == "ilacs"
    assert v.focus_areas == [
        "The quality of assessments for children in need of help and protection",
        "Management oversight and supervision",
    ]
    assert v.progress_verdict == "insufficient_progress"
    kinds = [s.kind for s in doc.sections]
    assert kinds.index("areas_covered") < kinds.index("headline_findings") < kinds.index("findings")
    body = [f for f in doc.findings if f.section_kind == "findings"]
    assert [f.paragraph for f in body] == ["1", "2", "2", "3"]
    assert (
        body[1].text == "Frequent changes of social worker have led to drift in planning for some children."
    )
    # offsets point back into the cleaned text, and pages are right
    for f in doc.findings:
        assert doc.text[f.start : f.end] == f.text
        assert f.page == doc.page_of(f.start)
    # salutation, address and signature are not findings
    assert not any(
        "Yours sincerely" in f.text or "Dear" in f.text
        for f in doc.findings
        if f.section_kind not in ("header", "closing")
    )


def test_judgement_table_with_grades_on_their_own_lines():
    text = (
        "Inspection of Wyvern Vale local authority children’s services\n"
        "Inspection dates: 8 to 19 November 2021\n"
        "Lead inspector: Alex Thornbury, His Majesty’s Inspector\nJudgement Grade\n"
        "The impact of leaders on social work practice with children and families\nInadequate\n"
        "The experiences and progress of\nchildren who need help and protection\n"
        "Requires improvement to be good\n"
        "The experiences and progress of children in care\nRequires improvement\nto be good\n"
        "The experiences and progress of care leavers\nGood\nOverall effectiveness Inadequate\n"
        + "Children in Wyvern Vale do not receive a good service. "
        * 6
    )
    j = judgements_inspection(text, "ilacs")
    assert j == {
        "leaders": "inadequate",
        "help_protection": "requires improvement",
        "in_care": "requires improvement",
        "care_leavers": "good",
        "overall": "inadequate",
    }


def test_no_overall_row_after_april_2026():
    text = (
        "Inspection of Wyvern Vale local authority children’s services\nJudgement Grade\n"
        "The impact of leaders on practice with children and families\nGood\n"
        "The experiences and progress of children who need help and protection\nGood\n"
        "The experiences and progress of children in care\nOutstanding\n"
        "The experiences and progress of care leavers\nGood\n" + "Overall the services are good. " * 10
    )
    j = judgements_inspection(text, "ilacs")
    assert "overall" not in j and j["in_care"] == "outstanding" and j["leaders"] == "good"


def test_kinds():
    assert detect_kind("Focused visit to Kestrel Bay children’s services\nDear x")[0] == "focused_visit"
    assert detect_kind(
        "Kestrel Bay Council\nInspection of services for children in need of help and protection, "
        "children looked after and care leavers"
    )[:2] == ("inspection", "sif")
    paper = (
        "REPORT TO: CABINET 12 May 2022\nSUBJECT: Feedback from the Ofsted monitoring visit\n"
        "RECOMMENDATIONS\nThe Cabinet is recommended to note the letter from Ofsted."
    )
    assert detect_kind(paper)[0] == "council_paper"
    assert detect_kind("Minutes of the allotment society. Tomatoes grew well.")[0] == "unknown"


@pytest.mark.parametrize(
    "text,verdict",
    [
        ("Progress has been too slow since the last visit.", "insufficient_progress"),
        ("Leaders have made significant progress in improving services.", "good_progress"),
        ("Serious weaknesses remain in the help children receive.", "serious_weaknesses"),
        ("There are early signs of improvement in some areas.", "some_progress"),
    ],
)
def test_progress_verdicts(text, verdict):
    assert progress_verdict(text) == verdict


def test_unknown_document_is_flagged():
    rr = ReadResult(
        path="x.txt",
        sha256="0" * 64,
        format="text",
        pages=[Page(1, "Minutes of the allotment society.\nTomatoes grew well this year.")],
    )
    doc = parse(rr)
    assert doc.visit.kind == "unknown" and doc.visit.la is None
    assert any("unknown" in w for w in doc.warnings)


def test_heading_table_matches_one_pattern_at_a_time():
    """The combined heading regex gives the same kind as trying the table's patterns in order."""
    from ofsted_mine.headings import SECTION_RES, heading_kind

    samples = [
        "Areas covered by the visit",
        "Headline findings",
        "Findings and evaluation of progress",
        "Main findings",
        "Areas for priority action",
        "What needs to improve?",
        "Recommendations",
        "The experiences and progress of children who need help and protection: Good",
        "The experiences and progress of care leavers: requires improvement to be good",
        "The experiences and progress of children in care and care leavers: Good",
        "The impact of leaders on social work practice with children and families: Inadequate",
        "2.1 Adoption performance",
        "Executive summary",
        "Information about this inspection",
        "Contents",
        "Monitoring visit to Wyvern Vale children’s services",
        "Summary for children and young people",
        "The local authority",
        "Children in care are well supported.",
        "Next steps",
    ]
    for s in samples:
        expected = next(
            (k for rx, k in SECTION_RES if rx.search(s.split(":")[0].replace("2.1 ", "2.1 "))), None
        )
        assert heading_kind(s) == expected, s


# ---------------------------------------------------------------- a kind added by one module
# The whole of a new document kind: one declaration, registered. Nothing else in the package
# changes, and the parser detects it, reads its metadata and knows its headings.
from ofsted_mine import kinds as _kinds  # noqa: E402


def _toy_metadata(text: str, path: str, framework: str | None = None):
    import re

    from ofsted_mine.model import Visit
    from ofsted_mine.parse.dates import parse_range

    v = Visit(kind="toy_review")
    m = re.search(r"Practice week review of (.+?) children’s services", text)
    v.la_name = m.group(1) if m else None
    m = re.search(r"took place from (.+?\d{4})", text)
    if m:
        v.start_date, v.end_date = parse_range(m.group(1))
    return v


TOY = _kinds.DocKind(
    name="toy_review",
    kind="toy_review",
    label="practice week review",
    short="PWR",
    abbrev="pwr",
    detectors=(_kinds.Detector(r"practice week review of .{2,80}?children[’']s services", score=2.0),),
    metadata=_toy_metadata,
    fields=("la_name", "start_date", "end_date"),
    headings=((r"^what we saw$", "findings"), (r"^what happens next$", "what_needs_to_improve")),
    shape="letter",
)

TOY_TEXT = """4 June 2024

Dear Director

Practice week review of Eastmere children’s services

The review took place from 13 to 15 May 2024. Reviewers read the records of twenty children.

What we saw

Social workers visit children often and know them well. Plans for children in care are clear.

What happens next

Managers should check that every plan has a date for review.

Yours sincerely

A Reviewer
"""


@pytest.fixture
def toy_kind():
    _kinds.register(TOY)
    yield TOY
    _kinds.unregister(TOY.name)


def test_a_kind_registered_by_one_module_is_detected_and_parsed(toy_kind):
    from ofsted_mine.read import read_bytes

    assert detect_kind(TOY_TEXT) == ("toy_review", None)
    d = parse(read_bytes(TOY_TEXT.encode(), "review.txt"))
    v = d.visit
    assert (v.kind, v.la, v.start_date, v.end_date) == (
        "toy_review",
        "Eastmere",
        date(2024, 5, 13),
        date(2024, 5, 15),
    )
    kinds = {s.heading: s.kind for s in d.sections}
    assert kinds["What we saw"] == "findings" and kinds["What happens next"] == "what_needs_to_improve"
    assert kinds["(letter header)"] == "header" and kinds["(closing)"] == "closing"
    texts = {f.text: f.section_kind for f in d.findings}
    assert texts["Social workers visit children often and know them well."] == "findings"
    assert not any("Yours sincerely" in t or "Dear Director" in t for t in texts)
    assert d.warnings == []
    assert _kinds.by_id("toy_review").label == "practice week review"


def test_an_unregistered_kind_falls_back_visibly():
    """Without the toy kind the same text is not recognised: stored as 'unknown', with a warning."""
    from ofsted_mine.read import read_bytes

    assert "toy_review" not in [k.name for k in _kinds.all_kinds()]
    d = parse(read_bytes(TOY_TEXT.encode(), "review.txt"))
    assert d.visit.kind == "unknown"
    assert any("not recognised" in w for w in d.warnings)


def test_registry_refuses_ambiguous_declarations():
    with pytest.raises(ValueError, match="already registered"):
        _kinds.register(_kinds.get("jtai"))
    clash = _kinds.DocKind(name="x_inspection", kind="inspection", label="report", short="R", abbrev="r")
    with pytest.raises(ValueError, match="disagrees"):
        _kinds.register(clash)
    assert "x_inspection" not in [k.name for k in _kinds.all_kinds()]


def test_builtin_kinds_declare_what_the_pipeline_needs():
    """Every built-in kind is one module that declares its labels and, for Ofsted's kinds, how it
    is recognised and read; the vocabulary's kind lists are the registry's."""
    from ofsted_mine import vocab

    names = [k.name for k in _kinds.all_kinds()]
    assert names[: len(_kinds.BUILTIN_MODULES)] == list(_kinds.BUILTIN_MODULES)
    for k in _kinds.all_kinds():
        assert k.module.endswith(k.name) and k.label and k.short and k.abbrev
        if k.ofsted:
            assert k.detectors and k.metadata and k.fields
    assert vocab.DOC_KINDS == _kinds.kind_ids()
    assert set(vocab.OFSTED_KINDS) | set(vocab.NON_OFSTED_KINDS) == set(vocab.DOC_KINDS)
    assert [k.kind for k in _kinds.all_kinds() if k.fallback] == ["unknown"]


def test_jtai_metadata_when_the_title_is_broken_over_lines():
    """A JTAI title wrapped over two lines: the area and theme come from the opening sentence."""
    from ofsted_mine.kinds.jtai import jtai_meta

    text = (
        "12 March 2024\n\nDirector of Children’s Services, Eastmere\nChief Constable, Fenmarsh Police\n\n"
        "Dear local partners\n\nJoint targeted area inspection of the multi-agency response to\n"
        "serious youth violence in Eastmere\n\n"
        "This letter summarises the findings of a joint targeted area inspection (JTAI) of the "
        "multi-agency response to serious youth violence in Eastmere. This inspection took place from "
        "29 January to 2 February 2024. It was carried out by inspectors from Ofsted, the Care Quality "
        "Commission (CQC), His Majesty’s Inspectorate of Constabulary and Fire & Rescue Services "
        "(HMICFRS) and His Majesty’s Inspectorate of Probation (HMI Probation).\n"
    )
    v = jtai_meta(text, "x.pdf")
    assert v.la_name == "Eastmere"
    assert v.theme == "the multi-agency response to serious youth violence"
    assert (v.start_date, v.end_date, v.published) == (date(2024, 1, 29), date(2024, 2, 2), date(2024, 3, 12))
    assert v.partners == ["Fenmarsh Police"]
    assert v.inspectorates == ["Ofsted", "CQC", "HMICFRS", "HMI Probation"]
    assert detect_kind(text) == ("jtai", None)


SITE_TITLES = [
    ("Children's services inspection", "inspection"),
    ("Inspection of local authority children’s services", "inspection"),
    ("Inspection of services for children in need of help and protection", "inspection"),
    ("Re-inspection of services for children looked after and care leavers", "inspection"),
    ("Monitoring visit", "monitoring_visit"),
    ("Monitoring visit to Croydon children's services", "monitoring_visit"),
    ("Focused visit", "focused_visit"),
    ("Focussed visit to children's services", "focused_visit"),
    ("Assurance visit", "focused_visit"),
    ("Joint targeted area inspection", "jtai"),
    ("JTAI: the multi-agency response to children living with domestic abuse", "jtai"),
    ("Joint targeted area inspection of the response to children in need of help and protection", "jtai"),
    ("Annual engagement meeting letter", None),
    ("Inspection report", None),
    ("", None),
]


@pytest.mark.parametrize("title,kind", SITE_TITLES)
def test_kinds_name_the_website_listing(title, kind):
    """The kinds declare how Ofsted's website lists them (fetch reads the registry); a title no
    kind declares is None, never a guess."""
    from ofsted_mine.fetch import classify_kind

    assert _kinds.kind_from_site_title(title) == kind
    assert classify_kind(title) == kind


def test_kind_names_a_user_may_type():
    from ofsted_mine.fetch import FetchError, parse_kinds

    assert parse_kinds("mv, assurance-visit") == {"monitoring_visit", "focused_visit"}
    assert parse_kinds("Joint targeted area inspection,ilacs") == {"jtai", "inspection"}
    with pytest.raises(FetchError, match="choose from inspection, monitoring_visit, focused_visit, jtai"):
        parse_kinds("council_paper")  # not on Ofsted's website


def test_jtai_area_with_commas_in_its_name():
    from ofsted_mine.kinds.jtai import jtai_meta

    text = (
        "Joint targeted area inspection of the multi-agency response to children missing education "
        "in Saltmarsh, Fenby and Wyke\n\nBetween 4 and 8 March 2024, Ofsted and the Care Quality "
        "Commission (CQC) carried out a joint inspection.\n"
    )
    v = jtai_meta(text, "x.pdf")
    assert v.la_name == "Saltmarsh, Fenby and Wyke"
    assert v.theme == "the multi-agency response to children missing education"
    assert (v.start_date, v.end_date) == (date(2024, 3, 4), date(2024, 3, 8))
    assert v.inspectorates == ["Ofsted", "CQC"]
